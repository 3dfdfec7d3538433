"""The heading hierarchy of a report: 一、 > （一） > 1. > （1）, and headings without a number.

``report-format.md`` section 2.1: headings form a hierarchy, and a sentence's
section is decided by the most specific heading above it that names a template
part; a heading that names none inherits its parent's section. A sub-part
named after another template part (（二）依申请公开 under 二、公开政府信息情况)
goes to that part's section only when the report has no top-level part of its
own for it (the 2019/2021 overview's sub-parts stay in ``overview``).

This module reads that structure by form alone (numbering, length, final
punctuation) and names the parts with :data:`~xxgk.segment.rules.SPEC_HEADING_KEYWORDS`,
written from the spec's template wording. It gives the ``model`` system its
hierarchy features (:mod:`xxgk.neural.features`); the model learns from the
gold what to make of them.

Texts are normalised (NFKC: （一） reads ``(一)``, full-width stops ``.``).

Examples
--------
>>> ctx = parse_hierarchy(["一、总体情况", "(一)主动公开", "全年公开120条。", "六、其他需要报告的事项",
...                        "(一)下一步工作计划", "我局将加强培训。"])
>>> [c.form.level if c.form else None for c in ctx]
[1, 2, None, 1, 2, None]
>>> [c.resolved for c in ctx]
['overview', 'active_disclosure', 'active_disclosure', 'other_matters', 'problems_improvements', 'problems_improvements']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .rules import SPEC_HEADING_KEYWORDS, Keywords, heading_label

__all__ = ["LEVELS", "UNNUMBERED", "HeadingForm", "Context", "heading_form", "parse_hierarchy"]

#: The numbered levels, outermost first: 一、 / （一） / 1. / （1）.
LEVELS = (1, 2, 3, 4)
#: The level of a heading without a number (a short title line): outside the numbered ladder.
UNNUMBERED = 0

_CN = "一二三四五六七八九十"
_LEVEL_PATTERNS = (
    (1, re.compile(rf"^\s*(?:第([{_CN}]{{1,3}})(?:部分|章)[、.,:\s]?|([{_CN}]{{1,3}})\s*[、.,:](?![{_CN}\d]))")),
    (2, re.compile(rf"^\s*\(\s*([{_CN}]{{1,3}})\s*\)")),
    (3, re.compile(r"^\s*(\d{1,2})\s*[、.](?!\d)")),
    (4, re.compile(r"^\s*\(\s*(\d{1,2})\s*\)")),
)
# a title line: what ends a sentence or separates clauses does not occur in it
_CLAUSE = re.compile(r"[。,;!?，；！？]")
_FINAL = re.compile(r"[。!?！？;；]$")
_TITLE_MAX = 24
_UNNUMBERED_MAX = 20
# how a title without a number ends: the last words of the spec's headings (§2: …情况, …事项, 概述, 概况, …措施,
# 存在的主要问题) and general-language nouns that close a title (…工作, …建设, …管理, …方面, …计划, …成效, …说明).
# A hard-wrapped line breaks anywhere, so it seldom ends on one of them.
_TITLE_END = re.compile(r"(?:情况|事项|概述|概况|措施|问题|工作|建设|管理|方面|计划|成效|说明)$")


def _cn_value(s: str) -> int:
    """一 → 1 … 十 → 10, 十一 → 11, 二十 → 20."""
    if len(s) == 1:
        return _CN.index(s) + 1
    if s[0] == "十":
        return 10 + _CN.index(s[1]) + 1
    tens = _CN.index(s[0]) + 1
    if len(s) == 2:
        return tens * 10 if s[1] == "十" else 0
    return tens * 10 + _CN.index(s[2]) + 1 if s[1] == "十" else 0


@dataclass(frozen=True)
class HeadingForm:
    """What a sentence's form says it is: a heading of ``level`` (1-4 numbered, 0 without a number).

    ``number`` is its number (None without one), ``title`` the words after the
    number up to the first stop, ``title_like`` whether the whole sentence is a
    short title (no clause punctuation, no final stop) rather than a list item
    that says something (1.全年共受理申请6件。).
    """

    level: int
    number: int | None
    title: str
    title_like: bool


def heading_form(text: str, *, after_stop: bool = True, marked: bool = False) -> HeadingForm | None:
    """The heading form of one (normalised) sentence, or None when it is body text.

    Parameters
    ----------
    text : str
        The sentence.
    after_stop : bool, default True
        Whether the sentence before it ended a sentence (or is a heading, or
        there is none). A short unpunctuated line after an unfinished one is
        the tail of a hard-wrapped paragraph, not a heading without a number.
    marked : bool, default False
        The reader marked the line as a heading (bold, a heading style). A
        line without a number is a heading when it is marked or ends like a
        title (…情况, …事项, 概述, …工作): a hard-wrapped line breaks anywhere.

    Examples
    --------
    >>> heading_form("(一)主动公开情况")
    HeadingForm(level=2, number=1, title='主动公开情况', title_like=True)
    >>> heading_form("1.全年共受理申请6件。").title_like, heading_form("(3)加强培训").level
    (False, 4)
    >>> heading_form("概述"), heading_form("概述", after_stop=False), heading_form("2021年共受理申请6件。")
    (HeadingForm(level=0, number=None, title='概述', title_like=True), None, None)
    """
    t = text.strip()
    if not t:
        return None
    for level, pat in _LEVEL_PATTERNS:
        m = pat.match(t)
        if m is None:
            continue
        num = m.group(1) or (m.group(2) if level == 1 else None) or ""
        value = int(num) if level in (3, 4) else _cn_value(num)
        if value <= 0:
            continue
        rest = t[m.end():].strip()
        if level == 3 and rest[:1].isdigit():
            continue
        cut = re.search(r"[。;!?；！？]", rest)
        title = rest[: cut.start()] if cut else rest
        title_like = bool(rest) and len(rest) <= _TITLE_MAX and not _CLAUSE.search(rest.rstrip(":："))
        return HeadingForm(level=level, number=value, title=title, title_like=title_like)
    # without a number: a short line without clause punctuation that is not a figure, after a finished sentence
    core = t.rstrip(":：")
    if (after_stop and core and len(core) <= _UNNUMBERED_MAX and not _CLAUSE.search(core) and not _FINAL.search(t)
            and not core[0].isdigit() and sum(c.isdigit() for c in core) * 3 < len(core)
            and not core.startswith(("(", "附")) and (marked or _TITLE_END.search(core))):
        return HeadingForm(level=UNNUMBERED, number=None, title=core, title_like=True)
    return None


@dataclass(frozen=True)
class Context:
    """Where a sentence stands in the heading hierarchy.

    Attributes
    ----------
    form : HeadingForm or None
        The sentence's own heading form.
    enclosing : tuple of (int or None)
        For each numbered level 1-4, the number of the nearest heading of that
        level in force (the sentence's own heading included), None when there
        is none.
    top_label : str or None
        The section the top-level heading in force names by the spec's word
        lists (None: none in force, or it names none).
    top_named : bool
        Whether a top-level heading is in force at all.
    sub_label : str or None
        The section named by the most specific sub-heading (levels 2-4) in force
        that names one.
    sub_has_own_part : bool
        Whether the report has a top-level part of its own named ``sub_label``
        (then the sub-part stays in its parent's section: section 2.1).
    unnumbered_label : str or None
        The section named by the last heading without a number since the last
        top-level heading.
    out_of_order : bool
        The sentence has a top-level form whose number does not advance the
        numbering in force (a list 一、二、 inside a part): read as an item.
    continuation : bool
        The sentence before it did not end a sentence (a hard-wrapped line).
    resolved : str or None
        Section 2.1's reading: ``sub_label`` when it is set, a top-level
        heading is in force (the part that gathers the sub-parts) and the
        report has no part of its own for it, else ``top_label``, else
        ``unnumbered_label``. A sub-heading with no top-level heading above it
        (a report whose top-level headings are lost) says nothing here: it
        may be an overview sub-part of the 2019 template as well as a part of
        its own, and section 2.1 decides that from the parent.
    """

    form: HeadingForm | None
    enclosing: tuple[int | None, int | None, int | None, int | None]
    top_label: str | None
    top_named: bool
    sub_label: str | None
    sub_has_own_part: bool
    unnumbered_label: str | None
    out_of_order: bool
    continuation: bool
    resolved: str | None

    @property
    def depth(self) -> int:
        """The deepest numbered level in force (0: none)."""
        return max((lv for lv, n in zip(LEVELS, self.enclosing) if n is not None), default=0)


def _label(title: str, keywords: Keywords) -> str | None:
    return heading_label(title, keywords) if title else None


def parse_hierarchy(texts: Sequence[str], headings: Sequence[bool] | None = None, *,
                    keywords: Keywords = SPEC_HEADING_KEYWORDS) -> list[Context]:
    """The :class:`Context` of every sentence of a document (normalised sentences, in order).

    A top-level heading opens a part when its number advances the numbering in
    force (or it is the first); one that does not is read as an item of the
    part in force, one level down. A sub-heading closes every deeper one.

    Parameters
    ----------
    texts : sequence of str
        The document's sentences (:attr:`xxgk.pipeline.Prepared.texts`).
    headings : sequence of bool, optional
        Which sentences the reader marked as headings (:attr:`xxgk.pipeline.Prepared.headings`).
    keywords : tuple, default :data:`~xxgk.segment.rules.SPEC_HEADING_KEYWORDS`
        The word lists that name a heading's section.
    """
    forms: list[HeadingForm | None] = []
    for i, t in enumerate(texts):
        prev = texts[i - 1].strip() if i else ""
        before = forms[i - 1] if i else None
        after_stop = i == 0 or bool(_FINAL.search(prev)) or prev.endswith((":", "：")) or (
            before is not None and before.title_like)
        forms.append(heading_form(t, after_stop=after_stop, marked=bool(headings[i]) if headings is not None else False))
    # first pass: which top-level headings open parts, and the sections the report has parts of its own for
    opens: list[bool] = []
    top_number = 0
    own_parts: set[str] = set()
    for f in forms:
        ok = f is not None and f.level == 1 and f.number is not None and f.number > top_number
        if ok and f is not None and f.number is not None:
            top_number = f.number
            lab = _label(f.title, keywords)
            if lab is not None:
                own_parts.add(lab)
        opens.append(ok)
    out: list[Context] = []
    stack: list[tuple[int, int, str | None] | None] = [None, None, None, None]  # per level: (number, index, label)
    unnumbered: str | None = None
    for i, f in enumerate(forms):
        out_of_order = False
        level = f.level if f is not None else None
        if f is not None and f.level == 1 and not opens[i]:
            out_of_order = True
            level = 3  # a numbered list inside a part
        if level is not None and level >= 1 and f is not None and f.number is not None:
            lab = _label(f.title, keywords) if f.title_like or level == 1 else None
            stack[level - 1] = (f.number, i, lab)
            for deeper in range(level, 4):
                stack[deeper] = None
            if level == 1:
                unnumbered = None
        elif f is not None and f.level == UNNUMBERED:
            lab = _label(f.title, keywords)
            if lab is not None:
                unnumbered = lab
        top = stack[0]
        top_label = top[2] if top else None
        sub_label = next((s[2] for s in reversed(stack[1:]) if s is not None and s[2] is not None), None)
        own = sub_label is not None and sub_label in own_parts
        resolved: str | None
        if sub_label is not None and not own and top is not None:
            resolved = sub_label
        else:
            resolved = top_label if top_label is not None else unnumbered
        prev = texts[i - 1].strip() if i else ""
        before = forms[i - 1] if i else None
        out.append(Context(
            form=f, enclosing=(stack[0][0] if stack[0] else None, stack[1][0] if stack[1] else None,
                               stack[2][0] if stack[2] else None, stack[3][0] if stack[3] else None),
            top_label=top_label, top_named=top is not None, sub_label=sub_label, sub_has_own_part=own,
            unnumbered_label=unnumbered, out_of_order=out_of_order,
            continuation=bool(i) and bool(prev) and not _FINAL.search(prev) and not prev.endswith((":", "："))
            and not (before is not None and before.title_like),
            resolved=resolved))
    return out
