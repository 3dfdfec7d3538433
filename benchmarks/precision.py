"""Does the model's precision change its accuracy? The harness for fp32 and bf16 (or any two), same run.

Scores the shipped model on a gold folder (clean and no-headings, tables
skipped: they do not depend on the model) once per precision, then compares
the two runs' sections and tags sentence by sentence. Prints each run's
figures, their differences and the agreement. The figures are in-sample for
the shipped model (it was trained on the shared gold); the comparison between
precisions is what this measures.

Usage::

    .venv/bin/python benchmarks/precision.py [--gold ../shared/gold] [--precisions fp32 bf16] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class _Recording:
    """The model system, keeping each document's prediction (by its sentences) for the comparison."""

    name = "model"

    def __init__(self, device: str, precision: str) -> None:
        from xxgk.neural.system import ModelSystem

        self.inner = ModelSystem(device=device, precision=precision)
        self.preds: dict[tuple[str, ...], object] = {}

    def predict(self, docs):
        preds = self.inner.predict(docs)
        self.preds.update((tuple(d.texts), p) for d, p in zip(docs, preds))
        return preds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=REPO.parent / "shared" / "gold")
    parser.add_argument("--precisions", nargs=2, default=["fp32", "bf16"])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)

    from xxgk.evaluate.runner import evaluate

    figures: dict[str, dict[str, dict[str, float]]] = {}
    systems = {p: _Recording(args.device, p) for p in args.precisions}
    for p, system in systems.items():
        t = time.perf_counter()
        result = evaluate(args.gold, system=system, perturb=["no-headings"], tables=False)
        figures[p] = {run: {"sections_accuracy": v["overall"]["sections"]["accuracy"],
                            "tags_macro_f1": v["overall"]["tags"]["macro_f1"]} for run, v in result["runs"].items()}
        print(p, system.inner.runtime["precision"], json.dumps(figures[p]), f"{time.perf_counter() - t:.0f}s")
    a, b = (systems[p].preds for p in args.precisions)
    n = same_sections = same_tags = 0
    for key, x in a.items():
        y = b[key]
        n += len(x.sections)
        same_sections += sum(i == j for i, j in zip(x.sections, y.sections))
        same_tags += sum(i == j for i, j in zip(x.tags, y.tags))
    first, second = args.precisions
    for run in figures[first]:
        diff = {m: round(figures[second][run][m] - figures[first][run][m], 4) for m in figures[first][run]}
        print(f"{run}: {second} - {first} = {diff}")
    print(f"agreement over {n} sentences of {len(a)} documents: sections {same_sections / n:.4f}, tags {same_tags / n:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
