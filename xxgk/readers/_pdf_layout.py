"""Page layout for the PDF reader: characters in, lines and paragraphs out.

Engine-independent: :mod:`xxgk.readers.pdf` turns a PDF into
:class:`PageContent` (characters with boxes, ruling edges) with pdfplumber or
pypdfium2; the tables are found by :mod:`xxgk.readers._pdf_tables`, and what
is left works on these plain records:

1. :func:`build_lines`: the characters outside tables → text lines;
2. :func:`drop_furniture`: page numbers and running headers/footers;
3. :func:`join_paragraphs`: hard-wrapped lines → paragraphs, from the layout
   (line end against the column's right edge, first-line indent, font size,
   vertical gaps, centred titles, heading numbers), not punctuation alone.

Coordinates are PDF points with the origin at the top-left of the page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from statistics import median

__all__ = [
    "Char",
    "Edge",
    "PageContent",
    "Line",
    "TableCell",
    "TableSegment",
    "ParagraphLines",
    "build_lines",
    "join_text",
    "drop_furniture",
    "join_paragraphs",
    "HEADING_START",
    "ends_sentence",
]

# --------------------------------------------------------------------------
# records


@dataclass(slots=True)
class Char:
    """One glyph: its text and box (points, top-left origin), size and font."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    font: str = ""


@dataclass(slots=True)
class Edge:
    """An axis-aligned ruling segment (``orientation`` ``"h"`` or ``"v"``)."""

    x0: float
    top: float
    x1: float
    bottom: float
    orientation: str


@dataclass
class PageContent:
    """What an engine read from one page."""

    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    images: int = 0


@dataclass
class Line:
    """A text line: its characters in reading order and their union box.

    ``segments`` splits the line where a gap wider than about one character
    separates its characters (columns of an unruled table); ``index`` is the
    1-based number of the line among the page's text lines outside tables.
    """

    page: int
    chars: list[Char]
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    text: str
    segments: list[tuple[float, float, str]]
    index: int = 0

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class TableCell:
    """A cell of one table segment: its box, text and grid position."""

    bbox: tuple[float, float, float, float]
    text: str
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1
    page: int = 0


@dataclass
class TableSegment:
    """The part of a table on one page; :func:`merge_split_tables` joins them.

    ``xs`` are the column boundaries and ``ys`` the row boundaries of the
    segment; ``ruled`` says whether it came from ruling lines.
    """

    page: int
    bbox: tuple[float, float, float, float]
    cells: list[TableCell]
    xs: list[float]
    ys: list[float]
    ruled: bool = True
    pages: list[int] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)


@dataclass
class ParagraphLines:
    """The lines of one paragraph, and whether the paragraph is a heading."""

    lines: list[Line]
    text: str
    heading: bool = False


# --------------------------------------------------------------------------
# characters and text


def _is_wide(ch: str) -> bool:
    """CJK ideographs, kana, CJK and full-width punctuation: no spaces around them."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF00 <= cp <= 0xFFEF
        or cp >= 0x20000
        or ch in "“”‘’…—·"
    )


def join_text(a: str, b: str) -> str:
    """Join two pieces of one text that a line break separated.

    Nothing goes between them unless both sides are Latin letters (a word
    break), where a space does.

    >>> join_text("商业", "企业")
    '商业企业'
    >>> join_text("Open", "Government")
    'Open Government'
    """
    if not a:
        return b
    if not b:
        return a
    if a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


def _clean_chars(chars: list[Char]) -> list[Char]:
    """Drop white space and the duplicate glyphs of overprinted ("fake bold") text."""
    out: list[Char] = []
    for c in chars:
        if not c.text or c.text.isspace():
            continue
        if out:
            p = out[-1]
            if (p.text == c.text and abs(p.x0 - c.x0) < 0.3 * c.size and abs(p.top - c.top) < 0.3 * c.size
                    and c.font != "ocr"):  # OCR reads each glyph once: two narrow "11" are not overprinted
                continue
        out.append(c)
    return out


def _make_line(chars: list[Char], page: int) -> Line | None:
    chars = _clean_chars(sorted(chars, key=lambda c: c.x0))
    if not chars:
        return None
    size = median(c.size for c in chars)
    parts: list[str] = []
    segments: list[tuple[float, float, str]] = []
    seg_start = 0
    for i, c in enumerate(chars):
        if i:
            p = chars[i - 1]
            gap = c.x0 - p.x1
            em = max(min(p.size, c.size), 1.0)
            if gap > 1.1 * em:  # a column gap: a new segment
                segments.append((chars[seg_start].x0, p.x1, "".join(parts[seg_start:i]).strip()))
                seg_start = i
                parts.append(" " + c.text)
                continue
            if gap > 0.25 * em and not _is_wide(p.text[-1]) and not _is_wide(c.text[0]):
                parts.append(" " + c.text)
                continue
        parts.append(c.text)
    segments.append((chars[seg_start].x0, chars[-1].x1, "".join(parts[seg_start:]).strip()))
    text = "".join(parts)
    return Line(
        page=page,
        chars=chars,
        x0=min(c.x0 for c in chars),
        top=min(c.top for c in chars),
        x1=max(c.x1 for c in chars),
        bottom=max(c.bottom for c in chars),
        size=size,
        text=text,
        segments=segments,
    )


def build_lines(chars: list[Char], page: int = 0) -> list[Line]:
    """Group characters into text lines, top to bottom.

    A character joins a line when their vertical extents overlap by at least
    half the smaller height, so a digit in another font whose box sits a
    point lower stays on its line.

    Parameters
    ----------
    chars : list of Char
        The characters of one page (or one table cell).
    page : int, default 0
        1-based page number recorded on the lines.

    Returns
    -------
    list of Line
    """
    bands: list[list] = []  # [top, bottom, chars]
    for c in sorted(chars, key=lambda c: (c.top, c.x0)):
        if not c.text or c.text.isspace():
            continue
        h = max(c.bottom - c.top, 0.1)
        best = None
        best_ov = 0.0
        for band in bands[-6:]:
            ov = min(band[1], c.bottom) - max(band[0], c.top)
            if ov >= 0.5 * min(h, band[1] - band[0]) and ov > best_ov:
                best, best_ov = band, ov
        if best is None:
            bands.append([c.top, c.bottom, [c]])
        else:
            best[2].append(c)
    lines = [ln for ln in (_make_line(b[2], page) for b in bands) if ln is not None]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines


# --------------------------------------------------------------------------
# page furniture

_PAGE_NO = re.compile(
    r"^(?:[-—–－_·•\s]*\d{1,3}[-—–－_·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|[Pp](?:age|\.)?\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$"
)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: list[list[Line]], heights: list[float], margin: float = 0.15) -> list[list[Line]]:
    """Remove page numbers and running headers and footers.

    A page number is the first or last line of a page, inside the outer
    ``margin`` of the page height, that reads like ``- 3 -``, ``第3页``,
    ``3/12`` or a bare number of up to three digits (``2023`` is a year). A running header or footer is a line in that
    margin whose text (digits aside) recurs at the same height (within 6 pt)
    on at least half the pages (and on two or more).

    Parameters
    ----------
    pages : list of list of Line
        Each page's text lines, top to bottom.
    heights : list of float
        Each page's height in points.
    margin : float, default 0.15
        Share of the page height at the top and at the bottom searched.

    Returns
    -------
    list of list of Line
    """
    def in_margin(ln: Line, h: float) -> bool:
        return ln.bottom <= h * margin or ln.top >= h * (1 - margin)

    seen: Counter = Counter()
    for lines, h in zip(pages, heights):
        keys = {(_furniture_key(ln.text), round(ln.top / 6)) for ln in lines if in_margin(ln, h)}
        seen.update(keys)
    need = max(2, (len(pages) + 1) // 2)
    out: list[list[Line]] = []
    for lines, h in zip(pages, heights):
        keep: list[Line] = []
        edge_ids = {id(lines[0]), id(lines[-1])} if lines else set()
        for ln in lines:
            if in_margin(ln, h):
                if id(ln) in edge_ids and _PAGE_NO.match(ln.text.strip()):
                    continue
                key = _furniture_key(ln.text)
                if any(seen[(key, round(ln.top / 6) + d)] >= need for d in (-1, 0, 1)) and len(pages) >= 2:
                    continue
            keep.append(ln)
        out.append(keep)
    return out


# --------------------------------------------------------------------------
# paragraphs

#: Numbering that opens a heading or a list item: 一、 （一） 第一章 1. （1） ①.
HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]"
    r"|[（(]\s*[一二三四五六七八九十]{1,3}\s*[)）]"
    r"|第[一二三四五六七八九十百]{1,3}[章节部分篇]"
    r"|\d{1,2}\s*[、．]"
    r"|\d{1,2}\.(?!\d)"
    r"|[（(]\d{1,2}[)）]"
    r"|[①-⑳])"
)
_SENTENCE_END = "。！？!?"
_CLOSERS = "”’」』）)】》\"'"


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends at 。！？ (or ! ?), closing quotes and brackets aside.

    >>> ends_sentence("均在法定期限答复。")
    True
    >>> ends_sentence("要求提供“一事一议”。”")
    True
    >>> ends_sentence("如依申请公开工作规范性还有待提")
    False
    """
    t = text.rstrip()
    while t and t[-1] in _CLOSERS:
        t = t[:-1]
    return bool(t) and t[-1] in _SENTENCE_END


@dataclass
class _Column:
    left: float
    right: float
    size: float
    gap: float


def _column(lines: list[Line], fallback: _Column | None = None) -> _Column | None:
    """Left and right edges, body size and usual line gap of a page's text."""
    if not lines:
        return fallback
    size_weight: Counter = Counter()
    for ln in lines:
        size_weight[round(ln.size)] += len(ln.chars)
    body = size_weight.most_common(1)[0][0]
    body_lines = [ln for ln in lines if abs(ln.size - body) <= 1.0]
    if len(body_lines) < 4 and fallback is not None:
        return fallback
    # left: the leftmost start shared by several lines (short paragraphs have
    # as many indented first lines as unindented ones); right: the usual end
    # among the lines that reach the right edge (a few hang punctuation out).
    need = max(2, len(body_lines) // 10)
    starts = Counter(round(ln.x0) for ln in body_lines)
    shared = [x for x, n in starts.items() if n >= need]
    left = min(shared) if shared else min(starts)
    far = max(ln.x1 for ln in body_lines)
    ends = Counter(round(ln.x1) for ln in body_lines if ln.x1 >= far - 2 * body)
    right = ends.most_common(1)[0][0]
    gaps = [b.top - a.bottom for a, b in zip(body_lines, body_lines[1:]) if 0 <= b.top - a.bottom < 3 * body]
    gap = median(gaps) if gaps else 0.5 * body
    return _Column(left=float(left), right=float(right), size=float(body), gap=gap)


def _is_centred(ln: Line, col: _Column) -> bool:
    mid = (col.left + col.right) / 2
    return (
        ln.x0 > col.left + ln.size
        and ln.x1 < col.right - ln.size
        and abs((ln.x0 + ln.x1) / 2 - mid) < 1.5 * ln.size
    )


def _is_full(ln: Line, col: _Column) -> bool:
    """Whether the line reaches the column's right edge (within about half a character)."""
    return ln.x1 >= col.right - 0.6 * ln.size


_NO_LINE_START = set("，。、；：？！）》」』】”’,.;:?!)%")


def _lead_width(ln: Line) -> float:
    """Width of what must move to the previous line to fill it: the first unbreakable unit of ``ln``.

    A Latin word or a number moves whole; an ideograph moves with a comma or
    closing mark that may not begin a line.
    """
    chars = ln.chars
    if not chars:
        return 0.0
    k = 1
    if chars[0].text.isascii() and chars[0].text.isalnum():
        while k < len(chars) and chars[k].text.isascii() and not chars[k].text.isspace() and chars[k].x0 - chars[k - 1].x1 < 0.25 * chars[k].size:
            k += 1
    while k < len(chars) and chars[k].text in _NO_LINE_START:
        k += 1
    return chars[k - 1].x1 - chars[0].x0


def _ends_early(a: Line, b: Line, col: _Column) -> bool:
    """Whether ``a`` stops short of the right edge although ``b``'s first word would have fitted.

    This is the test for a hard line break that works for justified text
    (full lines end at the edge) and for ragged-right text (a line ends where
    the next word did not fit).
    """
    room = col.right - a.x1
    return room > max(_lead_width(b), 0.6 * a.size) + 0.25 * a.size


def _is_title(ln: Line, col: _Column) -> bool:
    return _is_centred(ln, col) and ln.size >= col.size + 1.5


def _starts_paragraph(a: Line, b: Line, col_a: _Column, col_b: _Column) -> bool:
    """Whether line ``b`` begins a new paragraph after line ``a``."""
    if abs(a.size - b.size) > 1.5:
        return True
    if _is_title(a, col_a) and _is_title(b, col_b) and b.page == a.page:
        return b.top - a.bottom > 1.5 * a.size  # a title set on two lines stays one
    if _is_title(a, col_a) or _is_title(b, col_b) or _is_centred(a, col_a) or _is_centred(b, col_b):
        return True
    if _ends_early(a, b, col_a):
        return True
    if b.x0 > col_b.left + 0.8 * b.size and b.x0 > a.x0 + 0.8 * b.size:
        return True  # first-line indent
    if b.page == a.page and b.top - a.bottom > col_a.gap + 0.8 * a.size:
        return True
    if HEADING_START.match(b.text):
        last = a.text.rstrip()[-1:]
        if last and (last in _SENTENCE_END or last in "：:；;" or last in _CLOSERS):
            return True
    return False


def _heading(text: str, lines: list[Line], col: _Column) -> bool:
    t = text.strip()
    if not t:
        return False
    if all(_is_title(ln, col) for ln in lines) and len(t) <= 60:
        return True
    return len(lines) == 1 and len(t) <= 40 and bool(HEADING_START.match(t)) and not _is_full(lines[0], col)


def join_paragraphs(pages: list[list[Line | TableSegment]]) -> list[ParagraphLines | TableSegment]:
    """Join hard-wrapped lines into paragraphs; tables pass through and break paragraphs.

    A line continues the paragraph of the line before it unless: the font
    size changes; either is a centred line (a title set on two centred lines
    of the same large size stays one paragraph); the line before ends short
    of the column's right edge (by more than about half a character); the
    line is indented (first-line indent); a gap wider than the usual line
    gap separates them; or it opens with heading numbering (一、 （一） 1.)
    after a line that ended a sentence or a clause. A paragraph may run on
    to the next page.

    Parameters
    ----------
    pages : list of list of Line or TableSegment
        Each page's body items (furniture removed), top to bottom.

    Returns
    -------
    list of ParagraphLines or TableSegment
    """
    cols: list[_Column | None] = []
    doc_col = _column([x for items in pages for x in items if isinstance(x, Line)])
    for items in pages:
        cols.append(_column([x for x in items if isinstance(x, Line)], doc_col))
    out: list[ParagraphLines | TableSegment] = []
    current: list[Line] = []
    col_of: dict[int, _Column] = {}

    def flush() -> None:
        if current:
            text = ""
            for ln in current:
                text = join_text(text, ln.text.strip())
            out.append(ParagraphLines(lines=list(current), text=text, heading=_heading(text, current, col_of[current[0].page])))
            current.clear()

    for p, items in enumerate(pages):
        col = cols[p] or doc_col
        for item in items:
            if isinstance(item, TableSegment):
                flush()
                out.append(item)
                continue
            assert col is not None  # a page with a line has a column: doc_col is set from every line
            col_of[item.page] = col
            if current and _starts_paragraph(current[-1], item, col_of[current[-1].page], col):
                flush()
            current.append(item)
    flush()
    return out
