"""Choose a recipe on an inner split of the training folds, never on the folds it is scored on (nested CV).

For each outer fold (grouped by issuing body, near-copies together, as the
harness does), the other folds' reports are split again, the same way, into
``inner`` folds; every candidate recipe is fitted and scored on that inner
split only, the best is fitted on all the outer training reports and
predicts the outer fold. The pooled outer figures are the honest score of
*choosing by this procedure*; the per-fold choices say how stable the choice
is. A candidate chosen in every outer fold is the one to ship.

    python -m training.select --candidate rules=training/configs/default.toml \\
        --candidate no-rules=training/configs/no-rule-features.toml --outer 3 --inner 2 --json /tmp/select.json

Slow for the model (outer × (inner × candidates + 1) trainings); any
trainable system works (``--system baseline --candidate 'C1={"C": 1}'``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xxgk.evaluate.runner import (
    _analyze,
    _load_docs,
    _score_run,
    cv_groups,
    folds,
    resolve_perturbations,
)
from xxgk.pipeline import get_system

__all__ = ["select", "selection_score", "main"]


def selection_score(runs: dict[str, Any]) -> float:
    """What the inner split maximises: the mean of section accuracy and tag macro-F1 over the runs scored."""
    vals = []
    for r in runs.values():
        o = r["overall"]
        vals += [o["sections"]["accuracy"], o["tags"]["macro_f1"]]
    return sum(vals) / len(vals) if vals else 0.0


def _fit_predict(system: str, opts: dict[str, Any], docs: list[Any], train: list[int], test: list[int],
                 runs: Sequence[str]) -> dict[str, Any]:
    fitted = get_system(system, **opts)
    fitted.fit([docs[i].prepared for i in train], [docs[i].gold for i in train])  # type: ignore[attr-defined]
    got = _analyze(fitted, [docs[i] for i in test], runs, tables=False)
    return {run: got[run] for run in runs}


def _score(docs: list[Any], idx: list[int], preds: dict[str, list[Any]], runs: Sequence[str]) -> dict[str, Any]:
    sub = [docs[i] for i in idx]
    return {run: _score_run(sub, preds[run], run) for run in runs}


def select(gold: str | Path, candidates: dict[str, dict[str, Any]], *, system: str = "model", outer: int = 3,
           inner: int = 2, perturb: Sequence[str] = ("no-headings",), root: str | Path | None = None,
           log: Callable[[str], None] = print) -> dict[str, Any]:
    """Nested cross-validation of a choice among ``candidates`` (name → options for the system's factory).

    Returns
    -------
    dict
        ``choices`` (per outer fold: the inner scores and the chosen name),
        ``outer`` (the pooled outer figures per run), ``candidates``.
    """
    if not candidates:
        raise ValueError("select needs at least one candidate.")
    t0 = time.time()
    runs = resolve_perturbations(list(perturb))
    gold = Path(gold)
    docs = [d for d in _load_docs(gold, Path(root) if root else gold.resolve().parent, runs) if d.error is None]
    groups = cv_groups([d.gold for d in docs], [d.prepared.norm.text for d in docs])
    outer_folds = folds(groups, outer)
    pooled: dict[str, list[Any]] = {run: [None] * len(docs) for run in runs}
    choices = []
    for o, held in enumerate(outer_folds):
        train = [i for i in range(len(docs)) if i not in held]
        inner_folds = folds([groups[i] for i in train], inner)
        scores: dict[str, float] = {}
        for name, opts in candidates.items():
            preds: dict[str, list[Any]] = {run: [None] * len(train) for run in runs}
            for f in inner_folds:
                itest = [train[j] for j in f]
                itrain = [i for i in train if i not in itest]
                got = _fit_predict(system, opts, docs, itrain, itest, runs)
                for run in runs:
                    for j, r in zip(f, got[run]):
                        preds[run][j] = r
            scores[name] = selection_score(_score(docs, train, preds, runs))
            log(f"outer fold {o + 1}/{len(outer_folds)}: {name} scores {scores[name]:.4f} on the inner split")
        best = max(scores, key=lambda n: (scores[n], -list(candidates).index(n)))
        got = _fit_predict(system, candidates[best], docs, train, held, runs)
        for run in runs:
            for i, r in zip(held, got[run]):
                pooled[run][i] = r
        choices.append({"held_out": [docs[i].gold.id for i in held], "inner_scores": scores, "chosen": best})
        log(f"outer fold {o + 1}/{len(outer_folds)}: chose {best}")
    outer_scores = {run: _score_run(docs, pooled[run], run)["overall"] for run in runs}
    return {"system": system, "candidates": candidates, "outer_folds": len(outer_folds), "inner_folds": inner,
            "grouped_by": "body", "choices": choices,
            "outer": {run: {"section_accuracy": s["sections"]["accuracy"], "tag_macro_f1": s["tags"]["macro_f1"]}
                      for run, s in outer_scores.items()},
            "seconds": round(time.time() - t0)}


def _candidate(text: str, system: str) -> tuple[str, dict[str, Any]]:
    name, _, value = text.partition("=")
    if not name or not value:
        raise SystemExit(f"--candidate wants NAME=TOML (model) or NAME=JSON options; got {text!r}.")
    if value.lstrip().startswith("{"):
        return name, json.loads(value)
    return name, {"recipe": value}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gold", default="../shared/gold")
    p.add_argument("--system", default="model")
    p.add_argument("--candidate", action="append", required=True, metavar="NAME=TOML|JSON")
    p.add_argument("--outer", type=int, default=3)
    p.add_argument("--inner", type=int, default=2)
    p.add_argument("--perturb", action="append", default=None, help="Runs besides clean (default: no-headings).")
    p.add_argument("--json", default=None, help="Write the result here.")
    a = p.parse_args(argv)
    cands = dict(_candidate(c, a.system) for c in a.candidate)
    res = select(a.gold, cands, system=a.system, outer=a.outer, inner=a.inner,
                 perturb=a.perturb or ("no-headings",))
    text = json.dumps(res, ensure_ascii=False, indent=1)
    if a.json:
        Path(a.json).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
