"""Laying read rows out under a template's keys, for the row-per-item tables (``active_disclosure``, ``applications``).

Both input forms end here: :func:`xxgk.extract.grid.read_grid_rows` (real
cells) and :func:`read_flat_rows` (one cell per line, reading order only)
produce :class:`~xxgk.extract.grid.RowRecord` s; :func:`assemble` turns them
into an :class:`~xxgk.extract.types.ExtractedTable`, keeping every raw string
and provenance, and reports what did not fit as findings — never inventing a
number.
"""

from __future__ import annotations

from dataclasses import replace

from ..document import Cell, Table
from ._headers import FOREIGN, foreign_column
from .cells import parse_cell
from .grid import RowRecord, cell_provenance, is_label
from .templates import TableTemplate
from .types import ExtractedTable, Finding, TableValue

__all__ = ["assemble", "read_flat_rows", "value_of"]


def value_of(cell: Cell, table: Table) -> TableValue:
    """A :class:`TableValue` for one source cell: its number (or empty mark), raw text and provenance."""
    p = parse_cell(cell.text)
    return TableValue(value=p.value, raw=p.raw, status=p.status, provenance=cell_provenance(cell, table))


def _missing() -> TableValue:
    return TableValue(value=None, raw=None, status="missing", provenance=None)


def read_flat_rows(tokens: list[Cell], table: Table, template: TableTemplate) -> list[RowRecord]:
    """Read rows from cells given one per line in reading order (the flattened web page).

    A token that names a template row starts a row; the value tokens after
    it (numbers, empty marks, unreadable non-words) are its values, in the
    template's column order. Group labels (（三）不予公开) set the context
    for short row labels; header labels are skipped. A row label followed
    by no value is kept as a weak record, replaced by a later one with values.
    """
    records: list[RowRecord] = []
    group: str | None = None
    started = False
    foreign: str | None = None
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if not is_label(tok.text):
            # values without a row label before them
            j = i
            while j < n and not is_label(tokens[j].text):
                j += 1
            records.append(RowRecord(None, None, tokens[i:j], None, table, 0.0))
            i = j
            continue
        j = i + 1
        while j < n and not is_label(tokens[j].text):
            j += 1
        values = tokens[i + 1 : j]
        g = template.match_group(tok.text)
        m = None
        if not values and g is None and template.match_row(tok.text, group=group, alternates=True) is None:
            head = template.match_column(tok.text, threshold=0.8)
            other = foreign_column(tok.text, template) if head is None else None
            if head is not None or other is not None:
                foreign = other  # the header printed over the rows that follow
                i = j
                continue
        if g is not None and g.score >= 0.99:
            alt = template.match_alternate(tok.text) if values else None
            if alt is None:
                group = g.key
                i = j
                continue
            m = alt
        if m is None:
            m = template.match_row(tok.text, group=group, alternates=True)
        if m is not None and (values or started):  # before the first row with values: header words (总计, 其他)
            records.append(RowRecord(m.key, tok, list(values), None, table, m.score,
                                     header=(foreign,) if foreign else ()))
            started = started or bool(values)
        elif values and any(parse_cell(v.text).status == "ok" for v in values):
            records.append(RowRecord(None, tok, list(values), None, table, 0.0))
        i = j
    return records


def _fit(values: list[Cell], n: int) -> tuple[list[Cell], int]:
    """Trim cells at the ends while there are more cells than columns; return cells and the extra count.

    Leading empty or unreadable cells go first (label columns), then trailing empty ones.
    """
    vals = list(values)
    while len(vals) > n and vals and parse_cell(vals[0].text).status in ("blank", "unreadable"):
        vals.pop(0)  # an empty label-column cell, or a label that is not words (□□□ from a missing font)
    while len(vals) > n and vals and not vals[-1].text.strip():
        vals.pop()
    return vals, max(0, len(vals) - n)


def _place_unlabelled(records: list[RowRecord], template: TableTemplate, findings: list[Finding]) -> None:
    """Give unlabelled rows the template rows between their recognised neighbours, when the count fits."""
    order = {k: i for i, k in enumerate(template.row_keys)}
    i = 0
    while i < len(records):
        if records[i].key is not None:
            i += 1
            continue
        j = i
        while j < len(records) and records[j].key is None:
            j += 1
        before = next((order[r.key] for r in reversed(records[:i]) if r.key in order), -1)
        after = next((order[r.key] for r in records[j:] if r.key in order), len(order))
        run = records[i:j]
        if before >= 0 and after - before - 1 == len(run):
            for k, rec in enumerate(run):
                rec.key = template.row_keys[before + 1 + k]
                label = rec.label.text if rec.label is not None else "(no label)"
                findings.append(Finding(
                    kind="row_by_position", table=template.name,
                    message=f"Row label {label!r} matches no {template.name} row; placed as {rec.key!r} by its position.",
                    cells=[rec.key], provenance=rec.label.provenance if rec.label is not None else None,
                ))
        i = j


def assemble(
    records: list[RowRecord], template: TableTemplate, source_form: str, findings: list[Finding]
) -> ExtractedTable | None:
    """Build the canonical table from read rows; append findings; None when no row was recognised.

    Every template row appears in the result, in template order; a row not
    found has cells with status ``missing`` (and a ``missing_row`` or
    ``half_table`` finding). A 2021 table that prints （六）其他处理 as one
    row gets ``other_processing`` in place of the three ``other_*`` rows.
    """
    if not any(rec.key is not None and rec.values for rec in records):
        return None  # not this table (or nothing of it survived): no row with values was recognised
    _place_unlabelled(records, template, findings)
    chosen = _choose_rows(records, template.name, findings)
    if not chosen:
        return None
    order = _row_order(chosen, template, findings)
    first = next(iter(chosen.values()))
    out = ExtractedTable(name=template.name, template=template.generation, source_form=source_form,
                         provenance=first.table.provenance)
    missing: list[str] = []
    empty: list[str] = []
    for key in order:
        cols = template.columns_for(key)
        rec = chosen.get(key)
        if rec is None or not rec.values:
            out.rows[key] = {c: _missing() for c in cols}
            (missing if rec is None else empty).append(key)
            continue
        out.rows[key] = _row_values(rec, cols, template.name, findings)
    findings += _gap_findings(out, order, missing, empty, template)
    return out


def _choose_rows(records: list[RowRecord], name: str, findings: list[Finding]) -> dict[str, RowRecord]:
    """One record per row key: the first with values; unrecognised rows with numbers and duplicates become findings."""
    chosen: dict[str, RowRecord] = {}
    for rec in records:
        if rec.key is None:
            if any(parse_cell(c.text).status == "ok" for c in rec.values):
                label = rec.label.text if rec.label is not None else "(no label)"
                findings.append(Finding(
                    kind="unrecognised_row", table=name,
                    message=f"A row with numbers under label {label!r} matches no {name} row; its numbers are not used.",
                    provenance=(rec.label or rec.values[0]).provenance,
                ))
            continue
        old = chosen.get(rec.key)
        if old is None or (not old.values and rec.values):
            chosen[rec.key] = rec
        elif rec.values:
            findings.append(Finding(
                kind="duplicate_row", table=name,
                message=f"Row {rec.key!r} appears twice; the first is kept.",
                cells=[rec.key], provenance=rec.label.provenance if rec.label is not None else None,
            ))
    return chosen


def _row_order(chosen: dict[str, RowRecord], template: TableTemplate, findings: list[Finding]) -> list[str]:
    """The template's row keys, an alternate row (``other_processing``) in place of the rows it replaces when printed.

    An alternate is kept only when it has values and none of the rows it
    replaces has; otherwise it is dropped from ``chosen``.
    """
    order = list(template.row_keys)
    for alt in template.alternates:
        if alt.key not in chosen:
            continue
        if any(k in chosen and chosen[k].values for k in alt.replaces) or not chosen[alt.key].values:
            del chosen[alt.key]
            continue
        at = min(order.index(k) for k in alt.replaces)
        order = [k for k in order if k not in alt.replaces]
        order.insert(at, alt.key)
        for k in alt.replaces:
            chosen.pop(k, None)
        findings.append(Finding(
            kind="template_variant", table=template.name,
            message=f"The table prints {alt.labels[0]} as one row ({alt.key}) instead of {len(alt.replaces)} rows.",
            cells=[alt.key],
        ))
    return order


def _gap_findings(
    out: ExtractedTable, order: list[str], missing: list[str], empty: list[str], template: TableTemplate
) -> list[Finding]:
    """``empty_row`` for rows printed with no value cells; ``missing_row`` or ``half_table`` for rows not found."""
    name = template.name
    found: list[Finding] = []
    if empty:
        found.append(Finding(
            kind="empty_row", table=name,
            message=f"{len(empty)} rows of {name} are printed with no value cells (a flattened page drops empty "
                    f"cells; nothing says whether they were empty or 0): {', '.join(empty)}.",
            cells=[f"{k}.{c}" for k in empty for c in template.columns_for(k)],
            provenance=out.provenance,
        ))
    if missing:
        truncated = order[len(order) - len(missing):] == missing
        kind = "half_table" if truncated and len(missing) < len(order) else "missing_row"
        found.append(Finding(
            kind=kind, table=name,
            message=(f"{len(missing)} of {len(order)} rows of {name} were not found"
                     + (" (the table stops early)" if kind == "half_table" else "") + f": {', '.join(missing)}."),
            cells=[f"{k}.{c}" for k in missing for c in template.columns_for(k)],
            provenance=out.provenance,
        ))
    return found


def _row_values(rec: RowRecord, cols: tuple[str, ...], name: str, findings: list[Finding]) -> dict[str, TableValue]:
    row: dict[str, TableValue] = {}
    rec = _fill_unnamed_slots(rec, cols)
    assert rec.key is not None  # only rows chosen under their key get here (_choose_rows)
    named = [k for k in (rec.slots or []) if k in cols]
    if not named and any(k.startswith(FOREIGN) for k in rec.header):
        return _header_mismatch(rec, cols, name, findings)
    if rec.slots is not None and len(rec.slots) == len(rec.values) and named and len(set(named)) == len(named):
        # the header says where each cell goes
        for cell, key in zip(rec.values, rec.slots):
            if key in cols and key not in row:
                row[key] = value_of(cell, rec.table)
    else:
        vals, extra = _fit(rec.values, len(cols))
        if len(vals) < len(cols):
            # fewer cells than columns and no header to place them: which ones are lost is unknown
            raws = [c.text.strip() for c in vals]
            return _left_empty(rec, cols, name, findings, "ambiguous", raws,
                               f"Row {rec.key!r} has {len(vals)} value cells ({', '.join(raws)}) for {len(cols)} "
                               f"columns and nothing says which columns they belong to; its cells are left empty.")
        if extra:
            findings.append(Finding(
                kind="extra_cells", table=name,
                message=f"Row {rec.key!r} has {len(vals)} value cells for {len(cols)} columns; the first {len(cols)} are used.",
                cells=[rec.key], provenance=vals[len(cols)].provenance,
            ))
        for key, cell in zip(cols, vals):
            row[key] = value_of(cell, rec.table)
    lost = [c for c in cols if c not in row]
    if lost:
        findings.append(Finding(
            kind="missing_cells", table=name,
            message=f"Row {rec.key!r} has no cell under {', '.join(lost)}; left missing.",
            cells=[f"{rec.key}.{c}" for c in lost],
            provenance=rec.label.provenance if rec.label is not None else None,
        ))
    for key in cols:
        row.setdefault(key, _missing())
    findings += _unreadable_findings(rec, row, cols, name)
    return {k: row[k] for k in cols}


def _unreadable_findings(rec: RowRecord, row: dict[str, TableValue], cols: tuple[str, ...], name: str) -> list[Finding]:
    """One ``unreadable`` finding per cell that holds text where a number belongs."""
    return [
        Finding(kind="unreadable", table=name,
                message=f"Cell {rec.key}.{key} holds {row[key].raw!r} where a number belongs; no value is given.",
                cells=[f"{rec.key}.{key}"], provenance=row[key].provenance)
        for key in cols
        if row[key].status == "unreadable"
    ]


def _fill_unnamed_slots(rec: RowRecord, cols: tuple[str, ...]) -> RowRecord:
    """Header cells the template does not recognise (企业, 公益, 法律服务: shortened labels) take their template column.

    Only when the row has one value per template column and every header
    cell that is recognised sits at its template position: the printed
    header then agrees with the template, and the unrecognised cells are
    the columns between.
    """
    slots = rec.slots
    if slots is None or "" not in slots or len(slots) != len(rec.values):
        return rec
    lead = 0  # empty cells of a label's span (a padded copy writes a merged label as label + empty cells)
    while lead < len(slots) and not slots[lead] and not rec.values[lead].text.strip():
        lead += 1
    rest = slots[lead:]
    if len(rest) != len(cols) or not any(rest) or any(k and k != c for k, c in zip(rest, cols)):
        return rec
    return replace(rec, slots=[""] * lead + list(cols))


def _header_mismatch(rec: RowRecord, cols: tuple[str, ...], name: str, findings: list[Finding]) -> dict[str, TableValue]:
    """A row under a header of the other template generation: its cells are flagged, not given that meaning."""
    raws = [c.text.strip() for c in rec.values]
    printed = ", ".join(k[len(FOREIGN) :] for k in rec.header if k.startswith(FOREIGN))
    return _left_empty(rec, cols, name, findings, "header_mismatch", raws,
                       f"Row {rec.key!r} sits under a header of the other template generation ({printed}), whose "
                       f"columns this table does not have; its cells ({', '.join(raws)}) are left empty.")


def _left_empty(rec: RowRecord, cols: tuple[str, ...], name: str, findings: list[Finding], kind: str,
                raws: list[str], message: str) -> dict[str, TableValue]:
    """A row whose cells cannot be given their columns: one finding, and every cell null (``ambiguous``)."""
    findings.append(Finding(
        kind=kind, table=name, message=message, cells=[f"{rec.key}.{c}" for c in cols], candidates=raws,
        provenance=rec.label.provenance if rec.label is not None else None,
    ))
    return {c: TableValue(value=None, raw=None, status="ambiguous", provenance=None) for c in cols}
