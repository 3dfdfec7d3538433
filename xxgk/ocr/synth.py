"""Synthetic scans for testing and benchmarking OCR: real reports rendered, degraded and wrapped as image-only PDFs.

Nothing here is needed to read scans; it makes them from text-layer
reports so that OCR can be scored against the text layer of the very same
pages:

- :func:`render_pdf` renders PDF pages to images (pypdfium2);
- :func:`document_to_pdf` draws a report read from HTML (or any format) as
  a text-layer PDF (paragraphs, ruled tables with merged cells; reportlab's
  built-in STSong-Light font, so no font file is needed);
- :func:`degrade` makes a page look scanned: resolution, slight skew, noise,
  JPEG compression, a red stamp-like circle, a quarter turn;
- :func:`images_to_pdf` wraps images as an image-only PDF (no text layer).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from ..document import Document, Paragraph, Table

__all__ = ["Degradation", "render_pdf", "document_to_pdf", "degrade", "images_to_pdf", "DEGRADATIONS"]


@dataclass(frozen=True)
class Degradation:
    """How to spoil one page: ``dpi`` of the scan, ``skew`` degrees, Gaussian ``noise`` (grey levels),
    ``jpeg`` quality (0: none), ``stamp`` (a red circle over text), ``turn`` (clockwise degrees: 0/90/180/270).
    """

    dpi: int = 200
    skew: float = 0.0
    noise: float = 0.0
    jpeg: int = 0
    stamp: bool = False
    turn: int = 0


#: The mix used by the tests and benchmarks/ocr.py, page after page (cycled).
DEGRADATIONS = (
    Degradation(dpi=200, skew=1.2, noise=8, jpeg=70, stamp=True),
    Degradation(dpi=150, skew=-0.8, noise=6, jpeg=60),
    Degradation(dpi=300, skew=2.0, noise=10, jpeg=80, turn=90),
    Degradation(dpi=200, skew=-1.8, noise=5, jpeg=75),
    Degradation(dpi=250, skew=0.5, noise=8, jpeg=65, stamp=True),
)


def render_pdf(data: bytes, dpi: int = 200, pages: list[int] | None = None):
    """Pages (0-based indices; all by default) of a PDF as RGB PIL images."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        idx = range(len(pdf)) if pages is None else pages
        return [pdf[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in idx]
    finally:
        pdf.close()


def degrade(img, how: Degradation, seed: int = 0, render_dpi: int = 300):
    """A scanned-looking copy of a page image rendered at ``render_dpi``."""
    import numpy as np
    from PIL import Image, ImageDraw

    rnd = random.Random(seed)
    if how.dpi != render_dpi:
        f = how.dpi / render_dpi
        img = img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.Resampling.LANCZOS)
    if how.stamp:
        draw = ImageDraw.Draw(img, "RGBA")
        r = int(img.width * 0.11)
        cx = int(img.width * rnd.uniform(0.55, 0.75))
        cy = int(img.height * rnd.uniform(0.25, 0.6))
        w = max(3, r // 12)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(220, 30, 30, 200), width=w)
        draw.ellipse((cx - r // 5, cy - r // 5, cx + r // 5, cy + r // 5), fill=(220, 30, 30, 170))
    if how.skew:
        img = img.rotate(how.skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    if how.noise:
        arr: np.ndarray = np.asarray(img, dtype=np.float32)  # float64 once the noise is added
        arr = arr + np.random.default_rng(seed).normal(0, how.noise, arr.shape[:2])[..., None]
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if how.turn:
        img = img.rotate(-how.turn, expand=True)
    if how.jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=how.jpeg)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    img.info["dpi"] = (how.dpi, how.dpi)
    return img


def images_to_pdf(images, dpi: int | list[int] = 200) -> bytes:
    """An image-only PDF (one image per page, no text layer)."""
    dpis = dpi if isinstance(dpi, list) else [dpi] * len(images)
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for img, d in zip(images, dpis):
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=92)
        w, h = img.width * 72 / d, img.height * 72 / d
        page = out.new_page(w, h)
        obj = pdfium.PdfImage.new(out)
        obj.load_jpeg(io.BytesIO(buf.getvalue()), inline=True)
        obj.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(obj)
        page.gen_content()
    res = io.BytesIO()
    out.save(res)
    return res.getvalue()


def _wrap(text: str, width: float, size: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, cur = [], ""
    for ch in text:
        if stringWidth(cur + ch, "STSong-Light", size) > width and cur:
            lines.append(cur)
            cur = ""
        cur += ch
    return [*lines, cur] if cur or not lines else lines


def document_to_pdf(doc: Document, body_size: float = 11.0, table_size: float = 8.0) -> bytes:
    """Draw a report as a text-layer A4 PDF: paragraphs wrapped (headings bold-sized), tables as ruled grids."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=A4)
    W, H = A4
    left, right, top, bottom = 60.0, W - 60.0, H - 60.0, 60.0
    y = top

    def new_page() -> None:
        nonlocal y
        cv.showPage()
        y = top

    for block in doc.blocks:
        if isinstance(block, Paragraph):
            size = body_size + (1 if block.heading else 0)
            lead = size * 1.7
            first = block.text.strip()
            if not first:
                continue
            lines = _wrap(("" if block.heading else "\u3000\u3000") + first, right - left, size)
            for ln in lines:
                if y - lead < bottom:
                    new_page()
                cv.setFont("STSong-Light", size)
                cv.drawString(left, y - size, ln)
                y -= lead
            y -= size * 0.3
        elif isinstance(block, Table) and block.cells:
            y = _draw_table(cv, block, y, left, right, bottom, top, table_size)
    cv.save()
    return buf.getvalue()


def _draw_table(cv, table: Table, y: float, left: float, right: float, bottom: float, top: float, size: float) -> float:
    """Draw a table from ``y`` down, over as many pages as it needs; return the ``y`` below it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    n_cols = max(c.col + c.colspan for c in table.cells)
    n_rows = max(c.row + c.rowspan for c in table.cells)
    # column widths: proportional to the longest single-column text, at least 3 characters
    need = [3 * size] * n_cols
    for c in table.cells:
        if c.colspan == 1:
            need[c.col] = max(need[c.col], min(stringWidth(c.text, "STSong-Light", size) + 6, 12 * size))
    scale = (right - left) / sum(need)
    widths = [w * scale for w in need]
    lefts = [left]
    for w in widths:
        lefts.append(lefts[-1] + w)
    pad = 2.5
    heights = [size * 1.8] * n_rows
    for c in table.cells:
        if c.rowspan == 1:
            w = lefts[c.col + c.colspan] - lefts[c.col] - 2 * pad
            n = len(_wrap(c.text, w, size))
            heights[c.row] = max(heights[c.row], n * size * 1.3 + 2 * pad)
    y -= 6
    row = 0
    cv.setLineWidth(0.6)
    while row < n_rows:
        # rows that fit on this page (a merged cell keeps its rows together)
        start = row
        tops = [y]
        while row < n_rows and tops[-1] - heights[row] >= bottom:
            tops.append(tops[-1] - heights[row])
            row += 1
        while row > start and any(c.row < row < c.row + c.rowspan for c in table.cells):
            row -= 1
            tops.pop()
        if row == start:  # not even one row fits: new page
            cv.showPage()
            y = top
            continue
        for c in table.cells:
            if not (start <= c.row < row):
                continue
            x1, x2 = lefts[c.col], lefts[c.col + c.colspan]
            t1, t2 = tops[c.row - start], tops[min(c.row + c.rowspan, row) - start]
            cv.rect(x1, t2, x2 - x1, t1 - t2, stroke=1, fill=0)
            lines = _wrap(c.text, x2 - x1 - 2 * pad, size)
            ty = (t1 + t2) / 2 + (len(lines) * size * 1.3) / 2 - size
            cv.setFont("STSong-Light", size)
            for ln in lines:
                tw = stringWidth(ln, "STSong-Light", size)
                cv.drawString((x1 + x2) / 2 - tw / 2, ty, ln)
                ty -= size * 1.3
        y = tops[-1]
        if row < n_rows:
            cv.showPage()
            y = top
    return y - 12
