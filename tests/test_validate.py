"""The consistency rules A1, A2, A3, R1, N1: verdicts with their evidence, never a changed number."""

from __future__ import annotations

import json

import pytest

from xxgk.extract.templates import TEMPLATES
from xxgk.extract.types import ExtractedTable, TableValue
from xxgk.validate import RULES, Check, check_tables

APP = TEMPLATES["2021"]["applications"]


def table(name: str, gen: str, rows: dict[str, dict[str, object]]) -> ExtractedTable:
    def tv(v: object) -> TableValue:
        if isinstance(v, TableValue):
            return v
        return TableValue(v, str(v), "ok") if v is not None else TableValue(None, "", "blank")

    return ExtractedTable(name, gen, rows={r: {c: tv(v) for c, v in cols.items()} for r, cols in rows.items()})


def applications(**override: dict[str, object]) -> ExtractedTable:
    """A consistent 2021 applications table: 2 granted and 1 not held per natural person, 1 carried forward."""
    rows: dict[str, dict[str, object]] = {k: dict.fromkeys(APP.column_keys, 0) for k in APP.row_keys}
    for k, n in (("new_requests", 4), ("granted", 2), ("unavailable_not_held", 1), ("total_handled", 3),
                 ("carried_forward", 1)):
        rows[k]["natural_person"] = rows[k]["total"] = n
    for k, cols in override.items():
        rows[k].update(cols)
    return table("applications", "2021", rows)


def by(checks: list[Check], rule: str, part: str) -> Check:
    found = [c for c in checks if c.rule == rule and c.part == part]
    assert len(found) == 1, (rule, part, found)
    return found[0]


def test_consistent_table_passes_everything() -> None:
    checks = check_tables({"applications": applications()})
    assert {c.rule for c in checks} == {"A1", "A2", "A3", "N1"}
    assert all(c.status == "pass" for c in checks), [c.message for c in checks if c.status != "pass"]
    assert len([c for c in checks if c.rule == "A1"]) == 7 and len([c for c in checks if c.rule == "A3"]) == 25


def test_a1_a2_a3_failures_report_expected_and_found() -> None:
    t = applications(carried_forward={"natural_person": 2}, granted={"commercial_enterprise": 1})
    checks = check_tables({"applications": t})
    a1 = by(checks, "A1", "column:natural_person")
    assert (a1.status, a1.expected, a1.found) == ("fail", 4, 5)
    assert a1.cells == ["new_requests.natural_person", "carried_over.natural_person",
                        "total_handled.natural_person", "carried_forward.natural_person"]
    a2 = by(checks, "A2", "column:commercial_enterprise")
    assert (a2.status, a2.expected, a2.found) == ("fail", 1, 0)
    assert "granted.commercial_enterprise" in a2.cells and "other_other.commercial_enterprise" in a2.cells
    a3 = by(checks, "A3", "row:granted")
    assert (a3.status, a3.expected, a3.found) == ("fail", 3, 2)
    # the numbers are left as they were
    assert t.value("carried_forward", "natural_person") == 2


def test_a2_follows_other_processing_in_a_2021_table() -> None:
    t = applications()
    rows = {}
    for k, cols in t.rows.items():
        if k == "other_no_correction":
            rows["other_processing"] = {c: TableValue(1 if c in ("natural_person", "total") else 0) for c in cols}
        elif not k.startswith("other_"):
            rows[k] = cols
    t.rows = rows
    a2 = by(check_tables({"applications": t}), "A2", "column:natural_person")
    assert "other_processing.natural_person" in a2.cells
    assert (a2.status, a2.expected, a2.found) == ("fail", 4, 3)


def test_r1_broken_by_the_report_is_reported() -> None:
    # 001_huaian_hongze_2023.pdf prints 行政复议 upheld 10, corrected 1, total 0
    rl = table("review_litigation", "2021", {
        "review": {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0},
        "litigation_direct": dict.fromkeys(("upheld", "corrected", "other", "pending", "total"), 0),
    })
    checks = check_tables({"review_litigation": rl})
    r1 = by(checks, "R1", "block:review")
    assert (r1.status, r1.expected, r1.found) == ("fail", 11, 0)
    assert by(checks, "R1", "block:litigation_direct").status == "pass"
    assert rl.value("review", "total") == 0


def test_empty_and_unknown_cells() -> None:
    blank = {"upheld": None, "corrected": None, "other": None, "pending": None, "total": None}
    partly = {"upheld": 5, "corrected": None, "other": None, "pending": 2, "total": 7}
    unknown = {"upheld": TableValue(None, None, "ambiguous"), "corrected": 0, "other": 0, "pending": 0, "total": 3}
    rl = table("review_litigation", "2019", {"review": partly, "litigation_direct": blank,
                                             "litigation_after_review": unknown})
    checks = check_tables({"review_litigation": rl})
    assert by(checks, "R1", "block:review").status == "pass"  # empty cells count as 0 (message says so)
    assert "counted as 0" in by(checks, "R1", "block:review").message
    assert by(checks, "R1", "block:litigation_direct").status == "not_assessable"
    assert by(checks, "R1", "block:litigation_after_review").status == "not_assessable"
    # a number beside an empty total: the report's total is missing, the rule is broken
    rl2 = table("review_litigation", "2019", {"review": {**partly, "total": None}})
    r1 = by(check_tables({"review_litigation": rl2}), "R1", "block:review")
    assert (r1.status, r1.expected, r1.found) == ("fail", 7, None)


def test_n1_negative_counts_and_money() -> None:
    ad = table("active_disclosure", "2019", {
        "licensing": {"prev_items": 3, "change": -2, "decisions": -1},
        "procurement": {"items": 2.5, "amount": 251000.5},
    })
    checks = check_tables({"active_disclosure": ad})
    fails = {c.part for c in checks if c.rule == "N1" and c.status == "fail"}
    assert fails == {"cell:licensing.decisions", "cell:procurement.items"}  # a negative change and money are fine
    ok = table("active_disclosure", "2021", {"fees": {"amount": 24252.311082}})
    assert [c.status for c in check_tables({"active_disclosure": ok})] == ["pass"]


@pytest.mark.parametrize("status", ["pass", "fail", "not_assessable"])
def test_check_round_trips_through_json(status: str) -> None:
    c = Check("A1", "applications", "column:total", status, 3, None, ["a.b"], "m")
    assert Check.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    with pytest.raises(ValueError, match="Unknown field"):
        Check.from_dict({**c.to_dict(), "extra": 1})


def test_rules_are_documented() -> None:
    assert set(RULES) == {"A1", "A2", "A3", "R1", "N1"}


def test_partial_tables_are_not_assessable_never_pass() -> None:
    # a copy that lost the 总计 column, a row, or printed no total over zero parts: nothing says the rule holds
    zeros = {c: 0 for c in ("natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
                            "legal_service_org", "other_org")}
    no_total = table("applications", "2021", {"new_requests": {**zeros, "total": None}, "granted": {**zeros}})
    checks = check_tables({"applications": no_total})
    a3 = {c.part: c.status for c in checks if c.rule == "A3"}
    assert a3 == {"row:new_requests": "not_assessable", "row:granted": "not_assessable"}
    assert all(c.status == "not_assessable" for c in checks if c.rule in ("A1", "A2"))  # rows missing
    missing = table("review_litigation", "2021", {"review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0,
                                                            "total": TableValue(None, None, "missing")}})
    assert [c.status for c in check_tables({"review_litigation": missing}) if c.rule == "R1"] == ["not_assessable"]
