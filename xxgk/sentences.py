"""Chinese sentence splitting with offsets.

A sentence ends at 。！？ (or their half-width forms, which NFKC produces),
together with any closing quotes or brackets after it, or where a paragraph
ends; ； and ; do not end a sentence (``report-format.md`` section 3).

The splitter works on normalised text (see :mod:`xxgk.normalize`), where
paragraphs are separated by ``\\n``::

    >>> [s.text for s in split_sentences("共受理申请6件。均按时办结！\\n一、总体情况")]
    ['共受理申请6件。', '均按时办结！', '一、总体情况']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

__all__ = ["SentenceSpan", "split_sentences", "SENTENCE_END"]

SENTENCE_END = "。！？!?"
_CLOSERS = "”’」』》)）】\"'"
_SPLIT = re.compile(rf"[{re.escape(SENTENCE_END)}]+[{re.escape(_CLOSERS)}]*")


@dataclass(frozen=True)
class SentenceSpan:
    """A sentence of the normalised text: its text, span and paragraph number (0-based)."""

    text: str
    start: int
    end: int
    paragraph: int


def split_sentences(text: str, skip: Collection[int] = ()) -> list[SentenceSpan]:
    """Split normalised ``text`` into sentences.

    Parameters
    ----------
    text : str
        Normalised text, paragraphs separated by newlines.
    skip : collection of int, optional
        Paragraph numbers (0-based) that are no narrative, such as the lines
        of a table the reader did not recognise
        (:func:`xxgk.tablecells.table_cell_lines`): they give no sentence,
        and the other paragraphs keep their numbers and offsets.

    Returns
    -------
    list of SentenceSpan
        In order; white space at a sentence's edges is left out of its span, and
        empty paragraphs give no sentence.

    Examples
    --------
    >>> [s.paragraph for s in split_sentences("行政许可\\n0\\n共受理申请6件。", skip={0, 1})]
    [2]
    """
    out: list[SentenceSpan] = []
    pos = 0
    for para_no, para in enumerate(text.split("\n")):
        if para_no in skip:
            pos += len(para) + 1
            continue
        cuts = [m.end() for m in _SPLIT.finditer(para)]
        if not cuts or cuts[-1] != len(para):
            cuts.append(len(para))
        prev = 0
        for cut in cuts:
            chunk = para[prev:cut]
            lstrip = len(chunk) - len(chunk.lstrip())
            body = chunk.strip()
            if body:
                start = pos + prev + lstrip
                out.append(SentenceSpan(body, start, start + len(body), para_no))
            prev = cut
        pos += len(para) + 1
    return out
