"""The result of :func:`xxgk.analyze`: a :class:`Report` with sections, tagged sentences, tables and checks.

Offsets come in two kinds, both half-open ``[start, end)``: ``start``/``end``
index the normalised text (:attr:`Report.text`), and ``orig_start``/
``orig_end`` index the document's original text (:attr:`Report.original_text`,
the reader's text before normalisation), so a span can be shown in the
user's own characters.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .document import Document, DocumentMeta, Provenance

__all__ = ["REPORT_SCHEMA_VERSION", "Sentence", "Section", "Report", "build_report"]

REPORT_SCHEMA_VERSION = "1.0"


@dataclass
class Sentence:
    """A sentence with its section, tag and where it is."""

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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["provenance"] = self.provenance.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Sentence:
        d = dict(d)
        d["provenance"] = Provenance.from_dict(d.get("provenance", {}))
        return cls(**d)


@dataclass
class Section:
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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["provenance"] = self.provenance.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Section:
        d = dict(d)
        d["provenance"] = Provenance.from_dict(d.get("provenance", {}))
        return cls(**d)


@dataclass
class Report:
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
    tables: dict[str, Any] = field(default_factory=dict)
    checks: list[Any] = field(default_factory=list)
    findings: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    xxgk_version: str = ""
    schema_version: str = REPORT_SCHEMA_VERSION

    def section(self, label: str) -> list[Section]:
        """Every run of sections labelled ``label`` (usually one)."""
        return [s for s in self.sections if s.label == label]

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema_version": self.schema_version,
            "xxgk_version": self.xxgk_version,
            "system": self.system,
            "meta": self.meta.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
            "sentences": [s.to_dict() for s in self.sentences],
            "tables": {k: _to_dict(v) for k, v in self.tables.items()},
            "checks": [_to_dict(c) for c in self.checks],
            "findings": [_to_dict(f) for f in self.findings],
            "warnings": list(self.warnings),
        }
        if include_text:
            d["text"] = self.text
            d["original_text"] = self.original_text
        return d

    def to_json(self, include_text: bool = False, **kwargs: Any) -> str:
        """The report as JSON (``include_text`` adds the full normalised and original text)."""
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(include_text=include_text), **kwargs)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        from .extract import Finding, table_from_dict
        from .validate import Check

        return cls(
            meta=DocumentMeta.from_dict(d["meta"]),
            system=d["system"],
            text=d.get("text", ""),
            original_text=d.get("original_text", ""),
            sections=[Section.from_dict(s) for s in d.get("sections", [])],
            sentences=[Sentence.from_dict(s) for s in d.get("sentences", [])],
            tables={k: table_from_dict(v) for k, v in d.get("tables", {}).items()},
            checks=[Check.from_dict(c) for c in d.get("checks", [])],
            findings=[Finding.from_dict(f) for f in d.get("findings", [])],
            warnings=list(d.get("warnings", [])),
            xxgk_version=d.get("xxgk_version", ""),
            schema_version=d.get("schema_version", REPORT_SCHEMA_VERSION),
        )

    @classmethod
    def from_json(cls, text: str) -> Report:
        return cls.from_dict(json.loads(text))


def _to_dict(obj: Any) -> Any:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def build_report(
    doc: Document,
    prepared: Any,
    prediction: Any,
    system: str,
    tables: dict[str, Any] | None = None,
    checks: list[Any] | None = None,
    findings: list[Any] | None = None,
) -> Report:
    """Assemble a :class:`Report` from a prepared document and a system's prediction."""
    from . import __version__

    norm = prepared.norm
    sentences: list[Sentence] = []
    for i, (span, sec, tag, conf) in enumerate(
        zip(prepared.sentences, prediction.sections, prediction.tags, prediction.tag_confidence)
    ):
        o0, o1 = norm.to_original(span.start, span.end)
        block = doc.blocks[prepared.paragraph_of[i]]
        sentences.append(
            Sentence(
                index=i, text=span.text, section=sec, tag=tag, confidence=round(float(conf), 4),
                start=span.start, end=span.end, orig_start=o0, orig_end=o1, provenance=block.provenance,
            )
        )
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
