"""Reading one cell: numbers in their printed forms, and the empty marks kept apart from 0."""

from __future__ import annotations

import pytest

from xxgk.extract.cells import is_number_token, parse_cell


@pytest.mark.parametrize(
    "raw, value, status",
    [
        ("0", 0, "ok"),
        ("12", 12, "ok"),
        (" 644 ", 644, "ok"),  # padding from the source
        ("１２", 12, "ok"),  # full-width digits
        ("1,234", 1234, "ok"),  # thousands separator
        ("3,985,758", 3985758, "ok"),
        ("1，234", 1234, "ok"),  # full-width comma
        ("24252.311082", 24252.311082, "ok"),  # money with decimals
        ("7730.28", 7730.28, "ok"),
        ("251000元", 251000, "ok"),  # yuan printed instead of 万元: the number printed is kept
        ("12万元", 12, "ok"),
        ("6件", 6, "ok"),
        ("+3", 3, "ok"),  # 本年增/减
        ("-2", -2, "ok"),
        ("－2", -2, "ok"),
        ("增加3", 3, "ok"),
        ("减少2", -2, "ok"),
        ("减 2", -2, "ok"),
        ("", None, "blank"),
        ("   ", None, "blank"),
        ("/", None, "dash"),
        ("—", None, "dash"),
        ("——", None, "dash"),
        ("-", None, "dash"),
        ("无", None, "none"),
        ("無", None, "none"),
        ("abc", None, "unreadable"),  # letters where a number belongs
        ("l2", None, "unreadable"),  # OCR-style l for 1: not guessed
        ("1 2", None, "unreadable"),  # two numbers in one cell
        ("见附件", None, "unreadable"),
    ],
)
def test_parse_cell(raw: str, value, status: str) -> None:
    p = parse_cell(raw)
    assert (p.value, p.status) == (value, status)
    assert p.raw == raw.strip()
    if value is not None:
        assert type(p.value) is type(value)


def test_blank_zero_dash_and_none_are_distinct() -> None:
    got = {s: parse_cell(s) for s in ("", "0", "/", "—", "无")}
    assert got["0"].value == 0
    assert [got[s].value for s in ("", "/", "—", "无")] == [None] * 4
    assert len({(p.status, p.raw) for p in got.values()}) == 5


def test_none_is_a_blank_cell() -> None:
    assert parse_cell(None).status == "blank"


def test_number_tokens() -> None:
    assert is_number_token("3") and is_number_token("/") and is_number_token("无")
    assert not is_number_token("规章")
