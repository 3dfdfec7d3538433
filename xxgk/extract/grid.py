"""Reading a statistical table out of grid :class:`~xxgk.document.Table` blocks, row by row.

The readers give a table as cells with row/col/rowspan/colspan. This module
turns the rows of one or more such blocks (a table split over PDF pages
arrives as several) into :class:`RowRecord` s: a template row key, the row's
value cells in order, and — where a header row says so — the column key of
each value cell. The table modules then lay the values out under canonical
keys.

How a row is read:

- a row whose cells match the template's column headers and holds no number
  is a header row: it maps grid columns to column keys (a multi-line header
  merges; a header after data rows starts a new block, as in
  ``active_disclosure`` where each 第二十条 item has its own header);
- otherwise the rightmost cell that matches a row label (with the group
  label beside it, e.g. （六）其他处理 for ``3.其他``) names the row, and the
  distinct cells to its right are its values;
- a row with values but no recognisable label is kept as unlabelled, so a
  table module can place it by position between recognised rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..document import Cell, Provenance, Table
from ._headers import FOREIGN
from .cells import parse_cell
from .templates import TableTemplate

__all__ = ["GridView", "RowRecord", "cell_provenance", "read_grid_rows", "is_label"]


def cell_provenance(cell: Cell, table: Table) -> Provenance:
    """The cell's provenance with its table index and grid position filled in."""
    p = cell.provenance or Provenance()
    if p.table is None:
        p = replace(p, table=table.index, row=cell.row, col=cell.col)
    if p.file is None and table.provenance.file is not None:
        p = replace(p, file=table.provenance.file)
    return p


def is_label(text: str) -> bool:
    """Whether a cell's text is a label (words) rather than a value (a number or an empty mark).

    >>> is_label("规章"), is_label("12"), is_label(""), is_label("无"), is_label("abc")
    (True, False, False, False, False)
    """
    if parse_cell(text).status != "unreadable":
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class GridView:
    """A table's cells by position, merged cells covering every position of their span."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.pos: dict[tuple[int, int], Cell] = {}
        for c in table.cells:
            for r in range(c.row, c.row + max(1, c.rowspan)):
                for k in range(c.col, c.col + max(1, c.colspan)):
                    self.pos.setdefault((r, k), c)
        self.n_rows = table.n_rows
        self.n_cols = table.n_cols

    def row(self, r: int) -> list[tuple[int, Cell]]:
        """The distinct cells covering grid row ``r``, left to right, each with its first column in the row."""
        out: list[tuple[int, Cell]] = []
        seen: set[int] = set()
        for k in range(self.n_cols):
            c = self.pos.get((r, k))
            if c is not None and id(c) not in seen:
                seen.add(id(c))
                out.append((k, c))
        return out


@dataclass
class RowRecord:
    """One data row of a statistical table as read from the source.

    Attributes
    ----------
    key : str or None
        Template row key; None when the label was not recognised.
    label : Cell or None
        The cell that named the row.
    values : list of Cell
        The row's value cells, left to right (merged cells once).
    slots : list of str or None
        Column key of each value cell, from the header; None when no header applies.
    table : Table
        The block the row came from (for provenance).
    score : float
        How well the label matched (1.0 = exactly).
    header : tuple of str
        The column keys the current header names, in order (empty when no header).
    """

    key: str | None
    label: Cell | None
    values: list[Cell]
    slots: list[str] | None
    table: Table
    score: float = 1.0
    header: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Header:
    cols: dict[int, tuple[str, int]] = field(default_factory=dict)  # grid col -> (key, id of header cell)
    #: two header rows name one column differently (a text table whose header lines do not line up
    #: with its columns): the header cannot place cells, which are then read in template order
    conflict: bool = False

    def put(self, col: int, key: str, cell_id: int) -> None:
        old = self.cols.get(col)
        if old is not None and old[1] != cell_id and old[0] != key:
            self.conflict = True
        self.cols[col] = (key, cell_id)

    def keys(self) -> tuple[str, ...]:
        out: list[str] = []
        for k in sorted(self.cols):
            key = self.cols[k][0]
            if key not in out:
                out.append(key)
        return tuple(out)


def _header_matches(cells: list[tuple[int, Cell]], template: TableTemplate) -> list[tuple[int, Cell, str]]:
    out = []
    for k, c in cells:
        if not is_label(c.text):
            continue
        m = template.match_column(c.text, threshold=0.8)
        if m is not None:
            out.append((k, c, m.key))
    return out


def _slots(values: list[tuple[int, Cell]], header: _Header, wanted: tuple[str, ...]) -> list[str] | None:
    """Column keys for a row's value cells from the header, or None when the header does not cover them."""
    if not header.cols or not values or header.conflict:
        return None
    first = values[0][0]
    # distinct header cells over the value area, in order, restricted to the row's columns
    heads: list[tuple[str, int]] = []
    for k in sorted(header.cols):
        if k < first:
            continue
        key, hid = header.cols[k]
        if key in wanted and (not heads or heads[-1][1] != hid):
            heads.append((key, hid))
    if len(heads) == len(values):
        # same number of value cells as header cells: read in order, whatever the spans say
        return [h[0] for h in heads]
    out: list[str] = []
    for k, c in values:
        span = range(k, k + max(1, c.colspan))
        keys = [header.cols[j][0] for j in span if j in header.cols and header.cols[j][0] in wanted]
        out.append(keys[0] if keys else "")
    if not any(out):
        return None
    return out


def read_grid_rows(
    tables: list[Table], template: TableTemplate, *, alternates: bool = True
) -> list[RowRecord]:
    """Read the data rows of a statistical table given as one or more grid blocks.

    Parameters
    ----------
    tables : list of Table
        The blocks, in document order (a continuation block after a page
        break keeps the header of the block before when it has none of its
        own and the same number of columns).
    template : TableTemplate
        The template whose labels name rows and columns.
    alternates : bool, default True
        Also recognise the template's alternate rows (``other_processing``).

    Returns
    -------
    list of RowRecord
        Rows with values (recognised or not), in order.
    """
    records: list[RowRecord] = []
    header = _Header()
    prev_cols = None
    for table in tables:
        view = GridView(table)
        if prev_cols is not None and prev_cols != view.n_cols:
            header = _Header()
        prev_cols = view.n_cols
        seen_data = False
        group: str | None = None
        for r in range(view.n_rows):
            cells = view.row(r)
            if not cells:
                continue
            numbers = [c for _, c in cells if parse_cell(c.text).status == "ok"]
            heads = _header_matches(cells, template)
            labels = [(k, c) for k, c in cells if is_label(c.text)]
            row_hit = None
            for i, (k, c) in enumerate(reversed(labels)):
                g = template.match_group(c.text)
                if g is not None and g.score >= 0.99:
                    alt = template.match_alternate(c.text) if i == 0 and alternates else None
                    if alt is not None and any(kk > k and not is_label(cc.text) for kk, cc in cells):
                        row_hit = (k, c, alt)  # （六）其他处理 kept as one row with its numbers
                        break
                    continue
                m = template.match_row(c.text, group=_group_of(labels, template) or group, alternates=alternates)
                if m is not None:
                    row_hit = (k, c, m)
                    break
            if not heads and not numbers and row_hit is None:
                heads = _foreign_heads(cells, template)  # a header of the other generation: flagged, not followed
            if heads and not numbers and (row_hit is None or len(heads) > 1):
                if seen_data:
                    header = _Header()
                    seen_data = False
                for k, c, key in heads:
                    for j in range(k, k + max(1, c.colspan)):
                        header.put(j, key, id(c))
                continue
            g = _group_of(labels, template)
            if g is not None:
                group = g
            if row_hit is None:
                values = [(k, c) for k, c in cells if not is_label(c.text)]
                if numbers:
                    last_label = max((k for k, _ in labels), default=-1)
                    values = [(k, c) for k, c in cells if k > last_label]
                    seen_data = True
                    records.append(
                        RowRecord(None, labels[-1][1] if labels else None, [c for _, c in values],
                                  _slots(values, header, header.keys()), table, 0.0, header.keys())
                    )
                continue
            k0, label, m = row_hit
            values = [(k, c) for k, c in cells if k > k0]
            seen_data = True
            wanted = template.columns_for(m.key)
            records.append(
                RowRecord(m.key, label, [c for _, c in values], _slots(values, header, wanted), table, m.score,
                          tuple(x for x in header.keys() if x in wanted or x.startswith(FOREIGN)))
            )
    return records


def _foreign_heads(cells: list[tuple[int, Cell]], template: TableTemplate) -> list[tuple[int, Cell, str]]:
    from ._headers import foreign_column

    out = []
    for k, c in cells:
        key = foreign_column(c.text, template) if is_label(c.text) else None
        if key is not None:
            out.append((k, c, key))
    return out


def _group_of(labels: list[tuple[int, Cell]], template: TableTemplate) -> str | None:
    """The most specific (rightmost) group label among a row's label cells."""
    for _, c in reversed(labels):
        g = template.match_group(c.text)
        if g is not None:
            return g.key
    return None
