"""Matching the labels printed in a table (row labels, column headers) to the template's labels.

Real tables print their labels with numbering (``三、``, ``（二）``, ``2.``), in
traditional or simplified characters, full- or half-width, wrapped over two
lines and sometimes with typos (``2.其他法律行政止公开`` for
``2.其他法律行政法规禁止公开``). Labels are compared through
:func:`label_key`, which removes all of that, and scored by
:func:`similarity`, which tolerates a few wrong or missing characters::

    >>> label_key("（二）部分公開（區分處理的，隻計這一情形，不計其他情形）")
    '部分公开区分处理的只计这一情形不计其他情形'
    >>> round(similarity(label_key("2.其他法律行政止公开"), "其他法律行政法规禁止公开"), 2)
    0.86

This module knows no template; :mod:`xxgk.extract.templates` holds the label
data and calls :func:`best_match` with it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ..normalize import match_key

__all__ = ["LabelMatch", "label_key", "numbering", "similarity", "may_reach", "tail_similarity", "best_match", "DEFAULT_THRESHOLD"]

#: The lowest :func:`similarity` that counts as a match.
DEFAULT_THRESHOLD = 0.66

_CN_NUM = "一二三四五六七八九十"
_NUMBERING = re.compile(
    rf"^(?:[{_CN_NUM}]+[、.．,，]|[(（][{_CN_NUM}\d]+[)）]|\d+[、.．,，](?!\d)|[①-⑳])"
)
_PUNCT = re.compile(r"[\s\"'“”‘’「」『』《》<>()（）\[\]【】{}、,，.．。:：;；!！?？\-—–_~·•/|*＊]+")


@dataclass(frozen=True)
class LabelMatch:
    """The best template label for a printed label.

    Attributes
    ----------
    key : str
        The canonical key of the matched row or column.
    score : float
        :func:`similarity` of the printed label to the matched variant (0–1).
    variant : str
        The template label (as a :func:`label_key`) that matched.
    """

    key: str
    score: float
    variant: str


@lru_cache(maxsize=8192)
def label_key(text: str) -> str:
    """The form labels are compared in.

    :func:`xxgk.normalize.match_key` (NFKC, simplified, no white space),
    then every leading numbering (``三、``, ``（一）``, ``2.``, ``①``) and all
    punctuation removed.

    >>> label_key("三、（一）予以公開")
    '予以公开'
    >>> label_key("本年收费金额（单位：万元）")
    '本年收费金额单位万元'
    """
    t = match_key(text)
    while True:
        m = _NUMBERING.match(t)
        if not m or m.end() == len(t):
            break
        t = t[m.end() :]
    return _PUNCT.sub("", t)


def numbering(text: str) -> tuple[str, int] | None:
    """The leading numbering of a label as ``(style, number)``, or None.

    ``style`` is ``"top"`` (``三、``), ``"paren"`` (``（三）``) or ``"arabic"`` (``3.``).

    >>> numbering("（六）其他处理")
    ('paren', 6)
    >>> numbering("3.其他")
    ('arabic', 3)
    >>> numbering("规章") is None
    True
    """
    t = match_key(text)
    m = _NUMBERING.match(t)
    if not m:
        return None
    tok = m.group(0)
    digits = re.sub(r"[^\d" + _CN_NUM + "]", "", tok)
    if not digits:
        return None
    value = int(digits) if digits.isdigit() else _cn_int(digits)
    if tok[0] in "(（":
        return ("paren", value)
    if tok[0].isdigit():
        return ("arabic", value)
    return ("top", value)


def _cn_int(s: str) -> int:
    vals = {c: i + 1 for i, c in enumerate(_CN_NUM)}
    if s == "十":
        return 10
    if s.startswith("十"):
        return 10 + vals.get(s[1:], 0)
    if s.endswith("十"):
        return vals.get(s[0], 0) * 10
    if "十" in s:
        a, b = s.split("十", 1)
        return vals.get(a, 0) * 10 + vals.get(b, 0)
    return vals.get(s, 0)


def similarity(a: str, b: str) -> float:
    """How alike two label keys are, 0–1, tolerant of typos and of a label cut short or run on.

    The ratio of :class:`difflib.SequenceMatcher`, raised to 0.9 when one
    key starts with the other and the shorter has at least four characters
    (a cell that wrapped, or a label followed by a note).

    >>> similarity("予以公开", "予以公开")
    1.0
    >>> similarity("部分公开区分处理的", "部分公开")
    0.9
    """
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    ratio = SequenceMatcher(None, a, b, autojunk=False).ratio()
    if _starts_alike(a, b):
        ratio = max(ratio, 0.9)
    return ratio


def _starts_alike(a: str, b: str) -> bool:
    """One key starts with the other, the shorter of at least four characters (:func:`similarity`'s 0.9 rule)."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 4 and long_.startswith(short)


def best_match(
    text: str,
    candidates: Iterable[tuple[str, Iterable[str]]],
    threshold: float = DEFAULT_THRESHOLD,
) -> LabelMatch | None:
    """The candidate whose labels are most like ``text``, or None below ``threshold``.

    Parameters
    ----------
    text : str
        The label as printed (any script, numbering and punctuation).
    candidates : iterable of (key, labels)
        Each canonical key with its label variants (as printed in a template;
        they go through :func:`label_key` too).
    threshold : float, default 0.66
        The lowest score accepted.

    Returns
    -------
    LabelMatch or None
        The best match; ties go to the earlier candidate.

    Examples
    --------
    >>> best_match("2.其他法律行政止公开", [("x", ["1.属于国家秘密"]), ("y", ["2.其他法律行政法规禁止公开"])]).key
    'y'
    """
    q = label_key(text)
    if not q:
        return None
    best: LabelMatch | None = None
    floor = threshold
    for key, labels in candidates:
        for lab in labels:
            v = label_key(lab)
            if best is not None:
                floor = max(threshold, best.score)
            if not may_reach(q, v, floor):
                continue
            s = similarity(q, v)
            if s >= threshold and (best is None or s > best.score):
                best = LabelMatch(key, s, v)
    return best


def may_reach(a: str, b: str, floor: float) -> bool:
    """Cheap upper bounds: can :func:`similarity` of ``a`` and ``b`` reach ``floor``?

    False only when it surely cannot (the lengths, or the characters the two
    share, bound :class:`difflib.SequenceMatcher`'s ratio from above), so a
    caller that skips the pairs it rejects keeps every result it would have
    had. Many times cheaper than :func:`similarity` itself.

    >>> may_reach("部分公开区分处理的", "部分公开", 0.8)
    True
    >>> may_reach("行政复议", "不予公开", 0.8)
    False
    """
    if a == b or _starts_alike(a, b):
        return True
    la, lb = len(a), len(b)
    if 2.0 * min(la, lb) / (la + lb) < floor:
        return False
    return 2.0 * _shared(a, b) / (la + lb) >= floor


def tail_similarity(key: str, label: str, floor: float, spread: int = 3) -> float:
    """The best :func:`similarity` of ``label`` to a tail of ``key`` up to ``spread`` characters shorter or longer.

    A label printed at the end of a longer chunk may have lost or gained a
    few characters, so each tail of ``key`` from ``len(label) - spread``
    (at least 2) to ``len(label) + spread`` characters is tried. Returns 0.0
    without comparing any tail when none can reach ``floor``: every tail is
    part of the longest, so the characters the longest shares with ``label``
    bound them all (:func:`may_reach`); a result at or above ``floor`` is
    exactly the best similarity.

    >>> tail_similarity("三、政府信息公开行政复议情况行政复议结果维持", "结果维持", 0.8)
    1.0
    >>> tail_similarity("收到申请数", "行政复议", 0.8)
    0.0
    """
    tails = [key[-n:] for n in range(max(2, len(label) - spread), len(label) + spread + 1)]
    if 2.0 * _shared(tails[-1], label) / (len(tails[0]) + len(label)) < floor \
            and not any(_starts_alike(t, label) for t in tails):
        return 0.0
    return max((similarity(t, label) for t in tails if may_reach(t, label, floor)), default=0.0)


def _shared(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share, counting repeats: at least the characters difflib matches."""
    return sum((_chars(a) & _chars(b)).values())


@lru_cache(maxsize=8192)
def _chars(s: str) -> Counter[str]:
    return Counter(s)
