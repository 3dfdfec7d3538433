"""Numbers from a sentence's form (heading patterns, layout, position), fed to the document layer beside its vector."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ..spec import SECTION_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Prepared

__all__ = ["N_FEATURES", "FEATURE_SETS", "feature_count", "rule_columns", "silent_rule_values", "keep_part_headings",
           "prior_columns", "headless", "rule_parts", "sentence_features", "prepared_features"]

_CN_NUM = "一二三四五六七八九十"
_TOP = re.compile(rf"^\s*(?:第)?([{_CN_NUM}]{{1,2}})\s*(?:[、.,，:：]|部分)")
_SUB = re.compile(rf"^\s*[（(]\s*([{_CN_NUM}]{{1,2}})\s*[)）]")
_ARABIC = re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")
_DIGIT = re.compile(r"\d")

#: Number of features :func:`sentence_features` returns per sentence with the ``v1`` set (the shipped weights').
N_FEATURES = 22 + 8 + len(SECTION_LABELS) + 2

_N_SEC = len(SECTION_LABELS)
#: The feature sets: ``v1``, the heading patterns with the word lists of before issue 10
#: (:data:`~xxgk.segment.rules.LEGACY_HEADING_KEYWORDS`, partly read from the gold); ``v2``, the same columns
#: computed with the spec's word lists (:data:`~xxgk.segment.rules.SPEC_HEADING_KEYWORDS`, the ``rules``
#: state machine with headings without numbers) plus the heading hierarchy (:mod:`xxgk.segment.hierarchy`).
FEATURE_SETS: dict[str, int] = {"v1": N_FEATURES, "v2": N_FEATURES + 13 + 3 * (_N_SEC + 1) + 1 + _N_SEC}
# v2's hierarchy columns after the 39 of v1
_H = N_FEATURES
_H_LEVEL = _H            # 5: the sentence's heading form: 一、 / (一) / 1. / (1) / without a number
_H_TITLE = _H + 5        # 1: it is a short title, not a list item that says something
_H_ENCL = _H + 6         # 4: the number of the heading in force at each level / 10
_H_DEPTH = _H + 10       # 1: the deepest level in force / 4
_H_ORDER = _H + 11       # 1: a top-level form that does not advance the numbering (a list item)
_H_CONT = _H + 12        # 1: the sentence before it is unfinished (hard wrap)
_H_TOP = _H + 13         # 8: the section the top-level heading in force names (7 labels + "none")
_H_SUB = _H_TOP + _N_SEC + 1      # 8: the section the most specific sub-heading in force names (+ "none")
_H_OWN = _H_SUB + _N_SEC + 1      # 1: the report has a top-level part of its own for that section
_H_UNNUM = _H_OWN + 1             # 8: the section the last heading without a number names (+ "none")
_H_RESOLVED = _H_UNNUM + _N_SEC + 1  # 7: section 2.1's reading of the hierarchy


def feature_count(feature_set: str = "v1") -> int:
    """Columns per sentence of ``feature_set`` (a key of :data:`FEATURE_SETS`)."""
    try:
        return FEATURE_SETS[feature_set]
    except KeyError:
        raise ValueError(f"Unknown feature set {feature_set!r}; expected one of {', '.join(FEATURE_SETS)}.") from None


def rule_columns(feature_set: str = "v1") -> list[int]:
    """The columns that map headings to sections by word lists (zeroed when a model is told ``rule_features=False``).

    Columns 22-36 (the section a heading names, the ``rules`` state machine),
    and in ``v2`` the sections the hierarchy's headings name; what stays is
    the form alone (numbering, levels, layout, position).
    """
    cols = list(range(22, 37))
    if feature_set == "v2":
        cols += list(range(_H_TOP, FEATURE_SETS["v2"]))
    return cols


def silent_rule_values(feature_set: str = "v1") -> np.ndarray:
    """What the :func:`rule_columns` say of a sentence that no heading governs (the rules find nothing).

    The ``rules`` state machine in ``preamble`` and, in ``v2``, "none" for the
    sections of the sub-heading and the unnumbered heading in force: the values
    those columns take throughout a report whose headings are lost or named
    in words the lists do not know. Training with ``rule_dropout`` gives them to
    some documents, so that the model learns to place sentences where the word
    lists are silent.

    >>> v = silent_rule_values("v2")
    >>> len(v) == len(rule_columns("v2")), int(v.sum())
    (True, 3)
    """
    return np.array(_silent_rule_values(feature_set), dtype=np.float32)


@cache
def _silent_rule_values(feature_set: str) -> tuple[float, ...]:
    row = sentence_features(["\u3002"], [False], [0], feature_set)[0]
    return tuple(float(v) for v in row[rule_columns(feature_set)])


def keep_part_headings(silenced: Any, rows: Any, feature_set: str = "v2") -> Any:
    """Put back into ``silenced`` (``rows`` with their :func:`rule_columns` silenced) what top-level part headings say.

    The section a heading line names (columns 22-29) and the section the
    top-level heading in force names, which also becomes section 2.1's reading
    of the hierarchy (a part holds what its heading names); what sub-headings,
    unnumbered headings and the ``rules`` state machine's key words add stays
    silent. ``silenced`` is changed in place (a numpy array or a torch
    tensor) and returned.

    >>> rows = sentence_features(["六、其他需要报告的事项", "无。"], [False] * 2, [0, 1], "v2")
    >>> out = rows.copy()
    >>> out[:, rule_columns("v2")] = silent_rule_values("v2")
    >>> back = keep_part_headings(out, rows)
    >>> bool((back[:, 22:30] == rows[:, 22:30]).all()), bool(back[1, _H_RESOLVED:].any()), int(back[:, 30:37].argmax(1).max())
    (True, True, 0)
    """
    if feature_count(feature_set) != FEATURE_SETS["v2"]:
        raise ValueError(f"keep_part_headings() reads the heading hierarchy of feature set 'v2'; got {feature_set!r}.")
    kept = list(range(22, 30)) + list(range(_H_TOP, _H_TOP + _N_SEC + 1))
    silenced[:, kept] = rows[:, kept]
    silenced[:, _H_RESOLVED:_H_RESOLVED + _N_SEC] = rows[:, _H_TOP:_H_TOP + _N_SEC]
    return silenced


def headless(features: np.ndarray | Any, feature_set: str = "v2") -> bool:
    """Whether a report has no top-level part headings, read from its ``v2`` feature rows (one per sentence).

    True when fewer than two sentences have the form of a top-level heading
    (一、… as a short title): no line marks the national layout's parts
    (their titles may still run into the text, where :func:`rule_parts`
    finds them). The same test as
    the ``headless`` covariate of :func:`xxgk.neural.calibrate.section_covariates`,
    from the same hierarchy columns.

    >>> headless(sentence_features(["一、总体情况", "全年受理申请6件。", "二、主动公开政府信息情况"], [False] * 3, [0, 1, 2], "v2"))
    False
    >>> headless(sentence_features(["全年受理申请6件。", "（一）主动公开"], [False] * 2, [0, 1], "v2"))
    True
    """
    if feature_count(feature_set) != FEATURE_SETS["v2"]:
        raise ValueError(f"headless() reads the heading hierarchy of feature set 'v2'; got {feature_set!r}.")
    rows = np.asarray(features, dtype=np.float32)
    if rows.ndim != 2 or rows.shape[1] != FEATURE_SETS["v2"]:
        raise ValueError(f"headless() needs one row of {FEATURE_SETS['v2']} 'v2' features per sentence; got shape {rows.shape}.")
    return float((rows[:, _H_LEVEL] * rows[:, _H_TITLE]).sum()) < 2


def rule_parts(features: np.ndarray | Any) -> int:
    """How many template parts the ``rules`` state machine found in a report, from its feature rows (columns 30-36).

    The sections it passed through, ``preamble`` not counted: 0 or 1 where
    neither the headings' form nor their words marked the report's parts.

    >>> rule_parts(sentence_features(["一、总体情况", "全年受理申请6件。", "二、主动公开政府信息情况"], [False] * 3, [0, 1, 2]))
    2
    >>> rule_parts(sentence_features(["全年受理申请6件。", "依申请公开工作有序开展。"], [False] * 2, [0, 1]))
    0
    """
    rows = np.asarray(features, dtype=np.float32)
    if rows.ndim != 2 or rows.shape[1] < 37:
        raise ValueError(f"rule_parts() needs one feature row per sentence; got shape {rows.shape}.")
    state = rows[:, 30:37]
    return len({int(k) for k in state.argmax(1)[state.max(1) > 0]} - {0})


def prior_columns(feature_set: str, section: int) -> list[int]:
    """The columns that name section number ``section`` outright, where the heading prior starts the direct path.

    The section a top-level heading names (columns 22-29), the ``rules``
    state machine's section (30-36; not its ``preamble``, which before the
    first heading says nothing), and in ``v2`` section 2.1's reading of the
    heading hierarchy.

    >>> prior_columns("v1", 1), prior_columns("v2", 1)
    ([23, 31], [23, 31, 78])
    """
    cols = [22 + section] + ([30 + section] if section > 0 else [])
    if feature_count(feature_set) == FEATURE_SETS["v2"]:
        cols.append(_H_RESOLVED + section)
    return cols


def _cn_value(s: str) -> int:
    """一 → 1 … 十 → 10, 十一 → 11; 0 when unparsable."""
    if s == "十":
        return 10
    if len(s) == 1:
        return _CN_NUM.index(s) + 1
    if s[0] == "十":
        return 10 + _CN_NUM.index(s[1]) + 1
    if s[1] == "十":
        return (_CN_NUM.index(s[0]) + 1) * 10
    return 0


def sentence_features(texts: Sequence[str], headings: Sequence[bool], paragraphs: Sequence[int],
                      feature_set: str = "v1") -> np.ndarray:
    """The form of each sentence as numbers: heading patterns, layout and position.

    Parameters
    ----------
    texts : sequence of str
        The document's sentences (normalised), in order.
    headings : sequence of bool
        Whether the reader marked the sentence's paragraph as a heading candidate.
    paragraphs : sequence of int
        The paragraph number of each sentence.
    feature_set : {"v1", "v2"}, default "v1"
        ``v1``: the 39 columns below, with the legacy word lists (what the
        shipped weights were trained with). ``v2``: the same 39 columns with
        the spec's word lists (and the ``rules`` state machine reading headings
        without numbers), then the heading hierarchy
        (:func:`xxgk.segment.hierarchy.parse_hierarchy`): the sentence's heading
        level by form (5 one-hot), title-like, the number of the heading in force
        at each of the 4 levels, depth, out-of-order top-level number,
        continuation of an unfinished line, and, by the spec's word lists, the
        section named by the top-level heading in force, by the most specific
        sub-heading in force, whether the report has a top-level part of its
        own for the latter, by the last unnumbered heading, and section 2.1's
        reading of all that.

    Returns
    -------
    numpy.ndarray of shape (n_sentences, feature_count(feature_set)), float32
        Columns 0-21: heading candidate; starts a paragraph; is a whole
        paragraph; top-level numbering 一 … 十 (one-hot, 10 columns); 十一 or
        more; （一）-style numbering; 1.-style numbering; relative position;
        log length; share of digits; ends with 。！？; ends with ：; short
        (< 16 characters). Columns 22-29: the section a top-level heading at
        the sentence's start names by its keywords
        (:func:`xxgk.segment.rules.find_headings`; one-hot over the seven
        labels, plus "numbered but unnamed"). Columns 30-36: the section the
        ``rules`` state machine is in (:func:`xxgk.segment.rules.segment_sentences`),
        one-hot. These say what the headings say; when headings are missing
        they say nothing, and the model, trained on copies without headings,
        falls back on the text and its context. Column 37: the number of a
        （一）-style sub-heading, divided by 10; column 38: that numbering
        starts again (（一） after （三）), a hint of a new section when its
        heading is lost.

    Examples
    --------
    >>> f = sentence_features(["一、总体情况", "2021年共受理申请6件。"], [True, False], [0, 1])
    >>> f.shape == (2, N_FEATURES), int(f[0, 3]), int(f[1, 3])
    (True, 1, 0)
    """
    from ..segment.rules import LEGACY_HEADING_KEYWORDS, SPEC_HEADING_KEYWORDS, find_headings, segment_sentences

    v2 = feature_set == "v2"
    # v1: the word lists the shipped weights were trained with; v2: the spec's
    KW = SPEC_HEADING_KEYWORDS if v2 else LEGACY_HEADING_KEYWORDS
    n = len(texts)
    out = np.zeros((n, feature_count(feature_set)), dtype=np.float32)
    sec_index = {s: i for i, s in enumerate(SECTION_LABELS)}
    states = segment_sentences(list(texts), keywords=KW, bare_headings=v2) if n else []
    last_sub = 0
    for i, t in enumerate(texts):
        p = paragraphs[i]
        starts = i == 0 or paragraphs[i - 1] != p
        ends = i == n - 1 or paragraphs[i + 1] != p
        out[i, 0] = float(bool(headings[i]))
        out[i, 1] = float(starts)
        out[i, 2] = float(starts and ends)
        m = _TOP.match(t)
        if m:
            v = _cn_value(m.group(1))
            if 1 <= v <= 10:
                out[i, 2 + v] = 1.0
            elif v > 10:
                out[i, 13] = 1.0
        sub = _SUB.match(t)
        if sub:
            out[i, 14] = 1.0
            v = _cn_value(sub.group(1))
            out[i, 37] = v / 10.0
            out[i, 38] = float(0 < v <= last_sub)
            last_sub = v
        out[i, 15] = float(bool(_ARABIC.match(t)))
        out[i, 16] = i / max(n - 1, 1)
        out[i, 17] = math.log1p(len(t)) / 5.0
        out[i, 18] = len(_DIGIT.findall(t)) / max(len(t), 1)
        out[i, 19] = float(t[-1:] in "。！？!?")
        out[i, 20] = float(t[-1:] in "：:")
        out[i, 21] = float(len(t) < 16)
        hs = find_headings(t, KW)
        if hs and hs[0].start == 0:
            label = hs[0].label
            out[i, 22 + (sec_index[label] if label in sec_index else 7)] = 1.0
        out[i, 30 + sec_index.get(states[i], 0)] = 1.0
    if v2 and n:
        _hierarchy_features(texts, headings, out, sec_index)
    return out


def _hierarchy_features(texts: Sequence[str], headings: Sequence[bool], out: np.ndarray, sec_index: dict[str, int]) -> None:
    """Fill ``v2``'s hierarchy columns of ``out`` (see :func:`sentence_features`)."""
    from ..segment.hierarchy import UNNUMBERED, parse_hierarchy

    none = len(sec_index)
    for i, c in enumerate(parse_hierarchy(list(texts), list(headings))):
        f = c.form
        if f is not None:
            out[i, _H_LEVEL + (4 if f.level == UNNUMBERED else f.level - 1)] = 1.0
            out[i, _H_TITLE] = float(f.title_like)
        for lv, num in enumerate(c.enclosing):
            if num is not None:
                out[i, _H_ENCL + lv] = min(num, 20) / 10.0
        out[i, _H_DEPTH] = c.depth / 4.0
        out[i, _H_ORDER] = float(c.out_of_order)
        out[i, _H_CONT] = float(c.continuation)
        if c.top_named:
            out[i, _H_TOP + sec_index.get(c.top_label or "", none)] = 1.0
        out[i, _H_SUB + sec_index.get(c.sub_label or "", none)] = 1.0
        out[i, _H_OWN] = float(c.sub_has_own_part)
        out[i, _H_UNNUM + sec_index.get(c.unnumbered_label or "", none)] = 1.0
        if c.resolved is not None:
            out[i, _H_RESOLVED + sec_index[c.resolved]] = 1.0


def prepared_features(prepared: Prepared, feature_set: str = "v1") -> np.ndarray:
    """:func:`sentence_features` of a :class:`~xxgk.pipeline.Prepared` document."""
    return sentence_features(prepared.texts, prepared.headings, [s.paragraph for s in prepared.sentences],
                             feature_set)
