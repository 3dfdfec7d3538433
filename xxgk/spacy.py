"""xxgk as a spaCy pipeline component.

Add it to any pipeline; it reads each ``Doc``'s text as a report and puts
what xxgk finds where spaCy users look for it::

    import spacy
    nlp = spacy.blank("zh")
    nlp.add_pipe("xxgk")                     # default_config: {"system": "model", "tables": True}
    doc = nlp(text)
    [(s.text, s._.tag, s._.tag_confidence) for s in doc.sents]
    [(s.label_, s.text[:10]) for s in doc.spans["sections"]]
    doc._.xxgk_tables["applications"]["rows"]["new_requests"]["total"]["value"]

What the component sets:

- ``token.is_sent_start``: xxgk's sentence boundaries (。！？ and paragraph
  ends; ； does not end a sentence); text that is in no sentence (a table's
  cells) becomes a sentence of its own whose ``_.tag`` is None;
- ``doc.spans["sections"]``: one span per run of a section, labelled with the
  section label (``overview``, ``applications``, …);
- ``Span._.tag`` and ``Span._.tag_confidence`` on the spans of ``doc.sents``
  (``achievement``, ``problem``, ``plan`` or ``other``), with
  ``Span._.section``, ``Span._.section_confidence`` and ``Span._.needs_review``
  (either confidence below the review threshold, see
  :func:`xxgk.report.mark_review`); the ``model`` system's confidences are
  calibrated;
- ``doc._.xxgk_tables``: table name → the extracted table as a plain dict
  (:meth:`xxgk.extract.ExtractedTable.to_dict`), and ``doc._.xxgk_checks``:
  the consistency rules as dicts. Both are plain data, so docs travel through
  ``DocBin`` and ``nlp.pipe(..., n_process=2)``.

The text is read as plain text (a ``Doc`` holds text, not a file); xxgk's
character offsets are mapped to token boundaries with
``doc.char_span(..., alignment_mode="expand")``. ``spacy.blank("zh")`` splits
into characters by default, which needs neither jieba nor pkuseg, so this
works offline.

This module is imported by spaCy through the ``spacy_factories`` entry point
whenever a pipeline is built, so it imports nothing heavy at import time.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import MissingExtraError

try:
    from spacy.language import Language
    from spacy.tokens import Doc, Span
except ModuleNotFoundError as err:  # spaCy is an extra: pip install 'xxgk[spacy]'
    raise MissingExtraError("xxgk.spacy (the xxgk spaCy component)", "spacy", "spacy") from err

from .pipeline import DEFAULT_SYSTEM

__all__ = ["XxgkComponent", "make_xxgk_component", "SPANS_KEY"]

#: The key of ``doc.spans`` that holds the sections.
SPANS_KEY = "sections"

_CONFIG_FILE = "xxgk_component.json"


def _register_extensions() -> None:
    for cls, name, default in (
        (Span, "tag", None),
        (Span, "tag_confidence", None),
        (Span, "section", None),
        (Span, "section_confidence", None),
        (Span, "needs_review", None),
        (Doc, "xxgk_tables", None),
        (Doc, "xxgk_checks", None),
    ):
        if not cls.has_extension(name):
            cls.set_extension(name, default=default)


class XxgkComponent:
    """Sections, sentence tags and tables of an annual report, on a spaCy ``Doc``.

    Parameters
    ----------
    nlp : Language
        The pipeline the component belongs to.
    name : str, default "xxgk"
        The component's name in the pipeline.
    system : str, default "model"
        The xxgk system that places sections and tags (``"model"``,
        ``"rules"``, ``"baseline"``); checked here, built on first use.
    tables : bool, default True
        Extract the statistical tables into ``doc._.xxgk_tables``.
    spans_key : str, default "sections"
        The ``doc.spans`` key for the sections.
    device : str, default "auto"
        Where the ``model`` system runs: ``"auto"``, ``"cpu"``, ``"cuda"`` or
        ``"cuda:N"`` (``nlp.add_pipe("xxgk", config={"device": "cuda"})``).
    precision : str, default "auto"
        The model encoder's dtype: ``"auto"``, ``"fp32"``, ``"bf16"``, ``"fp16"``.
    """

    def __init__(
        self, nlp: Language, name: str = "xxgk", *, system: str = DEFAULT_SYSTEM, tables: bool = True,
        spans_key: str = SPANS_KEY, device: str = "auto", precision: str = "auto",
    ) -> None:
        from .neural.device import check_device, check_precision
        from .pipeline import available_systems

        if system not in available_systems():
            raise ValueError(
                f"The 'system' parameter of the xxgk component must be one of {available_systems()}. Got {system!r} "
                'instead. Choose one with: nlp.add_pipe("xxgk", config={"system": "rules"})'
            )
        self.nlp = nlp
        self.name = name
        self.system = system
        self.tables = bool(tables)
        self.spans_key = spans_key
        self.device, self.precision = check_device(device), check_precision(precision)
        self._system: Any = None
        _register_extensions()

    # -- processing ----------------------------------------------------------

    @property
    def built_system(self) -> Any:
        """The xxgk system named by ``system``, built on first use (a model loads once per component)."""
        if self._system is None:
            from .pipeline import get_system

            opts = {"device": self.device, "precision": self.precision} if self.system == "model" else {}
            self._system = get_system(self.system, **opts)
        return self._system

    def __call__(self, doc: Doc) -> Doc:
        """Annotate one ``Doc``."""
        return next(iter(self.pipe([doc], batch_size=1)))

    def pipe(self, stream: Iterable[Doc], batch_size: int = 16) -> Iterator[Doc]:
        """Annotate a stream of ``Doc`` objects, asking the system for a batch at a time."""
        if batch_size < 1:
            raise ValueError(f"The 'batch_size' parameter of pipe must be a positive int. Got {batch_size!r} instead.")
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._annotate(batch)
                batch = []
        if batch:
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        from .api import analyze_many
        from .errors import NotAReportWarning
        from .reading import read_bytes

        work = [d for d in docs if d.text.strip()]
        if not work:
            return docs
        with warnings.catch_warnings():  # any text may pass through a pipeline: no "not a report" warning
            warnings.filterwarnings("ignore", category=NotAReportWarning)
            documents = [read_bytes(d.text.encode("utf-8"), "<text>", format="text") for d in work]
        results = analyze_many(documents, system=self.built_system, batch_size=len(documents), tables=self.tables,
                               raises_on_error=True)
        for sdoc, result in zip(work, results):
            _set_annotations(sdoc, result.report, self.spans_key)
        return docs

    # -- serialisation -------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        return {"system": self.system, "tables": self.tables, "spans_key": self.spans_key, "device": self.device,
                "precision": self.precision}

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the component's settings to the folder ``path`` (``nlp.to_disk`` calls this)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / _CONFIG_FILE).write_text(json.dumps(self._config(), indent=2), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> XxgkComponent:
        """Read the settings written by :meth:`to_disk` (``spacy.load`` calls this)."""
        cfg_path = Path(path) / _CONFIG_FILE
        if not cfg_path.exists():
            raise FileNotFoundError(f"{cfg_path}: the xxgk component's settings are missing. Save the pipeline again with nlp.to_disk.")
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        self.system = cfg.get("system", self.system)
        self.tables = bool(cfg.get("tables", self.tables))
        self.spans_key = cfg.get("spans_key", self.spans_key)
        self.device, self.precision = cfg.get("device", self.device), cfg.get("precision", self.precision)
        self._system = None
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The component's settings as bytes (``nlp.to_bytes`` calls this)."""
        return json.dumps(self._config()).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> XxgkComponent:
        """Read settings written by :meth:`to_bytes`."""
        cfg = json.loads(data.decode("utf-8"))
        self.system = cfg.get("system", self.system)
        self.tables = bool(cfg.get("tables", self.tables))
        self.spans_key = cfg.get("spans_key", self.spans_key)
        self.device, self.precision = cfg.get("device", self.device), cfg.get("precision", self.precision)
        self._system = None
        return self


@Language.factory(
    "xxgk",
    assigns=["token.is_sent_start", "doc.spans", "span._.tag", "span._.tag_confidence", "span._.section",
             "span._.section_confidence", "span._.needs_review", "doc._.xxgk_tables",
             "doc._.xxgk_checks"],
    default_config={"system": DEFAULT_SYSTEM, "tables": True, "spans_key": SPANS_KEY, "device": "auto", "precision": "auto"},
)
def make_xxgk_component(nlp: Language, name: str, system: str, tables: bool, spans_key: str, device: str = "auto",
                        precision: str = "auto") -> XxgkComponent:
    """Build the ``xxgk`` component (``nlp.add_pipe("xxgk", config={"system": "model", "device": "cpu"})``)."""
    return XxgkComponent(nlp, name, system=system, tables=tables, spans_key=spans_key, device=device, precision=precision)


# -- helpers ---------------------------------------------------------------


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` without white space, and the offset in ``text`` of each kept character."""
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(ch)
            pos.append(i)
    return "".join(chars), pos


def align_spans(text: str, pieces: Iterable[str]) -> list[tuple[int, int] | None]:
    r"""Find each piece, in order, in ``text``, ignoring white space on both sides.

    Returns one ``(start, end)`` character span of ``text`` per piece, or
    None for a piece not found after the previous one.

    >>> align_spans("一、总体情况\n共受理 6 件。", ["一、总体情况", "共受理6件。"])
    [(0, 6), (7, 15)]
    """
    compact, pos = _compact(text)
    cursor = 0
    out: list[tuple[int, int] | None] = []
    for piece in pieces:
        key = "".join(piece.split())
        idx = compact.find(key, cursor) if key else -1
        if idx < 0:
            out.append(None)
            continue
        out.append((pos[idx], pos[idx + len(key) - 1] + 1))
        cursor = idx + len(key)
    return out


def _set_annotations(doc: Doc, report: Any, spans_key: str) -> None:
    originals = [report.original_text[s.orig_start : s.orig_end] for s in report.sentences]
    char_spans = align_spans(doc.text, originals)
    starts: dict[int, Any] = {}
    token_spans: list[Span | None] = []
    for sent, where in zip(report.sentences, char_spans):
        span = doc.char_span(where[0], where[1], alignment_mode="expand") if where else None
        if span is not None and len(span) and span.start not in starts:
            starts[span.start] = sent
            token_spans.append(span)
        else:
            token_spans.append(None)
    if not doc.has_annotation("DEP"):  # a parser's boundaries are not ours to change
        boundaries = set(starts) | _gap_starts(doc, token_spans)
        for i, token in enumerate(doc):
            token.is_sent_start = i == 0 or i in boundaries
        for sent_span in doc.sents:
            sent = starts.get(sent_span.start)
            if sent is not None:
                sent_span._.tag = sent.tag
                sent_span._.tag_confidence = sent.confidence
                sent_span._.section = sent.section
                sent_span._.section_confidence = sent.section_confidence
                sent_span._.needs_review = sent.needs_review
    sections: list[Span] = []
    for sec in report.sections:
        spans = [token_spans[i] for i in sec.sentences if i < len(token_spans) and token_spans[i] is not None]
        if spans:
            sections.append(Span(doc, spans[0].start, max(s.end for s in spans), label=sec.label))
    doc.spans[spans_key] = sections
    doc._.xxgk_tables = {name: _plain(table) for name, table in report.tables.items()}
    doc._.xxgk_checks = [_plain(c) for c in report.checks]


def _gap_starts(doc: Doc, spans: list[Span | None]) -> set[int]:
    """Where text that is in no sentence (a table's cells) begins after a sentence: it becomes a sentence of its own, untagged."""
    out: set[int] = set()
    ordered = sorted((s for s in spans if s is not None), key=lambda s: s.start)
    for span, following in zip(ordered, [*ordered[1:], None]):
        stop = following.start if following is not None else len(doc)
        for i in range(span.end, stop):
            if not doc[i].is_space and doc[i].text.strip():
                out.add(i)
                break
    return out


def _plain(obj: Any) -> Any:
    return obj.to_dict() if hasattr(obj, "to_dict") else obj
