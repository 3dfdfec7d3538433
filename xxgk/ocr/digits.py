"""Uncertain OCR digits in table cells: hidden, then confirmed or flagged by the template's arithmetic.

The reader (:func:`xxgk.ocr.page.annotate_document`) replaces a table digit
read with low confidence by ``?``, so the extractors give that cell no value
(``unreadable``) rather than a guess, and keeps the OCR's reading in
``doc.meta.ocr["uncertain"]``. :func:`review_uncertain` then tries, for each
such cell, every digit at the doubtful places against the consistency rules
(A1-A3, R1) that involve the cell, the same idea as digit-run recovery:

- the cell is in at least one rule, the rules hold for exactly one value, and
  it is the OCR's reading: the value is **confirmed** (``status``
  ``"recovered"``);
- they hold for exactly one other value: the value is **corrected** to it
  (``"recovered"``);
- otherwise (no rule involves the cell, the other cells are unknown, or
  several values fit): the value stays ``None``.

Each of these cells gets one ``ocr_uncertain`` finding saying which, with
the OCR's reading and the confidences; the extractor's ``unreadable`` finding
for the cell is replaced by it.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..document import Document
from ..extract.cells import parse_cell
from ..extract.types import ExtractedTable, Finding, TableValue

__all__ = ["review_uncertain"]

_MAX_CANDIDATES = 1000


def _locate(tables: dict[str, ExtractedTable], rec: dict[str, Any]) -> tuple[ExtractedTable, str, str, TableValue] | None:
    for t in tables.values():
        for r, cols in t.rows.items():
            for c, v in cols.items():
                p = v.provenance
                if p is not None and p.table == rec["table"] and p.row == rec["row"] and p.col == rec["col"]:
                    return t, r, c, v
    return None


def _candidates(text: str) -> list[str]:
    holes = [i for i, ch in enumerate(text) if ch == "?"]
    if not holes or 10 ** len(holes) > _MAX_CANDIDATES:
        return []
    out = []
    for digits in itertools.product("0123456789", repeat=len(holes)):
        chars = list(text)
        for i, d in zip(holes, digits):
            chars[i] = d
        out.append("".join(chars))
    return out


def _involved_hold(table: ExtractedTable, key: str) -> tuple[bool, int]:
    """(every assessable rule involving the cell holds, how many involve it and are assessable)."""
    from ..validate import check_table

    checks = [c for c in check_table(table) if key in c.cells and c.rule != "N1"]
    assessable = [c for c in checks if c.status != "not_assessable"]
    return all(c.status == "pass" for c in assessable), len(assessable)


def review_uncertain(doc: Document, tables: dict[str, ExtractedTable], findings: list[Finding]) -> None:
    """Confirm, correct or flag the table cells whose OCR digits are uncertain (in place).

    Parameters
    ----------
    doc : Document
        The document as read; ``doc.meta.ocr["uncertain"]`` lists the cells.
    tables : dict
        The extracted tables (values changed in place).
    findings : list of Finding
        Extended with one ``ocr_uncertain`` finding per cell.
    """
    records = (doc.meta.ocr or {}).get("uncertain") or []
    for rec in records:
        found = _locate(tables, rec)
        if found is None:
            continue
        table, r, c, value = found
        key = f"{r}.{c}"
        ocr_value = parse_cell(rec["read"]).value
        fits: list[int | float] = []
        involved = 0
        for text in _candidates(rec["text"]):
            cand = parse_cell(text)
            if cand.value is None:
                continue
            table.rows[r][c] = TableValue(cand.value, value.raw, "recovered", value.provenance)
            ok, n = _involved_hold(table, key)
            involved = max(involved, n)
            if ok and n:
                fits.append(cand.value)
        table.rows[r][c] = value
        scores = ", ".join(f"{s:.2f}" for s in rec.get("scores", []))
        if len(fits) == 1 and involved:
            table.rows[r][c] = TableValue(fits[0], value.raw, "recovered", value.provenance)
            how = ("confirmed by the table's arithmetic" if fits[0] == ocr_value
                   else f"corrected to {fits[0]} by the table's arithmetic (OCR read {rec['read']!r})")
        elif len(fits) > 1:
            how = f"left empty: {len(fits)} values fit the table's arithmetic"
        else:
            how = "left empty: no rule involving the cell can settle it"
        findings[:] = [f for f in findings if not (f.kind == "unreadable" and f.table == table.name and key in f.cells)]
        findings.append(Finding(
            kind="ocr_uncertain", table=table.name, cells=[key], candidates=fits[:10] if len(fits) > 1 else [],
            provenance=value.provenance,
            message=f"{table.name} {key}: OCR read {rec['read']!r} with low confidence on a digit ({scores}); {how}.",
        ))
