"""Recover table cells from crawler runs, where a row's numbers ran together into one string of digits.

A crawler copy of a web page can flatten a table into one run of labels and
digits (``…（一）予以公开270020130（二）部分公开…``): the row labels survive,
the cell boundaries do not. :func:`recover_run_tables` cuts the run at the
template's row labels (typo-tolerant, through :mod:`xxgk.extract.templates`)
and, for each row's digits, searches the ways to split them into the row's
columns that the template's arithmetic allows:

- ``applications``: A3 in each row (``total`` = the six applicant columns),
  then A1 and A2 across rows, column by column (``new_requests`` +
  ``carried_over`` = ``total_handled`` + ``carried_forward``;
  ``total_handled`` = the outcome rows);
- ``review_litigation``: R1 in each block of five (``total`` = ``upheld`` +
  ``corrected`` + ``other`` + ``pending``);
- ``active_disclosure``: no rule ties its numbers together, so a row is
  recovered only when its split is forced (``000`` in three columns, any
  number in a single column).

Every split keeps to the form of a printed number: no leading zero except
``0`` itself, a decimal point only in a money column, a sign only in a
本年增/减 column; white space and signs inside the run are cell boundaries.

A row is returned only when exactly one split fits (status ``recovered``,
``raw`` = its digits, provenance = the run's line and the digits' character
span). Otherwise its cells are ``None`` with status ``ambiguous`` and an
``ambiguous`` :class:`~xxgk.extract.types.Finding` lists the candidates; the
numbers are never guessed::

    >>> from xxgk.document import Table, Provenance
    >>> run = Table(source_form="run", provenance=Provenance(line=1, char_start=0),
    ...             text="行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉10203120001200000")
    >>> tables, findings = recover_run_tables(run)
    >>> tables["review_litigation"].values()["litigation_direct"]
    {'upheld': 12, 'corrected': 0, 'other': 0, 'pending': 0, 'total': 12}
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product
from math import prod

from ..document import Document, Provenance, Table
from ..normalize import aligned_view
from .labels import label_key, tail_similarity
from .templates import TEMPLATES, RowSpec, TableTemplate, detect_generation
from .types import ExtractedTable, Finding, TableValue

__all__ = ["recover_run_tables", "split_digits", "MAX_CANDIDATES"]

#: Beyond this many splits of one row (or combinations across rows) the search stops and the row stays ambiguous.
MAX_CANDIDATES = 5000
#: The largest count a cell may plausibly hold; longer digit strings are not one count.
MAX_COUNT = 10**7
_LISTED = 12  # candidates written into a finding

# A run of cells: numbers (decimal point, unit), signs, letters glued to digits, dashes standing alone.
_ATOM = r"(?:[+\-]?\d[\dA-Za-z]*(?:\.\d+)?(?:万元|元)?|[A-Za-z]+\d[\dA-Za-z]*|(?<![^\s\d])[/—–―](?![^\s\d]))"
_TOKEN = re.compile(rf"{_ATOM}(?:\s*{_ATOM})*")
_SEGMENT = re.compile(r"[+\-]?[\dA-Za-z.]+(?:万元|元)?|[/—–―]")
_REVIEW_HEADER = ("结果维持", "尚未审结")


# --- reading the run ---------------------------------------------------------------------------------




@dataclass
class _Token:
    """The digits after one label: where they are in the run and the labels before them."""

    start: int
    end: int
    raw: str
    label: str  # the text between the previous token and this one


def _tokens(v: str) -> tuple[list[_Token], str]:
    """The number tokens of the run ``v`` with the label text before each; and the text after the last."""
    out: list[_Token] = []
    pos = 0
    for m in _TOKEN.finditer(v):
        s, e = m.start(), m.end()
        after = v[e : e + 2]
        raw = v[s:e]
        # "…00000002.其他法律…": the last digit is the next label's numbering, not a cell
        if after[:1] in (".", "、") and not after[1:2].isdigit() and raw[-1:].isdigit():
            e -= 1
            raw = v[s:e].rstrip()
            e = s + len(raw)
        if not re.search(r"\d", raw):
            continue
        out.append(_Token(s, e, raw, v[pos:s]))
        pos = e
    return out, v[pos:]


@dataclass
class _Row:
    """A template row found in the run, with its token (None when its label is followed by no number)."""

    table: str
    spec: RowSpec
    token: _Token | None
    candidates: list[tuple[str, ...]] = field(default_factory=list)
    capped: bool = False  # more splits than MAX_CANDIDATES: the list is incomplete, so never narrowed to one


def _find_rows(tokens: list[_Token], tail: str, gen: str) -> tuple[list[_Row], list[_Token], list[_Token]]:
    """The rows of the run in order, the review tokens, and the tokens no label claims."""
    tpls = TEMPLATES[gen]
    rows: list[_Row] = []
    review: list[_Token] = []
    stray: list[_Token] = []
    last: dict[str, int] = {}
    chunks: list[tuple[str, _Token | None]] = [(t.label, t) for t in tokens] + [(tail, None)]
    for label, tok in chunks:
        key = label_key(label)
        if not key:
            if tok is not None:
                stray.append(tok)
            continue
        if all(h in key for h in _REVIEW_HEADER) and tok is not None:
            review.append(tok)
            continue
        found = _labels_in(key, tpls, last)
        for i, (name, spec) in enumerate(found):
            is_last = i == len(found) - 1
            rows.append(_Row(name, spec, tok if is_last else None))
            last[name] = _order(tpls[name], spec.key)
        if not found and tok is not None:
            stray.append(tok)
    return rows, review, stray


def _order(tpl: TableTemplate, key: str) -> int:
    keys = [r.key for r in tpl.rows + tpl.alternates]
    return keys.index(key)


def _row_variants(tpls: dict[str, TableTemplate], last: dict[str, int]) -> Iterator[tuple[str, RowSpec, str]]:
    """Rows still to come in each table, with each label variant as a label key."""
    for name, tpl in tpls.items():
        if name == "review_litigation":
            continue
        for spec in tpl.rows + tpl.alternates:
            if _order(tpl, spec.key) <= last.get(name, -1):
                continue
            for lab in spec.labels:
                yield name, spec, label_key(lab)


#: The lowest :func:`~xxgk.extract.labels.similarity` at which a template row's label ends a chunk.
_ROW_END_MATCH = 0.8


def _ends_with_row(key: str, tpls: dict[str, TableTemplate], last: dict[str, int]) -> tuple[str, RowSpec] | None:
    """The row whose label ends ``key`` (typos tolerated), or None."""
    best: tuple[float, int, str, RowSpec] | None = None
    for name, spec, vk in _row_variants(tpls, last):
        if len(vk) < 2:
            continue
        if len(vk) < 4 and name != "active_disclosure" and key != vk:
            continue  # 3.其他, （七）总计: too short to be trusted at the end of a longer chunk (a header's 其他)
        if key.endswith(vk):
            score = 1.0
        elif len(vk) >= 5:
            score = tail_similarity(key, vk, _ROW_END_MATCH)
        else:
            continue
        if score >= _ROW_END_MATCH and (best is None or (score, len(vk)) > (best[0], best[1])):
            best = (score, len(vk), name, spec)
    return None if best is None else (best[2], best[3])


def _labels_in(key: str, tpls: dict[str, TableTemplate], last: dict[str, int]) -> list[tuple[str, RowSpec]]:
    """The row labels in one label chunk, in order: the one ending it, and before it rows printed with no number."""
    end = _ends_with_row(key, tpls, last)
    if end is None:
        return []
    found: list[tuple[int, str, RowSpec]] = []
    end_order = _order(tpls[end[0]], end[1].key)
    for name, spec, vk in _row_variants(tpls, last):
        short = len(vk) < (2 if name == "active_disclosure" else 4)  # 规章 is distinctive, 总计 is not
        if name != end[0] or spec.replaces or _order(tpls[name], spec.key) >= end_order or short:
            continue
        if spec.key in {s.key for _, _, s in found}:
            continue
        pos = key.find(vk)
        if pos >= 0:
            found.append((pos, name, spec))
    found.sort(key=lambda f: f[0])
    return [(n, s) for _, n, s in found] + [end]


# --- splitting digits --------------------------------------------------------------------------------


def _segments(raw: str) -> list[str]:
    """The parts of a token that white space or a sign keeps apart (each holds one or more cells)."""
    return _SEGMENT.findall(raw)


_CELL = re.compile(r"^[+\-]?(?:0|[1-9]\d*)(?:\.\d+)?(?:万元|元)?$")


def _valid(cell: str, kind: str, at_start: bool, at_end: bool) -> bool:
    """Whether ``cell`` (a piece of one segment) can be a printed number of a column of ``kind``."""
    if cell in ("/", "—", "–", "―"):
        return at_start and at_end
    if not _CELL.match(cell):
        return False
    if cell[0] in "+-" and (kind != "change" or not at_start):
        return False
    if ("." in cell or cell.endswith("元")) and (kind != "money" or not at_end):
        return False
    if kind != "money" and abs(int(cell)) > MAX_COUNT:
        return False
    return True


def _take(segs: list[str], kinds: tuple[str, ...], si: int = 0, off: int = 0) -> Iterator[tuple[tuple[str, ...], int, int]]:
    """Every way to read ``len(kinds)`` cells from segment ``si``, character ``off`` on; with where they stop."""
    if not kinds:
        yield (), si, off
        return
    if si >= len(segs):
        return
    seg = segs[si]
    for n in range(1, len(seg) - off + 1):
        cell = seg[off : off + n]
        end = off + n == len(seg)
        if not _valid(cell, kinds[0], off == 0, end):
            if cell[:1] == "0" and cell[1:2].isdigit():
                break  # a leading zero only gets worse
            continue
        nsi, noff = (si + 1, 0) if end else (si, off + n)
        for rest, fsi, foff in _take(segs, kinds[1:], nsi, noff):
            yield (cell,) + rest, fsi, foff


def split_digits(raw: str, kinds: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Every way to read ``raw`` as one printed number per column, columns described by ``kinds``.

    Parameters
    ----------
    raw : str
        The digits of one row as they stand in the run; white space and signs
        in it are cell boundaries.
    kinds : tuple of str
        One ``count`` / ``change`` / ``money`` per column (a template's
        :attr:`~xxgk.extract.templates.ColumnSpec.kind`).

    Yields
    ------
    tuple of str
        The cells' raw strings, in column order.

    Examples
    --------
    >>> list(split_digits("000", ("count",) * 3))
    [('0', '0', '0')]
    >>> list(split_digits("350", ("count", "change")))
    [('3', '50'), ('35', '0')]
    >>> list(split_digits("500000 5", ("count",) * 7))
    [('5', '0', '0', '0', '0', '0', '5')]
    """
    segs = _segments(raw)
    for cells, si, off in _take(segs, kinds):
        if si == len(segs) and off == 0:
            yield cells


def _split_blocks(raw: str, size: int, blocks: int) -> Iterator[tuple[str, ...]]:
    """Splits of ``raw`` into ``blocks`` blocks of ``size`` counts, each block fitting R1, pruned block by block."""
    segs = _segments(raw)

    def rec(b: int, si: int, off: int) -> Iterator[tuple[str, ...]]:
        if b == blocks:
            if si == len(segs) and off == 0:
                yield ()
            return
        for cells, nsi, noff in _take(segs, ("count",) * size, si, off):
            if _a3(cells):
                for rest in rec(b + 1, nsi, noff):
                    yield cells + rest

    yield from rec(0, 0, 0)


def _value(cell: str) -> int | float | None:
    body = cell.rstrip("万元")
    if body in ("/", "—", "–", "―") or not body:
        return None
    return float(body) if "." in body else int(body)


def _a3(cells: tuple[str, ...]) -> bool:
    vals = [_value(c) for c in cells]
    nums = [v for v in vals if v is not None]
    if len(nums) < len(vals):
        return True
    return sum(nums[:-1]) == nums[-1]


def _cap(it: Iterator[tuple[str, ...]], limit: int = MAX_CANDIDATES) -> tuple[list[tuple[str, ...]], bool]:
    out = []
    for c in it:
        out.append(c)
        if len(out) > limit:
            return out[:limit], True
    return out, False


# --- arithmetic across rows (A1, A2) -------------------------------------------------------------------


def _cross_rules(by_key: dict[str, _Row], tpl: TableTemplate) -> list[tuple[list[str], list[str]]]:
    """A1 and A2 as ``(left rows, right rows)``, sums equal in every column; only rules whose rows were all read."""
    keys = [r.key for r in tpl.rows]
    if "other_processing" in by_key and not any(k in by_key for k in keys if k.startswith("other_")):
        keys = [k for k in keys if not k.startswith("other_")]
        keys.insert(keys.index("total_handled"), "other_processing")
    outcomes = keys[keys.index("granted") : keys.index("total_handled")]
    a1 = (["new_requests", "carried_over"], ["total_handled", "carried_forward"])
    a2 = (["total_handled"], outcomes)
    return [(left, right) for left, right in (a1, a2) if all(k in by_key for k in left + right)]


def _holds(
    rules: list[tuple[list[str], list[str]]], values: dict[str, list[int | float | None]], n_cols: int
) -> bool:
    """Whether every rule holds in every column where none of its cells is empty."""
    for left, right in rules:
        for col in range(n_cols):
            lv = [values[k][col] for k in left]
            rv = [values[k][col] for k in right]
            if None in lv or None in rv:
                continue
            if sum(x for x in lv if x is not None) != sum(x for x in rv if x is not None):  # none is, after the check above
                return False
    return True


def _cross_rows(rows: list[_Row], tpl: TableTemplate) -> None:
    """Keep, in each applications row, only the splits that some A1/A2-consistent choice of every row uses."""
    by_key = {r.spec.key: r for r in rows if r.candidates and not r.capped}
    rules = _cross_rules(by_key, tpl)
    if not rules:
        return
    involved = [k for k in dict.fromkeys(k for left, right in rules for k in left + right)]
    choices = [by_key[k].candidates for k in involved]
    if prod(len(c) for c in choices) > MAX_CANDIDATES * 4:
        return
    values = {k: [[_value(x) for x in cand] for cand in by_key[k].candidates] for k in involved}
    keep: dict[str, set[int]] = {k: set() for k in involved}
    for combo in product(*(range(len(c)) for c in choices)):
        pick = dict(zip(involved, combo))
        if _holds(rules, {k: values[k][pick[k]] for k in involved}, len(tpl.columns)):
            for k in involved:
                keep[k].add(pick[k])
    if not any(keep.values()):
        return  # the report breaks A1 or A2 itself: rows stay with what A3 allows
    for k in involved:
        row = by_key[k]
        row.candidates = [c for i, c in enumerate(row.candidates) if i in keep[k]]


# --- results -----------------------------------------------------------------------------------------


def _span(table: Table, a: int, b: int) -> Provenance:
    p = table.provenance
    base = p.char_start
    return Provenance(file=p.file, page=p.page, line=p.line,
                      char_start=None if base is None else base + a, char_end=None if base is None else base + b)


def _cell_spans(tok: _Token, cells: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each cell of a split lies in the run."""
    spans = []
    pos = tok.start
    text = tok.raw
    i = 0
    for c in cells:
        while i < len(text) and text[i].isspace():
            i += 1
        spans.append((pos + i, pos + i + len(c)))
        i += len(c)
    return spans


def _fill_row(out: ExtractedTable, table: Table, row: _Row, cols: tuple[str, ...], findings: list[Finding],
              ambiguous_msg: str) -> None:
    tok = row.token
    key = row.spec.key
    if tok is None:
        out.rows[key] = {c: TableValue(None, "", "blank", None) for c in cols}
        return
    where = _span(table, tok.start, tok.end)
    if re.search(r"[A-Za-z]", tok.raw):
        out.rows[key] = {c: TableValue(None, tok.raw, "unreadable", where) for c in cols}
        findings.append(Finding("unreadable", row.table, f"Row {key} reads '{tok.raw}': letters where numbers belong.",
                                cells=[f"{key}.{c}" for c in cols], provenance=where))
        return
    if len(row.candidates) == 1 and not row.capped:
        cells = row.candidates[0]
        out.rows[key] = {}
        for c, raw, (a, b) in zip(cols, cells, _cell_spans(tok, cells)):
            v = _value(raw)
            out.rows[key][c] = TableValue(v, raw, "recovered" if v is not None else "dash", _span(table, a, b))
        return
    out.rows[key] = {c: TableValue(None, None, "ambiguous", where) for c in cols}
    listed = [dict(zip(cols, (_value(x) for x in cand))) for cand in row.candidates[:_LISTED]]
    if row.capped and not row.candidates:
        msg = f"Row {key}: the digits '{tok.raw}' are too long to split into its {len(cols)} columns; left empty."
    elif row.candidates:
        msg = (f"Row {key}: the digits '{tok.raw}' split into its {len(cols)} columns in {len(row.candidates)}"
               f"{'+' if row.capped else ''} ways that {ambiguous_msg}; left empty.")
    else:
        msg = f"Row {key}: no split of the digits '{tok.raw}' into its {len(cols)} columns {ambiguous_msg}; left empty."
    findings.append(Finding("ambiguous", row.table, msg, cells=[f"{key}.{c}" for c in cols], candidates=listed,
                            provenance=where))


def _new_table(name: str, gen: str, table: Table) -> ExtractedTable:
    return ExtractedTable(name=name, template=gen, source_form="run", provenance=table.provenance)


def _complete(out: ExtractedTable, tpl: TableTemplate, findings: list[Finding]) -> None:
    """Template order, and every row the run lacks as ``missing`` with a finding."""
    rows = {}
    specs = list(tpl.rows)
    if "other_processing" in out.rows and tpl.alternates:
        specs = [s for s in specs if s.key not in tpl.alternates[0].replaces]
        specs.insert([s.key for s in specs].index("total_handled"), tpl.alternates[0])
    absent = []
    for spec in specs:
        cols = tpl.columns_for(spec.key)
        if spec.key in out.rows:
            rows[spec.key] = out.rows[spec.key]
        else:
            rows[spec.key] = {c: TableValue(None, None, "missing", None) for c in cols}
            absent.append(spec.key)
    out.rows = rows
    if absent:
        findings.append(Finding("missing_row", out.name, f"No row label found in the run for: {', '.join(absent)}.",
                                cells=[f"{k}.{c}" for k in absent for c in tpl.columns_for(k)],
                                provenance=out.provenance))


def _generation(table: Table, doc: Document | None) -> str:
    gen = detect_generation([table.text])
    if gen is None and doc is not None:
        texts = [t.text for t in doc.tables if t.source_form == "run"] + [c.text for t in doc.tables for c in t.cells]
        gen = detect_generation(texts)
    if gen is None:
        key = label_key(table.text)
        if "其他处理" in key and not any(label_key(m) in key for m in ("申请人无正当理由逾期不补正",)):
            gen = "2019" if re.search(r"其他处理[\s\d]", aligned_view(table.text)) else None
    if gen is None and doc is not None and doc.meta.year is not None:
        gen = "2019" if doc.meta.year < 2021 else "2021"
    return gen or "2021"


def recover_run_tables(table: Table, doc: Document | None = None) -> tuple[dict[str, ExtractedTable], list[Finding]]:
    """Read the statistical tables out of one run of digits and labels.

    Parameters
    ----------
    table : Table
        A block with ``source_form == "run"`` (:func:`xxgk.tablefind.mark_text_tables`
        makes them); ``table.text`` is the run, ``table.provenance`` its line and character span.
    doc : Document, optional
        The document the run belongs to: its other runs and its year settle
        the template generation when this run prints no label of its own.

    Returns
    -------
    tables : dict
        Table name → :class:`~xxgk.extract.types.ExtractedTable` for every
        template table whose rows the run holds (none for an old 统计表).
    findings : list of Finding
        ``ambiguous`` rows (with their candidate splits), ``unreadable``
        rows (letters in the digits), ``missing_row`` and ``unmatched``
        digits no label claims.
    """
    if table.source_form != "run":
        raise ValueError(f"The 'table' parameter of recover_run_tables must be a run table. "
                         f"Got source_form={table.source_form!r} instead.")
    gen = _generation(table, doc)
    tpls = TEMPLATES[gen]
    v = aligned_view(table.text)
    tokens, tail = _tokens(v)
    rows, review, stray = _find_rows(tokens, tail, gen)
    findings: list[Finding] = []
    out: dict[str, ExtractedTable] = {}

    for row in rows:
        tpl = tpls[row.table]
        if row.token is None or re.search(r"[A-Za-z]", row.token.raw):
            continue
        kinds = tuple(tpl.column(c).kind for c in tpl.columns_for(row.spec.key))
        if sum(ch.isdigit() for ch in row.token.raw) > sum(16 if k == "money" else 6 for k in kinds) + 2:
            row.candidates, row.capped = [], True  # too long to be this row's counts: not searched
            continue
        fits = (s for s in split_digits(row.token.raw, kinds) if row.table != "applications" or _a3(s))
        row.candidates, row.capped = _cap(fits)
    app_rows = [r for r in rows if r.table == "applications"]
    if app_rows:
        _cross_rows(app_rows, tpls["applications"])

    msg = {"applications": "fit A3 (and A1/A2 across rows)", "active_disclosure": "no rule tells apart"}
    for row in rows:
        tpl = tpls[row.table]
        t = out.setdefault(row.table, _new_table(row.table, gen, table))
        _fill_row(t, table, row, tpl.columns_for(row.spec.key), findings, msg[row.table])

    if review:
        _review(review, tpls["review_litigation"], table, gen, out, findings)
    for name, t in out.items():
        _complete(t, tpls[name], findings)
    for tok in stray:
        if out:
            findings.append(Finding("unmatched", next(iter(out)), f"Digits '{tok.raw}' follow no row label; not read.",
                                    provenance=_span(table, tok.start, tok.end)))
    return out, findings


def _review(tokens: list[_Token], tpl: TableTemplate, table: Table, gen: str, out: dict[str, ExtractedTable],
            findings: list[Finding]) -> None:
    """Section 四: one token of fifteen numbers, split block by block under R1."""
    tok = tokens[0]
    t = out.setdefault("review_litigation", _new_table("review_litigation", gen, table))
    blocks = [r.key for r in tpl.rows]
    cols = tpl.column_keys
    where = _span(table, tok.start, tok.end)
    if re.search(r"[A-Za-z]", tok.raw):
        for b in blocks:
            t.rows[b] = {c: TableValue(None, tok.raw, "unreadable", where) for c in cols}
        findings.append(Finding("unreadable", "review_litigation", f"The section 四 digits read '{tok.raw}': letters "
                                "where numbers belong.", cells=[f"{b}.{c}" for b in blocks for c in cols],
                                provenance=where))
        return
    splits, capped = _cap(_split_blocks(tok.raw, len(cols), len(blocks)))
    for i, b in enumerate(blocks):
        options = sorted({s[i * 5 : i * 5 + 5] for s in splits})
        if len(options) == 1 and not capped:
            spans = _cell_spans(tok, splits[0])[i * 5 : i * 5 + 5]
            t.rows[b] = {c: TableValue(_value(x), x, "recovered", _span(table, a, e))
                         for c, x, (a, e) in zip(cols, options[0], spans)}
            continue
        t.rows[b] = {c: TableValue(None, None, "ambiguous", where) for c in cols}
        listed = [dict(zip(cols, (_value(x) for x in o))) for o in options[:_LISTED]]
        why = (f"split in {len(options)} ways that fit R1" if options
               else "has no split in which every block fits R1")
        findings.append(Finding("ambiguous", "review_litigation",
                                f"Block {b}: the section 四 digits '{tok.raw}' {why}; left empty.",
                                cells=[f"{b}.{c}" for c in cols], candidates=listed, provenance=where))
