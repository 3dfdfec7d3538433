"""Readable summaries of an evaluation: pipe tables for the terminal and the README.

>>> line = _row(["a", 0.5, None])
>>> line
'| a | 0.500 | – |'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..spec import SECTION_LABELS, TAGS

__all__ = ["format_summary", "run_table", "table_block", "report_table", "systems_table", "calibration_lines"]

#: The runs of a side-by-side table, in order. ``traditional`` is not among them: the normaliser converts
#: traditional text back (conversion mistakes such as 機製, 覆蓋麵, 谘詢 included), so its row repeats ``clean``.
RUNS = ("clean", "no-headings", "hard-wrap", "flatten")

_RUN_HEAD = ["run", "sentences", "coverage", "section acc", "boundary F1", "Pk", "WindowDiff", "section macro-F1",
             "tag acc", "tag macro-F1"]


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(_fmt(c) for c in cells) + " |"


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    return [_row(head), "|" + "|".join("---" for _ in head) + "|", *(_row(r) for r in rows)]


def run_table(result: dict[str, Any]) -> list[str]:
    """One row per run (clean and each perturbation) with the overall figures."""
    rows = []
    for name, run in result["runs"].items():
        o = run["overall"]
        s, t = o["sections"], o["tags"]
        rows.append([name, o["sentences"], o["coverage"], s["accuracy"], s["boundary"]["f1"], s["pk"], s["windowdiff"],
                     s["macro_f1"], t["accuracy"], t["macro_f1"]])
    return _table(_RUN_HEAD, rows)


def _label_lines(result: dict[str, Any]) -> list[str]:
    clean = result["runs"].get("clean")
    if not clean:
        return []
    o = clean["overall"]
    secs = o["sections"]["per_label"]
    tags = o["tags"]["per_tag"]
    sec = " · ".join(f"{lab} {secs[lab]['f1']:.3f}" for lab in SECTION_LABELS if lab in secs)
    tag = " · ".join(f"{t} {tags[t]['f1']:.3f} (P {tags[t]['precision']:.3f}, R {tags[t]['recall']:.3f})" for t in TAGS)
    return [f"Section F1 (clean): {sec}", "", f"Tag F1 (clean): {tag}"]


def table_block(tables: dict[str, Any]) -> list[str]:
    """The tables' figures: cell accuracy with cells kept and lost apart, reports all right, rule agreement."""
    if tables.get("status") != "scored":
        return [f"Tables: not scored ({tables.get('reason', tables.get('status'))})."]
    rows = []
    for key, label in (("cells_in_source", "source keeps its cells"), ("cells_lost", "source lost its cells"),
                       ("all", "all")):
        g = tables[key]
        per = g["per_table"]
        rows.append([label, g["reports"], g["cells"], g["accuracy"],
                     *(per[n]["accuracy"] if n in per else None for n in ("active_disclosure", "applications", "review_litigation")),
                     g["all_right_share"]])
    out = _table(["tables", "reports", "cells", "cell acc", "active_disclosure", "applications", "review_litigation",
                  "reports all right"], rows)
    r = tables["rules"]
    per_rule = " · ".join(f"{k} {v['agree']}/{v['assessed']}" for k, v in sorted(r["per_rule"].items()))
    out += ["", f"Rule verdicts agreeing with the rules on gold numbers: {_fmt(r['agreement'])} "
                f"({r['agree']}/{r['assessed']}; {per_rule or 'none assessed'})"]
    return out


def systems_table(metrics: dict[str, Any], systems: Sequence[str] = ("rules", "baseline", "model")) -> list[str]:
    """Markdown lines: section accuracy and tag macro-F1 of several systems side by side, one row per run.

    ``metrics`` is the ``metrics.json`` of a model folder (``python -m
    training.card --evaluate``): ``{"systems": {name: {"runs": {run:
    {"section_accuracy": ..., "tag_macro_f1": ...}}}}}``. The best figure of
    each row and metric is in bold.
    """
    names = [s for s in systems if s in metrics.get("systems", {})]
    head = ["run", *(f"sections {s}" for s in names), *(f"tags {s}" for s in names)]
    rows = []
    for run in RUNS:
        got = [metrics["systems"][s]["runs"].get(run) for s in names]
        if not names or any(g is None for g in got):
            continue
        cells: list[str] = []
        for key in ("section_accuracy", "tag_macro_f1"):
            vals = [g[key] for g in got]
            cells += [f"**{v:.3f}**" if v == max(vals) else f"{v:.3f}" for v in vals]
        rows.append([run, *cells])
    return _table(head, rows)


def calibration_lines(result: dict[str, Any]) -> list[str]:
    """Per run: the confidences' ECE (10 bins), accuracy at 90% coverage and accuracy of those ≥ 0.9, section and tag."""
    rows = []
    for name, run in result["runs"].items():
        cal = run["overall"].get("calibration")
        if not cal:
            continue
        row: list[Any] = [name]
        for which in ("section", "tag"):
            c = cal[which]
            row += [c["ece"], c["accuracy_at_90"], c["confident_share"], c["confident_accuracy"]]
        rows.append(row)
    if not rows:
        return []
    head = ["confidence", *(f"{h} {m}" for h in ("section", "tag") for m in ("ECE", "acc@90% cov", "share ≥0.9", "acc ≥0.9"))]
    return [*_table(head, rows), ""]


def report_table(result: dict[str, Any]) -> list[str]:
    """One row per report: sentences, coverage, and section accuracy / tag macro-F1 for every run."""
    runs = list(result["runs"])
    head = ["report", "sentences", "coverage"] + [f"sec {r}" for r in runs] + [f"tag F1 {r}" for r in runs]
    tables = {t["id"]: t for t in result.get("tables", {}).get("reports", [])}
    if tables:
        head.append("table cells")
    rows = []
    clean = result["runs"][runs[0]]["reports"]
    for i, rep in enumerate(clean):
        if rep.get("error"):
            rows.append([rep["id"], "error", rep["error"][:60]] + [None] * (2 * len(runs)) + ([None] if tables else []))
            continue
        row = [rep["id"], rep["sentences"], rep["coverage"]]
        per = [result["runs"][r]["reports"][i] for r in runs]
        row += [p["sections"]["accuracy"] if not p.get("error") else None for p in per]
        row += [p["tags"]["macro_f1"] if not p.get("error") else None for p in per]
        if tables:
            t = tables.get(rep["id"])
            row.append(t["accuracy"] if t else None)
        rows.append(row)
    return _table(head, rows)


def format_summary(result: dict[str, Any], by_report: bool = False) -> str:
    """The whole evaluation as text: header, the run table, per-label lines, tables, and optionally per report."""
    cv = result.get("cv")
    if cv:
        guard = f", near-copies (shingle share ≥ {cv['near_copy']}) together" if cv.get("near_copy") is not None else ""
        how = f"cross-validated, {cv['scheme']} ({cv['folds']} folds, grouped by {cv.get('grouped_by', 'report')}{guard})"
    elif result.get("trainable"):
        how = "as shipped or fitted, possibly on these very reports: use --cv for honest figures"
    else:
        how = "no training"
    lines = [
        f"System {result['system']} ({how}) on {result['scored']} of {result['reports']} gold reports "
        f"in {result['seconds']['total']:.1f}s",
        "",
        *run_table(result),
        "",
        *_label_lines(result),
        "",
        *calibration_lines(result),
        *table_block(result.get("tables", {})),
    ]
    for rid, err in result.get("errors", {}).items():
        lines.append(f"not scored: {rid}: {err}")
    if by_report:
        lines += ["", *report_table(result)]
    return "\n".join(lines)
