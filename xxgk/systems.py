"""The built-in systems, registered with :func:`xxgk.pipeline.register_system`.

- ``rules``: headings by pattern with an ordered state machine
  (:mod:`xxgk.segment.rules`) and a keyword tagger (:mod:`xxgk.tag.rules`).
  No training; the floor every other system must beat.
- ``baseline``: TF-IDF character n-grams and logistic regression for sections
  and tags (:mod:`xxgk.baseline`); trainable.
- ``model``: the fine-tuned transformer (:class:`xxgk.neural.system.ModelSystem`),
  imported only when the system is asked for; trainable.

Every system follows :class:`xxgk.pipeline.System`; the trainable ones also
follow :class:`xxgk.pipeline.TrainableSystem`, so the evaluation harness can
cross-validate them.

Examples
--------
>>> from xxgk.pipeline import get_system
>>> get_system("rules").name
'rules'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .pipeline import Prediction, Prepared, System, register_system
from .segment.rules import segment_sentences
from .tag.rules import tag_sentences

__all__ = ["RulesSystem"]


class RulesSystem:
    """Sections by headings, tags by keywords (see :mod:`xxgk.segment.rules` and :mod:`xxgk.tag.rules`)."""

    name = "rules"

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        """One :class:`~xxgk.pipeline.Prediction` per document."""
        out: list[Prediction] = []
        for doc in docs:
            texts = doc.texts
            sections = segment_sentences(texts, bare_headings=True)
            out.append(Prediction(sections=sections, tags=tag_sentences(texts, sections)))
        return out


def _baseline(**options: Any) -> System:
    from .baseline import BaselineSystem

    return BaselineSystem(**options)


def _model(**options: Any) -> System:
    from .neural.system import ModelSystem

    return ModelSystem(**options)


register_system("rules", RulesSystem)
register_system("baseline", _baseline)
register_system("model", _model)
