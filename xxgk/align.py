"""Match predicted sentences to gold sentences, whatever their boundaries.

Gold and prediction need not split the text the same way: a heading glued to
its paragraph is one predicted sentence but two gold ones; a hard-wrapped PDF
line can split a gold sentence in two; a prediction also holds text the gold
leaves out (table cells). So sentences are matched by their *characters*:

1. each sentence becomes its :func:`xxgk.normalize.match_key` (NFKC,
   simplified, no white space), and the keys of each side are concatenated;
2. the two strings are aligned character by character
   (:class:`difflib.SequenceMatcher`, monotonic: text order is kept);
3. each gold sentence gets the predicted sentence that covers most of its
   aligned characters, provided the aligned characters are at least
   ``min_share`` of the gold sentence (else it is unmatched: ``None``); and
   the other way round for each predicted sentence.

Several gold sentences can get the same predicted sentence (the prediction
merged them); a gold sentence split in two gets the larger part.

Examples
--------
>>> gold = ["一、总体情况", "2021年共受理申请6件。", "均按时办结。"]
>>> pred = ["一、总体情况2021年共受理申请6件。", "均按时", "办结。"]
>>> align(pred, gold)
[0, 0, 1]
>>> align(["一、总体情况"], gold)
[0, None, None]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from .normalize import match_key

if TYPE_CHECKING:  # pragma: no cover
    from .gold import GoldDoc
    from .pipeline import Prepared

__all__ = ["Alignment", "align", "align_sentences", "gold_labels_for"]


@dataclass(frozen=True)
class Alignment:
    """The sentence-to-sentence matches between a prediction and its gold.

    Attributes
    ----------
    gold_to_pred : list of int or None
        For each gold sentence, the index of its predicted sentence (None: unmatched).
    pred_to_gold : list of int or None
        For each predicted sentence, the gold sentence that covers most of it
        (None: the predicted text is not in the gold, e.g. table cells).
    gold_share : list of float
        For each gold sentence, the share of its characters aligned to any
        predicted character (1.0: all of its text was found).
    """

    gold_to_pred: list[int | None]
    pred_to_gold: list[int | None]
    gold_share: list[float]

    @property
    def coverage(self) -> float:
        """The share of gold sentences matched to a prediction (1.0 for no gold sentence)."""
        if not self.gold_to_pred:
            return 1.0
        return sum(p is not None for p in self.gold_to_pred) / len(self.gold_to_pred)


def _owners(keys: Sequence[str]) -> list[int]:
    owner: list[int] = []
    for i, k in enumerate(keys):
        owner.extend([i] * len(k))
    return owner


def _best(counts: dict[int, int], length: int, min_share: float) -> int | None:
    if not counts or length == 0:
        return None
    total = sum(counts.values())
    if total < min_share * length:
        return None
    # most characters; ties go to the earlier sentence
    return max(counts.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def align_sentences(pred_texts: Sequence[str], gold_texts: Sequence[str], *, min_share: float = 0.5) -> Alignment:
    """Align predicted sentences with gold sentences both ways.

    Parameters
    ----------
    pred_texts : sequence of str
        The predicted sentences, in document order.
    gold_texts : sequence of str
        The gold sentences, in document order.
    min_share : float, default 0.5
        A sentence is matched only when at least this share of its characters
        is aligned with the other side.

    Returns
    -------
    Alignment
    """
    if not 0.0 < min_share <= 1.0:
        raise ValueError(f"The 'min_share' parameter of align_sentences must be a float in (0, 1]. Got {min_share!r} instead.")
    gkeys = [match_key(t) for t in gold_texts]
    pkeys = [match_key(t) for t in pred_texts]
    gstr, pstr = "".join(gkeys), "".join(pkeys)
    gown, pown = _owners(gkeys), _owners(pkeys)
    g_counts: list[dict[int, int]] = [{} for _ in gkeys]
    p_counts: list[dict[int, int]] = [{} for _ in pkeys]
    matcher = SequenceMatcher(None, gstr, pstr, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            gi, pi = gown[a + k], pown[b + k]
            g_counts[gi][pi] = g_counts[gi].get(pi, 0) + 1
            p_counts[pi][gi] = p_counts[pi].get(gi, 0) + 1
    gold_to_pred = [_best(c, len(k), min_share) for c, k in zip(g_counts, gkeys)]
    pred_to_gold = [_best(c, len(k), min_share) for c, k in zip(p_counts, pkeys)]
    gold_share = [(sum(c.values()) / len(k)) if k else 0.0 for c, k in zip(g_counts, gkeys)]
    return Alignment(gold_to_pred=gold_to_pred, pred_to_gold=pred_to_gold, gold_share=gold_share)


def align(pred_texts: Sequence[str], gold_texts: Sequence[str], *, min_share: float = 0.5) -> list[int | None]:
    """For each gold sentence, the index of the predicted sentence that covers most of it (None: unmatched).

    See :func:`align_sentences` for the parameters and the method.
    """
    return align_sentences(pred_texts, gold_texts, min_share=min_share).gold_to_pred


def gold_labels_for(
    prepared: Prepared, gold: GoldDoc, *, min_share: float = 0.5
) -> tuple[list[str], list[str | None], list[bool]]:
    """The gold section and tag of each sentence of a prepared document (training targets).

    Parameters
    ----------
    prepared : xxgk.pipeline.Prepared
        The document as a system sees it (its sentences are what gets labelled).
    gold : GoldDoc
        Its gold annotation.
    min_share : float, default 0.5
        See :func:`align_sentences`.

    Returns
    -------
    sections : list of str
        One label per predicted sentence. A sentence matched to a gold
        sentence takes its section; an unmatched one (table cells, page
        chrome the gold leaves out) takes the section of the nearest matched
        sentence before it (after it, at the start of the document), which is
        where a table's cells sit.
    tags : list of str or None
        The gold tag of a matched sentence, None for an unmatched one.
    mask : list of bool
        True where the sentence is matched to a gold sentence: train tags, and
        score anything, only there.
    """
    al = align_sentences(prepared.texts, gold.texts, min_share=min_share)
    gsent = gold.sentences
    tags: list[str | None] = [None if g is None else gsent[g].tag for g in al.pred_to_gold]
    mask = [g is not None for g in al.pred_to_gold]
    raw: list[str | None] = [None if g is None else gsent[g].section for g in al.pred_to_gold]
    sections = _fill(raw, default=gsent[0].section if gsent else "preamble")
    return sections, tags, mask


def _fill(labels: Sequence[str | None], default: str) -> list[str]:
    """Fill None with the previous label (the next one before the first label)."""
    first = next((x for x in labels if x is not None), default)
    out: list[str] = []
    prev = first
    for x in labels:
        prev = x if x is not None else prev
        out.append(prev)
    return out
