"""The built-in systems, registered with :func:`xxgk.pipeline.register_system`.

- ``rules``: headings by pattern with an ordered state machine
  (:mod:`xxgk.segment.rules`) and a keyword tagger (:mod:`xxgk.tag.rules`).
  No training; the floor every other system must beat.
- ``baseline``: TF-IDF character n-grams and logistic regression for sections
  and tags (:mod:`xxgk.baseline`); trainable.
- ``model``: the fine-tuned transformer. Its factory imports
  ``xxgk.models.system`` only when the system is asked for, and calls that
  module's ``make_system(**options)`` (or, failing that, its
  ``ModelSystem(**options)``); the object must follow
  :class:`xxgk.pipeline.SectionTagger`, and
  :class:`xxgk.pipeline.TrainableSectionTagger` to be cross-validated.

Examples
--------
>>> from xxgk.pipeline import get_system
>>> get_system("rules").name
'rules'
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import Any

from .errors import ModelError
from .pipeline import Prediction, Prepared, SectionTagger, register_system
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


def _baseline(**options: Any) -> SectionTagger:
    from .baseline import BaselineSystem

    return BaselineSystem(**options)


def _model(**options: Any) -> SectionTagger:
    try:
        module = import_module("xxgk.models.system")
    except ModuleNotFoundError as err:
        if err.name and not err.name.startswith("xxgk"):
            raise
        raise ModelError(
            "The 'model' system is not installed in this copy of xxgk (no xxgk.models.system). "
            "Use --system rules or --system baseline."
        ) from err
    factory = getattr(module, "make_system", None) or getattr(module, "ModelSystem", None)
    if factory is None:
        raise ModelError("xxgk.models.system defines neither make_system nor ModelSystem; the 'model' system cannot be built.")
    return factory(**options)


register_system("rules", RulesSystem)
register_system("baseline", _baseline)
register_system("model", _model)
