"""Text table layouts of copied web pages that carry no reliable column positions.

Helpers for :mod:`xxgk.tablefind`:

- one cell per line with a trailing (or leading) separator, ``本年新收政府信息公开申请数量 |`` /
  ``3 |``: the separator is no part of the cell (:func:`strip_separators`, :func:`cell_key`);
- *compact* pipe or aligned rows, as html2text and copy-paste write an HTML table:
  ``行政许可 | 0 |``, a merged cell written once, a header row that lost cells,
  rows whose empty cells vanished. Such rows do not line up with their
  header, so placing them by position (left- or right-aligned) guesses the
  columns. :func:`is_compact` tells these grids from padded ones (every row
  as wide as the table), and :func:`compact_table` hands their cells on in
  reading order as a ``cell-per-line`` table: the extractor then walks them
  label by label and takes a row's numbers in the template's column order
  only when their count fits, leaving the row ``ambiguous`` otherwise.
"""

from __future__ import annotations

import re

from ..document import Cell, Paragraph, Provenance, Table
from ..normalize import match_key

__all__ = ["strip_separators", "cell_key", "is_compact", "compact_table", "mostly_empty", "pipe_line"]

_SEPARATORS = "|｜│┃"
_EDGE = re.compile(rf"^[\s{_SEPARATORS}]+|[\s{_SEPARATORS}]+$")
_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_NUMBER = re.compile(r"^[+\-−－]?\d[\d,，]*(?:\.\d+)?(?:万元|元|件|条|个|次|项|%|％)?$")


def strip_separators(text: str) -> str:
    """``text`` without the column separators and white space at its ends.

    >>> strip_separators("本年新收政府信息公开申请数量 |"), strip_separators("| 3 |")
    ('本年新收政府信息公开申请数量', '3')
    """
    return _EDGE.sub("", text)


def cell_key(text: str) -> str:
    """:func:`~xxgk.normalize.match_key` of a line read as one cell: a lone separator is no cell."""
    return match_key(strip_separators(text))


def is_compact(rows: list[list[str]]) -> bool:
    """Whether a pipe/aligned grid's cells cannot be placed by position.

    A padded grid (every row as wide as the widest, merged cells written as
    empty cells) keeps its positions, and so does one whose header rows are
    as wide as its data rows or name just their value columns (the blank
    corner cell lost). Data rows of different widths, a header cut short or
    longer than the data, or one cell per row make it compact.
    """
    widths = [len(r) for r in rows if any(c.strip() for c in r)]
    if not widths or max(widths) <= 1:
        return True
    data = [r for r in rows if any(_NUMBER.match(match_key(c)) for c in r)]
    data_widths = {len(r) for r in data}
    if len(data_widths) > 1:
        return True
    width = data_widths.pop() if data_widths else max(widths)
    for r in rows:
        if r in data or sum(1 for c in r if c.strip()) < 2:
            continue
        if len(r) not in (width, width - 1):
            return True
    return False


def pipe_line(text: str) -> bool:
    """A line of a compact pipe table with one cell: ``第二十条第（一）项 |`` (a separator at one end)."""
    t = text.strip()
    return len(t) > 1 and (t[0] in _SEPARATORS or t[-1] in _SEPARATORS) and bool(strip_separators(t))


def compact_table(paras: list[Paragraph], rows: list[list[str]]) -> Table:
    """The filled cells of a compact grid, one per row in reading order, as a ``cell-per-line`` table."""
    first = paras[0].provenance
    prov = Provenance(file=first.file, page=first.page, line=first.line, char_start=first.char_start,
                      char_end=paras[-1].provenance.char_end if first.char_start is not None else None)
    data = [q for q in paras if not _RULE.match(q.text.strip())]
    cells: list[Cell] = []
    for row, q in zip(rows, data):
        filled = [k for k, text in enumerate(row) if text.strip()]
        if not filled:
            continue
        # an empty cell written between separators after the row's first cell is an empty value (kept);
        # empty corner cells before it are not
        for text in row[filled[0] :]:
            cells.append(Cell(text=text.strip(), row=len(cells), col=0, provenance=q.provenance))
    return Table(cells=cells, provenance=prov, source_form="cell-per-line")


def mostly_empty(rows: list[list[str]], is_label) -> bool:
    """A statistical table the report left mostly empty: several template row labels, empty cells beside them.

    ``is_label(text)`` tells a template row label. Such a grid has too few
    numbers to count as statistical by their share, but its labels say what it is.
    """
    labelled = [r for r in rows if r and is_label(r[0])]
    empties = sum(1 for r in labelled for c in r[1:] if not c.strip() or _NUMBER.match(match_key(c)))
    return len(labelled) >= 3 and empties >= len(labelled)


def strip_paragraph_separators(paras: list[Paragraph]) -> list[Paragraph]:
    """Paragraphs of a copy that ends every line with a separator (``一、总体情况 |``), without it.

    Only a separator at an end of a paragraph that holds no other is
    dropped (a real pipe row keeps its cells); ``char_start``/``char_end``
    follow the text.
    """
    from dataclasses import replace

    from .text import is_heading

    out = []
    for q in paras:
        t = q.text
        inner = t.strip().strip(_SEPARATORS)
        if t.strip() == inner or any(c in inner for c in _SEPARATORS) or not inner.strip():
            out.append(q)
            continue
        text = strip_separators(t)
        lead = t.index(text)
        prov = q.provenance
        if prov.char_start is not None and prov.char_end is not None and prov.char_end - prov.char_start == len(t):
            prov = replace(prov, char_start=prov.char_start + lead, char_end=prov.char_start + lead + len(text))
        out.append(replace(q, text=text, provenance=prov, heading=q.heading or is_heading(text)))
    return out
