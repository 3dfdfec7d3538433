"""The result of :func:`xxgk.analyze`: a :class:`Report` with sections, tagged sentences, tables and checks.

Offsets come in two kinds, both half-open ``[start, end)``: ``start``/``end``
index the normalised text (:attr:`Report.text`), and ``orig_start``/
``orig_end`` index the document's original text (:attr:`Report.original_text`,
the reader's text before normalisation), so a span can be shown in the
user's own characters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .document import Document, DocumentMeta, Provenance
from .extract import ExtractedTable, Finding
from .serial import Serial
from .validate import Check

__all__ = ["REPORT_SCHEMA_VERSION", "REVIEW_BELOW", "Sentence", "Section", "Report", "build_report", "mark_review",
           "review_threshold"]

# 1.1: sentences carry section_confidence and needs_review (1.0 files still load, with 1.0 and False)
REPORT_SCHEMA_VERSION = "1.1"

#: A sentence whose section or tag confidence is below this is marked ``needs_review`` (see :func:`build_report`).
REVIEW_BELOW = 0.9


@dataclass
class Sentence(Serial):
    """A sentence with its section, tag, how sure the system is of each, and where it is.

    Attributes
    ----------
    confidence : float
        The tag's confidence (also :attr:`tag_confidence`).
    section_confidence : float
        The section's confidence (for the ``model`` system: the CRF marginal of
        the decoded section). The ``model`` system's confidences are calibrated
        on out-of-fold predictions when its folder has a ``calibration.json``
        (tags by temperature scaling; sections by the marginal and the
        document's layout: a report without part headings, or with
        hard-wrapped lines, gets lower confidences, see
        :mod:`xxgk.neural.calibrate`): of the sentences given 0.9, about nine
        in ten are right. ``rules`` gives 1.0 (it has no confidence).
    needs_review : bool
        True when either confidence is below the review threshold
        (:data:`REVIEW_BELOW` unless the caller set another).
    """

    index: int
    text: str
    section: str
    tag: str
    confidence: float
    start: int
    end: int
    orig_start: int
    orig_end: int
    provenance: Provenance = field(default_factory=Provenance)
    section_confidence: float = 1.0
    needs_review: bool = False

    @property
    def tag_confidence(self) -> float:
        """The tag's confidence (the ``confidence`` field)."""
        return self.confidence


@dataclass
class Section(Serial):
    """A run of consecutive sentences with one section label.

    A label can occur more than once when a report comes back to a section
    (``order`` tells the runs apart). ``sentences`` holds the indexes of its
    sentences in :attr:`Report.sentences`.
    """

    label: str
    order: int
    text: str
    start: int
    end: int
    orig_start: int
    orig_end: int
    sentences: list[int] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]



@dataclass
class Report(Serial):
    """Everything xxgk found in one report.

    Attributes
    ----------
    meta : DocumentMeta
        Title, issuing body, year, source, sha256, format, script.
    system : str
        The system that placed sections and tags (``rules``, ``baseline``, ``model``).
    sections, sentences : list
        See :class:`Section` and :class:`Sentence`.
    tables : dict
        Table name → extracted table (see :mod:`xxgk.extract`); a table the
        report lacks is absent.
    checks : list
        The consistency rules (A1, A2, A3, R1, N1) with their verdicts.
    findings : list
        What the extractors noticed (ambiguous digit runs, missing rows, …).
    """

    meta: DocumentMeta
    system: str
    text: str = ""
    original_text: str = ""
    sections: list[Section] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    tables: dict[str, ExtractedTable] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    xxgk_version: str = ""
    schema_version: str = REPORT_SCHEMA_VERSION

    __schema__: ClassVar[str | None] = REPORT_SCHEMA_VERSION

    def section(self, label: str) -> list[Section]:
        """Every run of sections labelled ``label`` (usually one)."""
        return [s for s in self.sections if s.label == label]

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        """The report as plain data; ``include_text`` adds the full normalised and original text."""
        d = super().to_dict()
        if not include_text:
            del d["text"], d["original_text"]
        return d

    def to_json(self, include_text: bool = False, **kwargs: Any) -> str:
        """The report as JSON (``include_text`` adds the full normalised and original text)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(include_text=include_text), **kwargs)


def build_report(
    doc: Document,
    prepared: Any,
    prediction: Any,
    system: str,
    tables: dict[str, ExtractedTable] | None = None,
    checks: list[Check] | None = None,
    findings: list[Finding] | None = None,
    review_below: float | None = None,
) -> Report:
    """Assemble a :class:`Report` from a prepared document and a system's prediction.

    ``review_below`` (default :data:`REVIEW_BELOW`) sets each sentence's ``needs_review``.
    """
    from . import __version__

    norm = prepared.norm
    sentences: list[Sentence] = []
    sec_conf = prediction.section_confidence or [1.0] * len(prediction.sections)
    for i, (span, sec, tag, conf, sconf) in enumerate(
        zip(prepared.sentences, prediction.sections, prediction.tags, prediction.tag_confidence, sec_conf)
    ):
        o0, o1 = norm.to_original(span.start, span.end)
        block = doc.blocks[prepared.paragraph_of[i]]
        sentences.append(
            Sentence(
                index=i, text=span.text, section=sec, tag=tag, confidence=round(float(conf), 4),
                start=span.start, end=span.end, orig_start=o0, orig_end=o1, provenance=block.provenance,
                section_confidence=round(float(sconf), 4),
            )
        )
    mark_review(sentences, review_below)
    sections: list[Section] = []
    for s in sentences:
        if not sections or sections[-1].label != s.section:
            sections.append(
                Section(label=s.section, order=len(sections), text="", start=s.start, end=s.end,
                        orig_start=s.orig_start, orig_end=s.orig_end, provenance=s.provenance)
            )
        sec = sections[-1]
        sec.sentences.append(s.index)
        sec.end, sec.orig_end = s.end, s.orig_end
    for sec in sections:
        sec.text = norm.text[sec.start : sec.end]
    return Report(
        meta=doc.meta,
        system=system,
        text=norm.text,
        original_text=norm.original,
        sections=sections,
        sentences=sentences,
        tables=dict(tables or {}),
        checks=list(checks or []),
        findings=list(findings or []),
        warnings=list(doc.warnings),
        xxgk_version=__version__,
    )


def review_threshold() -> float:
    """The review threshold in force: ``$XXGK_REVIEW_BELOW`` when set (what ``xxgk tag --review-below`` sets for its workers), else :data:`REVIEW_BELOW`."""
    import os

    env = os.environ.get("XXGK_REVIEW_BELOW")
    if env:
        try:
            return _check_threshold(float(env))
        except ValueError as err:
            raise ValueError(f"XXGK_REVIEW_BELOW={env!r}: must be a number from 0 to 1.") from err
    return REVIEW_BELOW


def _check_threshold(review_below: Any) -> float:
    if review_below is None:
        return review_threshold()
    if isinstance(review_below, bool) or not isinstance(review_below, int | float) or not 0.0 <= review_below <= 1.0:
        raise ValueError(f"The 'review_below' parameter must be a number from 0 to 1. Got {review_below!r} instead.")
    return float(review_below)


def mark_review(sentences: list[Sentence] | Report, review_below: float | None = None) -> list[Sentence]:
    """Set ``needs_review`` on each sentence: its section or tag confidence is below ``review_below``.

    Parameters
    ----------
    sentences : list of Sentence, or Report
        Marked in place.
    review_below : float, optional
        The threshold, from 0 (mark nothing) to 1; default :func:`review_threshold`
        (:data:`REVIEW_BELOW` unless ``$XXGK_REVIEW_BELOW`` is set).

    Returns
    -------
    list of Sentence
    """
    t = _check_threshold(review_below)
    items = sentences.sentences if isinstance(sentences, Report) else sentences
    for s in items:
        s.needs_review = min(s.section_confidence, s.confidence) < t
    return items


def _review_env(review_below: float | None) -> Any:
    """A context in which ``$XXGK_REVIEW_BELOW`` is ``review_below`` (checked), so worker processes see it too."""
    import contextlib
    import os

    @contextlib.contextmanager
    def ctx() -> Any:
        if review_below is None:
            yield
            return
        value = _check_threshold(review_below)
        old = os.environ.get("XXGK_REVIEW_BELOW")
        os.environ["XXGK_REVIEW_BELOW"] = repr(value)
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("XXGK_REVIEW_BELOW", None)
            else:
                os.environ["XXGK_REVIEW_BELOW"] = old

    return ctx()
