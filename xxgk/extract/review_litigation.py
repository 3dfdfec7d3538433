"""Section 四: administrative review and litigation (``review_litigation``), 15 numbers in three blocks.

The template prints one row of 15 numbers under a two- or three-line header
(行政复议 | 行政诉讼 → 未经复议直接起诉 | 复议后起诉 → 结果维持 … 总计). Each
value cell is placed by the labels above it (or, in a table laid out the
other way round, beside it): the block label and the column label that
cover its column. When the header is missing or does not name every cell,
15 value cells in a row are read in the template's order.
"""

from __future__ import annotations

from ..document import Cell, Table
from .cells import parse_cell
from .flat import value_of
from .grid import GridView, is_label
from .templates import TableTemplate
from .types import ExtractedTable, Finding, TableValue

__all__ = ["extract_grid", "extract_flat"]

NAME = "review_litigation"


def _labels_for(view: GridView, r: int, k: int) -> list[str]:
    """Label texts above (same column, nearest last) and to the left (same row) of ``(r, k)``."""
    out: list[str] = []
    seen: set[int] = set()
    for rr in range(r):
        c = view.pos.get((rr, k))
        if c is not None and id(c) not in seen and is_label(c.text):
            seen.add(id(c))
            out.append(c.text)
    for kk in range(k):
        c = view.pos.get((r, kk))
        if c is not None and id(c) not in seen and is_label(c.text):
            seen.add(id(c))
            out.append(c.text)
    return out


def _place(texts: list[str], template: TableTemplate) -> tuple[str | None, str | None]:
    block = col = None
    for t in texts:
        m = template.match_row(t, threshold=0.8)
        if m is not None:
            block = m.key
        c = template.match_column(t, threshold=0.8)
        if c is not None:
            col = c.key
    return block, col


def _data_rows(view: GridView) -> list[list[tuple[int, int, Cell]]]:
    rows = []
    for r in range(view.n_rows):
        cells = view.row(r)
        values = [(k, c) for k, c in cells if not is_label(c.text)]
        marked = [c for _, c in values if parse_cell(c.text).status in ("ok", "dash", "none")]
        if len(values) >= 3 and len(marked) >= 3:  # numbers, or a row of / or 无 (no case this year)
            rows.append([(r, k, c) for k, c in values])
    return rows


def _empty(template: TableTemplate) -> dict[str, dict[str, TableValue]]:
    return {
        b: {c: TableValue(None, None, "missing") for c in template.columns_for(b)} for b in template.row_keys
    }


def _finish(
    out: ExtractedTable, template: TableTemplate, findings: list[Finding], placed: int
) -> ExtractedTable | None:
    if placed == 0:
        return None
    lost = [f"{b}.{c}" for b, cols in out.rows.items() for c, v in cols.items() if v.status == "missing"]
    if lost:
        findings.append(Finding(
            kind="half_table" if len(lost) < 15 else "missing_row", table=NAME,
            message=f"{len(lost)} of 15 cells of review_litigation were not found: {', '.join(lost)}.",
            cells=lost, provenance=out.provenance,
        ))
    for b, cols in out.rows.items():
        for c, v in cols.items():
            if v.status == "unreadable":
                findings.append(Finding(
                    kind="unreadable", table=NAME,
                    message=f"Cell {b}.{c} holds {v.raw!r} where a number belongs; no value is given.",
                    cells=[f"{b}.{c}"], provenance=v.provenance,
                ))
    return out


def extract_grid(tables: list[Table], template: TableTemplate, findings: list[Finding]) -> ExtractedTable | None:
    """Read ``review_litigation`` from grid blocks (one, or several after a page break)."""
    out = ExtractedTable(name=NAME, template=template.generation, source_form="grid",
                         provenance=tables[0].provenance if tables else None)
    out.rows = _empty(template)
    placed = 0
    for table in tables:
        view = GridView(table)
        for row in _data_rows(view):
            spots = [(c, *_place(_labels_for(view, r, k), template)) for r, k, c in row]
            named = {(b, col) for _, b, col in spots if b and col}
            if len(named) == len(spots):
                for c, b, col in spots:
                    if b and col and out.rows[b][col].status == "missing":  # every spot is named (checked above)
                        out.rows[b][col] = value_of(c, table)
                        placed += 1
                continue
            cells = [c for _, _, c in row]
            order = template.cell_keys()
            if len(cells) != len(order):
                findings.append(Finding(
                    kind="unplaced_cells", table=NAME,
                    message=f"A row of {len(cells)} value cells under a header that does not name them "
                            f"(15 expected); its numbers are not used.",
                    provenance=cells[0].provenance,
                ))
                continue
            for (b, col), c in zip(order, cells):
                if out.rows[b][col].status == "missing":
                    out.rows[b][col] = value_of(c, table)
                    placed += 1
    return _finish(out, template, findings, placed)


def extract_flat(tokens: list[Cell], table: Table, template: TableTemplate, findings: list[Finding]) -> ExtractedTable | None:
    """Read ``review_litigation`` from cells one per line: its value tokens in template order."""
    out = ExtractedTable(name=NAME, template=template.generation, source_form="cell-per-line",
                         provenance=tokens[0].provenance if tokens else table.provenance)
    out.rows = _empty(template)
    values = [t for t in tokens if not is_label(t.text)]
    order = template.cell_keys()
    if 0 < len(values) < len(order):
        # cells were lost (empty cells vanish from a flattened page): which ones is unknown
        raws = [v.text.strip() for v in values]
        findings.append(Finding(
            kind="ambiguous", table=NAME,
            message=f"{len(values)} value cells ({', '.join(raws)}) for the 15 of review_litigation and nothing "
                    f"says which they are; the cells are left empty.",
            cells=[f"{b}.{c}" for b, c in order], candidates=raws, provenance=values[0].provenance,
        ))
        for b, col in order:
            out.rows[b][col] = TableValue(None, None, "ambiguous")
        return out
    if len(values) > len(order):
        findings.append(Finding(
            kind="extra_cells", table=NAME,
            message=f"{len(values)} value cells for the 15 of review_litigation; the first 15 are used.",
            provenance=values[len(order)].provenance,
        ))
    placed = 0
    for (b, col), c in zip(order, values):
        out.rows[b][col] = value_of(c, table)
        placed += 1
    return _finish(out, template, findings, placed)
