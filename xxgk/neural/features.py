"""Numbers from a sentence's form (heading patterns, layout, position), fed to the document layer beside its vector."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..spec import SECTION_LABELS

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Prepared

__all__ = ["N_FEATURES", "sentence_features", "prepared_features"]

_CN_NUM = "一二三四五六七八九十"
_TOP = re.compile(rf"^\s*(?:第)?([{_CN_NUM}]{{1,2}})\s*(?:[、.,，:：]|部分)")
_SUB = re.compile(rf"^\s*[（(]\s*([{_CN_NUM}]{{1,2}})\s*[)）]")
_ARABIC = re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")
_DIGIT = re.compile(r"\d")

#: Number of features :func:`sentence_features` returns per sentence.
N_FEATURES = 22 + 8 + len(SECTION_LABELS) + 2


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


def sentence_features(texts: Sequence[str], headings: Sequence[bool], paragraphs: Sequence[int]) -> np.ndarray:
    """The form of each sentence as numbers: heading patterns, layout and position.

    Parameters
    ----------
    texts : sequence of str
        The document's sentences (normalised), in order.
    headings : sequence of bool
        Whether the reader marked the sentence's paragraph as a heading candidate.
    paragraphs : sequence of int
        The paragraph number of each sentence.

    Returns
    -------
    numpy.ndarray of shape (n_sentences, N_FEATURES), float32
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
    from ..segment.rules import LEGACY_HEADING_KEYWORDS as KW  # what the shipped weights were trained with
    from ..segment.rules import find_headings, segment_sentences

    n = len(texts)
    out = np.zeros((n, N_FEATURES), dtype=np.float32)
    sec_index = {s: i for i, s in enumerate(SECTION_LABELS)}
    states = segment_sentences(list(texts), keywords=KW) if n else []
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
    return out


def prepared_features(prepared: Prepared) -> np.ndarray:
    """:func:`sentence_features` of a :class:`~xxgk.pipeline.Prepared` document."""
    return sentence_features(prepared.texts, prepared.headings, [s.paragraph for s in prepared.sentences])
