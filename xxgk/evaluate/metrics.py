"""The figures of the harness, as pure functions of label sequences and tables.

Sections and tags are scored on the *gold* sentences: each gold sentence gets
the label of the predicted sentence aligned with it (:mod:`xxgk.align`), or
``None`` when no prediction covers it. ``None`` is never right: an unmatched
gold sentence counts against accuracy and recall (coverage reports how many
there were).

Section boundaries sit between gold sentences ``i-1`` and ``i`` whose
sections differ. For boundaries, Pk and WindowDiff an unmatched gold sentence
takes the predicted section of the matched sentence before it (no boundary is
invented or lost by a gap). Boundary sequences are strings of ``"0"``/``"1"``,
one character per gold sentence, ``"1"`` where a new section starts (the
first character is always ``"0"``), the form ``nltk.metrics.segmentation``
reads.

Zero divisions follow one rule: a precision, recall or F1 whose denominator is
zero is 1.0 when there was nothing to find and nothing was predicted, and 0.0
otherwise.

Examples
--------
>>> r = section_scores(["preamble", "overview", "overview"], ["preamble", "preamble", "overview"])
>>> r["accuracy"], r["boundary"]["f1"]
(0.6666666666666666, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..extract.types import ExtractedTable, TableValue
from ..spec import SECTION_LABELS, TAGS
from ..validate import Check, check_tables

__all__ = [
    "UNMATCHED",
    "ece",
    "accuracy_at_coverage",
    "calibration_scores",
    "prf",
    "boundary_string",
    "pk",
    "windowdiff",
    "default_k",
    "section_scores",
    "tag_scores",
    "per_label",
    "confusion",
    "table_scores",
    "gold_tables",
    "gold_rule_verdicts",
    "system_rule_verdicts",
]

#: The confusion-matrix column of gold sentences no prediction covers.
UNMATCHED = "unmatched"


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (zero divisions: see the module docstring).

    >>> prf(1, 1, 0)
    {'precision': 0.5, 'recall': 1.0, 'f1': 0.6666666666666666}
    """
    empty = tp + fp + fn == 0
    p = tp / (tp + fp) if tp + fp else (1.0 if empty else 0.0)
    r = tp / (tp + fn) if tp + fn else (1.0 if empty else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def _filled(pred: Sequence[str | None]) -> list[str | None]:
    first = next((x for x in pred if x is not None), None)
    out: list[str | None] = []
    prev = first
    for x in pred:
        prev = x if x is not None else prev
        out.append(prev)
    return out


def boundary_string(labels: Sequence[str | None]) -> str:
    """``"1"`` at each position whose label differs from the one before, else ``"0"``.

    >>> boundary_string(["a", "a", "b", "b", "a"])
    '00101'
    """
    return "".join("1" if i and labels[i] != labels[i - 1] else "0" for i in range(len(labels)))


def default_k(ref: str, boundary: str = "1") -> int:
    """Half the mean segment length of ``ref``, as ``nltk.metrics.segmentation.pk`` picks it.

    With no boundary in ``ref`` the whole sequence is one segment: ``k`` is
    half its length. ``k`` is at least 1 and at most ``len(ref)``.
    """
    n = len(ref)
    count = ref.count(boundary)
    k = int(round(n / (count * 2.0))) if count else int(round(n / 2.0))
    return max(1, min(k, n)) if n else 1


def pk(ref: str, hyp: str, k: int | None = None, boundary: str = "1") -> float:
    """Beeferman's Pk: the share of windows of width ``k`` where ref and hyp disagree on holding a boundary.

    Same definition as ``nltk.metrics.segmentation.pk``. 0 is perfect.
    """
    if len(ref) != len(hyp):
        raise ValueError(f"pk needs sequences of one length. Got {len(ref)} and {len(hyp)} instead.")
    if k is None:
        k = default_k(ref, boundary)
    windows = len(ref) - k + 1
    if windows <= 0:
        return 0.0
    err = sum((boundary in ref[i : i + k]) != (boundary in hyp[i : i + k]) for i in range(windows))
    return err / windows


def windowdiff(ref: str, hyp: str, k: int, boundary: str = "1") -> float:
    """Pevzner and Hearst's WindowDiff: the share of windows of width ``k`` whose boundary counts differ.

    Same definition as ``nltk.metrics.segmentation.windowdiff`` (unweighted). 0 is perfect.
    """
    if len(ref) != len(hyp):
        raise ValueError(f"windowdiff needs sequences of one length. Got {len(ref)} and {len(hyp)} instead.")
    if k > len(ref):
        raise ValueError(f"The 'k' parameter of windowdiff must be at most the sequence length {len(ref)}. Got {k} instead.")
    windows = len(ref) - k + 1
    err = sum(ref[i : i + k].count(boundary) != hyp[i : i + k].count(boundary) for i in range(windows))
    return err / windows


def per_label(gold: Sequence[str], pred: Sequence[str | None], labels: Iterable[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support of each label (``None`` predictions are never right)."""
    out: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        out[lab] = {**prf(tp, fp, fn), "support": sum(g == lab for g in gold), "tp": tp, "fp": fp, "fn": fn}
    return out


def confusion(gold: Sequence[str], pred: Sequence[str | None], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """``matrix[gold_label][pred_label]`` counts; unmatched gold sentences in the column :data:`UNMATCHED`."""
    cols = [*labels, UNMATCHED]
    m = {g: dict.fromkeys(cols, 0) for g in labels}
    for g, p in zip(gold, pred):
        m.setdefault(g, dict.fromkeys(cols, 0))
        key = UNMATCHED if p is None else p
        m[g][key] = m[g].get(key, 0) + 1
    return m


def _used(labels: Iterable[str], gold: Sequence[str], pred: Sequence[str | None]) -> list[str]:
    present = set(gold) | {p for p in pred if p is not None}
    return [lab for lab in labels if lab in present]


def section_scores(gold: Sequence[str], pred: Sequence[str | None]) -> dict[str, Any]:
    """Section figures of one document (or of pooled documents, for the counts).

    Parameters
    ----------
    gold : sequence of str
        The gold section of every gold sentence.
    pred : sequence of str or None
        The predicted section of each gold sentence (None: unmatched).

    Returns
    -------
    dict
        ``n``, ``correct``, ``accuracy``; ``boundary`` (``precision``, ``recall``,
        ``f1``, ``tp``, ``fp``, ``fn``); ``pk``, ``windowdiff`` and their ``k``;
        ``per_label`` (labels present in gold or prediction, in spec order)
        and ``macro_f1`` over them.
    """
    if len(gold) != len(pred):
        raise ValueError(f"section_scores needs one prediction per gold sentence. Got {len(gold)} and {len(pred)} instead.")
    n = len(gold)
    correct = sum(g == p for g, p in zip(gold, pred))
    ref = boundary_string(gold)
    hyp = boundary_string(_filled(pred))
    rb = {i for i, c in enumerate(ref) if c == "1"}
    hb = {i for i, c in enumerate(hyp) if c == "1"}
    tp, fp, fn = len(rb & hb), len(hb - rb), len(rb - hb)
    k = default_k(ref)
    labels = _used(SECTION_LABELS, gold, pred)
    pl = per_label(gold, pred, labels)
    return {
        "n": n,
        "correct": correct,
        "accuracy": correct / n if n else 1.0,
        "boundary": {**prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn},
        "k": k,
        "pk": pk(ref, hyp, k) if n else 0.0,
        "windowdiff": windowdiff(ref, hyp, k) if n else 0.0,
        "per_label": pl,
        "macro_f1": sum(v["f1"] for v in pl.values()) / len(pl) if pl else 1.0,
    }


def tag_scores(gold: Sequence[str], pred: Sequence[str | None]) -> dict[str, Any]:
    """Tag figures: ``n``, ``correct``, ``accuracy``, ``per_tag``, ``macro_f1``, ``confusion``.

    ``macro_f1`` is the mean F1 over the tags present in gold or prediction;
    ``confusion`` always has every tag (rows: gold, columns: predicted plus
    :data:`UNMATCHED`).
    """
    if len(gold) != len(pred):
        raise ValueError(f"tag_scores needs one prediction per gold sentence. Got {len(gold)} and {len(pred)} instead.")
    n = len(gold)
    correct = sum(g == p for g, p in zip(gold, pred))
    used = _used(TAGS, gold, pred)
    pt = per_label(gold, pred, TAGS)
    return {
        "n": n,
        "correct": correct,
        "accuracy": correct / n if n else 1.0,
        "per_tag": pt,
        "macro_f1": sum(pt[t]["f1"] for t in used) / len(used) if used else 1.0,
        "confusion": confusion(gold, pred, TAGS),
    }


# --- tables -------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


def _pred_cell(table: Any, row: str, col: str) -> tuple[Any, str | None]:
    """The value and status of a cell of an extracted table (an ExtractedTable or a plain dict)."""
    if table is None:
        return None, "missing"
    rows = getattr(table, "rows", None)
    if rows is not None:
        cell = rows.get(row, {}).get(col)
        if cell is None:
            return None, "missing"
        return getattr(cell, "value", cell), getattr(cell, "status", None)
    if isinstance(table, Mapping):
        cell = table.get(row)
        if not isinstance(cell, Mapping) or col not in cell:
            return None, "missing"
        value = cell[col]
        if isinstance(value, Mapping):
            return value.get("value"), value.get("status")
        return value, None
    return None, "missing"


def _ambiguous_cells(findings: Iterable[Any], table: str) -> tuple[set[str], bool]:
    """Cells named by ``ambiguous`` findings of a table, and whether a finding names the table without cells."""
    cells: set[str] = set()
    whole = False
    for f in findings:
        kind = getattr(f, "kind", None) if not isinstance(f, Mapping) else f.get("kind")
        tab = getattr(f, "table", None) if not isinstance(f, Mapping) else f.get("table")
        if kind != "ambiguous" or tab != table:
            continue
        named = list(getattr(f, "cells", None) or (f.get("cells") if isinstance(f, Mapping) else None) or [])
        cells.update(named)
        whole = whole or not named
    return cells, whole


def _gold_cells(table: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    return [(r, c, v) for r, cols in table.items() if r != "template" and isinstance(cols, Mapping) for c, v in cols.items()]


def table_scores(
    gold_tables: Mapping[str, Any],
    extracted: Mapping[str, Any],
    findings: Sequence[Any] = (),
    cells_in_source: bool | None = True,
) -> dict[str, Any]:
    """Cell exact-match of one report's tables.

    Parameters
    ----------
    gold_tables : mapping
        The gold file's ``tables``.
    extracted : mapping
        Table name → extracted table (:class:`xxgk.extract.ExtractedTable`, or
        a dict laid out like the gold).
    findings : sequence
        The extractor's findings (``ambiguous`` ones name their cells as ``"row.col"``).
    cells_in_source : bool or None, default True
        False when the source lost its cells: a null cell with an
        ``ambiguous`` status or finding is then right too (spec section 5).
        A cell (or a whole table) the extractor did not return is wrong, even
        where the gold is null.

    Returns
    -------
    dict
        ``per_table``: name → ``{"cells", "correct", "accuracy", "all_right",
        "extracted", "wrong": ["row.col", …]}``; and over the report
        ``cells``, ``correct``, ``accuracy`` and ``all_right``.
    """
    lenient = cells_in_source is False
    per: dict[str, Any] = {}
    for name, gtable in gold_tables.items():
        ptable = extracted.get(name)
        amb, amb_whole = _ambiguous_cells(findings, name)
        n = ok = 0
        wrong: list[str] = []
        for row, col, gval in _gold_cells(gtable):
            pval, status = _pred_cell(ptable, row, col)
            # a cell the extractor did not find is wrong, even where the report left it empty
            right = _same(gval, pval) and status != "missing"
            if not right and lenient and pval is None:
                right = status == "ambiguous" or f"{row}.{col}" in amb or amb_whole
            n += 1
            ok += right
            if not right:
                wrong.append(f"{row}.{col}")
        per[name] = {
            "cells": n, "correct": ok, "accuracy": ok / n if n else 1.0,
            "all_right": ok == n, "extracted": ptable is not None, "wrong": wrong,
        }
    cells = sum(v["cells"] for v in per.values())
    correct = sum(v["correct"] for v in per.values())
    return {
        "per_table": per,
        "cells": cells,
        "correct": correct,
        "accuracy": correct / cells if cells else 1.0,
        "all_right": all(v["all_right"] for v in per.values()),
    }


# --- consistency rules on gold numbers ---------------------------------------------

#: The rules scored, in order (``report-format.md`` section 4.4).
_RULES = ("A1", "A2", "A3", "R1", "N1")


def gold_tables(tables: Mapping[str, Any], template: str | None = None) -> dict[str, ExtractedTable]:
    """The tables of a gold file as :class:`~xxgk.extract.types.ExtractedTable` objects, for :mod:`xxgk.validate`.

    A gold ``null`` is a value the report leaves empty (``report-format.md``
    section 5): it becomes an empty cell (``status="blank"``), which the
    rules count as 0, as they do for an extracted table.

    Parameters
    ----------
    tables : mapping
        The gold file's ``tables``: name → row → column → number or null (a
        ``"template"`` entry names the generation).
    template : str, optional
        The generation of tables that do not name theirs (default: the one
        a sibling table names, else ``"2021"``).
    """
    named = [t.get("template") for t in tables.values() if isinstance(t, Mapping) and t.get("template")]
    default = template or (str(named[0]) if named else "2021")
    out: dict[str, ExtractedTable] = {}
    for name, table in tables.items():
        rows = {
            r: {c: TableValue(v, status="ok" if v is not None else "blank") for c, v in cols.items()}
            for r, cols in table.items()
            if r != "template" and isinstance(cols, Mapping)
        }
        out[name] = ExtractedTable(name, str(table.get("template") or default), rows=rows)
    return out


def gold_rule_verdicts(tables: Mapping[str, Any], template: str | None = None) -> dict[str, str]:
    """Each consistency rule (A1, A2, A3, R1, N1) evaluated on gold numbers: ``pass``, ``fail`` or ``not_assessable``.

    The rules are :mod:`xxgk.validate`'s, run on :func:`gold_tables`; a rule
    fails when any of its checks fails, passes when some check passes, and
    is ``not_assessable`` otherwise (its table absent included).
    """
    folded = system_rule_verdicts(check_tables(gold_tables(tables, template)))
    return {r: folded.get(r, "not_assessable") for r in _RULES}


def system_rule_verdicts(checks: Iterable[Check]) -> dict[str, str]:
    """Checks folded to one verdict per rule: ``fail`` if any check fails, ``pass`` if some pass, else ``not_assessable``."""
    seen: dict[str, list[str]] = {}
    for c in checks:
        seen.setdefault(c.rule, []).append(c.status)
    return {rule: "fail" if "fail" in vs else ("pass" if "pass" in vs else "not_assessable") for rule, vs in seen.items()}


# --------------------------------------------------------------------------
# calibration


def ece(confidence: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float | None:
    """Expected calibration error: the mean gap between confidence and accuracy over ``bins`` equal-width bins, weighted by size.

    A confidence of 1.0 falls in the last bin. None when there is nothing to score.

    >>> ece([0.9, 0.9, 0.9, 0.9, 0.6], [True, True, True, False, True])  # 4/5 * |0.9 - 0.75| + 1/5 * |0.6 - 1|
    0.2
    """
    n = len(confidence)
    if n == 0:
        return None
    total = 0.0
    for b in range(bins):
        idx = [i for i, c in enumerate(confidence) if min(int(c * bins), bins - 1) == b]
        if idx:
            conf = sum(confidence[i] for i in idx) / len(idx)
            acc = sum(bool(correct[i]) for i in idx) / len(idx)
            total += len(idx) / n * abs(conf - acc)
    return round(total, 6)


def accuracy_at_coverage(confidence: Sequence[float], correct: Sequence[bool], coverage: float = 0.9) -> float | None:
    """Accuracy of the ``coverage`` share of sentences the system is surest of.

    Sentences tied at the cut count at their mean accuracy (the expected
    accuracy of a random choice among them): a system that gives every
    sentence 1.0, as ``rules`` does, scores its plain accuracy.

    >>> accuracy_at_coverage([0.99, 0.8, 0.7, 0.2], [True, True, False, False], coverage=0.5)
    1.0
    >>> accuracy_at_coverage([1.0, 1.0, 1.0, 1.0], [True, True, True, False], coverage=0.5)
    0.75
    """
    n = len(confidence)
    if n == 0:
        return None
    k = max(1, round(coverage * n))
    cut = sorted(confidence, reverse=True)[k - 1]
    above = [i for i in range(n) if confidence[i] > cut]
    tied = [i for i in range(n) if confidence[i] == cut]
    right = sum(bool(correct[i]) for i in above) + (k - len(above)) * sum(bool(correct[i]) for i in tied) / len(tied)
    return right / k


def calibration_scores(confidence: Sequence[float], correct: Sequence[bool], threshold: float = 0.9) -> dict[str, Any]:
    """How well confidences tell right from wrong: ECE (10 bins), accuracy at 90% coverage, and the sentences at or above ``threshold``.

    Returns
    -------
    dict
        ``n``, ``accuracy``, ``mean_confidence``, ``ece``, ``accuracy_at_90``,
        ``confident_share`` (share at or above ``threshold``),
        ``confident_accuracy`` (their accuracy), ``threshold``.
    """
    n = len(confidence)
    sure = [i for i, c in enumerate(confidence) if c >= threshold]
    return {
        "n": n,
        "accuracy": sum(map(bool, correct)) / n if n else None,
        "mean_confidence": sum(confidence) / n if n else None,
        "ece": ece(confidence, correct),
        "accuracy_at_90": accuracy_at_coverage(confidence, correct, 0.9),
        "threshold": threshold,
        "confident_share": len(sure) / n if n else None,
        "confident_accuracy": sum(bool(correct[i]) for i in sure) / len(sure) if sure else None,
    }
