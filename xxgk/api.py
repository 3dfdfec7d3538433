"""The public functions: :func:`analyze`, :func:`analyze_many`, :func:`extract_sections`, :func:`extract_tables`.

:func:`analyze_many` is the one place where the stages are wired:
read → prepare (normalise, sentences) → the system's ``predict`` on a batch of
documents → tables and their checks → :class:`~xxgk.report.Report`.
:func:`analyze`, ``xxgk tag``, the spaCy component and the evaluation harness
all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .document import Document
from .errors import BaseModelMissingError, DeviceError, ModelError
from .pipeline import DEFAULT_SYSTEM, Prediction, Prepared, System, get_system, prepare
from .reading import Source, read
from .report import Report, Section, build_report

__all__ = ["analyze", "analyze_many", "AnalysisResult", "extract_tables", "extract_sections"]


def _document(source: Source | Document, strict: bool, ocr: str = "auto") -> Document:
    return source if isinstance(source, Document) else read(source, strict=strict, ocr=ocr)


def extract_tables(
    source: Source | Document, *, strict: bool = False, ocr: str = "auto"
) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """Extract the three statistical tables and check their arithmetic.

    In a scanned report (``doc.meta.ocr``), a table digit the OCR was unsure
    of is null until the template's arithmetic confirms or corrects it
    (:func:`xxgk.ocr.digits.review_uncertain`, an ``ocr_uncertain`` finding
    either way); the checks see the reviewed tables.

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

    doc = _document(source, strict, ocr)
    tables, findings = _extract(doc)
    if doc.meta.ocr and doc.meta.ocr.get("uncertain"):
        from .ocr.digits import review_uncertain

        review_uncertain(doc, tables, findings)
    return tables, check_tables(tables), findings


@dataclass
class AnalysisResult:
    """What :func:`analyze_many` gives for one source: its report, or why there is none.

    Attributes
    ----------
    source : path, bytes, str, Document or Prepared
        The source as it was passed.
    report : Report or None
        The report; None when the source failed.
    error : Exception or None
        Why the source failed (unreadable, not a format xxgk reads, an
        extractor that crashed on it …); None when it did not.
    """

    source: Any
    report: Report | None = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        """True when the source has a report."""
        return self.error is None


#: Errors of the system itself (no base model, damaged weights): they stop a run instead of failing every input.
_SYSTEM_ERRORS = (BaseModelMissingError, ModelError, DeviceError)


def analyze_many(
    sources: Iterable[Source | Document | Prepared],
    *,
    system: str | System = DEFAULT_SYSTEM,
    batch_size: int = 16,
    strict: bool = False,
    tables: bool = True,
    raises_on_error: bool = False,
    ocr: str = "auto",
    device: str = "auto",
    precision: str = "auto",
    review_below: float | None = None,
) -> Iterator[AnalysisResult]:
    """Analyse many reports, asking the system for a batch of documents at a time.

    Each batch of ``batch_size`` sources is read and prepared, then the
    system predicts the sentences of all its documents together (the
    ``model`` system encodes them in length-bucketed batches across
    documents, which is faster than one document at a time and gives the same
    sections and tags), then the tables are extracted and checked.

    Parameters
    ----------
    sources : iterable of path, bytes, str, Document or Prepared
        Files, their bytes, report texts, documents already read
        (:func:`xxgk.read`) or already prepared (:func:`xxgk.pipeline.prepare`).
        Taken lazily, ``batch_size`` at a time.
    system : str or System, default "model"
        Which system places sections and tags: a registered name
        (:func:`xxgk.pipeline.available_systems`) or a system object. A name is
        built once for the whole run.
    batch_size : int, default 16
        Documents per call of the system's ``predict``.
    strict : bool, default False
        Fail sources that show no sign of being an annual report.
    tables : bool, default True
        Extract and check the statistical tables.
    raises_on_error : bool, default False
        Raise the first failure instead of yielding it. By default a source
        that fails (unreadable, damaged, an extractor crash) gives an
        :class:`AnalysisResult` with ``error`` set, and the run goes on.
    ocr : {"auto", "always", "never"}, default "auto"
        OCR for scanned pages and page images, as in :func:`xxgk.read`
        (needs ``pip install 'xxgk[ocr]'``).
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
        Where the ``model`` system runs: ``"auto"`` is the first GPU when
        torch sees one, else the CPU (:mod:`xxgk.neural.device`). Other
        systems run on the CPU and ignore it.
    precision : {"auto", "fp32", "bf16", "fp16"}, default "auto"
        The dtype of the ``model`` system's encoder (``"auto"``: bf16 where
        the CPU or GPU has fast bfloat16, else fp32 on a CPU, fp16 on a GPU).
    review_below : float, optional
        Sentences whose section or tag confidence is below this get
        ``needs_review`` (default :data:`xxgk.report.REVIEW_BELOW`, 0.9).

    Yields
    ------
    AnalysisResult
        One per source, in the order of ``sources``.

    Raises
    ------
    ValueError
        For a bad parameter, an unknown system name, or a system that returns
        the wrong number of predictions or labels (a bug of the system).
    xxgk.errors.BaseModelMissingError, xxgk.errors.ModelError, xxgk.errors.DeviceError
        When the system cannot run at all (no base model, damaged weights,
        ``device="cuda"`` without a GPU): that is not the fault of any one source.

    See Also
    --------
    analyze : one source, its report or its error.

    Examples
    --------
    >>> texts = ["一、总体情况\\n2021年，共受理申请6件。", "", "五、存在的主要问题及改进情况\\n主动公开意识有待增强。"]
    >>> results = list(analyze_many(texts, system="rules", tables=False))
    >>> [r.ok for r in results]
    [True, False, True]
    >>> type(results[1].error).__name__
    'EmptyFileError'
    >>> results[2].report.sentences[-1].tag
    'problem'
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"The 'batch_size' parameter of analyze_many must be a positive int. Got {batch_size!r} instead.")
    if review_below is not None:
        from .report import mark_review

        mark_review([], review_below)  # checks the value now, not at the first report
    built = _build_system(system, device, precision)
    batch: list[Any] = []
    for source in sources:
        batch.append(source)
        if len(batch) >= batch_size:
            yield from _analyze_batch(batch, built, strict, tables, raises_on_error, ocr, review_below)
            batch = []
    if batch:
        yield from _analyze_batch(batch, built, strict, tables, raises_on_error, ocr, review_below)


def _build_system(system: str | System, device: str, precision: str) -> System:
    """A named system built once; the ``model`` system with ``device`` and ``precision`` (checked now)."""
    if not isinstance(system, str):
        return system
    if system == "model":
        return get_system(system, device=device, precision=precision)
    from .neural.device import check_device, check_precision  # other systems: CPU only, but a typo is still an error

    check_device(device), check_precision(precision)
    return get_system(system)


def _analyze_batch(
    sources: list[Any], system: System, strict: bool, tables: bool, raises: bool, ocr: str = "auto",
    review_below: float | None = None,
) -> list[AnalysisResult]:
    results = [AnalysisResult(source=s) for s in sources]
    prepared: list[Prepared | None] = [None] * len(sources)
    for i, source in enumerate(sources):  # read → prepare
        try:
            prepared[i] = source if isinstance(source, Prepared) else prepare(_document(source, strict, ocr))
        except Exception as err:  # noqa: BLE001  (a bad source costs only itself)
            _fail(results[i], err, raises)
    todo = [i for i, p in enumerate(prepared) if p is not None]
    predictions = _predict(system, [p for p in prepared if p is not None], raises)  # the prepared of todo, in order
    for i, pred in zip(todo, predictions):  # tables → checks → Report
        prep = prepared[i]
        assert prep is not None
        if isinstance(pred, Exception):
            _fail(results[i], pred, raises)
            continue
        try:
            found: dict[str, Any] = {}
            checks: list[Any] = []
            findings: list[Any] = []
            if tables:
                found, checks, findings = extract_tables(prep.document)
            results[i].report = build_report(prep.document, prep, pred, system.name, found, checks, findings,
                                             review_below=review_below)
        except Exception as err:  # noqa: BLE001
            _fail(results[i], err, raises)
    return results


def _fail(result: AnalysisResult, err: Exception, raises: bool) -> None:
    if raises or isinstance(err, _SYSTEM_ERRORS):
        raise err
    result.error = err


def _predict(system: System, docs: Sequence[Prepared], raises: bool) -> list[Prediction | Exception]:
    """The system's predictions for a batch; when the batch fails, each document alone, so one bad document costs only itself."""
    if not docs:
        return []
    try:
        preds = system.predict(docs)
    except _SYSTEM_ERRORS:
        raise
    except Exception as err:  # noqa: BLE001
        if raises:
            raise
        if len(docs) == 1:
            return [err]
        return [p for doc in docs for p in _predict(system, [doc], raises)]
    if len(preds) != len(docs):
        raise ValueError(f"System {system.name!r} returned {len(preds)} predictions for {len(docs)} documents.")
    for p, doc in zip(preds, docs):
        if len(p.sections) != len(doc.sentences):
            raise ValueError(
                f"System {system.name!r} returned {len(p.sections)} labels for a document of {len(doc.sentences)} sentences."
            )
    return list(preds)


def analyze(
    source: Source | Document,
    *,
    system: str | System = DEFAULT_SYSTEM,
    strict: bool = False,
    tables: bool = True,
    ocr: str = "auto",
    device: str = "auto",
    precision: str = "auto",
    review_below: float | None = None,
) -> Report:
    """Read a report and find its sections, sentence tags, tables and their checks.

    Parameters
    ----------
    source : path, bytes, str or Document
        A file, its bytes, the report's text, or a document already read.
    system : str or System, default "model"
        Which system places sections and tags: ``"model"`` (the shipped
        fine-tuned model; needs ``xxgk models fetch-base`` once), ``"rules"``
        (headings and cue words, no model), ``"baseline"`` (once fitted), or a
        system object.
    strict : bool, default False
        Fail on inputs that show no sign of being an annual report.
    tables : bool, default True
        Extract and check the statistical tables.
    ocr : {"auto", "always", "never"}, default "auto"
        OCR for scanned pages and page images (see :func:`xxgk.read`; needs
        ``pip install 'xxgk[ocr]'``).
    device, precision : str, default "auto"
        Where and in what dtype the ``model`` system runs (see :func:`analyze_many`).
    review_below : float, optional
        Sentences whose section or tag confidence is below this get
        ``needs_review`` (default :data:`xxgk.report.REVIEW_BELOW`, 0.9).

    Returns
    -------
    Report

    Raises
    ------
    xxgk.errors.InputError
        Or a subclass, when the source cannot be read as a report.

    See Also
    --------
    analyze_many : many sources, a batch at a time (faster with the model).

    Examples
    --------
    >>> report = analyze("一、总体情况\\n2021年，共受理申请6件。\\n五、存在的主要问题及改进情况\\n主动公开意识有待增强。")
    >>> [(s.section, s.tag) for s in report.sentences][-1]
    ('problems_improvements', 'problem')
    """
    result = next(analyze_many([source], system=system, batch_size=1, strict=strict, tables=tables,
                               raises_on_error=True, ocr=ocr, device=device, precision=precision,
                               review_below=review_below))
    assert result.report is not None
    return result.report


def extract_sections(source: Source | Document, *, system: str | System = DEFAULT_SYSTEM) -> dict[str, Section]:
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
