"""The consistency rules of ``report-format.md`` section 4.4, checked with their evidence.

Each rule gives one :class:`Check` per part it covers (a column, a row, a
block or a cell), with the cells involved, the value the rule expects and the
value the report prints:

- A1, each ``applications`` column: ``new_requests + carried_over`` (expected)
  against ``total_handled + carried_forward`` (found);
- A2, each ``applications`` column: the sum of the outcome rows (``granted`` to
  the last ``other_*`` row) against ``total_handled``;
- A3, each ``applications`` row: the sum of the six applicant columns against ``total``;
- R1, each ``review_litigation`` block: ``upheld + corrected + other + pending`` against ``total``;
- N1, each table: counts are whole numbers ≥ 0 and money ≥ 0 (only 本年增/减 may be negative).

A broken rule is reported (``fail``), never fixed. Cells that print nothing
(empty, ``/``, ``—``, ``无``) count as 0 in a sum, and a printed total that is
empty counts as 0 against it (the message says so). A rule with an operand
that is absent or unknown (a row or cell missing from a partial table, an
ambiguous or unreadable cell), whose cells are all empty, or whose total is
not printed while its parts sum to 0, is ``not_assessable``: never ``pass``.

    >>> from xxgk.extract.types import ExtractedTable, TableValue
    >>> t = ExtractedTable("review_litigation", "2021", rows={
    ...     "review": {k: TableValue(v) for k, v in dict(upheld=10, corrected=1, other=0, pending=0, total=0).items()}})
    >>> c = check_tables({"review_litigation": t})[0]
    >>> c.rule, c.part, c.status, c.expected, c.found
    ('R1', 'block:review', 'fail', 11, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .extract.cells import EMPTY_STATUSES
from .extract.templates import TEMPLATES
from .extract.types import ExtractedTable, TableValue
from .serial import Serial

__all__ = ["Check", "CheckStatus", "RULES", "check_tables", "check_table"]

CheckStatus = Literal["pass", "fail", "not_assessable"]

#: Rule id → what it says.
RULES: dict[str, str] = {
    "A1": "new_requests + carried_over = total_handled + carried_forward, each column",
    "A2": "total_handled = sum of the outcome rows (granted … last other_* row), each column",
    "A3": "total = sum of the six applicant columns, each row",
    "R1": "total = upheld + corrected + other + pending, each block",
    "N1": "counts are whole numbers >= 0, money >= 0; only 本年增/减 may be negative",
}

_APPLICANTS = ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
               "legal_service_org", "other_org")
_R1_PARTS = ("upheld", "corrected", "other", "pending")


@dataclass
class Check(Serial):
    """The verdict of one consistency rule on one part of a table.

    Attributes
    ----------
    rule : str
        ``A1``, ``A2``, ``A3``, ``R1`` or ``N1``.
    table : str
        The table checked.
    part : str
        What the verdict is about: ``column:<key>``, ``row:<key>``,
        ``block:<key>``, ``cell:<row>.<col>`` or ``table``.
    status : str
        ``pass``, ``fail`` or ``not_assessable``.
    expected, found : int, float or None
        What the rule computes from the other cells, and what the report prints.
    cells : list of str
        The cells involved, as ``row.col``.
    message : str
        The check in words, with the numbers.
    """

    rule: str
    table: str
    part: str
    status: CheckStatus
    expected: int | float | None = None
    found: int | float | None = None
    cells: list[str] = field(default_factory=list)
    message: str = ""



def _num(v: int | float) -> int | float:
    return round(v, 6) if isinstance(v, float) else v


def _sum_check(
    rule: str, table: str, part: str, left: list[tuple[str, TableValue | None]], right: list[tuple[str, TableValue | None]]
) -> Check:
    """``sum(left)`` is expected to equal ``sum(right)``."""
    cells = [n for n, _ in left + right]
    unknown = [n for n, v in left + right if v is None or (v.value is None and v.status not in EMPTY_STATUSES)]
    if unknown:
        return Check(rule, table, part, "not_assessable", None, None, cells,
                     f"{rule} {part}: not assessable, value unknown for {', '.join(unknown)}.")
    # past the check above every cell is present (its value may still be None: an empty cell)
    left_vals = [v.value for _, v in left if v is not None]
    found_vals = [v.value for _, v in right if v is not None]
    if all(x is None for x in left_vals + found_vals):
        return Check(rule, table, part, "not_assessable", None, None, cells,
                     f"{rule} {part}: not assessable, every cell involved is empty.")
    expected = _num(sum(x or 0 for x in left_vals))
    if all(x is None for x in found_vals) and abs(expected) < 1e-6:
        # the total is not printed and the parts sum to nothing: nothing says the rule holds
        return Check(rule, table, part, "not_assessable", None, None, cells,
                     f"{rule} {part}: not assessable, {_names([n for n, _ in right])} not printed.")
    found = None if all(x is None for x in found_vals) else _num(sum(x or 0 for x in found_vals))
    empties = [n for n, v in left + right if v is None or v.value is None]
    ok = abs(expected - (found or 0)) < 1e-6
    note = ""
    if empties:
        note = f" ({_names(empties)} empty, counted as 0)"
    lhs = " + ".join(n for n, _ in left) if len(left) <= 4 else f"the sum of {left[0][0]} … {left[-1][0]}"
    rhs = " + ".join(n for n, _ in right)
    verdict = "holds" if ok else "broken"
    msg = f"{rule} {part} {verdict}: {lhs} = {expected}, {rhs} = {found}{note}."
    return Check(rule, table, part, "pass" if ok else "fail", expected, found, cells, msg)


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} cells"


def _cell(t: ExtractedTable, r: str, c: str) -> tuple[str, TableValue | None]:
    return f"{r}.{c}", t.rows.get(r, {}).get(c)


def _check_applications(t: ExtractedTable) -> list[Check]:
    out: list[Check] = []
    keys = list(t.rows)
    cols = list(next(iter(t.rows.values()))) if t.rows else []
    if {"granted", "total_handled"} <= set(keys):
        outcomes = keys[keys.index("granted") : keys.index("total_handled")]
    else:
        outcomes = []
    for col in cols:
        part = f"column:{col}"
        out.append(_sum_check(
            "A1", t.name, part,
            [_cell(t, "new_requests", col), _cell(t, "carried_over", col)],
            [_cell(t, "total_handled", col), _cell(t, "carried_forward", col)],
        ))
    for col in cols:
        if outcomes:
            out.append(_sum_check("A2", t.name, f"column:{col}", [_cell(t, r, col) for r in outcomes],
                                  [_cell(t, "total_handled", col)]))
    if "total" in cols:
        for r in keys:
            out.append(_sum_check("A3", t.name, f"row:{r}", [_cell(t, r, c) for c in _APPLICANTS],
                                  [_cell(t, r, "total")]))
    return out


def _check_review(t: ExtractedTable) -> list[Check]:
    return [
        _sum_check("R1", t.name, f"block:{b}", [_cell(t, b, c) for c in _R1_PARTS], [_cell(t, b, "total")])
        for b in t.rows
    ]


def _kind(t: ExtractedTable, col: str) -> str:
    tpl = TEMPLATES.get(t.template, {}).get(t.name)
    if tpl is None:
        return "count"
    try:
        return tpl.column(col).kind
    except KeyError:
        return "count"


def _check_n1(t: ExtractedTable) -> list[Check]:
    out: list[Check] = []
    cells: list[str] = []
    for r, col, v in t.cells():
        if v.value is None:
            continue
        cells.append(f"{r}.{col}")
        kind = _kind(t, col)
        bad = None
        if kind == "count" and (v.value < 0 or float(v.value) != int(v.value)):
            bad = "a count must be a whole number >= 0"
        elif kind == "money" and v.value < 0:
            bad = "money must be >= 0"
        elif kind == "change" and float(v.value) != int(v.value):
            bad = "a change in items must be a whole number"
        if bad:
            out.append(Check("N1", t.name, f"cell:{r}.{col}", "fail", None, v.value, [f"{r}.{col}"],
                             f"N1 cell {r}.{col} broken: {bad}, found {v.value} (printed {v.raw!r})."))
    if not out:
        status: CheckStatus = "pass" if cells else "not_assessable"
        msg = (f"N1 holds for the {len(cells)} numbers of {t.name}." if cells
               else f"N1 not assessable: {t.name} has no numbers.")
        out.append(Check("N1", t.name, "table", status, None, None, cells, msg))
    return out


def check_table(table: ExtractedTable) -> list[Check]:
    """Every rule that applies to one table (A1–A3 and N1 for applications, R1 and N1 for review_litigation, N1 for active_disclosure)."""
    out: list[Check] = []
    if table.name == "applications":
        out += _check_applications(table)
    elif table.name == "review_litigation":
        out += _check_review(table)
    return out + _check_n1(table)


def check_tables(tables: dict[str, ExtractedTable]) -> list[Check]:
    """Check the arithmetic of every extracted table.

    Parameters
    ----------
    tables : dict
        Table name → :class:`~xxgk.extract.ExtractedTable`, as returned by
        :func:`xxgk.extract.extract_tables`.

    Returns
    -------
    list of Check
        In table order, then rule order (A1, A2, A3, R1, N1).
    """
    out: list[Check] = []
    for name in ("active_disclosure", "applications", "review_litigation"):
        if name in tables:
            out += check_table(tables[name])
    return out
