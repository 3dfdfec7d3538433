"""A :class:`~xxgk.report.Report` as tidy rows: one table per kind of thing, one row per thing.

These are the tables ``xxgk tag`` writes and :func:`xxgk.load` reads back.
Every table but ``errors`` is keyed by ``doc_id``; offsets (``start``,
``end``) index the document's original text (the reader's text before
normalisation), half-open.

========== ==================================================================
table      one row per
========== ==================================================================
documents  analysed report: path, sha256, title, issuing body, year,
           template, format, script, pages, system, warnings
sections   run of a section label: label, order, offsets, text
sentences  sentence: index, section, tag, confidence (the tag's),
           section_confidence, needs_review, offsets, text
cells      cell of a canonical table: table, row, column, value, raw,
           status and where it came from (page, line, bbox, source
           table/row/column, character span)
checks     consistency rule verdict (A1, A2, A3, R1, N1): rule, part
           (``column:total``, ``block:review``, …), status, expected,
           found, the cells involved
findings   what the table extractors noticed (ambiguous digit runs, …)
errors     input that failed: path, sha256 when readable, error type, message
========== ==================================================================

:data:`COLUMNS` fixes every table's columns and their types, so an empty
table still has its columns and every output has the same schema.

>>> from xxgk.report import Report
>>> from xxgk.document import DocumentMeta
>>> rows = report_rows(Report(meta=DocumentMeta(sha256="ab" * 32, format="text"), system="rules"), path="a.txt")
>>> rows["documents"][0]["path"], rows["sentences"], rows["cells"]
('a.txt', [], [])
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable
from typing import Any

__all__ = ["TABLES", "COLUMNS", "ROWS_SCHEMA_VERSION", "report_rows", "error_row", "doc_id_for", "empty_rows"]

#: Bumped whenever a column is added, removed or changes meaning (3: sentences.section_confidence, needs_review).
ROWS_SCHEMA_VERSION = "3"

#: Table name → column → type (``string``, ``int64``, ``float64``,
#: ``bool``, ``list<string>``, ``list<float64>``), in output order.
COLUMNS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "string", "path": "string", "sha256": "string", "title": "string", "body": "string",
        "year": "int64", "title_from": "string", "title_line": "int64", "body_from": "string", "body_line": "int64",
        "year_from": "string", "year_line": "int64", "published": "string", "template": "string", "format": "string",
        "script": "string",
        "encoding": "string", "pages": "int64", "system": "string", "n_sections": "int64", "n_sentences": "int64",
        "n_tables": "int64", "warnings": "list<string>",
    },
    "sections": {
        "doc_id": "string", "label": "string", "order": "int64", "start": "int64", "end": "int64",
        "page": "int64", "line": "int64", "first_sentence": "int64", "n_sentences": "int64", "text": "string",
    },
    "sentences": {
        "doc_id": "string", "index": "int64", "section": "string", "section_order": "int64", "tag": "string",
        "confidence": "float64", "section_confidence": "float64", "needs_review": "bool", "start": "int64",
        "end": "int64", "page": "int64", "line": "int64", "text": "string", "original": "string",
    },
    "cells": {
        "doc_id": "string", "table": "string", "template": "string", "row": "string", "column": "string",
        "value": "float64", "raw": "string", "status": "string", "page": "int64", "line": "int64",
        "bbox": "list<float64>", "source_table": "int64", "source_row": "int64", "source_col": "int64",
        "char_start": "int64", "char_end": "int64",
    },
    "checks": {
        "doc_id": "string", "table": "string", "rule": "string", "part": "string", "status": "string",
        "expected": "float64", "found": "float64", "cells": "list<string>", "message": "string",
    },
    "findings": {
        "doc_id": "string", "table": "string", "kind": "string", "message": "string", "cells": "list<string>",
        "candidates": "string",
    },
    "errors": {
        "doc_id": "string", "path": "string", "sha256": "string", "error": "string", "message": "string",
    },
}

#: The tables, in the order they are written.
TABLES: tuple[str, ...] = tuple(COLUMNS)


def doc_id_for(path: str | os.PathLike | None, sha256: str | None) -> str:
    """A short, stable id for one input: its absolute path and content together.

    The same file gets the same id in every run; a file whose content
    changed, or a copy of it under another path, gets another.

    >>> doc_id_for("/data/a.txt", "00" * 32) == doc_id_for("/data/a.txt", "00" * 32)
    True
    >>> len(doc_id_for("/data/a.txt", None))
    16
    """
    where = os.path.abspath(os.fspath(path)) if path is not None else ""
    return hashlib.sha256(f"{where}\0{sha256 or ''}".encode()).hexdigest()[:16]


def empty_rows() -> dict[str, list[dict[str, Any]]]:
    """One empty list per table."""
    return {name: [] for name in TABLES}


def report_rows(report: Any, *, doc_id: str | None = None, path: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Turn one report into rows of every table (``errors`` stays empty).

    Parameters
    ----------
    report : Report
        What :func:`xxgk.analyze` returned. A report without tables, checks
        or findings gives no rows in those tables.
    doc_id : str, optional
        The document's id in every row (default: :func:`doc_id_for` of
        ``path`` and the report's sha256).
    path : str, optional
        The input's path as the user named it (default: ``report.meta.source``).

    Returns
    -------
    dict
        Table name → list of row dicts with the columns of :data:`COLUMNS`.
    """
    meta = report.meta
    path = path if path is not None else meta.source
    doc_id = doc_id or doc_id_for(path, meta.sha256)
    out = empty_rows()
    original = report.original_text or ""

    out["documents"].append(_conform("documents", {
        "doc_id": doc_id, "path": path, "sha256": meta.sha256 or None, "title": meta.title, "body": meta.body,
        "year": meta.year, **_origin_fields(meta), "published": meta.published, "template": _template(report),
        "format": meta.format or None,
        "script": meta.script, "encoding": meta.encoding, "pages": meta.pages, "system": report.system,
        "n_sections": len(report.sections), "n_sentences": len(report.sentences), "n_tables": len(report.tables),
        "warnings": list(report.warnings),
    }))

    section_order: dict[int, int] = {}
    for sec in report.sections:
        for i in sec.sentences:
            section_order[i] = sec.order
        out["sections"].append(_conform("sections", {
            "doc_id": doc_id, "label": sec.label, "order": sec.order, "start": sec.orig_start, "end": sec.orig_end,
            "page": sec.provenance.page, "line": sec.provenance.line,
            "first_sentence": sec.sentences[0] if sec.sentences else None, "n_sentences": len(sec.sentences),
            "text": sec.text,
        }))

    for s in report.sentences:
        out["sentences"].append(_conform("sentences", {
            "doc_id": doc_id, "index": s.index, "section": s.section, "section_order": section_order.get(s.index),
            "tag": s.tag, "confidence": s.confidence, "section_confidence": s.section_confidence,
            "needs_review": s.needs_review, "start": s.orig_start, "end": s.orig_end,
            "page": s.provenance.page, "line": s.provenance.line, "text": s.text,
            "original": original[s.orig_start : s.orig_end] if original else None,
        }))

    for name, table in report.tables.items():
        out["cells"].extend(_cell_rows(doc_id, name, table))
    out["checks"].extend(_conform("checks", {"doc_id": doc_id, **_check_fields(c)}) for c in report.checks)
    out["findings"].extend(_conform("findings", {"doc_id": doc_id, **_finding_fields(f)}) for f in report.findings)
    return out


def _origin_fields(meta: Any) -> dict[str, Any]:
    """``title_from``/``title_line`` … : how each metadata field was found and on which line, or why it is None."""
    out: dict[str, Any] = {}
    origin = getattr(meta, "origin", None) or {}
    for name in ("title", "body", "year"):
        o = origin.get(name) or {}
        out[f"{name}_from"] = o.get("how") or (f"absent: {o['absent']}" if "absent" in o else None)
        out[f"{name}_line"] = o.get("line")
    return out


def error_row(path: str | os.PathLike, err: BaseException, *, sha256: str | None = None,
              doc_id: str | None = None) -> dict[str, Any]:
    """The ``errors`` row for an input that failed with ``err``.

    >>> from xxgk.errors import EmptyFileError
    >>> row = error_row("a.txt", EmptyFileError("a.txt", "The file is empty."))
    >>> row["error"], row["message"]
    ('EmptyFileError', 'a.txt: The file is empty.')
    """
    path = os.fspath(path)
    return _conform("errors", {
        "doc_id": doc_id or doc_id_for(path, sha256), "path": path, "sha256": sha256,
        "error": type(err).__name__, "message": str(err) or repr(err),
    })


# -- helpers ---------------------------------------------------------------


def _conform(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row with exactly the table's columns, in order, values cast to their types."""
    return {col: _cast(row.get(col), kind) for col, kind in COLUMNS[table].items()}


def _cast(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    if kind == "int64":
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    if kind == "float64":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return number if math.isfinite(number) else None
    if kind == "bool":
        return bool(value)
    if kind == "list<string>":
        return [str(v) for v in _as_list(value)]
    if kind == "list<float64>":
        return [float(v) for v in _as_list(value)]
    raise ValueError(f"Unknown column type {kind!r}.")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, Iterable) else [value]


def _template(report: Any) -> str | None:
    """The template generation of the report's tables (the most common one), or None."""
    seen: dict[str, int] = {}
    for table in report.tables.values():
        t = _get(table, "template")
        if t:
            seen[str(t)] = seen.get(str(t), 0) + 1
    return max(seen, key=lambda t: seen[t]) if seen else None


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return dict(vars(obj))


def _provenance(prov: Any) -> dict[str, Any]:
    d = _as_dict(prov) if prov is not None else {}
    return {
        "page": d.get("page"), "line": d.get("line"), "bbox": d.get("bbox"), "source_table": d.get("table"),
        "source_row": d.get("row"), "source_col": d.get("col"), "char_start": d.get("char_start"),
        "char_end": d.get("char_end"),
    }


def _cell_rows(doc_id: str, name: str, table: Any) -> list[dict[str, Any]]:
    rows = _get(table, "rows") or {}
    template = _get(table, "template")
    out = []
    for row_key, cols in rows.items():
        for col_key, cell in cols.items():
            out.append(_conform("cells", {
                "doc_id": doc_id, "table": _get(table, "name") or name, "template": template, "row": row_key,
                "column": col_key, "value": _get(cell, "value"), "raw": _get(cell, "raw"),
                "status": _get(cell, "status"), **_provenance(_get(cell, "provenance")),
            }))
    return out


def _scalar_or_none(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _check_fields(check: Any) -> dict[str, Any]:
    d = _as_dict(check)
    return {
        "table": d.get("table"), "rule": d.get("rule"), "part": d.get("part"), "status": d.get("status"),
        "expected": _scalar_or_none(d.get("expected")), "found": _scalar_or_none(d.get("found")),
        "cells": d.get("cells") or [], "message": d.get("message"),
    }


def _finding_fields(finding: Any) -> dict[str, Any]:
    d = _as_dict(finding)
    candidates = d.get("candidates") or []
    return {
        "table": d.get("table"), "kind": d.get("kind"), "message": d.get("message"), "cells": d.get("cells") or [],
        "candidates": json.dumps(candidates, ensure_ascii=False) if candidates else None,
    }
