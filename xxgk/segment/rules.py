"""Sections by heading patterns and an ordered state machine (the ``rules`` system).

This is what the existing open-source parsers of these reports do: find the
numbered top-level headings (一、总体情况 … 六、其他需要报告的事项, and the
older reports' 概述 / 依申请公开 / 收费及减免 / 主要问题和改进措施 …), map
each to a section label by its keywords, and give every sentence the label of
the last heading before it. Text before the first heading is ``preamble``.

The state machine keeps the headings' order honest: a heading counts only
when its number (一, 二, …) is larger than the number of the heading in force,
so a numbered list inside a section (一、进一步推进主动公开…) does not open a
section, while a report that comes back to a section (its fees part 五、收费及减免
after 四、行政复议) does. A heading may sit anywhere in a sentence: crawler copies
glue headings to the text around them (二、主动公开政府信息情况第二十条…三、收到和处理…).
A sentence takes the section in force at its start (or that of a heading at its
very start); the headings inside it change the section of the sentences after it.

An unrecognised numbered heading right after the preamble opens ``overview``
(the first part of a report is its overview, whatever it is called);
附件/附表 lines open ``other_matters`` (spec section 2: attachments belong there).

Examples
--------
>>> segment_sentences(["本报告由某局编制。", "一、总体情况", "2021年共受理申请6件。",
...                    "五、存在的主要问题及改进情况", "一、进一步推进主动公开。"])
['preamble', 'overview', 'overview', 'problems_improvements', 'problems_improvements']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["HEADING_KEYWORDS", "SPEC_HEADING_KEYWORDS", "LEGACY_HEADING_KEYWORDS", "Heading", "bare_heading", "find_headings", "heading_label", "segment_sentences"]

#: Keywords of a top-level heading, per section, checked in this order (the
#: first label with a keyword in the heading wins): review and problems come
#: before applications because 因政府信息公开申请行政复议 and 存在的问题 also
#: hold words of other sections. Texts are normalised (simplified, NFKC).
#:
#: Every word comes from ``report-format.md`` (the template's headings and the
#: older names in section 2's table, the nesting rules of section 2.1, the
#: examples of section 3, the table groups of section 4) or is said below to be
#: general language; none is taken from the gold files:
#:
#: - ``review_litigation``: 复议, 诉讼 (§2: 四、政府信息公开行政复议、行政诉讼情况).
#: - ``problems_improvements``: 问题, 改进 (§2: 五、存在的主要问题及改进情况 / 改进措施);
#:   不足 (§3, problem example 仍存在一些不足); 下一步 (§3, plan example 下一步，我局将加强培训).
#: - ``other_matters``: 其他需要报告 (§2: 六、其他需要报告的事项); 其它需要报告 (其它 is
#:   the variant spelling of 其他, general language); 其他事项 (the same heading without 需要报告).
#: - ``applications``: 依申请, 申请 (§2: 三、收到和处理政府信息公开申请情况 / 依申请公开政府信息情况);
#:   收费, 减免 (§2: 政府信息公开的收费及减免情况; §2.1: 收费及减免, 依申请收费); 咨询 (§2.1:
#:   咨询 in an old 依申请 part); 谘询 (§1: the conversion mistake 咨询 → 谘詢); 不予公开 (§4.2: the
#:   group （三）不予公开, which old headings name beside 依申请公开); 费用 (§2: the fees part, "(fees)";
#:   §4.2: 缴纳费用 is what an applicant pays).
#: - ``active_disclosure``: 主动公开 (§2: 二、主动公开政府信息情况); 回应解读, 舆情回应, 政策解读,
#:   公开形式, 公开载体 (§2.1: parts the template does not have → ``active_disclosure``).
#: - ``overview``: 总体情况, 总体 (§2: 一、总体情况); 概述, 基本情况 (§2, older names); 概况 (a
#:   synonym of 概述, general language); 工作情况 (§2.1 and §3: the year's work summary is the
#:   overview; a part titled "the work" is that summary).
SPEC_HEADING_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("review_litigation", ("复议", "诉讼")),
    ("problems_improvements", ("问题", "改进", "不足", "下一步")),
    ("other_matters", ("其他需要报告", "其它需要报告", "其他事项")),
    ("applications", ("依申请", "申请", "收费", "减免", "费用", "咨询", "谘询", "不予公开")),
    ("active_disclosure", ("主动公开", "回应解读", "舆情回应", "政策解读", "公开形式", "公开载体")),
    ("overview", ("总体情况", "概述", "概况", "基本情况", "总体", "工作情况")),
)

#: The lists the ``rules`` system used before issue 10, some words of which were
#: read from the gold files (申诉, 需要说明的事项, 工作计划 …): in-sample knowledge.
#: Kept only because the shipped model's features were computed with them
#: (:mod:`xxgk.neural.features` passes them) and the harness's ``no-headings``
#: perturbation finds headings with them; nothing else should use them.
LEGACY_HEADING_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("review_litigation", ("复议", "诉讼", "申诉")),
    ("problems_improvements", ("问题", "改进", "不足", "下一步", "工作计划", "工作打算", "努力方向")),
    ("other_matters", ("其他需要报告", "其他事项", "其它需要报告", "需要说明的事项")),
    ("applications", ("依申请", "申请", "收费", "减免", "费用", "收支", "咨询", "谘询", "不予公开")),
    ("active_disclosure", ("主动公开",)),
    ("overview", ("总体情况", "概述", "概况", "基本情况", "总体", "工作情况")),
)

#: The keyword lists the functions of this module use unless told otherwise.
HEADING_KEYWORDS = SPEC_HEADING_KEYWORDS

Keywords = tuple[tuple[str, tuple[str, ...]], ...]

_NUMERALS = "一二三四五六七八九十"
_NUM_VALUE = {c: i + 1 for i, c in enumerate(_NUMERALS)}
# 一、 / 一. / 一． (NFKC: .), or 第一部分 / 第一章
_HEADING = re.compile(rf"(?:第([{_NUMERALS}]{{1,2}})(?:部分|章)[、.,:\s]?|(?<![第{_NUMERALS}])([{_NUMERALS}]{{1,2}})[、.](?![{_NUMERALS}\d]))")
_ATTACHMENT = re.compile(r"^(?:附件|附表|附:)")
# how far after the number a heading's keyword may be
_HEAD_SPAN = 24
# the words a standard heading ends with
_HEAD_END = re.compile(r"情况|事项|概述|概况|措施|计划")


@dataclass(frozen=True)
class Heading:
    """A top-level heading found in a sentence.

    ``number`` is its numeral's value (None for an attachment line), ``label``
    the section its keywords name (None when no keyword matched), ``start``
    its offset in the sentence.
    """

    start: int
    number: int | None
    label: str | None


def _numeral(text: str) -> int:
    if len(text) == 1:
        return _NUM_VALUE[text]
    if text[0] == "十":
        return 10 + _NUM_VALUE.get(text[1], 0)
    return _NUM_VALUE[text[0]] * 10 + (_NUM_VALUE.get(text[1], 0) if text[1] != "十" else 0)


def heading_label(text: str, keywords: Keywords = HEADING_KEYWORDS) -> str | None:
    """The section a heading's text names, by ``keywords`` (:data:`HEADING_KEYWORDS`; None when none matches).

    >>> heading_label("三、收到和处理政府信息公开申请情况")
    'applications'
    >>> heading_label("四、因政府信息公开申请行政复议、提起行政诉讼的情况")
    'review_litigation'
    """
    head = text[:_HEAD_SPAN]
    # a heading glued to its paragraph ends at its last word (…情况, …事项): read that part first,
    # so that 一、总体情况2021年，我区主动公开… is the overview
    end = _HEAD_END.search(head)
    for part in ((head[: end.end()], head) if end else (head,)):
        for label, words in keywords:
            if any(w in part for w in words):
                return label
    return None


def find_headings(sentence: str, keywords: Keywords = HEADING_KEYWORDS) -> list[Heading]:
    """Every top-level heading in a (normalised) sentence, in order (``keywords``: see :func:`heading_label`).

    >>> [(h.number, h.label) for h in find_headings("情况二、主动公开政府信息情况第二十条三、收到和处理政府信息公开申请情况")]
    [(2, 'active_disclosure'), (3, 'applications')]
    """
    out: list[Heading] = []
    if _ATTACHMENT.match(sentence):
        out.append(Heading(start=0, number=None, label="other_matters"))
    for m in _HEADING.finditer(sentence):
        num_text = m.group(1) or m.group(2)
        rest = sentence[m.end() :]
        # the heading's own words: up to the next sentence-internal stop
        cut = re.search(r"[。;:!?]", rest)
        head = rest[: cut.start()] if cut else rest
        label = heading_label(head, keywords)
        if m.start() > 0 and label is None:
            continue  # an unlabelled number inside a sentence is a list item, not a heading
        out.append(Heading(start=m.start(), number=_numeral(num_text), label=label))
    return out


def segment_sentences(sentences: Sequence[str], *, bare_headings: bool = False,
                      keywords: Keywords = HEADING_KEYWORDS) -> list[str]:
    """A section label for every sentence, by headings and the ordered state machine.

    Parameters
    ----------
    sentences : sequence of str
        The document's sentences, normalised (:attr:`xxgk.pipeline.Prepared.texts`).
    bare_headings : bool, default False
        Also follow ``report-format.md`` section 2.1 where a report has
        headings without numbers (a bold or short line such as ``概述``,
        ``主动公开政府信息情况``; :func:`bare_heading`) and numbered parts
        the template does not have (七、保密审查): those after the template's
        parts go to ``other_matters``. Off by default, as the features of
        the shipped model were computed without it; the ``rules`` system
        turns it on.
    keywords : tuple, default :data:`HEADING_KEYWORDS`
        The keyword lists that map a heading to its section
        (:data:`LEGACY_HEADING_KEYWORDS` for the shipped model's features).

    Returns
    -------
    list of str
        One label of :data:`xxgk.spec.SECTION_LABELS` per sentence.
    """
    if bare_headings:
        return _segment_with_bare_headings(sentences, keywords)
    current = "preamble"
    number = 0  # the number of the heading in force
    out: list[str] = []
    for text in sentences:
        label_here = current
        for h in find_headings(text, keywords):
            if h.number is None:  # attachment
                if current != "preamble":
                    current = "other_matters"
            elif h.number > number and h.label is not None:
                current, number = h.label, h.number
            elif h.number > number and current == "preamble" and h.start == 0:
                # an unnamed first heading opens the overview (whatever the report calls it)
                current, number = "overview", h.number
            else:
                continue  # a list item, or a number out of order
            if h.start == 0:
                label_here = current
        out.append(label_here)
    return out


#: The order of the template's parts: a heading without a number opens a part only after the one in force.
_ORDER = ("preamble", "overview", "active_disclosure", "applications", "review_litigation", "problems_improvements",
          "other_matters")
_BARE_MAX = 24
_BARE_END = re.compile(r"(?:情况|事项|概述|概况|措施|问题)$")


def bare_heading(sentence: str, keywords: Keywords = HEADING_KEYWORDS) -> str | None:
    """The section a heading without a number names (``概述``, ``主动公开政府信息情况``), or None.

    A bare heading is a short line (at most 24 characters, no sentence
    punctuation inside) that ends like a heading (…情况, …事项, 概述) and holds
    a section's keywords; a sentence that says something is no heading.

    >>> bare_heading("主动公开政府信息情况"), bare_heading("概述")
    ('active_disclosure', 'overview')
    >>> bare_heading("本年度主动公开政府信息情况良好。") is None
    True
    """
    t = sentence.strip().rstrip(":：")
    if not t or len(t) > _BARE_MAX or re.search(r"[。,，;；!?！？]", t) or _HEADING.match(t) or t[0].isdigit():
        return None
    if re.match(r"^[（(][一二三四五六七八九十\d]+[)）]", t):
        return None  # a sub-heading: （一）主动公开情况 stays in its part (section 2.1)
    if not _BARE_END.search(t):
        return None
    return heading_label(t, keywords)


def _segment_with_bare_headings(sentences: Sequence[str], keywords: Keywords) -> list[str]:
    """:func:`segment_sentences` with section 2.1's headings without numbers and extra parts."""
    found = [find_headings(t, keywords) for t in sentences]
    numbered = {h.label for hs in found for h in hs if h.number is not None and h.label is not None}
    current = "preamble"
    number = 0
    out: list[str] = []
    for text, heads in zip(sentences, found):
        label_here = current
        bare = bare_heading(text, keywords) if not heads else None
        if bare is not None and bare not in numbered and _ORDER.index(bare) > _ORDER.index(current):
            # a part the report titles without a number, which no numbered heading of it names
            current = label_here = bare
        for h in heads:
            if h.number is None:  # attachment
                if current != "preamble":
                    current = "other_matters"
            elif h.number > number and h.label is not None:
                current, number = h.label, h.number
            elif h.number > number and current == "preamble" and h.start == 0:
                current, number = "overview", h.number
            elif h.number > number and h.start == 0 and current in ("problems_improvements", "other_matters") \
                    and _part_title(text, h):
                # a part the template does not have, after its parts (七、保密审查): other matters (section 2.1)
                current, number = "other_matters", h.number
            else:
                continue
            if h.start == 0:
                label_here = current
        out.append(label_here)
    return out


def _part_title(text: str, h: Heading) -> bool:
    """Whether a numbered line is a part's title (七、保密审查), not a list item that says something."""
    head = re.split(r"[。;!?]", text[h.start :], maxsplit=1)[0]
    return len(head) <= _BARE_MAX + 4 and "," not in head
