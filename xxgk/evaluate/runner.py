"""Run a system over gold documents and score it: the engine of ``xxgk evaluate``.

:func:`evaluate` reads every gold file of a folder and its source, runs the
system on the clean document and on each requested perturbation, aligns its
sentences with the gold sentences and computes the figures of
:mod:`.metrics`; it returns one dict in the schema documented in
:mod:`xxgk.evaluate`.

Trainable systems (:class:`xxgk.pipeline.TrainableSystem`) can be
cross-validated (``cv``): a fresh system is fitted on the other folds' clean
documents and predicts the held-out fold, clean and perturbed. The folds are
grouped (``cv_group``) *by body* (the default: every report of one issuing
body, whatever the year, shares a fold, since a body's reports are near-copies
of each other year after year) or *by report* (gold files of the same report,
e.g. the HTML and the crawler copy, share a fold). Either way a near-copy
guard (:func:`cv_groups`) puts any two reports that share at least half of
their 8-character shingles in one fold. ``cv=0`` (the command's bare ``--cv``)
is one fold per group.

Every run also records, for each gold sentence the system placed, its section
and tag confidences and whether they were right (and the uncalibrated
distributions where the system gives them): the calibration figures of
:func:`xxgk.evaluate.metrics.calibration_scores`, and what
``python -m training.card --calibrate`` fits the model's calibration on.
"""

from __future__ import annotations

import os
import subprocess
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..align import align_sentences
from ..errors import XxgkError
from ..gold import GoldDoc, gold_files, load_gold
from ..perturb import PERTURBATIONS, perturb
from ..pipeline import Prepared, System, get_system, prepare
from ..report import Report
from .metrics import (
    calibration_scores,
    gold_rule_verdicts,
    prf,
    section_scores,
    system_rule_verdicts,
    table_scores,
    tag_scores,
)

__all__ = ["SCHEMA", "CV_GROUPS", "NEAR_COPY", "evaluate", "report_group", "body_of", "cv_groups", "folds",
           "resolve_perturbations"]

#: Name and version of the JSON the harness writes.
SCHEMA = "xxgk-evaluation/1"
CLEAN = "clean"
#: How cross-validation folds may be grouped.
CV_GROUPS = ("body", "report")
#: Reports sharing at least this share of their 8-character shingles (the smaller side's) share a fold.
NEAR_COPY = 0.5


def resolve_perturbations(perturb_arg: str | Sequence[str] | None) -> list[str]:
    """The runs to make: always ``clean`` first, then the named perturbations (``"all"``: every one)."""
    if perturb_arg is None:
        return [CLEAN]
    names = [perturb_arg] if isinstance(perturb_arg, str) else list(perturb_arg)
    out = [CLEAN]
    for n in names:
        todo = PERTURBATIONS if n == "all" else (n,)
        for p in todo:
            if p not in PERTURBATIONS and p != CLEAN:
                raise ValueError(f"The 'perturb' parameter must be one of {', '.join(PERTURBATIONS)} or 'all'. Got {p!r} instead.")
            if p not in out:
                out.append(p)
    return out


def report_group(gold: GoldDoc) -> str:
    """The report a gold file annotates: ``meta.report`` if given, else issuing body and year, else the id.

    Gold files of one report (the same report from two sources) share a group
    and so a cross-validation fold.
    """
    if gold.meta.get("report"):
        return str(gold.meta["report"])
    body, year = gold.meta.get("body"), gold.meta.get("year")
    if body and year:
        return f"{body}|{year}"
    return gold.id


_MANIFESTS: dict[Path, dict[str, str]] = {}


def _manifest(folder: Path) -> dict[str, str]:
    """``file`` → ``body`` of a corpus folder's ``MANIFEST.tsv`` (empty when it has none)."""
    import csv

    folder = folder.resolve()
    if folder not in _MANIFESTS:
        out: dict[str, str] = {}
        path = folder / "MANIFEST.tsv"
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh, delimiter="\t"):
                    if row.get("file") and row.get("body"):
                        out[row["file"].strip()] = row["body"].strip()
        _MANIFESTS[folder] = out
    return _MANIFESTS[folder]


def _body_key(name: str) -> str:
    """A body's name without remarks in brackets and spaces: ``平潭综合实验区（来源：…）`` → ``平潭综合实验区``."""
    import re

    return re.sub(r"[（(][^）)]*[）)]", "", name).replace(" ", "").replace("\u3000", "").strip()


def body_of(gold: GoldDoc) -> str:
    """The issuing body of a gold file's report.

    In order: the ``body`` column of the corpus's ``MANIFEST.tsv`` row for
    the gold's source file (the manifest next to the source, or one folder up
    for ``excerpts/``), the gold's ``meta.body``, else its report group.
    Remarks in brackets are dropped.
    """
    src = Path(gold.source_path)
    for folder in (src.parent, src.parent.parent):
        rel = src.name if folder == src.parent else f"{src.parent.name}/{src.name}"
        body = _manifest(folder).get(rel)
        if body:
            return _body_key(body)
    if gold.meta.get("body"):
        return _body_key(str(gold.meta["body"]))
    return report_group(gold)


def cv_groups(golds: Sequence[GoldDoc], texts: Sequence[str | None] | None = None, *, by: str = "body",
              near_copy: float | None = NEAR_COPY) -> list[str]:
    """The cross-validation group of each gold file: linked reports share a group (union-find).

    Two reports are linked when they annotate the same report
    (:func:`report_group`); with ``by="body"`` also when they come from the
    same issuing body (:func:`body_of`; one body's name starting another's,
    ``平潭综合实验区`` and ``平潭综合实验区管委会``, counts as the same body);
    and, whatever ``by``, when their texts share at least ``near_copy`` of the
    smaller one's 8-character shingles (a near-copy of a report must not be
    trained on while the report is scored).

    Parameters
    ----------
    golds : sequence of GoldDoc
        The gold files.
    texts : sequence of str or None, optional
        Each report's normalised text (None: not compared).
    by : {"body", "report"}, default "body"
        What links reports besides being near-copies.
    near_copy : float or None, default :data:`NEAR_COPY`
        None: no near-copy guard.

    Returns
    -------
    list of str
        The group's name for each gold file (the first member's body or report).
    """
    if by not in CV_GROUPS:
        raise ValueError(f"The 'cv_group' parameter must be one of {', '.join(CV_GROUPS)}. Got {by!r} instead.")
    n = len(golds)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    reports = [report_group(g) for g in golds]
    names = [body_of(g) for g in golds] if by == "body" else reports
    for i in range(n):
        for j in range(i + 1, n):
            if reports[i] == reports[j]:
                union(i, j)
            elif by == "body" and names[i] and names[j] and (names[i].startswith(names[j]) or names[j].startswith(names[i])):
                union(i, j)
    if near_copy is not None and texts is not None:
        from ..neural.data import shingle_share, shingles

        sh = [shingles(t) if t else set() for t in texts]
        for i in range(n):
            for j in range(i + 1, n):
                if find(i) != find(j) and shingle_share(sh[i], sh[j]) >= near_copy:
                    union(i, j)
    return [names[find(i)] for i in range(n)]


def folds(groups: Sequence[str], k: int = 0) -> list[list[int]]:
    """Split document indexes into folds by group.

    Parameters
    ----------
    groups : sequence of str
        The group of each document (:func:`cv_groups`, :func:`report_group`).
    k : int, default 0
        Number of folds; 0 (or more than the groups) gives one fold per group.
        Otherwise the groups, largest first (ties in order of first
        appearance), each go to the fold with the fewest documents so far
        (ties: the first such fold), so the split is deterministic and the
        folds are as even as the groups allow.

    Returns
    -------
    list of list of int
        The held-out document indexes of each fold.

    >>> folds(["a", "b", "a", "c"])
    [[0, 2], [1], [3]]
    >>> folds(["a", "b", "a", "c"], k=2)
    [[0, 2], [1, 3]]
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 0 or k == 1:
        raise ValueError(f"The 'cv' parameter of evaluate must be 0 (one fold per group) or an int >= 2. Got {k!r} instead.")
    order: list[str] = []
    for g in groups:
        if g not in order:
            order.append(g)
    n = len(order) if k == 0 or k > len(order) else k
    size = {g: sum(1 for x in groups if x == g) for g in order}
    load = [0] * n
    slot: dict[str, int] = {}
    for g in sorted(order, key=lambda g: -size[g]):  # stable: ties keep their order of first appearance
        f = min(range(n), key=lambda j: (load[j], j))
        slot[g] = f
        load[f] += size[g]
    out: list[list[int]] = [[] for _ in range(n)]
    for i, g in enumerate(groups):
        out[slot[g]].append(i)
    return [f for f in out if f]


@dataclass
class _Doc:
    gold: GoldDoc
    group: str
    prepared: Prepared | None = None
    error: str | None = None
    variants: dict[str, tuple[Prepared, list[int]]] = field(default_factory=dict)
    cv_group: str | None = None


def _read_doc(gold: GoldDoc) -> tuple[Any, str | None]:
    from ..reading import read

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read(gold.source_path), None
    except XxgkError as err:
        return None, f"{type(err).__name__}: {err}"


def _load_docs(gold_dir: Path, root_dir: Path, runs: Sequence[str]) -> list[_Doc]:
    """Every gold file of the folder with its source read, prepared and perturbed (a source that cannot be read keeps its error)."""
    docs: list[_Doc] = []
    for path in gold_files(gold_dir):
        gold = load_gold(path, root=root_dir)
        d = _Doc(gold=gold, group=report_group(gold))
        document, d.error = _read_doc(gold)
        if document is not None:
            d.prepared = prepare(document)
            _prepare_variants(d, runs)
        docs.append(d)
    return docs


def _prepare_variants(doc: _Doc, runs: Sequence[str]) -> None:
    from ..reading import read_bytes

    if doc.prepared is None:
        return
    n = len(doc.gold.sentences)
    doc.variants[CLEAN] = (doc.prepared, list(range(n)))
    for name in runs:
        if name == CLEAN:
            continue
        pert = perturb(doc.prepared.norm.text, doc.gold, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pdoc = read_bytes(pert.text.encode("utf-8"), f"{doc.gold.source}#{name}", format="text")
        doc.variants[name] = (prepare(pdoc), pert.kept)


def _confidences(report: Report, prediction: Any, al: Any, gsec: Sequence[str], gtag: Sequence[str | None]) -> dict[str, Any]:
    """Per placed gold sentence: the section and tag confidences and whether each was right.

    Also the uncalibrated distributions with the gold and predicted label indexes, where the system gives them
    (and, for sections, the document's covariates of the section calibration, where the system gives them).
    """
    from ..spec import SECTION_LABELS, TAGS

    out: dict[str, Any] = {"section": [], "tag": []}
    sp = getattr(prediction, "section_probs", None)
    tp = getattr(prediction, "tag_probs", None)
    cov = getattr(prediction, "covariates", None)
    probs: dict[str, list[Any]] = {"section": [], "tag": []}
    for g, j in enumerate(al.gold_to_pred):
        if j is None:
            continue
        s = report.sentences[j]
        out["section"].append((float(s.section_confidence), s.section == gsec[g]))
        if sp is not None and len(sp) == len(report.sentences) and gsec[g] in SECTION_LABELS:
            probs["section"].append(([round(float(x), 6) for x in sp[j]], SECTION_LABELS.index(gsec[g]),
                                     SECTION_LABELS.index(s.section), *([cov] if cov else [])))
        if gtag[g] is not None:
            out["tag"].append((float(s.confidence), s.tag == gtag[g]))
            if tp is not None and len(tp) == len(report.sentences) and gtag[g] in TAGS:
                probs["tag"].append(([round(float(x), 6) for x in tp[j]], TAGS.index(gtag[g]), TAGS.index(s.tag)))
    out["probs"] = probs
    return out


def _score_doc(report: Report, gold: GoldDoc, kept: Sequence[int], prediction: Any = None) -> dict[str, Any]:
    gs = [gold.sentences[i] for i in kept]
    al = align_sentences([s.text for s in report.sentences], [s.text for s in gs])
    psec = [None if j is None else report.sentences[j].section for j in al.gold_to_pred]
    ptag = [None if j is None else report.sentences[j].tag for j in al.gold_to_pred]
    gsec = [s.section for s in gs]
    gtag = [s.tag for s in gs]
    return {
        "_conf": _confidences(report, prediction, al, gsec, gtag),
        "sentences": len(gs),
        "predicted_sentences": len(report.sentences),
        "matched": sum(j is not None for j in al.gold_to_pred),
        "coverage": al.coverage,
        "sections": section_scores(gsec, psec),
        "tags": tag_scores(gtag, ptag),
        "_seq": (gsec, psec, gtag, ptag),
    }


def _pool(reports: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [r for r in reports if r.get("error") is None]
    gsec: list[str] = []
    psec: list[str | None] = []
    gtag: list[str] = []
    ptag: list[str | None] = []
    for r in scored:
        a, b, c, d = r["_seq"]
        gsec += a
        psec += b
        gtag += c
        ptag += d
    sections = section_scores(gsec, psec)
    # boundaries are counted per report (no boundary between two reports); Pk and WindowDiff are means over reports
    tp = sum(r["sections"]["boundary"]["tp"] for r in scored)
    fp = sum(r["sections"]["boundary"]["fp"] for r in scored)
    fn = sum(r["sections"]["boundary"]["fn"] for r in scored)

    sections["boundary"] = {**prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn}
    m = len(scored)
    sections["pk"] = sum(r["sections"]["pk"] for r in scored) / m if m else 0.0
    sections["windowdiff"] = sum(r["sections"]["windowdiff"] for r in scored) / m if m else 0.0
    sections.pop("k", None)
    n = len(gsec)
    matched = sum(r["matched"] for r in scored)
    conf = {h: [x for r in scored for x in r["_conf"][h]] for h in ("section", "tag")}
    return {
        "reports": m,
        "sentences": n,
        "matched": matched,
        "coverage": matched / n if n else 1.0,
        "sections": sections,
        "tags": tag_scores(gtag, ptag),
        "calibration": {h: calibration_scores([c for c, _ in v], [ok for _, ok in v]) for h, v in conf.items()},
    }


@dataclass
class _Run:
    """One document's outcome in one run: its report, or why it has none; the table extraction's failure, if any."""

    report: Report | None = None
    error: str | None = None
    table_error: str | None = None
    prediction: Any = None


def _why(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _analyze(system: System, docs: Sequence[_Doc], runs: Sequence[str], tables: bool) -> dict[str, list[_Run]]:
    """Each run's reports of ``docs`` through :func:`xxgk.api.analyze_many` (tables on the clean run only).

    An extractor that crashes on a report fails that report's tables, not its
    sentences: the report is analysed again without tables. A system that
    fails on a report raises its error.
    """
    from ..api import analyze_many

    out: dict[str, list[_Run]] = {}
    rec = _Recorder(system)
    for run in runs:
        preps = [d.variants[run][0] for d in docs]
        with_tables = tables and run == CLEAN
        got: list[_Run] = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for prep, res in zip(preps, analyze_many(preps, system=rec, batch_size=_BATCH, tables=with_tables)):
                if res.error is None:
                    got.append(_Run(report=res.report, prediction=rec.seen.pop(id(prep), None)))
                    continue
                if with_tables:
                    again = next(analyze_many([prep], system=rec, tables=False))
                    if again.error is None:  # the tables failed, the sentences did not
                        got.append(_Run(report=again.report, table_error=_why(res.error),
                                        prediction=rec.seen.pop(id(prep), None)))
                        continue
                # the document was read and prepared: the system itself failed on it, which the harness
                # reports by raising, never by scoring the report as empty
                raise res.error
        out[run] = got
    return out


#: Documents per call of the system's ``predict`` in the harness.
_BATCH = 32


class _Recorder:
    """A system that passes every call to another and keeps its predictions, by document (for the calibration data)."""

    def __init__(self, system: System) -> None:
        self._inner = system
        self.name = system.name
        self.seen: dict[int, Any] = {}

    def predict(self, docs: Sequence[Prepared]) -> list[Any]:
        preds = self._inner.predict(docs)
        for d, p in zip(docs, preds):
            self.seen[id(d)] = p
        return preds

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


def _analyze_all(
    system: str | System, opts: dict[str, Any], docs: list[_Doc], runs: Sequence[str], cv: int | None, tables: bool,
    say: Callable[[str], None], cv_group: str = "body", near_copy: float | None = NEAR_COPY,
    on_fold: Callable[[dict[str, list[_Run | None]], dict[str, Any]], None] | None = None,
) -> tuple[dict[str, list[_Run | None]], bool, dict[str, Any] | None]:
    """Every readable document's outcome in every run: the system as it is, or fitted fold by fold (``cv``)."""
    results: dict[str, list[_Run | None]] = {run: [None] * len(docs) for run in runs}
    idx_ok = [i for i, d in enumerate(docs) if d.error is None]

    def keep(held: list[int], got: dict[str, list[_Run]]) -> None:
        for run in runs:
            for i, r in zip(held, got[run]):
                results[run][i] = r

    if cv is None:
        built = get_system(system, **opts) if isinstance(system, str) else system
        keep(idx_ok, _analyze(built, [docs[i] for i in idx_ok], runs, tables))
        return results, callable(getattr(built, "fit", None)), None
    if cv_group not in CV_GROUPS:
        raise ValueError(f"The 'cv_group' parameter of evaluate must be one of {', '.join(CV_GROUPS)}. Got {cv_group!r} instead.")
    if not isinstance(system, str):
        raise ValueError("The 'cv' parameter of evaluate needs a system name, so that each fold gets a fresh system.")
    if not callable(getattr(get_system(system, **opts), "fit", None)):
        raise ValueError(f"The 'cv' parameter of evaluate needs a trainable system (with fit); {system!r} is not.")
    groups = cv_groups([docs[i].gold for i in idx_ok], [docs[i].prepared.norm.text for i in idx_ok],  # type: ignore[union-attr]
                       by=cv_group, near_copy=near_copy)
    for i, g in zip(idx_ok, groups):
        docs[i].cv_group = g
    fold_list = folds(groups, cv)
    cv_info = {"folds": len(fold_list), "scheme": f"leave-one-{cv_group}-out" if cv == 0 else f"{cv}-fold",
               "grouped_by": cv_group, "near_copy": near_copy, "groups": len(set(groups)),
               "fold_reports": [[docs[idx_ok[j]].gold.id for j in held] for held in fold_list]}
    if len(fold_list) < 2:
        raise ValueError(f"Cross-validation needs at least two groups of reports; the {len(idx_ok)} readable reports "
                         f"form {len(fold_list)} (grouped by {cv_group}, near-copies together).")
    for f_no, held in enumerate(fold_list):
        test = [idx_ok[j] for j in held]
        train = [i for i in idx_ok if i not in test]
        fitted = get_system(system, **opts)
        fitted.fit([docs[i].prepared for i in train], [docs[i].gold for i in train])  # type: ignore[attr-defined]
        keep(test, _analyze(fitted, [docs[i] for i in test], runs, tables))
        say(f"fold {f_no + 1}/{len(fold_list)}: {', '.join(docs[i].gold.id for i in test)}")
        if on_fold is not None and f_no + 1 < len(fold_list):
            on_fold(results, {**cv_info, "folds_done": f_no + 1})
    return results, True, cv_info


def _score_run(docs: list[_Doc], results: list[_Run | None], run: str) -> dict[str, Any]:
    """One run's figures: per report and pooled."""
    reports: list[dict[str, Any]] = []
    for d, r in zip(docs, results):
        base = {"id": d.gold.id, "source": d.gold.source, "group": d.group}
        if d.error is not None or r is None or r.report is None:
            reports.append({**base, "error": d.error or (r.error if r is not None else None) or "no prediction"})
            continue
        if d.cv_group is not None:
            base["cv_group"] = d.cv_group
        reports.append({**base, "error": None, **_score_doc(r.report, d.gold, d.variants[run][1], r.prediction)})
    overall = _pool(reports)
    oof: dict[str, list[Any]] = {"section": [], "tag": []}
    for rep in reports:
        rep.pop("_seq", None)
        conf = rep.pop("_conf", None)
        if conf is not None:
            for h in oof:
                oof[h] += [[p, y, k, rep["id"], *cov] for p, y, k, *cov in conf["probs"][h]]
    out = {"overall": overall, "reports": reports}
    if oof["section"] or oof["tag"]:
        # [uncalibrated distribution, gold label index, predicted label index, report id (, the document's section
        # covariates)]: what the calibration is fitted on
        out["probabilities"] = oof
    return out


def _tables(gold: GoldDoc, run: _Run) -> dict[str, Any] | None:
    """Table scores of one report; None when the gold has no tables.

    A report whose extraction crashed scores its tables as wrong, and says why.
    """
    if not gold.tables:
        return None
    report = run.report
    if report is None or run.table_error is not None:
        found, checks, findings = {}, [], []
        error: str | None = run.table_error or run.error
    else:
        found, checks, findings, error = report.tables, report.checks, report.findings, None
    scores = table_scores(gold.tables, found, findings, gold.cells_in_source)
    gv = gold_rule_verdicts(gold.tables)
    sv = system_rule_verdicts(checks)
    agree = {r: sv.get(r, "not_assessable") == v for r, v in gv.items() if v != "not_assessable"}
    return {"id": gold.id, "cells_in_source": gold.cells_in_source is not False, "error": error, **scores,
            "rules": {"gold": gv, "xxgk": sv, "agree": agree}}


def _score_tables(docs: list[_Doc], results: list[_Run | None]) -> dict[str, Any]:
    """The table figures over the clean run's reports."""
    table_reports: list[dict[str, Any]] = []
    for d, r in zip(docs, results):
        if d.error is None and r is not None:
            t = _tables(d.gold, r)
            if t is not None:
                table_reports.append(t)
    with_tables = sum(1 for d in docs if d.gold.tables)
    return {"status": "scored", "gold_reports": with_tables, **_table_summary(table_reports), "reports": table_reports}


def _table_summary(reports: list[dict[str, Any]]) -> dict[str, Any]:
    def group(items: list[dict[str, Any]]) -> dict[str, Any]:
        per: dict[str, dict[str, Any]] = {}
        for r in items:
            for name, t in r["per_table"].items():
                d = per.setdefault(name, {"cells": 0, "correct": 0, "tables": 0, "all_right": 0})
                d["cells"] += t["cells"]
                d["correct"] += t["correct"]
                d["tables"] += 1
                d["all_right"] += t["all_right"]
        for d in per.values():
            d["accuracy"] = d["correct"] / d["cells"] if d["cells"] else 1.0
        cells = sum(r["cells"] for r in items)
        correct = sum(r["correct"] for r in items)
        right = sum(r["all_right"] for r in items)
        return {
            "reports": len(items), "cells": cells, "correct": correct,
            "accuracy": correct / cells if cells else None,
            "all_right_reports": right, "all_right_share": right / len(items) if items else None,
            "per_table": per,
        }

    per_rule: dict[str, dict[str, Any]] = {}
    for r in reports:
        for rule, ok in r["rules"]["agree"].items():
            d = per_rule.setdefault(rule, {"assessed": 0, "agree": 0})
            d["assessed"] += 1
            d["agree"] += ok
    for d in per_rule.values():
        d["agreement"] = d["agree"] / d["assessed"] if d["assessed"] else None
    assessed = sum(d["assessed"] for d in per_rule.values())
    agreed = sum(d["agree"] for d in per_rule.values())
    return {
        "all": group(reports),
        "cells_in_source": group([r for r in reports if r["cells_in_source"]]),
        "cells_lost": group([r for r in reports if not r["cells_in_source"]]),
        "rules": {"assessed": assessed, "agree": agreed, "agreement": agreed / assessed if assessed else None,
                  "per_rule": per_rule},
    }


def _commit(path: Path) -> str | None:
    try:
        # "abc1234", or "abc1234-dirty" when the working tree has uncommitted changes
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=path, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def evaluate(
    gold_dir: str | os.PathLike,
    *,
    root: str | os.PathLike | None = None,
    system: str | System = "rules",
    perturb: str | Sequence[str] | None = None,
    cv: int | None = None,
    tables: bool = True,
    system_options: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    cv_group: str = "body",
    near_copy: float | None = NEAR_COPY,
    on_fold: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Score a system against every gold file of a folder.

    Parameters
    ----------
    gold_dir : path
        The folder of gold files (``report-format.md`` section 5).
    root : path, optional
        The folder the gold files' ``source`` is relative to; default: the parent of ``gold_dir``.
    system : str or System, default "rules"
        A registered system name (``rules``, ``baseline``, ``model``) or a system object.
    perturb : str or list of str, optional
        Perturbations to score besides the clean text (``"all"``: every one of
        :data:`xxgk.perturb.PERTURBATIONS`).
    cv : int, optional
        Cross-validate a trainable system: 0 for one fold per group, K >= 2
        for K folds of whole groups. None: use the system as it is.
    tables : bool, default True
        Score the tables (on the clean documents) with :func:`xxgk.api.extract_tables`.
    system_options : dict, optional
        Passed to the system's factory.
    progress : callable, optional
        Called with a short message as each step ends.
    cv_group : {"body", "report"}, default "body"
        What a fold keeps together (see :func:`cv_groups`).
    near_copy : float or None, default 0.5
        The near-copy guard's shingle share (None: off).
    on_fold : callable, optional
        With ``cv``: called after each fold with the evaluation so far (the
        folds not yet done count as unscored), so a long run keeps what it finished.

    Returns
    -------
    dict
        The evaluation, in the schema of :mod:`xxgk.evaluate`.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    runs = resolve_perturbations(perturb)
    gold_dir = Path(gold_dir)
    root_dir = Path(root) if root is not None else gold_dir.resolve().parent
    name = system if isinstance(system, str) else system.name

    docs = _load_docs(gold_dir, root_dir, runs)
    ok = [d for d in docs if d.error is None]
    say(f"read {len(ok)} of {len(docs)} reports in {time.perf_counter() - t0:.1f}s")

    t_pred = time.perf_counter()
    def assemble(results: dict[str, list[_Run | None]], trainable: bool, cv_info: dict[str, Any] | None,
                 loud: bool = True) -> dict[str, Any]:
        pred_seconds = time.perf_counter() - t_pred
        out_runs: dict[str, Any] = {}
        for run in runs:
            out_runs[run] = _score_run(docs, results[run], run)
            overall = out_runs[run]["overall"]
            if loud:
                say(f"{run}: sections {overall['sections']['accuracy']:.3f}, tags macro-F1 {overall['tags']['macro_f1']:.3f}")
        table_part = _score_tables(docs, results[CLEAN]) if tables else {"status": "skipped", "reason": "tables=False"}
        return _result(name, cv_info, trainable, gold_dir, root_dir, docs, ok, out_runs, table_part, t0, pred_seconds)

    partial = None
    if on_fold is not None:
        def partial(results: dict[str, list[_Run | None]], cv_info: dict[str, Any]) -> None:
            on_fold(assemble(results, True, cv_info, loud=False))

    results, trainable, cv_info = _analyze_all(system, dict(system_options or {}), docs, runs, cv, tables, say,
                                               cv_group=cv_group, near_copy=near_copy, on_fold=partial)
    return assemble(results, trainable, cv_info)


def _result(name: str, cv_info: dict[str, Any] | None, trainable: bool, gold_dir: Path, root_dir: Path,
            docs: list[_Doc], ok: list[_Doc], out_runs: dict[str, Any], table_part: dict[str, Any], t0: float,
            pred_seconds: float) -> dict[str, Any]:
    from .. import __version__

    return {
        "schema": SCHEMA,
        "system": name,
        "cv": cv_info,
        "trainable": trainable,
        "gold_dir": str(gold_dir),
        "root": str(root_dir),
        "xxgk_version": __version__,
        "commit": _commit(Path(__file__).resolve().parents[2]),
        "reports": len(docs),
        "scored": len(ok),
        "errors": {d.gold.id: d.error for d in docs if d.error is not None},
        "runs": out_runs,
        "tables": table_part,
        "seconds": {"total": time.perf_counter() - t0, "predict": pred_seconds},
    }
