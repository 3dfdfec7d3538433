"""One page image → the :class:`~xxgk.readers._pdf_layout.PageContent` a text-layer PDF page gives.

OCR'd characters become layout characters (PDF points, top-left origin) with
their confidence, and ruling lines found in the image become ruling edges,
so the PDF reader's own table finder and paragraph builder run on them
unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..document import Document
from ..readers._pdf_layout import Char, Edge, PageContent
from .engine import OCREngine
from .image import drop_red, ruling_edges, upright

__all__ = ["OCRChar", "PageOCR", "ocr_page", "annotate_document", "UNCERTAIN_SCORE"]

#: A digit recognised with less confidence than this is uncertain: in a table
#: cell it is not trusted (the value becomes ``None`` with an ``ocr_uncertain``
#: finding unless the table's arithmetic settles it).
UNCERTAIN_SCORE = 0.9


@dataclass(slots=True)
class OCRChar(Char):
    """A layout character read by OCR, with its confidence."""

    score: float = 1.0


@dataclass
class PageOCR:
    """What OCR did to one page: turn, skew, mean confidence, time."""

    page: int
    rotation: int = 0
    skew: float = 0.0
    confidence: float | None = None
    lines: int = 0
    reason: str = ""
    chars: list[OCRChar] = field(default_factory=list)
    #: dark pixels of the upright page, at ``ink_scale`` points per pixel (to tell a blank cell from an unread one)
    ink: np.ndarray | None = None
    ink_scale: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "reason": self.reason, "rotation": self.rotation, "skew": round(self.skew, 2),
                "confidence": None if self.confidence is None else round(self.confidence, 4), "lines": self.lines}


def ocr_page(pixels: np.ndarray, number: int, dpi: float, engine: OCREngine, reason: str = "") -> tuple[PageContent, PageOCR]:
    """OCR one page image.

    Parameters
    ----------
    pixels : ndarray
        RGB ``uint8`` image of the page.
    number : int
        1-based page number.
    dpi : float
        Resolution of ``pixels``; coordinates become PDF points (1/72 inch).
    engine : OCREngine
        The engine that reads the page.
    reason : str
        Why the page is OCR'd (recorded in the metadata).

    Returns
    -------
    page : PageContent
        Characters (:class:`OCRChar`) and ruling edges in points, on the page
        as turned upright and straightened.
    info : PageOCR
    """
    img = drop_red(pixels)
    img, rotation, skew = upright(img, engine)
    f = 72.0 / dpi
    h, w = img.shape[:2]
    chars: list[OCRChar] = []
    lines = engine.recognize(img)
    # Line boxes vary in height with their content (brackets, digits, Latin):
    # lines of about the same height get one size, so that the layout code
    # sees one body size (and one table size) as on a text-layer page.
    sizes = _line_sizes([ln.bbox[3] - ln.bbox[1] for ln in lines])
    for ln, height in zip(lines, sizes):
        size = max(height * f, 1.0)
        kept = [c for c in ln.chars if c.text.strip()]
        for k, c in enumerate(kept):
            x0, top, x1, bottom = c.bbox
            if k + 1 < len(kept) and c.text in _NUMERIC and kept[k + 1].text in _NUMERIC:
                x1 = max(x1, kept[k + 1].bbox[0])  # one number: no gap (the layout would read a space)
            if k == 0:  # the line's ends from its detected box: steadier than the character positions
                x0 = min(x0, ln.bbox[0])
            if k == len(kept) - 1:
                x1 = max(x1, ln.bbox[2])
            chars.append(OCRChar(c.text, x0 * f, top * f, x1 * f, bottom * f, size, "ocr", c.score))
    edges = [Edge(x0 * f, t * f, x1 * f, b * f, o) for x0, t, x1, b, o in ruling_edges(img)]
    step = max(1, int(round(dpi / 100)))  # about 100 dpi is enough to see ink
    # a block is ink when any of its pixels is dark (sampling one pixel a block loses thin strokes); "dark"
    # is well below paper (>= ~230 even with scanner noise) but takes in the grey of thin anti-aliased strokes
    dark = img[: h - h % step, : w - w % step].min(axis=2) < 170
    ink = dark.reshape(h // step, step, w // step, step).any(axis=(1, 3))
    conf = float(np.mean([c.score for c in chars])) if chars else None
    info = PageOCR(page=number, rotation=rotation, skew=skew, confidence=conf, lines=len(lines), reason=reason,
                   chars=chars, ink=ink, ink_scale=f * step)
    return PageContent(number=number, width=w * f, height=h * f, chars=list(chars), edges=edges, images=1), info


def _line_sizes(heights: list[float], step: float = 0.1, span: float = 0.4) -> list[float]:
    """Each line height replaced by the median of its cluster.

    Sorted heights form one cluster until one exceeds the previous by more
    than ``step`` (a jump: another font size) or the cluster's smallest by
    more than ``span``.
    """
    order = sorted(range(len(heights)), key=lambda i: heights[i])
    out = list(heights)
    k = 0
    while k < len(order):
        j = k + 1
        while (j < len(order) and heights[order[j]] <= heights[order[j - 1]] * (1 + step)
               and heights[order[j]] <= heights[order[k]] * (1 + span)):
            j += 1
        med = float(np.median([heights[i] for i in order[k:j]]))
        for i in order[k:j]:
            out[i] = med
        k = j
    return out


def block_confidence(chars: list[Any]) -> float | None:
    """Mean confidence of the OCR'd characters among ``chars`` (None when none was OCR'd)."""
    scores = [c.score for c in chars if isinstance(c, OCRChar)]
    return round(float(np.mean(scores)), 4) if scores else None


def _inside(c: OCRChar, bbox: tuple[float, float, float, float]) -> bool:
    cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
    return bbox[0] <= cx <= bbox[2] and bbox[1] <= cy <= bbox[3]


_DIGIT = re.compile(r"\d")
_NUMERIC = set("0123456789.,，%")


def annotate_document(doc: Document, pages: dict[int, PageOCR], threshold: float = UNCERTAIN_SCORE) -> list[dict[str, Any]]:
    """Give OCR'd table cells their confidence and hide their uncertain digits.

    A digit of a cell read with confidence below ``threshold`` is replaced by
    ``?`` in the cell's text, so the table extractors see an unreadable cell
    (``None``, never a guess); the reading is kept in the returned records
    (stored in ``doc.meta.ocr["uncertain"]``) for
    :func:`xxgk.ocr.digits.review_uncertain`, which lets the template's
    arithmetic confirm or correct it.

    Returns
    -------
    list of dict
        One record per cell with uncertain digits: ``page``, ``table``,
        ``row``, ``col``, ``read`` (the OCR's text), ``text`` (as stored),
        ``scores`` (the digits' confidences).
    """
    from dataclasses import replace

    from ..extract.cells import is_number_token

    records: list[dict[str, Any]] = []
    for table in doc.tables:
        for cell in table.cells:
            prov = cell.provenance
            info = pages.get(prov.page or 0)
            if info is None or prov.bbox is None:
                continue
            inside = sorted((c for c in info.chars if _inside(c, prov.bbox)), key=lambda c: (round(c.top / 4), c.x0))
            if not inside:
                if not cell.text.strip() and _has_ink(info, prov.bbox):  # something is written there, and OCR read nothing
                    records.append({"page": prov.page, "table": table.index, "row": cell.row, "col": cell.col, "read": "",
                                    "text": "?", "scores": []})
                    cell.text = "?"
                continue
            cell.provenance = replace(prov, ocr_confidence=round(float(np.mean([c.score for c in inside])), 4))
            if not is_number_token(cell.text):  # a label ("1.属于国家秘密"): its digits are not values
                continue
            digits = [c for c in inside if _DIGIT.fullmatch(c.text)]
            doubtful = [k for k, c in enumerate(digits) if c.score < threshold]
            if not doubtful:
                continue
            positions = [m.start() for m in _DIGIT.finditer(cell.text)]
            text = list(cell.text)
            if len(positions) == len(digits):
                for k in doubtful:
                    text[positions[k]] = "?"
            else:  # the cell's digits and the characters do not line up: distrust them all
                for p in positions:
                    text[p] = "?"
            records.append({"page": prov.page, "table": table.index, "row": cell.row, "col": cell.col, "read": cell.text,
                            "text": "".join(text), "scores": [round(c.score, 4) for c in digits]})
            cell.text = "".join(text)
    return records


def _has_ink(info: PageOCR, bbox: tuple[float, float, float, float]) -> bool:
    """Whether the inner part of a cell (away from its rulings) holds a mark the size of a small glyph."""
    if info.ink is None:
        return False
    s = info.ink_scale
    x0, top, x1, bottom = bbox
    mx, my = 0.15 * (x1 - x0) + 1.5, 0.15 * (bottom - top) + 1.5
    a = info.ink[int((top + my) / s): int((bottom - my) / s) + 1, int((x0 + mx) / s): int((x1 - mx) / s) + 1]
    if a.size == 0:
        return False
    # a dash or slash (an empty cell's mark) is thin: ask for ink over a glyph-like area
    rows = np.flatnonzero(a.any(axis=1))
    cols = np.flatnonzero(a.any(axis=0))
    if len(rows) == 0:
        return False
    return int(a.sum()) >= 6 and (rows[-1] - rows[0] + 1) * s >= 4.0 and (cols[-1] - cols[0] + 1) * s >= 2.0


def page_size_dpi(width_px: int, height_px: int, dpi: float | None) -> float:
    """The resolution of a page image: its own, or the one that makes it an A4 page (210 x 297 mm)."""
    if dpi:
        return dpi
    short = min(width_px, height_px)
    return max(short / (210 / 25.4), 50.0)
