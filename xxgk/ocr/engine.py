"""The OCR engine interface, and the one engine shipped: RapidOCR on ONNX Runtime.

An engine turns one page image into text lines, each with its box, its
characters' boxes and a confidence per character. Everything else (deskew,
orientation, rulings, layout, tables) is engine-independent, so another
engine (tesseract through ``tesseract-ocr-chi-sim``, a GPU engine) plugs in
by implementing :class:`OCREngine` and calling :func:`register_engine`.

The default engine, ``"rapidocr"``, runs PaddleOCR's PP-OCRv6 detection and
recognition models (Apache-2.0) converted to ONNX, on CPU. The models ship
inside the ``rapidocr`` wheel (``rapidocr/models/*.onnx``); xxgk passes their
paths explicitly, so the package's model-hub download code is never reached
and nothing is fetched at run time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["OCRChar", "OCRLine", "OCREngine", "RapidOCREngine", "register_engine", "get_engine",
           "available_engines", "DEFAULT_ENGINE", "EngineMissing"]

#: The engine :func:`get_engine` returns when none is named.
DEFAULT_ENGINE = "rapidocr"

BBox = tuple[float, float, float, float]


class EngineMissing(ImportError):
    """The engine's package is not installed (the ``ocr`` extra is missing)."""


@dataclass(frozen=True, slots=True)
class OCRChar:
    """One recognised character: text, box ``(x0, top, x1, bottom)`` in image pixels, confidence in [0, 1]."""

    text: str
    bbox: BBox
    score: float


@dataclass
class OCRLine:
    """One recognised text line with its box (image pixels) and characters."""

    text: str
    bbox: BBox
    score: float
    chars: list[OCRChar] = field(default_factory=list)


@runtime_checkable
class OCREngine(Protocol):
    """What an OCR engine provides.

    Attributes
    ----------
    name : str
        Short engine name, e.g. ``"rapidocr"``.
    version : str
        The engine package's version (recorded in every OCR'd document).
    """

    name: str
    version: str

    def recognize(self, image: np.ndarray) -> list[OCRLine]:
        """Text lines of an RGB ``uint8`` image (H x W x 3), in any order."""
        ...

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line quadrilaterals (4 x 2 arrays of pixel points) of an image, without recognition."""
        ...

    def describe(self) -> dict[str, Any]:
        """Engine name, version and models, for the document's metadata."""
        ...


def _box(points: Any) -> BBox:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    return (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))


class RapidOCREngine:
    """RapidOCR (``rapidocr`` + ``onnxruntime``) with the models its wheel ships.

    Parameters
    ----------
    threads : int, default 0
        ONNX Runtime intra-op threads (0: let ONNX Runtime decide).

    Raises
    ------
    EngineMissing
        ``rapidocr`` or ``onnxruntime`` is not installed.
    """

    name = "rapidocr"

    def __init__(self, threads: int = 0) -> None:
        try:
            import importlib.metadata as md
            from pathlib import Path

            import onnxruntime  # noqa: F401
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as err:
            raise EngineMissing(str(err)) from err
        models = Path(rapidocr.__file__).parent / "models"
        self.models = {
            "det": models / "PP-OCRv6_det_small.onnx",
            "rec": models / "PP-OCRv6_rec_small.onnx",
            "cls": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        }
        missing = [str(p) for p in self.models.values() if not p.is_file()]
        if missing:
            raise EngineMissing(f"the rapidocr package lacks its bundled models ({', '.join(missing)})")
        self.version = md.version("rapidocr")
        self.runtime = md.version("onnxruntime")
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.return_word_box": True,
            "Global.return_single_char_box": True,
            "Det.model_path": str(self.models["det"]),
            "Rec.model_path": str(self.models["rec"]),
            "Cls.model_path": str(self.models["cls"]),
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = int(threads)
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
        self._ocr = RapidOCR(params=params)
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "version": self.version, "onnxruntime": self.runtime,
                "models": sorted(p.name for p in self.models.values())}

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            out = self._ocr(image, use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)  # a TextDetOutput, or an empty RapidOCROutput when nothing is found
        return [] if boxes is None else [np.asarray(b, dtype=float) for b in boxes]

    def read_line(self, image: np.ndarray) -> tuple[str, float]:
        """Text and confidence of an image holding one text line (no detection)."""
        with self._lock:
            out = self._ocr(image, use_det=False, use_cls=False, use_rec=True)
        txts = getattr(out, "txts", None) or ("",)
        scores = getattr(out, "scores", None) or (0.0,)
        return str(txts[0]), float(scores[0])

    def recognize(self, image: np.ndarray) -> list[OCRLine]:
        with self._lock:
            out = self._ocr(image, use_det=True, use_cls=False, use_rec=True)
        from rapidocr.utils.output import RapidOCROutput

        if not isinstance(out, RapidOCROutput) or out.boxes is None or not out.txts or out.scores is None:
            return []  # no text found (rapidocr then returns its detector's or recogniser's output type)
        # rapidocr annotates word_results as one (char, score, box) triple; it holds a tuple of them per line
        words: list[Any] = list(out.word_results) if len(out.word_results) == len(out.txts) else [()] * len(out.txts)
        lines: list[OCRLine] = []
        for box, text, score, word_line in zip(out.boxes, out.txts, out.scores, words):
            lb = _box(box)
            chars: list[OCRChar] = []
            for item in word_line or ():
                if len(item) != 3 or item[2] is None:
                    continue
                ch, s, cb = item
                b = _box(cb)
                for k, piece in enumerate(ch):  # a "word" of several characters: split its box evenly
                    w = (b[2] - b[0]) / max(len(ch), 1)
                    chars.append(OCRChar(piece, (b[0] + k * w, lb[1], b[0] + (k + 1) * w, lb[3]), float(s)))
            if "".join(c.text for c in chars).replace(" ", "") != text.replace(" ", ""):
                chars = _even_chars(text, lb, float(score))
            lines.append(OCRLine(text=text, bbox=lb, score=float(score), chars=chars))
        return lines


def _even_chars(text: str, bbox: BBox, score: float) -> list[OCRChar]:
    """Characters spread evenly over the line box (when the engine gives no character boxes)."""
    text = text.replace(" ", "")
    n = max(len(text), 1)
    w = (bbox[2] - bbox[0]) / n
    return [OCRChar(ch, (bbox[0] + k * w, bbox[1], bbox[0] + (k + 1) * w, bbox[3]), score) for k, ch in enumerate(text)]


_FACTORIES: dict[str, Callable[..., OCREngine]] = {"rapidocr": RapidOCREngine}
_CACHE: dict[tuple, OCREngine] = {}


def register_engine(name: str, factory: Callable[..., OCREngine]) -> None:
    """Make an engine available under ``name`` (``factory(**options)`` builds it)."""
    _FACTORIES[name] = factory


def available_engines() -> list[str]:
    return sorted(_FACTORIES)


def get_engine(name: str = DEFAULT_ENGINE, **options: Any) -> OCREngine:
    """The engine ``name``, built once per process and options.

    Raises
    ------
    EngineMissing
        The engine's package is not installed.
    ValueError
        No engine of that name.
    """
    if name not in _FACTORIES:
        raise ValueError(f"The 'engine' parameter must be one of {available_engines()}. Got {name!r} instead.")
    key = (name, tuple(sorted(options.items())))
    if key not in _CACHE:
        _CACHE[key] = _FACTORIES[name](**options)
    return _CACHE[key]
