"""Reading one table cell: a number, or what the report wrote instead of one.

A statistical table's cell is a count, a sum of money or a change (本年增/减).
Reports write them in many ways, and the differences matter: an empty cell,
``0``, ``/``, ``—`` and ``无`` are not the same statement, so each keeps its
own status and its raw string, and none of them becomes 0::

    >>> parse_cell("1,234")
    ParsedCell(value=1234, raw='1,234', status='ok')
    >>> parse_cell("增加3").value, parse_cell("-2").value, parse_cell("减少 2").value
    (3, -2, -2)
    >>> parse_cell("24252.311082").value
    24252.311082
    >>> parse_cell("251000元").value          # the number printed, unit dropped
    251000
    >>> [parse_cell(s).status for s in ("", "/", "—", "无", "abc")]
    ['blank', 'dash', 'dash', 'none', 'unreadable']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

__all__ = ["ParsedCell", "parse_cell", "is_number_token", "EMPTY_STATUSES"]

#: Statuses of a cell that states "nothing here" (the value is None but known to be empty).
EMPTY_STATUSES = frozenset({"blank", "dash", "none"})

_DASHES = frozenset("-/／\\—–－―‐‑‒−一~～_")
_NONE_WORDS = frozenset({"无", "無", "暂无", "暫無", "没有", "沒有"})
_UNITS = ("万元", "萬元", "元", "件", "条", "條", "个", "個", "项", "項", "人次", "次", "人", "家", "份")
_PLUS = ("增加", "新增", "增", "+")
_MINUS = ("减少", "減少", "减", "減", "-", "−", "－")
_NUMBER = re.compile(r"^\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?$|^\d+(?:\.\d+)?$|^\.\d+$")


@dataclass(frozen=True)
class ParsedCell:
    """What a cell says.

    Attributes
    ----------
    value : int, float or None
        The number (float only when the cell prints a decimal point).
    raw : str
        The cell's text as read (stripped of surrounding white space).
    status : str
        ``ok``, ``blank`` (empty), ``dash`` (``/``, ``—``, ``-``), ``none``
        (``无``) or ``unreadable`` (letters or words where a number belongs).
    """

    value: int | float | None
    raw: str
    status: Literal["ok", "blank", "dash", "none", "unreadable"]


def _clean(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\u200b\ufeff]+", "", t)


def _number(body: str) -> int | float | None:
    if not _NUMBER.match(body):
        return None
    body = body.replace(",", "").replace("，", "")
    if "." in body:
        return float(body)
    return int(body)


def parse_cell(text: str | None) -> ParsedCell:
    """Parse the raw text of one cell.

    Parameters
    ----------
    text : str or None
        The cell as read; None counts as an empty cell.

    Returns
    -------
    ParsedCell
        Never raises: text that is not a number comes back as ``unreadable``
        with ``value=None``.

    Examples
    --------
    >>> parse_cell(" 0 ")
    ParsedCell(value=0, raw='0', status='ok')
    >>> parse_cell("+3")
    ParsedCell(value=3, raw='+3', status='ok')
    >>> parse_cell("12件").value
    12
    >>> parse_cell("1 2").status
    'unreadable'
    """
    raw = (text or "").strip()
    t = _clean(raw)
    if not t:
        return ParsedCell(None, raw, "blank")
    if all(ch in _DASHES for ch in t):
        return ParsedCell(None, raw, "dash")
    if t in _NONE_WORDS:
        return ParsedCell(None, raw, "none")
    if re.search(r"\d\s+\d", raw):  # two numbers run together in one cell
        return ParsedCell(None, raw, "unreadable")
    sign = 1
    for p in _PLUS:
        if t.startswith(p) and len(t) > len(p):
            t = t[len(p) :]
            break
    else:
        for m in _MINUS:
            if t.startswith(m) and len(t) > len(m):
                t, sign = t[len(m) :], -1
                break
    for u in _UNITS:
        if t.endswith(u) and len(t) > len(u):
            t = t[: -len(u)]
            break
    t = t.strip("()（）")
    value = _number(t)
    if value is None:
        return ParsedCell(None, raw, "unreadable")
    return ParsedCell(sign * value if value else value, raw, "ok")


def is_number_token(text: str | None) -> bool:
    """Whether a cell reads as a value cell (a number, or an empty / ``/`` / ``无`` mark) rather than a label.

    >>> is_number_token("12"), is_number_token("—"), is_number_token("规章"), is_number_token("")
    (True, True, False, True)
    """
    return parse_cell(text).status != "unreadable"
