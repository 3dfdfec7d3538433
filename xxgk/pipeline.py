"""The stages wired together: read → normalise → sentences → segment + tag → tables → validate → Report.

A *system* decides each sentence's section and tag. Systems are registered
by name (``rules``, ``baseline``, ``model``) and share one small interface,
:class:`System`, so the evaluation harness scores any of them without
knowing which it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from .document import Document, Paragraph, Table
from .gold import GoldDoc
from .normalize import NormalizedText, normalize
from .sentences import SentenceSpan, split_sentences
from .tablecells import table_cell_lines

__all__ = [
    "Prepared",
    "Prediction",
    "System",
    "TrainableSystem",
    "prepare",
    "register_system",
    "get_system",
    "available_systems",
    "DEFAULT_SYSTEM",
]

#: The system :func:`xxgk.analyze` uses when none is named.
DEFAULT_SYSTEM = "model"


@dataclass
class Prepared:
    """A document made ready for a system: normalised text and its sentences.

    ``headings[i]`` is True when sentence ``i`` is a whole paragraph that the
    reader marked as a heading candidate; ``paragraph_of[i]`` is the index in
    ``document.blocks`` of the paragraph that holds sentence ``i``.
    ``table_lines`` maps the paragraphs (block indexes) that are cells of a
    table no reader recognised to their kind (:func:`xxgk.tablecells.line_kind`);
    they give no sentence (``report-format.md`` sections 2.1 and 5).
    """

    document: Document
    norm: NormalizedText
    sentences: list[SentenceSpan]
    headings: list[bool]
    paragraph_of: list[int]
    table_lines: dict[int, str] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.sentences]


@dataclass
class Prediction:
    """A system's output for one document: one section and one tag per sentence."""

    sections: list[str]
    tags: list[str]
    tag_confidence: list[float] = field(default_factory=list)
    section_confidence: list[float] = field(default_factory=list)
    #: The uncalibrated distributions behind the confidences (rows over the section labels / tags), where the
    #: system has them (``model``): what the harness fits the calibration on.
    section_probs: Any = field(default=None, repr=False, compare=False)
    tag_probs: Any = field(default=None, repr=False, compare=False)
    #: The document's covariates of the section calibration (its layout, and how unsure the model is of it as a
    #: whole: :func:`xxgk.neural.calibrate.section_covariates`), where the system has them (``model``).
    covariates: dict[str, float] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.sections) != len(self.tags):
            raise ValueError(f"A prediction needs one section and one tag per sentence: got {len(self.sections)} and {len(self.tags)}.")
        n = len(self.tags)
        if not self.tag_confidence:
            self.tag_confidence = [1.0] * n
        if not self.section_confidence:
            self.section_confidence = [1.0] * n


@runtime_checkable
class System(Protocol):
    """What every system implements."""

    name: str

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        """One :class:`Prediction` per document, in order."""
        ...


@runtime_checkable
class TrainableSystem(System, Protocol):
    """A system that learns from gold files (``baseline``, ``model``).

    The evaluation harness scores it by cross-validation
    (``xxgk evaluate --cv``): for each fold it builds a fresh object with
    :func:`get_system`, calls :meth:`fit` on the other folds' documents and
    gold files, and predicts the held-out ones. Without ``--cv`` it calls
    :meth:`predict` alone, on the system's shipped or cached state.
    """

    def fit(self, docs: Sequence[Prepared], golds: Sequence[GoldDoc]) -> TrainableSystem:
        """Learn from prepared documents and their gold files (:class:`xxgk.gold.GoldDoc`).

        ``docs[i]`` is the source of ``golds[i]``; the gold section and tag of
        each of its sentences come from
        :func:`xxgk.align.gold_labels_for`. ``fit`` replaces any state
        the object had (shipped weights included: a fold must never see a
        model trained on its own reports) and returns the object.
        """
        ...


def prepare(doc: Document) -> Prepared:
    """Normalise a document and split it into sentences.

    Lines that are cells of a statistical table the reader did not recognise
    as one (:func:`xxgk.tablecells.table_cell_lines`) give no sentence: they
    belong to their table, and their table's section keeps its span.
    """
    norm = normalize(doc.text, script=doc.meta.script)
    lines: list[str | None] = list(norm.text.split("\n"))
    for bi, block in enumerate(doc.blocks[: len(lines)]):
        if isinstance(block, Table):
            lines[bi] = None
    cells = table_cell_lines(lines)
    sentences = split_sentences(norm.text, skip=cells)
    # paragraph number in doc.text (one line per block) -> block index
    para_blocks = list(range(len(doc.blocks)))
    headings: list[bool] = []
    paragraph_of: list[int] = []
    for s in sentences:
        bi = para_blocks[s.paragraph] if s.paragraph < len(para_blocks) else len(doc.blocks) - 1
        block = doc.blocks[bi]
        paragraph_of.append(bi)
        whole = isinstance(block, Paragraph) and len(s.text) >= len(block.text.strip()) - 2
        headings.append(bool(isinstance(block, Paragraph) and block.heading and whole))
    return Prepared(document=doc, norm=norm, sentences=sentences, headings=headings, paragraph_of=paragraph_of,
                    table_lines=dict(cells))


_SYSTEMS: dict[str, Callable[..., System]] = {}


def register_system(name: str, factory: Callable[..., System]) -> None:
    """Make a system available under ``name`` (``factory(**options)`` builds it)."""
    _SYSTEMS[name] = factory


def available_systems() -> list[str]:
    _load_builtin_systems()
    return sorted(_SYSTEMS)


def get_system(name: str = DEFAULT_SYSTEM, **options: Any) -> System:
    """Build the system registered as ``name``.

    Raises
    ------
    ValueError
        When no system has that name.
    """
    _load_builtin_systems()
    if name not in _SYSTEMS:
        raise ValueError(f"The 'system' parameter must be one of {sorted(_SYSTEMS)}. Got {name!r} instead.")
    return _SYSTEMS[name](**options)


_BUILTINS = ("xxgk.systems",)


def _load_builtin_systems() -> None:
    from importlib import import_module

    for mod in _BUILTINS:
        import_module(mod)
