"""PDF reports with a text layer: paragraphs and table grids with page provenance.

:func:`read_pdf` reads every character with its box, finds the tables (from
their ruling lines, or from text alignment where they have none), joins the
hard-wrapped lines back into paragraphs from the layout, drops page numbers
and running headers and footers, and returns a
:class:`~xxgk.document.Document` whose paragraphs and cells carry the page and
box they came from (PDF points, origin at the top-left of the page). The layout
work is in :mod:`xxgk.readers._pdf_layout` (lines, page furniture,
paragraphs) and :mod:`xxgk.readers._pdf_tables` (ruled, unruled and split tables).

Engines and licences
--------------------
Two engines read the PDF; both are permissively licensed and so fit an
Apache-2.0 library:

- ``"pdfplumber"`` (default): pdfplumber (MIT) on pdfminer.six (MIT). It gives
  characters with font and size, and the page's lines, rectangles and curves,
  from which the ruled tables are found.
- ``"pypdfium2"``: pypdfium2 (Apache-2.0 or BSD-3-Clause; PDFium itself is
  BSD-3-Clause/Apache-2.0). About fifteen times faster at reading characters;
  here the rulings are read from its path objects, and the same layout code
  runs on them. pypdfium2 has no table finder of its own.

Measured on the two corpus PDFs (``benchmarks/read.py``), both engines give
the same paragraphs and the same table grids (every paragraph ends at a
sentence end or is a heading; every gold sentence and table number is
found); pypdfium2 is four to five times faster (about 36 against 7 pages a
second on a loaded two-core machine). pdfplumber stays the default for
accuracy on unseen files: PDFium drops text objects of a single ideograph in
a non-embedded CJK font (a vertical table label written one character per
object vanishes; see the split-table fixture), its results then depend on
the fonts installed on the machine, and its loose character boxes are wrong
for some font matrices (patched here from the tight boxes). pdfminer reads
such text from the CMaps alone, the same on every machine.
PyMuPDF (fitz) is not used: it is AGPL-3.0 (or a paid licence), which an
Apache-2.0 library cannot depend on.

Bad input raises a typed error naming the file and what to do:
:class:`~xxgk.errors.ScannedPDFError` (no text layer: OCR needed),
:class:`~xxgk.errors.GarbledTextError` (a text layer that is mojibake, found by
:func:`xxgk.readers.garble.looks_garbled`), :class:`~xxgk.errors.CorruptFileError`
(truncated or damaged) and :class:`~xxgk.errors.EncryptedFileError`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from typing import Any

from ..document import Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from ..errors import CorruptFileError, EncryptedFileError, GarbledTextError, ScannedPDFError
from ._pdf_layout import (
    Char,
    Edge,
    PageContent,
    ParagraphLines,
    TableSegment,
    build_lines,
    drop_furniture,
    join_paragraphs,
)
from ._pdf_tables import chars_outside, find_ruled_tables, find_unruled_tables, merge_split_tables
from .garble import CID_MARKER, garble_stats, looks_garbled

__all__ = ["read_pdf", "read_pdf_pages", "ENGINES"]

#: The engines :func:`read_pdf` accepts.
ENGINES = ("pdfplumber", "pypdfium2")

_MIN_TEXT_CHARS = 20
_MIN_FONT_CHARS = 20
_BAD_FONT_SHARE = 0.1


def read_pdf(data: bytes, path: str, *, engine: str = "pdfplumber", ocr: str = "never") -> Document:
    """Read a text-layer PDF report into a Document.

    Parameters
    ----------
    data : bytes
        The PDF file's bytes.
    path : str
        The file's name, used in messages and provenance.
    engine : {"pdfplumber", "pypdfium2"}, default "pdfplumber"
        Which library reads characters and rulings (see the module notes).
    ocr : {"never", "auto", "always"}, default "never"
        OCR pages with no (or a garbled) text layer (``"auto"``), or every
        page (``"always"``); see :mod:`xxgk.ocr`. :func:`xxgk.read` passes
        ``"auto"`` by default.

    Returns
    -------
    Document
        Paragraphs (``provenance``: page, ``line`` = index of the first line
        among the page's text lines, ``bbox`` of that line, ``page_end`` when
        the paragraph runs on to a later page) and tables (``source_form``
        ``"grid"``; each cell with page, bbox, table, row and column).
        Reader notes (dropped glyphs, image-only pages) are in ``warnings``.

    Raises
    ------
    ScannedPDFError
        The PDF has no text layer.
    GarbledTextError
        The text layer is mojibake.
    CorruptFileError
        The file is truncated or damaged.
    EncryptedFileError
        The file needs a password.

    Examples
    --------
    >>> from pathlib import Path
    >>> pdf = Path("../shared/corpus/001_huaian_hongze_2023.pdf")
    >>> doc = read_pdf(pdf.read_bytes(), str(pdf)) if pdf.exists() else None
    """
    pages = read_pdf_pages(data, path, engine=engine)
    warnings: list[str] = []
    ocr_pages: dict = {}
    ocr_meta = None
    if ocr != "never":
        from ..ocr.pdf import ocr_pdf_pages

        ocr_pages, ocr_meta = ocr_pdf_pages(pages, data, path, ocr, warnings)
    _check_text_layer(pages, path, warnings)
    doc = _assemble(pages, path, warnings)
    if ocr_meta is not None:
        from ..ocr.page import annotate_document

        ocr_meta["uncertain"] = annotate_document(doc, ocr_pages)
        doc.meta.ocr = ocr_meta
    return doc


def read_pdf_pages(data: bytes, path: str, *, engine: str = "pdfplumber") -> list[PageContent]:
    """The characters, rulings and image count of every page, as an engine reads them.

    Parameters
    ----------
    data : bytes
        The PDF file's bytes.
    path : str
        The file's name, for messages.
    engine : {"pdfplumber", "pypdfium2"}, default "pdfplumber"
        Which library reads the file.

    Returns
    -------
    list of PageContent
    """
    if engine not in ENGINES:
        raise ValueError(f"The 'engine' parameter of read_pdf must be one of {ENGINES}. Got {engine!r} instead.")
    if b"%%EOF" not in data[-4096:] and b"%%EOF" not in data:
        raise CorruptFileError(path, "The PDF is truncated (it has no end-of-file marker).",
                               "Download or copy the file again.")
    reader: Callable[[bytes, str], list[PageContent]] = _pages_pdfplumber if engine == "pdfplumber" else _pages_pdfium
    return reader(data, path)


# --------------------------------------------------------------------------
# engines


def _is_white(color: Any) -> bool:
    """Whether a pdfminer colour value is (near) white."""
    if isinstance(color, (int, float)):
        return color >= 0.95
    if isinstance(color, (tuple, list)) and color and all(isinstance(v, (int, float)) for v in color):
        if len(color) == 4:  # CMYK
            return all(v <= 0.05 for v in color)
        return all(v >= 0.95 for v in color)
    return False


def _rect_edges(x0: float, top: float, x1: float, bottom: float) -> list[Edge]:
    return [
        Edge(x0, top, x1, top, "h"),
        Edge(x0, bottom, x1, bottom, "h"),
        Edge(x0, top, x0, bottom, "v"),
        Edge(x1, top, x1, bottom, "v"),
    ]


def _thin_box_edge(x0: float, top: float, x1: float, bottom: float) -> list[Edge]:
    """A filled box at most 2 pt thick is a ruling drawn as a rectangle."""
    w, h = x1 - x0, bottom - top
    if h <= 2.0 and w > 2.0:
        y = (top + bottom) / 2
        return [Edge(x0, y, x1, y, "h")]
    if w <= 2.0 and h > 2.0:
        x = (x0 + x1) / 2
        return [Edge(x, top, x, bottom, "v")]
    return []


def _segment_edges(points: list[tuple[float, float]]) -> list[Edge]:
    """Axis-aligned edges of a polyline (top-left coordinates)."""
    out: list[Edge] = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if abs(ay - by) < 1.0 and abs(ax - bx) >= 1.0:
            y = (ay + by) / 2
            out.append(Edge(min(ax, bx), y, max(ax, bx), y, "h"))
        elif abs(ax - bx) < 1.0 and abs(ay - by) >= 1.0:
            x = (ax + bx) / 2
            out.append(Edge(x, min(ay, by), x, max(ay, by), "v"))
    return out


def _plumber_edges(page: Any) -> list[Edge]:
    edges: list[Edge] = []
    for ln in page.lines:
        if _is_white(ln.get("stroking_color")):
            continue
        edges.extend(_segment_edges([(ln["x0"], ln["top"]), (ln["x1"], ln["bottom"])]))
    for r in page.rects:
        box = (r["x0"], r["top"], r["x1"], r["bottom"])
        if r.get("stroke") and not _is_white(r.get("stroking_color")):
            edges.extend(_thin_box_edge(*box) or _rect_edges(*box))
        elif r.get("fill") and not _is_white(r.get("non_stroking_color")):
            edges.extend(_thin_box_edge(*box))
    for c in page.curves:
        if c.get("stroke") and not _is_white(c.get("stroking_color")):
            edges.extend(_segment_edges([(x, y) for x, y in c.get("pts", [])]))
    return edges


def _open_error(err: Exception, path: str) -> Exception:
    """Turn an engine's exception on opening into a typed xxgk error."""
    names = {type(err).__name__}
    inner = err.args[0] if err.args and isinstance(err.args[0], Exception) else None
    if inner is not None:
        names.add(type(inner).__name__)
    if isinstance(err, MemoryError) or isinstance(inner, MemoryError):  # not damage: the file's budget types it
        return MemoryError(f"{path}: out of memory while parsing the PDF")
    text = f"{err} {inner or ''}".lower()
    if names & {"PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"} or "password" in text:
        return EncryptedFileError(path, "The PDF is password-protected.",
                                  "Open it with its password and save an unprotected copy, then read that.")
    return CorruptFileError(path, f"The PDF cannot be parsed ({type(inner or err).__name__}: {inner or err}).",
                            "The file is truncated or damaged: download or copy it again.")


def _pages_pdfplumber(data: bytes, path: str) -> list[PageContent]:
    import pdfplumber

    from ._safety import check_pages, loops_seen, pdfminer_guard

    loops_before = loops_seen()
    pages: list[PageContent] = []
    try:  # issue 15: within the guard a reference loop raises instead of looping forever
        with pdfminer_guard(), pdfplumber.open(BytesIO(data)) as pdf:
            for no, page in enumerate(pdf.pages, start=1):
                chars = [
                    Char(c["text"], c["x0"], c["top"], c["x1"], c["bottom"], float(c.get("size") or 0.0), c.get("fontname", ""))
                    for c in page.chars
                ]
                pages.append(PageContent(number=no, width=float(page.width), height=float(page.height), chars=chars,
                                         edges=_plumber_edges(page), images=len(page.images)))
                page.close()  # issue 15: drop the page's layout objects, so memory stays flat in page count
    except Exception as err:  # pdfminer raises many untyped errors on bad files
        raise _open_error(err, path) from err
    with pdfminer_guard():
        check_pages(pages, data, path, loops_before)  # no page, or no text from a loop: damage, not a scan
    return pages


def _pages_pdfium(data: bytes, path: str) -> list[PageContent]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as err:
        import pypdfium2.raw as raw

        if "password" in str(err).lower() or raw.FPDF_GetLastError() == raw.FPDF_ERR_PASSWORD:
            raise EncryptedFileError(path, "The PDF is password-protected.",
                                     "Open it with its password and save an unprotected copy, then read that.") from err
        raise _open_error(err, path) from err
    try:
        return [_pdfium_page(pdf[i], i + 1) for i in range(len(pdf))]
    except Exception as err:
        raise _open_error(err, path) from err
    finally:
        pdf.close()


def _pdfium_page(page: Any, number: int) -> PageContent:
    import ctypes

    import pypdfium2.raw as raw

    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom

    def to_top(y: float) -> float:
        return top - y

    chars: list[Char] = []
    tp = page.get_textpage()
    n = tp.count_chars()
    rect = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pending_high: int | None = None
    for i in range(n):
        if raw.FPDFText_IsGenerated(tp.raw, i) == 1:
            continue
        code = raw.FPDFText_GetUnicode(tp.raw, i)
        if 0xD800 <= code <= 0xDBFF:
            pending_high = code
            continue
        if 0xDC00 <= code <= 0xDFFF and pending_high is not None:
            code = 0x10000 + ((pending_high - 0xD800) << 10) + (code - 0xDC00)
        pending_high = None
        if raw.FPDFText_HasUnicodeMapError(tp.raw, i) == 1:
            text = f"(cid:{code})"
        else:
            text = chr(code) if code else ""
        if not text or text.isspace():
            continue
        if not raw.FPDFText_GetLooseCharBox(tp.raw, i, rect):
            continue
        raw.FPDFText_GetMatrix(tp.raw, i, matrix)  # the font size is in text space: scale it
        size = float(raw.FPDFText_GetFontSize(tp.raw, i)) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        got = raw.FPDFText_GetFontInfo(tp.raw, i, buf, len(buf), ctypes.byref(flags))
        font = buf.value.decode("utf-8", "replace") if got else ""
        x0, x1, y0, y1 = rect.left, rect.right, rect.bottom, rect.top
        if size and (x1 - x0 > 2.0 * size or y1 - y0 > 2.0 * size):
            # PDFium's loose box is off for some font matrices: use the glyph's
            # tight box, widened to the font size around its centre.
            tight = [ctypes.c_double() for _ in range(4)]
            if raw.FPDFText_GetCharBox(tp.raw, i, *(ctypes.byref(v) for v in tight)):
                gl, gr, gb, gt = (v.value for v in tight)
                cx, cy = (gl + gr) / 2, (gb + gt) / 2
                x0, x1 = min(gl, cx - size / 2), max(gr, cx + size / 2)
                y0, y1 = cy - size / 2, cy + size / 2
        chars.append(Char(text, x0 - left, to_top(y1), x1 - left, to_top(y0), size, font))
    tp.close()
    edges: list[Edge] = []
    images = 0
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    count = raw.FPDFPage_CountObjects(page.raw)
    stack = [(raw.FPDFPage_GetObject(page.raw, k), identity, 0) for k in range(count)]
    while stack:
        obj, parent, depth = stack.pop()
        kind = raw.FPDFPageObj_GetType(obj)
        m = raw.FS_MATRIX()
        raw.FPDFPageObj_GetMatrix(obj, m)
        own = (m.a, m.b, m.c, m.d, m.e, m.f)
        if kind == raw.FPDF_PAGEOBJ_IMAGE:
            images += 1
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < 8:
            matrix = _compose(own, parent)
            stack.extend((raw.FPDFFormObj_GetObject(obj, k), matrix, depth + 1) for k in range(raw.FPDFFormObj_CountObjects(obj)))
        elif kind == raw.FPDF_PAGEOBJ_PATH:
            edges.extend(_pdfium_path_edges(obj, _compose(own, parent), left, to_top))
    return PageContent(number=number, width=width, height=height, chars=chars, edges=edges, images=images)


def _compose(m: tuple, parent: tuple) -> tuple:
    """The matrix applying ``m`` then ``parent`` (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = parent
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _pdfium_path_edges(obj: Any, matrix: tuple, left: float, to_top: Callable[[float], float]) -> list[Edge]:
    import ctypes

    import pypdfium2.raw as raw

    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
    rgba = [ctypes.c_uint() for _ in range(4)]

    def white(getter: Callable) -> bool:
        if not getter(obj, *(ctypes.byref(v) for v in rgba)):
            return False
        return all(v.value >= 242 for v in rgba[:3]) or rgba[3].value == 0

    stroked = bool(stroke.value) and not white(raw.FPDFPageObj_GetStrokeColor)
    filled = bool(fill.value) and not white(raw.FPDFPageObj_GetFillColor)
    if not stroked and not filled:
        return []
    a, b, c, d, e, f = matrix
    subpaths: list[list[tuple[float, float]]] = []
    x = ctypes.c_float()
    y = ctypes.c_float()
    for k in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, k)
        raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
        pt = (px - left, to_top(py))
        if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([pt])
        else:
            subpaths[-1].append(pt)
        if raw.FPDFPathSegment_GetClose(seg) and subpaths[-1]:
            subpaths[-1].append(subpaths[-1][0])
    edges: list[Edge] = []
    for pts in subpaths:
        if stroked:
            edges.extend(_segment_edges(pts))
        else:
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            edges.extend(_thin_box_edge(min(xs), min(ys), max(xs), max(ys)))
    return edges


# --------------------------------------------------------------------------
# checks on the text layer


def _check_text_layer(pages: list[PageContent], path: str, warnings: list[str]) -> None:
    """Raise on a missing or garbled text layer; drop what a broken font drew."""
    n_chars = sum(1 for p in pages for c in p.chars if c.text.strip())
    if n_chars < _MIN_TEXT_CHARS:
        images = sum(p.images for p in pages)
        what = f"its {len(pages)} page(s) hold {images} image(s) and no text" if images else "it holds no text"
        raise ScannedPDFError(path, f"The PDF has no text layer ({what}): it is scanned or its text was turned into outlines.",
                              "Read it with OCR (--ocr auto; needs `pip install 'xxgk[ocr]'`), or OCR it first "
                              "(e.g. `ocrmypdf --language chi_sim in.pdf out.pdf`) and read the OCR'd PDF.")
    all_text = "".join(c.text for p in pages for c in p.chars)
    if looks_garbled(all_text):
        stats = garble_stats(all_text)
        raise GarbledTextError(path, f"The PDF's text layer is garbled (mojibake: {stats.score:.0%} of its characters "
                               "are not Chinese text; its fonts map glyphs to the wrong characters).",
                               "Its text cannot be trusted: OCR the rendered pages instead "
                               "(e.g. `ocrmypdf --force-ocr --language chi_sim in.pdf out.pdf`).")
    by_font: dict[str, list[str]] = defaultdict(list)
    for p in pages:
        for c in p.chars:
            by_font[c.font].append(c.text)
    bad_fonts = {f for f, texts in by_font.items() if len(texts) >= _MIN_FONT_CHARS and looks_garbled("".join(texts))}
    bad_share = sum(len(by_font[f]) for f in bad_fonts) / max(n_chars, 1)
    if bad_share > _BAD_FONT_SHARE:
        raise GarbledTextError(path, f"{bad_share:.0%} of the PDF's text is garbled (font(s) {', '.join(sorted(bad_fonts))} "
                               "map glyphs to the wrong characters).",
                               "OCR the rendered pages instead (e.g. `ocrmypdf --force-ocr --language chi_sim in.pdf out.pdf`).")
    dropped: Counter = Counter()
    for p in pages:
        keep = []
        for c in p.chars:
            if c.font in bad_fonts:
                dropped["in garbled fonts " + ", ".join(sorted(bad_fonts))] += 1
            elif CID_MARKER.fullmatch(c.text) or _private_use(c.text):
                dropped["with no Unicode value (private-use or unmapped glyphs)"] += 1
            else:
                keep.append(c)
        p.chars = keep
    for why, n in dropped.items():
        warnings.append(f"{path}: dropped {n} character(s) {why}.")
    for p in pages:
        if p.images and not p.chars:
            warnings.append(f"{path}: page {p.number} is an image with no text layer; its content was not read (OCR it).")


def _private_use(text: str) -> bool:
    return any(0xE000 <= ord(ch) <= 0xF8FF or ord(ch) == 0xFFFD for ch in text)


# --------------------------------------------------------------------------
# assembly


def _top(item: Any) -> float:
    return item.bbox[1]


def _assemble(pages: list[PageContent], path: str, warnings: list[str]) -> Document:
    per_page_lines = []
    per_page_tables: list[list[TableSegment]] = []
    for page in pages:
        ruled = find_ruled_tables(page)
        lines = build_lines(chars_outside(page.chars, ruled), page.number)
        for k, ln in enumerate(lines, start=1):
            ln.index = k
        per_page_lines.append(lines)
        per_page_tables.append(ruled)
    body = drop_furniture(per_page_lines, [p.height for p in pages])
    items_per_page: list[list[Any]] = []
    for lines, ruled in zip(body, per_page_tables):
        unruled, rest = find_unruled_tables(lines)
        items_per_page.append(sorted([*ruled, *unruled, *rest], key=_top))
    items = merge_split_tables(join_paragraphs(items_per_page))
    blocks: list[Paragraph | Table] = []
    for item in items:
        if isinstance(item, ParagraphLines):
            blocks.append(_paragraph(item, path))
        else:
            blocks.append(_table(item, path))
    doc = Document(meta=DocumentMeta(pages=len(pages)), blocks=blocks, warnings=warnings)
    for table in doc.tables:  # cell provenance names the table's final index
        for cell in table.cells:
            cell.provenance = replace(cell.provenance, table=table.index)
    return doc


_SPACE_IN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def _paragraph(par: ParagraphLines, path: str) -> Paragraph:
    first = par.lines[0]
    last_page = par.lines[-1].page
    scores = [c.score for ln in par.lines for c in ln.chars if hasattr(c, "score")]  # OCR'd characters
    prov = Provenance(file=path, page=first.page, line=first.index, bbox=first.bbox,
                      page_end=last_page if last_page != first.page else None,
                      ocr_confidence=round(sum(scores) / len(scores), 4) if scores else None)
    return Paragraph(text=par.text.strip(), provenance=prov, heading=par.heading)


def _table(seg: TableSegment, path: str) -> Table:
    cells = [
        Cell(
            text=_SPACE_IN_CJK.sub("", c.text).strip(),
            row=c.row,
            col=c.col,
            rowspan=c.rowspan,
            colspan=c.colspan,
            provenance=Provenance(file=path, page=c.page, bbox=c.bbox, table=0, row=c.row, col=c.col),
        )
        for c in seg.cells
    ]
    last_page = seg.pages[-1] if seg.pages else seg.page
    prov = Provenance(file=path, page=seg.page, bbox=seg.bbox, page_end=last_page if last_page != seg.page else None)
    return Table(cells=cells, provenance=prov, source_form="grid")
