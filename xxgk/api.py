"""The public functions: :func:`analyze`, :func:`extract_sections`, :func:`extract_tables`."""

from __future__ import annotations

from typing import Any

from .document import Document
from .pipeline import DEFAULT_SYSTEM, SectionTagger, get_system, prepare
from .readers import Source, read
from .report import Report, Section, build_report

__all__ = ["analyze", "extract_sections", "extract_tables"]


def _document(source: Source | Document, strict: bool, ocr: str = "auto") -> Document:
    return source if isinstance(source, Document) else read(source, strict=strict, ocr=ocr)


def extract_tables(source: Source | Document, *, strict: bool = False) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """Extract the three statistical tables and check their arithmetic.

    Returns
    -------
    tables : dict
        Table name (``active_disclosure``, ``applications``,
        ``review_litigation``) → extracted table; a table the report lacks is absent.
    checks : list of xxgk.validate.Check
        One verdict per consistency rule and table part.
    findings : list of xxgk.extract.Finding
        What the extractors noticed (ambiguous digit runs, missing rows, …).
    """
    from .extract import extract_tables as _extract
    from .validate import check_tables

    doc = _document(source, strict)
    tables, findings = _extract(doc)
    return tables, check_tables(tables), findings


def analyze(
    source: Source | Document,
    *,
    system: str | SectionTagger = DEFAULT_SYSTEM,
    strict: bool = False,
    tables: bool = True,
    ocr: str = "auto",
) -> Report:
    """Read a report and find its sections, sentence tags, tables and their checks.

    Parameters
    ----------
    source : path, bytes, str or Document
        A file, its bytes, the report's text, or a document already read.
    system : str or SectionTagger, default "model"
        Which system places sections and tags: ``"model"`` (the shipped
        fine-tuned model; needs ``xxgk models fetch-base`` once), ``"rules"``
        (headings and cue words, no model), ``"baseline"``, or a system object.
    strict : bool, default False
        Fail on inputs that show no sign of being an annual report.
    tables : bool, default True
        Extract and check the statistical tables.
    ocr : {"auto", "always", "never"}, default "auto"
        OCR for scanned pages and page images (see :func:`xxgk.read`; needs
        ``pip install 'xxgk[ocr]'``).

    Returns
    -------
    Report

    Examples
    --------
    >>> report = analyze("一、总体情况\\n2021年，共受理申请6件。\\n五、存在的主要问题及改进情况\\n主动公开意识有待增强。")
    >>> [(s.section, s.tag) for s in report.sentences][-1]
    ('problems_improvements', 'problem')
    """
    doc = _document(source, strict, ocr)
    tagger = get_system(system) if isinstance(system, str) else system
    prepared = prepare(doc)
    prediction = tagger.predict([prepared])[0]
    found: dict[str, Any] = {}
    checks: list[Any] = []
    findings: list[Any] = []
    if tables:
        found, checks, findings = extract_tables(doc)
    return build_report(doc, prepared, prediction, tagger.name, found, checks, findings)


def extract_sections(source: Source | Document, *, system: str | SectionTagger = DEFAULT_SYSTEM) -> dict[str, Section]:
    """The report's sections by label, each with its text, sentences and offsets.

    A label the report uses twice (it came back to a section) maps to its
    first run; use :meth:`Report.section` for all of them.

    Examples
    --------
    >>> sections = extract_sections("一、总体情况\\n2021年，共受理申请6件。\\n六、其他需要报告的事项\\n无。")
    >>> list(sections)
    ['overview', 'other_matters']
    """
    report = analyze(source, system=system, tables=False)
    out: dict[str, Section] = {}
    for sec in report.sections:
        out.setdefault(sec.label, sec)
    return out
