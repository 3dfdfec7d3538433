"""Rule-based extractors for the three statistical tables (``report-format.md`` section 4).

:func:`extract_tables` takes a :class:`~xxgk.document.Document` and returns
the tables it holds under canonical keys, with every value's raw string and
provenance, plus findings. How a table block is read depends on how it
reached us (``Table.source_form``):

- ``grid`` (HTML, DOCX, PDF, pipe or aligned text): each block is named by
  its labels and the section heading before it; blocks of one table (split
  over pages, or one per 第二十条 item) are read together
  (:mod:`.active_disclosure`, :mod:`.applications`, :mod:`.review_litigation`);
- ``cell-per-line`` (a flattened web page): the cells, in reading order, are
  cut at the section headings and walked label by label;
- ``run`` (crawler digit runs): handed to :func:`xxgk.extract.digits.recover_run_tables`.

Nothing here raises on a bad table: a report with no tables, half a table,
or letters where numbers belong gets findings and ``None`` values, never an
invented number.

    >>> from xxgk.document import Document, Table, Cell
    >>> t = Table(cells=[Cell(x, r, k) for r, row in enumerate([["行政复议", "行政诉讼"], ["1", "2"]])
    ...                  for k, x in enumerate(row)])
    >>> tables, findings = extract_tables(Document(blocks=[t]))
    >>> sorted(tables), findings[0].kind
    ([], 'no_tables')
"""

from __future__ import annotations

from collections.abc import Callable

from ..document import Cell, Document, Table
from ..labels import TABLE_NAMES
from . import active_disclosure, applications, review_litigation
from .grid import GridView, is_label
from .labels import label_key
from .model import ExtractedTable, Finding, TableValue, table_from_dict
from .templates import OLD_TABLE_MARKERS, TABLE_HEADINGS, TEMPLATES, detect_generation

__all__ = ["ExtractedTable", "Finding", "TableValue", "table_from_dict", "extract_tables", "document_generation"]

_MODULES = {
    "active_disclosure": active_disclosure,
    "applications": applications,
    "review_litigation": review_litigation,
}
_HEADING_KEYS = {name: tuple(label_key(h) for h in heads) for name, heads in TABLE_HEADINGS.items()}
_OLD_KEYS = frozenset(label_key(m) for m in OLD_TABLE_MARKERS)


def _is_old_table(table: Table) -> bool:
    """A pre-2019 统计表 (统计指标 | 单位 | 统计数), whose rows have no canonical keys."""
    return any(label_key(c.text) in _OLD_KEYS for c in table.cells[:60])


def heading_table(text: str) -> str | None:
    """The table a section heading introduces (``三、收到和处理政府信息公开申请情况`` → ``applications``), or None.

    >>> heading_table("四、政府信息公開行政複議、行政訴訟情況")
    'review_litigation'
    >>> heading_table("四、结转下年度继续办理") is None
    True
    """
    key = label_key(text)
    if not key or len(key) > 40:
        return None
    for name, heads in _HEADING_KEYS.items():
        if any(h in key and len(key) <= len(h) + 10 for h in heads):
            return name
    return None


def document_generation(doc: Document) -> str:
    """The template generation of a report's tables: ``"2019"`` or ``"2021"``.

    From the labels its tables print (:func:`~xxgk.extract.templates.detect_generation`),
    else from the report's year (reports on 2019 and 2020 use the 2019 template),
    else ``"2021"``.
    """
    texts = [c.text for t in doc.tables for c in t.cells]
    gen = detect_generation(texts)
    if gen:
        return gen
    year = doc.meta.year
    if year is not None and year in (2019, 2020):
        return "2019"
    return "2021"


def _score(texts: list[str], name: str) -> int:
    """How many distinct row and column keys of table ``name`` the texts name (either generation)."""
    hits: set[str] = set()
    for gen in TEMPLATES:
        tpl = TEMPLATES[gen][name]
        for t in texts:
            m = tpl.match_row(t, threshold=0.8, alternates=True)
            if m is not None:
                hits.add("r:" + m.key)
            c = tpl.match_column(t, threshold=0.9)
            if c is not None:
                hits.add("c:" + c.key)
    return len(hits)


def _name_by_labels(texts: list[str], heading: str | None) -> str | None:
    labels = list(dict.fromkeys(t for t in texts if is_label(t)))
    scores = {name: _score(labels, name) + (3 if name == heading else 0) for name in TABLE_NAMES}
    best = max(scores, key=lambda n: scores[n])
    if scores[best] < 2:
        return None
    return best


def _heading_before(doc: Document, i: int) -> str | None:
    """The table named by a heading among the few paragraphs before block ``i``."""
    seen = 0
    for b in reversed(doc.blocks[:i]):
        if isinstance(b, Table):
            return None
        name = heading_table(b.text)
        if name:
            return name
        seen += 1
        if seen >= 4:
            return None
    return None


def _split_grid(table: Table) -> list[tuple[str | None, Table]]:
    """Cut a grid at rows that are a section heading (a reader that put two tables in one grid)."""
    view = GridView(table)
    cuts: list[tuple[int, str]] = []
    for r in range(view.n_rows):
        cells = {id(c): c for _, c in view.row(r)}
        texts = [c.text for c in cells.values() if c.text.strip()]
        if len(texts) == 1:
            name = heading_table(texts[0])
            if name:
                cuts.append((r, name))
    if not cuts:
        return [(None, table)]
    out: list[tuple[str | None, Table]] = []
    bounds = [(0, None)] + [(r + 1, n) for r, n in cuts]
    for j, (start, name) in enumerate(bounds):
        end = cuts[j][0] if j < len(cuts) else view.n_rows
        cells = [c for c in table.cells if start <= c.row < end]
        if cells:
            out.append((name, Table(cells=cells, provenance=table.provenance, index=table.index,
                                    source_form=table.source_form, text=table.text, start=table.start)))
    return out


def _split_flat(table: Table, heading: str | None) -> list[tuple[str | None, list[Cell]]]:
    """Cut one-cell-per-line tokens at section headings; each part with the table it introduces."""
    tokens = sorted(table.cells, key=lambda c: (c.row, c.col))
    parts: list[tuple[str | None, list[Cell]]] = [(heading, [])]
    for tok in tokens:
        name = heading_table(tok.text) if is_label(tok.text) else None
        if name:
            parts.append((name, []))
        else:
            parts[-1][1].append(tok)
    return [(n, toks) for n, toks in parts if toks]


def extract_tables(doc: Document) -> tuple[dict[str, ExtractedTable], list[Finding]]:
    """Extract the three statistical tables of a report.

    Parameters
    ----------
    doc : Document
        A report as read by :func:`xxgk.read`.

    Returns
    -------
    tables : dict
        ``active_disclosure`` / ``applications`` / ``review_litigation`` →
        :class:`ExtractedTable`, in that order; a table not found is absent.
    findings : list of Finding
        What did not fit: ``no_tables``, ``missing_table``, ``missing_row``,
        ``half_table``, ``missing_cells``, ``unreadable``, ``ambiguous`` …
    """
    findings: list[Finding] = []
    gen_doc = document_generation(doc)
    grids: dict[str, list[Table]] = {}
    flats: dict[str, list[tuple[Table, list[Cell]]]] = {}
    runs: list[Table] = []
    last: str | None = None
    for i, block in enumerate(doc.blocks):
        if not isinstance(block, Table):
            continue
        heading = _heading_before(doc, i)
        if block.source_form != "run" and _is_old_table(block):
            findings.append(Finding(
                kind="old_template", table="", provenance=block.provenance,
                message="A pre-2019 statistics table (统计指标 / 单位 / 统计数) was found; it has no canonical keys "
                        "and is not extracted.",
            ))
            continue
        if block.source_form == "run":
            runs.append(block)
            continue
        if block.source_form == "cell-per-line":
            for name, toks in _split_flat(block, heading):
                name = name or _name_by_labels([t.text for t in toks], heading)
                if name:
                    flats.setdefault(name, []).append((block, toks))
            continue
        for j, (name, part) in enumerate(_split_grid(block)):
            texts = [c.text for c in part.cells]
            hint = name or (heading if j == 0 else None)
            found = _name_by_labels(texts, hint)
            if found is None and hint is None and last is not None and _score(texts, last) >= 1:
                found = last  # a continuation (next page) with too few labels to stand alone
            if found:
                grids.setdefault(found, []).append(part)
                last = found
    tables: dict[str, ExtractedTable] = {}
    for name in TABLE_NAMES:
        mod = _MODULES[name]
        texts = [c.text for t in grids.get(name, []) for c in t.cells]
        texts += [c.text for _, toks in flats.get(name, []) for c in toks]
        gen = detect_generation(texts) or gen_doc
        template = TEMPLATES[gen][name]
        result: ExtractedTable | None = None
        if name in grids:
            result = mod.extract_grid(grids[name], template, findings)
        if result is None and name in flats:
            block = flats[name][0][0]
            toks = [c for _, ts in flats[name] for c in ts]
            result = mod.extract_flat(toks, block, template, findings)
        if result is not None:
            tables[name] = result
    if runs:
        _recover_runs(doc, runs, tables, findings)
    if not tables:
        findings.append(Finding(
            kind="no_tables", table="",
            message="No statistical table (主动公开 / 依申请 / 复议诉讼) was found in this report.",
        ))
    elif len(tables) < len(TABLE_NAMES):
        for name in TABLE_NAMES:
            if name not in tables:
                findings.append(Finding(kind="missing_table", table=name,
                                        message=f"The {name} table was not found in this report."))
    if doc.meta.ocr and doc.meta.ocr.get("uncertain"):  # OCR'd digits read with low confidence
        from ..ocr.digits import review_uncertain

        review_uncertain(doc, tables, findings)
    return {n: tables[n] for n in TABLE_NAMES if n in tables}, findings


def _recover_runs(doc: Document, runs: list[Table], tables: dict[str, ExtractedTable], findings: list[Finding]) -> None:
    """Hand crawler digit runs to the digit-run recovery; keep tables not already read from real cells."""
    try:
        from .digits import recover_run_tables
    except ImportError:  # the recovery is not installed in this build
        findings.append(Finding(kind="unsupported", table="",
                                message="The report's tables are runs of digits and digit-run recovery is not available."))
        return
    recover: Callable[[Table, Document], tuple[dict[str, ExtractedTable], list[Finding]]] = recover_run_tables
    for t in runs:
        got, found = recover(t, doc)
        findings.extend(found)
        for name, table in got.items():
            tables.setdefault(name, table)

