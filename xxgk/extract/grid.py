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
from .labels import LabelMatch
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
            header = _Header()  # a continuation keeps the header only when its columns line up
        prev_cols = view.n_cols
        state = _BlockState(header)
        for r in range(view.n_rows):
            cells = view.row(r)
            record = _read_row(cells, table, template, state, alternates) if cells else None
            if record is not None:
                records.append(record)
        header = state.header
    return records


@dataclass
class _BlockState:
    """What reading one grid block carries from row to row."""

    header: _Header
    seen_data: bool = False
    group: str | None = None  # the last group label read (（三）不予公开, …)


_Hit = tuple[int, Cell, LabelMatch]


def _row_hit(
    cells: list[tuple[int, Cell]], labels: list[tuple[int, Cell]], template: TableTemplate, group: str | None,
    alternates: bool,
) -> _Hit | None:
    """The rightmost label cell that names a row, with its match; group labels are passed over."""
    for i, (k, c) in enumerate(reversed(labels)):
        g = template.match_group(c.text)
        if g is not None and g.score >= 0.99:
            alt = template.match_alternate(c.text) if i == 0 and alternates else None
            if alt is not None and any(kk > k and not is_label(cc.text) for kk, cc in cells):
                return (k, c, alt)  # （六）其他处理 kept as one row with its numbers
            continue
        m = template.match_row(c.text, group=_group_of(labels, template) or group, alternates=alternates)
        if m is not None:
            return (k, c, m)
    return None


def _read_row(
    cells: list[tuple[int, Cell]], table: Table, template: TableTemplate, state: _BlockState, alternates: bool
) -> RowRecord | None:
    """One grid row: a header row (updates ``state.header``), a data row (a record) or nothing."""
    has_number = any(parse_cell(c.text).status == "ok" for _, c in cells)
    heads = _header_matches(cells, template)
    labels = [(k, c) for k, c in cells if is_label(c.text)]
    hit = _row_hit(cells, labels, template, state.group, alternates)
    if not heads and not has_number and hit is None:
        heads = _foreign_heads(cells, template)  # a header of the other generation: flagged, not followed
    if heads and not has_number and (hit is None or len(heads) > 1):
        _read_header(heads, state)
        return None
    g = _group_of(labels, template)
    if g is not None:
        state.group = g
    if hit is None:
        return _unlabelled_row(cells, labels, table, state) if has_number else None
    k0, label, m = hit
    values = [(k, c) for k, c in cells if k > k0]
    state.seen_data = True
    wanted = template.columns_for(m.key)
    return RowRecord(m.key, label, [c for _, c in values], _slots(values, state.header, wanted), table, m.score,
                     tuple(x for x in state.header.keys() if x in wanted or x.startswith(FOREIGN)))


def _read_header(heads: list[tuple[int, Cell, str]], state: _BlockState) -> None:
    """A header row: its columns join the header, or start a new one after data rows."""
    if state.seen_data:
        state.header = _Header()
        state.seen_data = False
    for k, c, key in heads:
        for j in range(k, k + max(1, c.colspan)):
            state.header.put(j, key, id(c))


def _unlabelled_row(
    cells: list[tuple[int, Cell]], labels: list[tuple[int, Cell]], table: Table, state: _BlockState
) -> RowRecord:
    """A row with numbers but no row label: its values are the cells right of its last label."""
    last_label = max((k for k, _ in labels), default=-1)
    values = [(k, c) for k, c in cells if k > last_label]
    state.seen_data = True
    keys = state.header.keys()
    return RowRecord(None, labels[-1][1] if labels else None, [c for _, c in values], _slots(values, state.header, keys),
                     table, 0.0, keys)


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
