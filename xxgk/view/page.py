"""Render a :class:`~xxgk.report.Report` as one self-contained HTML page, and a batch as an index page.

The page is a template (``assets/report.html``) with its stylesheet and
script inlined, and the report's data as JSON in a
``<script type="application/json">`` element. Report text is untrusted: it
only ever reaches the page as JSON with ``<``, ``>`` and ``&`` escaped, and
the script puts it into the page as text. A Content-Security-Policy allows
no network access and no script but the page's own (by its sha256).

The data are compact (labels as indexes, provenance as short strings), so a
page weighs about the report's text plus a few hundred bytes per table cell,
and the script draws the text with one ``innerHTML`` assignment per band.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import html
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..spec import SECTION_LABELS, TAGS

__all__ = [
    "VIEW_SCHEMA",
    "DEFAULT_LOW_CONFIDENCE",
    "page_data",
    "page_summary",
    "render_html",
    "write_html",
    "render_index",
    "write_index",
    "read_page_summary",
]

#: The layout of the JSON a page carries (``page_data``).
VIEW_SCHEMA = "xxgk-view/1"

#: A sentence whose tag (or section) confidence is below this stands out.
DEFAULT_LOW_CONFIDENCE = 0.6

#: The template's own heading of each section (shown on the bands).
SECTION_HEADINGS: dict[str, str] = {
    "preamble": "前言",
    "overview": "一、总体情况",
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "problems_improvements": "五、存在的主要问题及改进情况",
    "other_matters": "六、其他需要报告的事项",
}

_TABLE_TITLES = {
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
}

_WS = re.compile(r"\s+")
_SUMMARY_RE = re.compile(r'<script type="application/json" id="xxgk-summary">(.*?)</script>', re.S)


# --- assets -------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _script_json(obj: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``, no line separators."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sha256_source(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


def _fill(template: str, values: Mapping[str, str]) -> str:
    """Put ``values`` into the ``{{NAME}}`` slots in one pass (inserted text is never scanned again)."""
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], template)


def _page(template: str, css: str, js: str, title: str, blocks: Mapping[str, Any]) -> str:
    csp = (f"default-src 'none'; script-src {_sha256_source(js)}; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    values = {"TITLE": html.escape(title), "CSP": html.escape(csp), "CSS": css, "JS": js}
    values.update({name: _script_json(obj) for name, obj in blocks.items()})
    return _fill(template, values)


# --- report data ----------------------------------------------------------------


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _prov(prov: Any) -> str:
    """Provenance in a few characters: ``p.3 l.12 [x0,top,x1,bottom] t1 r4 c2``."""
    if prov is None:
        return ""
    d = prov.to_dict() if hasattr(prov, "to_dict") else dict(prov)
    parts = []
    if d.get("page") is not None:
        page = f"p.{d['page']}"
        if d.get("page_end") is not None:
            page += f"–{d['page_end']}"
        parts.append(page)
    if d.get("line") is not None:
        parts.append(f"l.{d['line']}")
    if d.get("bbox"):
        parts.append("[" + ",".join(f"{float(v):.1f}" for v in d["bbox"]) + "]")
    if d.get("table") is not None:
        parts.append(f"t{d['table']}")
        if d.get("row") is not None:
            parts.append(f"r{d['row']}")
        if d.get("col") is not None:
            parts.append(f"c{d['col']}")
    return " ".join(parts)


def _confidence(value: Any) -> float | None:
    try:
        return None if value is None else round(float(value), 3)
    except (TypeError, ValueError):
        return None


def _sentence_confidences(s: Any) -> tuple[float | None, float | None]:
    """(tag confidence, section confidence), the calibrated ones where the report carries them."""
    tag = next((v for v in (_get(s, "tag_confidence_calibrated"), _get(s, "tag_confidence"), _get(s, "confidence"))
                if v is not None), None)
    sec = next((v for v in (_get(s, "section_confidence_calibrated"), _get(s, "section_confidence"))
                if v is not None), None)
    return _confidence(tag), _confidence(sec)


def _template_of(report: Any) -> str | None:
    gens = Counter(str(_get(t, "template")) for t in report.tables.values() if _get(t, "template"))
    return gens.most_common(1)[0][0] if gens else None


def _table_grid(name: str, table: Any) -> tuple[list[list[dict[str, Any]]], list[tuple[str, list[str]]]]:
    """The template's grid for one table (header cells and value slots) and its rows with their columns."""
    from ..extract.templates import TEMPLATES

    gen = str(_get(table, "template") or "2021")
    tpl = TEMPLATES.get(gen, TEMPLATES["2021"]).get(name)
    rows: dict[str, Any] = dict(_get(table, "rows") or {})
    order: list[tuple[str, list[str]]] = []
    labels: dict[str, str] = {}
    col_labels: dict[str, str] = {}
    groups: dict[str, str] = {}
    captions: dict[str, str | None] = {}
    if tpl is not None:
        col_labels = {c.key: c.labels[0] for c in tpl.columns}
        groups = {g.key: g.labels[0] for g in tpl.groups}
        for spec in tpl.rows + tpl.alternates:
            labels[spec.key] = spec.labels[0]
            captions[spec.key] = spec.caption
        template_rows = [spec.key for spec in tpl.rows]
        # an alternate row the report prints (other_processing) takes the place of the rows it replaces
        for alt in tpl.alternates:
            if alt.key in rows and not any(r in rows for r in alt.replaces) and alt.replaces:
                at = template_rows.index(alt.replaces[0])
                template_rows = [r for r in template_rows if r not in alt.replaces]
                template_rows.insert(at, alt.key)
        for key in template_rows:
            cols = list(tpl.columns_for(key))
            for c in rows.get(key, {}):
                if c not in cols:
                    cols.append(c)
            order.append((key, cols))
    for key, cols in rows.items():  # rows the template does not have
        if key not in {k for k, _ in order}:
            order.append((key, list(cols)))

    def head(text: str, cs: int = 1, rs: int = 1, cls: str = "") -> dict[str, Any]:
        d: dict[str, Any] = {"h": text}
        if cs > 1:
            d["cs"] = cs
        if rs > 1:
            d["rs"] = rs
        if cls:
            d["k"] = cls
        return d

    def slot(row: str, col: str) -> dict[str, Any]:
        return {"c": f"{row}.{col}"}

    grid: list[list[dict[str, Any]]] = []
    if name == "applications":
        cols = order[0][1] if order else [c.key for c in (tpl.columns if tpl else ())]
        applicants = [c for c in cols if c != "total"]
        grid.append([head("", 1, 3), head("申请人情况", len(cols), 1)])
        grid.append([head(col_labels.get(applicants[0], applicants[0]), 1, 2) if applicants else head(""),
                     head("法人或其他组织", max(1, len(applicants) - 1)), head(col_labels.get("total", "总计"), 1, 2)])
        grid.append([head(col_labels.get(c, c)) for c in applicants[1:]])
        seen_groups: set[str] = set()
        spec_group = {s.key: s.group for s in (tpl.rows + tpl.alternates)} if tpl else {}
        for key, rcols in order:
            g = spec_group.get(key)
            chain = []
            if g and g not in seen_groups:
                if g != "results" and "results" not in seen_groups:
                    chain.append("results")
                chain.append(g)
            for gg in chain:
                seen_groups.add(gg)
                if gg in groups:
                    grid.append([head(groups[gg], len(cols) + 1, 1, "grp")])
            grid.append([head(labels.get(key, key), cls="row")] + [slot(key, c) for c in rcols])
    elif name == "review_litigation":
        blocks = [k for k, _ in order]
        width = {k: len(c) for k, c in order}
        first = [head(labels.get(b, b), width[b], 2) for b in blocks if b == "review"]
        lit = [b for b in blocks if b != "review"]
        if lit:
            first.append(head(groups.get("litigation", "行政诉讼"), sum(width[b] for b in lit)))
        grid.append(first)
        grid.append([head(labels.get(b, b), width[b]) for b in lit])
        grid.append([head(col_labels.get(c, c)) for _, cs in order for c in cs])
        grid.append([slot(b, c) for b, cs in order for c in cs])
    else:  # active_disclosure: one block per caption (第二十条第（一）项 …), each with its own columns
        last_caption: object = object()
        for key, rcols in order:
            cap = captions.get(key)
            if cap != last_caption:
                last_caption = cap
                if cap:
                    grid.append([head(cap, len(rcols) + 1, 1, "grp")])
                grid.append([head("信息内容")] + [head(col_labels.get(c, c)) for c in rcols])
            grid.append([head(labels.get(key, key), cls="row")] + [slot(key, c) for c in rcols])
    return grid, order


def _table_data(name: str, table: Any) -> dict[str, Any]:
    grid, order = _table_grid(name, table)
    rows = _get(table, "rows") or {}
    cells: dict[str, list[Any]] = {}
    for key, cols in order:
        for c in cols:
            v = rows.get(key, {}).get(c)
            if v is None:
                cells[f"{key}.{c}"] = [None, None, "missing", ""]
            else:
                cells[f"{key}.{c}"] = [_get(v, "value"), _get(v, "raw"), _get(v, "status", "ok"),
                                       _prov(_get(v, "provenance"))]
    return {
        "title": _TABLE_TITLES.get(name, name),
        "template": str(_get(table, "template") or ""),
        "source_form": _get(table, "source_form") or "",
        "prov": _prov(_get(table, "provenance")),
        "grid": grid,
        "rows": [[k, cols] for k, cols in order],
        "cells": cells,
    }


def _as_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _default_source(report: Any) -> str:
    """``<folder>/<file>`` of the report's source: ``corpus/x.txt`` for ``…/shared/corpus/x.txt``."""
    src = report.meta.source
    if not src:
        return "report.txt"
    p = Path(src)
    return f"{p.parent.name}/{p.name}" if p.parent.name else p.name


def _default_id(report: Any) -> str:
    src = report.meta.source
    stem = Path(src).stem if src else (report.meta.sha256[:12] or "report")
    return re.sub(r"[^0-9A-Za-z_.-]+", "-", stem).strip("-") or "report"


def page_data(
    report: Any,
    *,
    source: str | None = None,
    gold_id: str | None = None,
    low_confidence: float = DEFAULT_LOW_CONFIDENCE,
) -> dict[str, Any]:
    """The JSON a report page carries (schema :data:`VIEW_SCHEMA`).

    Parameters
    ----------
    report : Report
        The analysed report.
    source : str, optional
        The gold file's ``source`` (relative to the folder gold files are
        relative to); default: the source's folder and file name
        (``corpus/x.txt``), which fits gold files kept in a sibling folder.
    gold_id : str, optional
        The gold file's ``id``; default: the source's file name without suffix.
    low_confidence : float, default 0.6
        Sentences below this tag or section confidence stand out.

    Returns
    -------
    dict
        ``sentences`` are ``[text, section index, tag index, tag confidence,
        section confidence, provenance, new paragraph]``, with the text as in
        the source (white space kept); tables hold the template's ``grid`` and
        ``cells`` as ``[value, raw, status, provenance]``.
    """
    sec_index = {label: i for i, label in enumerate(SECTION_LABELS)}
    tag_index = {tag: i for i, tag in enumerate(TAGS)}
    original = report.original_text or ""
    sentences = []
    last_prov: str | None = None
    for s in report.sentences:
        text = s.text
        if original and 0 <= s.orig_start < s.orig_end <= len(original):
            text = original[s.orig_start:s.orig_end]
        tc, sc = _sentence_confidences(s)
        prov = _prov(s.provenance)
        sentences.append([text, sec_index.get(s.section, 0), tag_index.get(s.tag, len(TAGS) - 1), tc, sc, prov,
                          1 if prov != last_prov else 0])
        last_prov = prov
    tables = {name: _table_data(name, t) for name, t in report.tables.items()}
    cells_in_source = None
    if report.tables:
        cells_in_source = not any(_get(t, "source_form") == "run" for t in report.tables.values())
    meta = report.meta.to_dict()
    checks = [_as_dict(c) for c in report.checks]
    return {
        "schema": VIEW_SCHEMA,
        "system": report.system,
        "xxgk_version": report.xxgk_version,
        "meta": meta,
        "template": _template_of(report),
        "gold": {"id": gold_id or _default_id(report), "source": source or _default_source(report),
                 "cells_in_source": cells_in_source},
        "sections": list(SECTION_LABELS),
        "headings": SECTION_HEADINGS,
        "tags": list(TAGS),
        "low": low_confidence,
        "sentences": sentences,
        "tables": tables,
        "checks": [c for c in checks if c.get("status") != "pass"],
        "checks_passed": sum(1 for c in checks if c.get("status") == "pass"),
        "findings": [_as_dict(f) for f in report.findings],
        "warnings": list(report.warnings),
    }


def page_summary(report: Any, *, low_confidence: float = DEFAULT_LOW_CONFIDENCE) -> dict[str, Any]:
    """One row of the index: body, year, template, sections found, sentences per tag, rules broken, …"""
    m = report.meta
    tags = Counter(s.tag for s in report.sentences)
    low = 0
    for s in report.sentences:
        tc, sc = _sentence_confidences(s)
        low += (tc is not None and tc < low_confidence) or (sc is not None and sc < low_confidence)
    statuses = Counter(_get(c, "status") for c in report.checks)
    return {
        "file": m.source or "",
        "title": m.title or "",
        "body": m.body or "",
        "year": m.year,
        "template": _template_of(report),
        "format": m.format,
        "pages": m.pages,
        "system": report.system,
        "sections": list(dict.fromkeys(s.section for s in report.sentences)),
        "sentences": len(report.sentences),
        "tags": {t: tags.get(t, 0) for t in TAGS},
        "broken": statuses.get("fail", 0),
        "checks": sum(statuses.values()),
        "low": low,
        "findings": len(report.findings),
        "tables": sorted(report.tables),
    }


def render_html(
    report: Any,
    *,
    source: str | None = None,
    gold_id: str | None = None,
    low_confidence: float = DEFAULT_LOW_CONFIDENCE,
    title: str | None = None,
) -> str:
    """One self-contained HTML page for a report: read it, review it, export the corrections as gold.

    Parameters
    ----------
    report : Report
        From :func:`xxgk.analyze`.
    source, gold_id, low_confidence
        See :func:`page_data`.
    title : str, optional
        The page title; default: the report's title or file name.

    Returns
    -------
    str
        The page (UTF-8 text); it needs nothing else to open, from ``file://`` too.
    """
    data = page_data(report, source=source, gold_id=gold_id, low_confidence=low_confidence)
    summary = page_summary(report, low_confidence=low_confidence)
    name = title or report.meta.title or (Path(report.meta.source).name if report.meta.source else "report")
    return _page(_asset("report.html"), _asset("view.css"), _asset("report.js"), f"{name} · xxgk",
                 {"SUMMARY": summary, "DATA": data})


def write_html(report: Any, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Write :func:`render_html` to ``path`` (through a temporary file and a rename); returns the path."""
    from ..io import atomic_write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, render_html(report, **kwargs), fsync=False)
    return path


def read_page_summary(path: str | os.PathLike) -> dict[str, Any] | None:
    """The index row a page carries (see :func:`page_summary`), or None when it is not an xxgk page."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return None
    m = _SUMMARY_RE.search(head)
    if not m:
        return None
    try:
        value = json.loads(m.group(1))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def render_index(
    entries: Iterable[Mapping[str, Any]],
    *,
    title: str = "xxgk reports",
    errors: Iterable[Mapping[str, Any]] = (),
) -> str:
    """An index page: one row per report, sortable and filterable.

    Parameters
    ----------
    entries : iterable of dict
        :func:`page_summary` rows, each with ``href``, the page's address
        relative to the index.
    title : str
        The page title.
    errors : iterable of dict
        Inputs that failed (``path``, ``error``, ``message``: rows of the ``errors`` table), listed below the table.
    """
    rows = [dict(e) for e in entries]
    errs = [{"path": str(e.get("path") or ""), "error": str(e.get("error") or e.get("error_type") or ""),
             "message": str(e.get("message") or "")} for e in errors]
    data = {"schema": VIEW_SCHEMA, "title": title, "tags": list(TAGS), "sections": list(SECTION_LABELS),
            "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "rows": rows, "errors": errs}
    return _page(_asset("index.html"), _asset("view.css"), _asset("index.js"), title, {"DATA": data})


def write_index(folder: str | os.PathLike, pages: Iterable[str | os.PathLike] | None = None, *,
                title: str = "xxgk reports", errors: Iterable[Mapping[str, Any]] = (),
                name: str = "index.html") -> Path:
    """Write ``folder/index.html`` for report pages (default: every ``*.html`` page in ``folder``).

    A page that is not an xxgk report page is left out.
    """
    from ..io import atomic_write_text

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in pages] if pages is not None else sorted(folder.glob("*.html"))
    entries = []
    for p in paths:
        if p.name == name and p.parent == folder:
            continue
        s = read_page_summary(p)
        if s is None:
            continue
        s["href"] = os.path.relpath(p, folder).replace(os.sep, "/")
        entries.append(s)
    out = folder / name
    atomic_write_text(out, render_index(entries, title=title, errors=errors), fsync=False)
    return out
