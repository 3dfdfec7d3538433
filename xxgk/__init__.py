"""xxgk: read China's open government information annual reports and turn them into data.

The whole public API is here::

    import xxgk
    doc = xxgk.read("report.pdf")                 # Document: blocks with provenance
    report = xxgk.analyze("report.pdf")           # Report: sections, tags, tables, checks
    for result in xxgk.analyze_many(paths):       # many reports, a batch at a time
        result.report or result.error
    sections = xxgk.extract_sections("report.pdf")
    html = xxgk.render_html(report)               # one self-contained page to read and review it

Heavy dependencies (torch, transformers, spaCy) load only when a function
that needs them is called.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .document import Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from .errors import XxgkError
from .normalize import normalize
from .reading import read
from .spec import SECTION_LABELS, TAGS

__all__ = [
    "__version__",
    "read",
    "normalize",
    "analyze",
    "analyze_many",
    "AnalysisResult",
    "extract_sections",
    "extract_tables",
    "load",
    "load_dataset",
    "render_html",
    "render_index",
    "Document",
    "DocumentMeta",
    "Paragraph",
    "Table",
    "Cell",
    "Provenance",
    "Report",
    "Section",
    "Sentence",
    "ExtractedTable",
    "TableValue",
    "Finding",
    "Check",
    "XxgkError",
    "SECTION_LABELS",
    "TAGS",
]

_LAZY = {
    "analyze": ("api", "analyze"),
    "analyze_many": ("api", "analyze_many"),
    "AnalysisResult": ("api", "AnalysisResult"),
    "extract_sections": ("api", "extract_sections"),
    "extract_tables": ("api", "extract_tables"),
    "load": ("io", "load"),
    "load_dataset": ("io", "load_dataset"),
    "render_html": ("view", "render_html"),
    "render_index": ("view", "render_index"),
    "Report": ("report", "Report"),
    "Section": ("report", "Section"),
    "Sentence": ("report", "Sentence"),
    "ExtractedTable": ("extract.types", "ExtractedTable"),
    "TableValue": ("extract.types", "TableValue"),
    "Finding": ("extract.types", "Finding"),
    "Check": ("validate", "Check"),
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        return getattr(import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module 'xxgk' has no attribute {name!r}")
