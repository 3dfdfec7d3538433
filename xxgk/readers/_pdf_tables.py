"""Tables for the PDF reader: ruled grids, text-aligned grids, tables split by a page break.

- :func:`find_ruled_tables`: ruling edges → cells → table segments, with the
  edge → intersection → cell → table chain of pdfplumber's table module, fed
  with edges the engine filtered (white or unstroked background boxes, which
  some PDF editors draw behind every text line, are not rulings) and with the
  top or bottom border a frame implies where a page break dropped it;
- :func:`find_unruled_tables`: runs of lines whose wide gaps line up in
  columns and hold numbers → table segments (text-alignment strategy);
- :func:`merge_split_tables`: a table that runs on at the top of the next
  page with the same columns → one table; a merged cell cut by the page break
  → one cell.

Cell text is the cell's lines joined without breaks, so text wrapped inside a
cell and labels printed one character per line come back whole.
"""

from __future__ import annotations

import re

from ._pdf_layout import (
    HEADING_START,
    Char,
    Edge,
    Line,
    PageContent,
    ParagraphLines,
    TableCell,
    TableSegment,
    build_lines,
    join_text,
)

__all__ = ["find_ruled_tables", "find_unruled_tables", "chars_outside", "merge_split_tables"]


def _cell_text(chars: list[Char]) -> str:
    """A cell's text: its lines joined without breaks (wrapped text, vertical labels)."""
    text = ""
    for line in build_lines(chars):
        text = join_text(text, line.text.strip())
    return text


def _center_in(c: Char, bbox: tuple[float, float, float, float], pad: float = 0.0) -> bool:
    cx = (c.x0 + c.x1) / 2
    cy = (c.top + c.bottom) / 2
    return bbox[0] - pad <= cx <= bbox[2] + pad and bbox[1] - pad <= cy <= bbox[3] + pad


# --------------------------------------------------------------------------
# ruled tables


def _cluster(values: list[float], tol: float) -> list[float]:
    """Sorted cluster means of ``values`` (a new cluster after a jump > ``tol``)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _index(bounds: list[float], v: float) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - v))


def _close_frames(edges: list[Edge], tol: float = 3.0) -> list[Edge]:
    """Add the top or bottom border a table frame implies but lacks.

    Where two or more vertical rulings start (or end) at the same height and
    no horizontal ruling joins them there, the row is open (a page break
    often drops that border): a horizontal edge is added across them.
    """
    added: list[Edge] = []
    vs = [e for e in edges if e.orientation == "v"]
    hs = [e for e in edges if e.orientation == "h"]
    for attr in ("top", "bottom"):
        for y in _cluster([getattr(e, attr) for e in vs], tol):
            group = [e for e in vs if abs(getattr(e, attr) - y) <= tol]
            if len(group) < 2:
                continue
            x0, x1 = min(e.x0 for e in group), max(e.x0 for e in group)
            covered = any(abs(h.top - y) <= tol and h.x0 <= x0 + tol and h.x1 >= x1 - tol for h in hs)
            if not covered:
                added.append(Edge(x0, y, x1, y, "h"))
    return edges + added


def _edge_dict(e: Edge) -> dict:
    return {
        "x0": e.x0,
        "x1": e.x1,
        "top": e.top,
        "bottom": e.bottom,
        "width": e.x1 - e.x0,
        "height": e.bottom - e.top,
        "orientation": e.orientation,
        "object_type": "line",
    }


def find_ruled_tables(page: PageContent, tol: float = 3.0) -> list[TableSegment]:
    """Tables drawn with ruling lines on one page.

    Parameters
    ----------
    page : PageContent
        Characters and ruling edges of the page.
    tol : float, default 3.0
        Snap, join and intersection tolerance in points.

    Returns
    -------
    list of TableSegment
        Top to bottom; tables with fewer than two columns (boxed text) are
        left to the text flow.
    """
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    edges = [e for e in page.edges if (e.x1 - e.x0 if e.orientation == "h" else e.bottom - e.top) >= 1.0]
    if sum(e.orientation == "h" for e in edges) < 2 or sum(e.orientation == "v" for e in edges) < 2:
        return []
    merged = merge_edges([_edge_dict(e) for e in _close_frames(edges, tol)], tol, tol, tol, tol)
    merged = [e for e in merged if (e["width"] if e["orientation"] == "h" else e["height"]) >= 3]
    cells = intersections_to_cells(edges_to_intersections(merged, tol, tol))
    segments: list[TableSegment] = []
    for group in cells_to_tables(cells):
        seg = _grid_segment(page, group)
        if seg is not None:
            segments.append(seg)
    return segments


def _grid_segment(page: PageContent, boxes: list[tuple]) -> TableSegment | None:
    xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], 2.0)
    ys = _cluster([b[1] for b in boxes] + [b[3] for b in boxes], 2.0)
    if len(xs) < 3 or len(ys) < 2:
        return None
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    inside = [c for c in page.chars if _center_in(c, bbox, 1.0)]
    cells: list[TableCell] = []
    seen: set[tuple[int, int]] = set()
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        r0, r1 = _index(ys, b[1]), _index(ys, b[3])
        c0, c1 = _index(xs, b[0]), _index(xs, b[2])
        if r1 <= r0 or c1 <= c0 or (r0, c0) in seen:
            continue
        seen.add((r0, c0))
        text = _cell_text([c for c in inside if _center_in(c, b)])
        cells.append(TableCell(bbox=tuple(b), text=text, row=r0, col=c0, rowspan=r1 - r0, colspan=c1 - c0, page=page.number))
    if len({c.col for c in cells}) < 2:
        return None
    area = (bbox[2] - bbox[0]) * (bbox[3] - bbox[1])
    if len(cells) <= 4 and (area > 0.35 * page.width * page.height or max(len(c.text) for c in cells) > 100):
        return None  # a page frame or a boxed text with a rule through it, not a table
    return TableSegment(page=page.number, bbox=bbox, cells=cells, xs=xs, ys=ys, ruled=True, pages=[page.number])


def chars_outside(chars: list[Char], tables: list[TableSegment]) -> list[Char]:
    """The characters not inside any cell of ``tables`` (text in no cell stays text)."""
    boxes = [c.bbox for t in tables for c in t.cells]
    if not boxes:
        return list(chars)
    return [c for c in chars if not any(_center_in(c, b) for b in boxes)]


# --------------------------------------------------------------------------
# unruled tables (text alignment)

_NUMERIC = re.compile(r"^[-+－—]?[\d,，.．]+[%‰]?$|^[-/—－]$")


def _numeric(text: str) -> bool:
    return bool(_NUMERIC.match(text.replace(" ", "")))


def _table_row(line: Line) -> bool:
    return len(line.segments) >= 2 and any(_numeric(s[2]) for s in line.segments[1:])


def find_unruled_tables(lines: list[Line], min_rows: int = 3) -> tuple[list[TableSegment], list[Line]]:
    """Tables without rulings: runs of lines whose gaps form columns of numbers.

    A run is at least ``min_rows`` consecutive lines of one page that are
    split by wide gaps into two or more segments; at least two of them carry
    numbers after their first segment. Column spans come from the numeric
    rows; a header segment takes every column it overlaps.

    Parameters
    ----------
    lines : list of Line
        The text lines of one page, top to bottom, rulled tables removed.
    min_rows : int, default 3
        Fewest lines in a run.

    Returns
    -------
    (tables, rest) : (list of TableSegment, list of Line)
        The tables found and the lines left as text.
    """
    tables: list[TableSegment] = []
    rest: list[Line] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and len(lines[j].segments) >= 2:
            j += 1
        run = lines[i:j]
        if len(run) >= min_rows and sum(_table_row(ln) for ln in run) >= 2:
            seg = _aligned_segment(run)
            if seg is not None:
                tables.append(seg)
                i = j
                continue
        if j == i:
            rest.append(lines[i])
            i += 1
        else:
            rest.extend(run)
            i = j
    return tables, rest


def _aligned_segment(run: list[Line]) -> TableSegment | None:
    spans: list[list[float]] = []
    for s in sorted((s for ln in run if _table_row(ln) for s in ln.segments), key=lambda s: s[0]):
        if spans and s[0] <= spans[-1][1] + 1.0:
            spans[-1][1] = max(spans[-1][1], s[1])
        else:
            spans.append([s[0], s[1]])
    if len(spans) < 2:
        return None
    cells: list[TableCell] = []
    page = run[0].page
    for r, ln in enumerate(run):
        row_cells: dict[int, TableCell] = {}
        for x0, x1, text in ln.segments:
            hit = [k for k, sp in enumerate(spans) if min(x1, sp[1]) - max(x0, sp[0]) > 0]
            if not hit:
                hit = [min(range(len(spans)), key=lambda k: abs((spans[k][0] + spans[k][1]) / 2 - (x0 + x1) / 2))]
            c0, c1 = hit[0], hit[-1]
            if c0 in row_cells:
                prev = row_cells[c0]
                prev.text = f"{prev.text} {text}"
                prev.bbox = (prev.bbox[0], prev.bbox[1], x1, prev.bbox[3])
                continue
            row_cells[c0] = TableCell(bbox=(x0, ln.top, x1, ln.bottom), text=text, row=r, col=c0,
                                      colspan=c1 - c0 + 1, page=page)
        cells.extend(row_cells[k] for k in sorted(row_cells))
    xs = [sp[0] for sp in spans] + [spans[-1][1]]
    ys = [ln.top for ln in run] + [run[-1].bottom]
    bbox = (min(ln.x0 for ln in run), run[0].top, max(ln.x1 for ln in run), run[-1].bottom)
    return TableSegment(page=page, bbox=bbox, cells=cells, xs=xs, ys=ys, ruled=False, pages=[page])



# --------------------------------------------------------------------------
# tables across pages


def _same_columns(a: TableSegment, b: TableSegment, tol: float = 3.0) -> bool:
    if abs(a.bbox[0] - b.bbox[0]) > tol or abs(a.bbox[2] - b.bbox[2]) > tol:
        return False

    def covered(xs: list[float], ref: list[float]) -> bool:
        return all(any(abs(x - r) <= tol for r in ref) for x in xs)

    return covered(b.xs, a.xs) or covered(a.xs, b.xs)


def merge_split_tables(items: list[ParagraphLines | TableSegment]) -> list[ParagraphLines | TableSegment]:
    """Join a table with its continuation on the next page.

    Two table segments that follow each other with nothing between them, on
    consecutive pages, with the same outer width and columns that line up
    (one's column boundaries all among the other's), are one table. Where a
    merged cell is cut by the page break (the cell above the break or the one
    below it spans several rows), the two parts become one cell.

    Parameters
    ----------
    items : list of ParagraphLines or TableSegment
        Body items in reading order.

    Returns
    -------
    list of ParagraphLines or TableSegment
        With continued tables merged into the first segment.
    """
    out: list[ParagraphLines | TableSegment] = []
    for item in items:
        prev = out[-1] if out else None
        if (
            isinstance(item, TableSegment)
            and isinstance(prev, TableSegment)
            and item.page == prev.pages[-1] + 1
            and _same_columns(prev, item)
        ):
            _append_segment(prev, item)
            continue
        out.append(item)
    return out


def _append_segment(table: TableSegment, seg: TableSegment, tol: float = 3.0) -> None:
    xs = _cluster(table.xs + seg.xs, tol)

    def remap(c: TableCell, bounds_from: list[float]) -> tuple[int, int]:
        c0 = _index(xs, bounds_from[c.col])
        c1 = _index(xs, bounds_from[c.col + c.colspan])
        return c0, max(c1 - c0, 1)

    for c in table.cells:
        c.col, c.colspan = remap(c, table.xs)
    offset = table.n_rows
    last_row = [c for c in table.cells if c.row + c.rowspan == offset]
    new_cells: list[TableCell] = []
    for c in seg.cells:
        c.col, c.colspan = remap(c, seg.xs)
        if c.row == 0:
            above = next((a for a in last_row if a.col == c.col and a.colspan == c.colspan), None)
            # a merged cell cut by the break, unless the lower part opens a new label
            if (
                above is not None
                and (above.rowspan > 1 or c.rowspan > 1)
                and not (c.text and above.text and HEADING_START.match(c.text))
            ):
                above.rowspan += c.rowspan
                above.text = join_text(above.text, c.text)
                continue
        c.row += offset
        new_cells.append(c)
    table.cells.extend(new_cells)
    table.cells.sort(key=lambda c: (c.row, c.col))
    table.xs = xs
    table.pages.append(seg.page)
