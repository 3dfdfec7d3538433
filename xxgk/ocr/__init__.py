"""OCR for scanned reports: image-only PDF pages, garbled text layers and page images.

An optional stage (``pip install 'xxgk[ocr]'``), fully local: the engine and
its model weights come from PyPI wheels and nothing is downloaded at run
time. :func:`xxgk.read` takes ``ocr=``:

- ``"auto"`` (default): OCR only the pages that need it: a page that is an
  image with no text layer, or whose text layer is garbled (mojibake);
  image files (PNG, JPEG, TIFF) are always OCR'd;
- ``"always"``: OCR every page, ignoring any text layer;
- ``"never"``: never OCR; a scan raises :class:`~xxgk.errors.ScannedPDFError`.

Without the extra, a scan raises :class:`~xxgk.errors.OCRNotInstalledError`
(a :class:`~xxgk.errors.ScannedPDFError`) naming ``pip install 'xxgk[ocr]'``.

Each OCR'd page is turned upright (90/180/270 degrees) and straightened,
red stamps are whitened, and its text lines and ruling lines go through the
same layout and table code as a text-layer PDF (:mod:`xxgk.readers._pdf_layout`,
:mod:`xxgk.readers._pdf_tables`), so the result is the same
:class:`~xxgk.document.Document`: paragraphs and table cells with page, box
(PDF points on the page as turned upright) and ``ocr_confidence``. A table
digit read with low confidence is hidden (``?``) so that its value is
``None``, and :func:`xxgk.ocr.digits.review_uncertain` lets the template's
arithmetic confirm it or leave it flagged (finding ``ocr_uncertain``).
``doc.meta.ocr`` records the engine, its version and models, and what was
done to each page.
"""

from __future__ import annotations

from typing import Any

from ..errors import OCRError, OCRNotInstalledError
from .engine import DEFAULT_ENGINE, EngineMissing, OCREngine, available_engines, get_engine, register_engine

__all__ = ["OCR_MODES", "DEFAULT_OCR", "check_ocr_mode", "load_engine", "ocr_available", "OCREngine",
           "register_engine", "get_engine", "warm_engine", "page_error", "ocr_engine_id", "available_engines", "DEFAULT_ENGINE", "INSTALL_HINT", "RENDER_DPI"]

#: The values ``ocr=`` accepts.
OCR_MODES = ("auto", "always", "never")
#: The default of :func:`xxgk.read` and the CLI's ``--ocr``.
DEFAULT_OCR = "auto"
#: Resolution image-only PDF pages are rendered at for OCR.
RENDER_DPI = 200
INSTALL_HINT = "Install the optional OCR stage with `pip install 'xxgk[ocr]'` and read it again (--ocr auto)."


def check_ocr_mode(ocr: str) -> str:
    if ocr not in OCR_MODES:
        raise ValueError(f"The 'ocr' parameter must be one of {OCR_MODES}. Got {ocr!r} instead.")
    return ocr


def ocr_available() -> bool:
    """Whether the default engine can be loaded (the ``ocr`` extra is installed)."""
    try:
        load_engine()
    except OCRNotInstalledError:
        return False
    return True


def load_engine(path: str = "<ocr>", name: str = DEFAULT_ENGINE, **options: Any) -> OCREngine:
    """The OCR engine, or :class:`~xxgk.errors.OCRNotInstalledError` naming ``path`` and the extra to install."""
    try:
        return get_engine(name, **options)
    except EngineMissing as err:
        raise OCRNotInstalledError(path, f"It needs OCR, and the OCR engine is not installed ({err}).",
                                   INSTALL_HINT) from err


def warm_engine(name: str = DEFAULT_ENGINE) -> bool:
    """Build the engine now (once per process), if it is installed; returns whether it was.

    Called before a memory cap is set (``--memory``): ONNX Runtime, under the
    default engine, can crash when its sessions and threads start under the cap.
    """
    try:
        get_engine(name)
    except EngineMissing:
        return False
    return True


def page_error(path: str, number: int, err: Exception, hint: str) -> Exception:
    r"""The error to raise when the engine fails on page ``number`` of ``path``.

    Out of memory becomes ``MemoryError`` (the file's budget types it as
    :class:`~xxgk.errors.TooLargeError`, naming the ``--memory`` cap); any other
    failure is an :class:`~xxgk.errors.OCRError` with the last line of the
    engine's message (some engines put a whole traceback in it).

    >>> page_error("a.pdf", 2, RuntimeError("Traceback (most recent call last):\n  ...\nFail: bad model"), "Hint.")
    OCRError('a.pdf: OCR failed on page 2 (RuntimeError: Fail: bad model). Hint.')
    """
    from ..limits import out_of_memory

    if out_of_memory(err):
        return MemoryError(f"{path}: out of memory in OCR of page {number}")
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    detail = lines[-1][:300] if lines else ""
    return OCRError(path, f"OCR failed on page {number} ({type(err).__name__}{': ' + detail if detail else ''}).", hint)


def ocr_engine_id(name: str = DEFAULT_ENGINE) -> str:
    """``"<engine>-<version>"`` of the installed engine, or ``"<engine>-missing"``, without loading it."""
    import importlib.metadata as md

    try:
        return f"{name}-{md.version(name)}"
    except md.PackageNotFoundError:
        return f"{name}-missing"


def engine_meta(engine: OCREngine, mode: str) -> dict[str, Any]:
    meta = dict(engine.describe())
    meta["mode"] = mode
    return meta
