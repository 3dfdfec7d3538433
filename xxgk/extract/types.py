"""What the table extractors return: tables of canonical keys, each value with its raw string and provenance.

An :class:`ExtractedTable` holds ``rows[row_key][col_key] -> TableValue`` with
the canonical keys of ``report-format.md`` section 4. A value the report
leaves empty, or writes as ``/``, ``—`` or ``无``, is ``None`` with its raw
string kept (``status`` says which); it is never silently 0.

:class:`Finding` records what an extractor noticed: an ambiguous digit run,
a row it could not find, letters where numbers belong, …
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..document import Provenance
from ..serial import Serial

__all__ = ["TableValue", "ExtractedTable", "Finding", "ValueStatus", "table_from_dict"]

#: ``ok``: a number read from its own cell; ``recovered``: a number recovered
#: from a digit run by the template's arithmetic (exactly one split fitted);
#: ``blank``/``dash``/``none``: the cell was empty / ``-``, ``/``, ``—`` / ``无``;
#: ``ambiguous``: several splits of a digit run fit (see the table's findings);
#: ``unreadable``: text where a number belongs; ``missing``: no cell found.
ValueStatus = Literal["ok", "recovered", "blank", "dash", "none", "ambiguous", "unreadable", "missing"]


@dataclass
class TableValue(Serial):
    """One cell of a canonical table."""

    value: int | float | None
    raw: str | None = None
    status: ValueStatus = "ok"
    provenance: Provenance | None = None



@dataclass
class ExtractedTable(Serial):
    """A statistical table under canonical keys.

    Attributes
    ----------
    name : str
        ``active_disclosure``, ``applications`` or ``review_litigation``.
    template : str
        ``"2019"`` or ``"2021"``: the template generation the table follows.
    rows : dict
        Row key → column key → :class:`TableValue`, in template order.
    source_form : str
        How the table reached us (``grid``, ``cell-per-line``, ``run``).
    provenance : Provenance or None
        Where the table starts in the source.
    """

    name: str
    template: str
    rows: dict[str, dict[str, TableValue]] = field(default_factory=dict)
    source_form: str = "grid"
    provenance: Provenance | None = None

    def value(self, row: str, col: str) -> int | float | None:
        """The number at ``(row, col)``, or None when empty, unknown or absent."""
        cell = self.rows.get(row, {}).get(col)
        return None if cell is None else cell.value

    def values(self) -> dict[str, Any]:
        """The numbers alone, laid out as in the gold files (``{"template": ..., row: {col: value}}``)."""
        out: dict[str, Any] = {"template": self.template}
        for r, cols in self.rows.items():
            out[r] = {c: v.value for c, v in cols.items()}
        return out

    def cells(self) -> list[tuple[str, str, TableValue]]:
        """Every ``(row, col, value)`` in template order."""
        return [(r, c, v) for r, cols in self.rows.items() for c, v in cols.items()]



def table_from_dict(d: dict[str, Any]) -> ExtractedTable:
    """:meth:`ExtractedTable.from_dict` (kept for callers of the function)."""
    return ExtractedTable.from_dict(d)


@dataclass
class Finding(Serial):
    """Something an extractor noticed about a table.

    ``kind`` is e.g. ``ambiguous`` (several digit splits fit), ``missing_row``,
    ``missing_table``, ``unreadable`` (letters where numbers belong),
    ``half_table``. ``cells`` names the cells involved as ``"row.col"``;
    ``candidates`` lists the alternatives for an ambiguous run.
    """

    kind: str
    table: str
    message: str
    cells: list[str] = field(default_factory=list)
    candidates: list[Any] = field(default_factory=list)
    provenance: Provenance | None = None
