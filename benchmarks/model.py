"""How fast the ``model`` system places sections and tags, against the ``rules`` system in the same run.

Reads the complete reports of the corpus once, prepares them (normalised text
and sentences; not timed), then times each system's ``predict`` on them, one
report at a time (what ``xxgk analyze`` does) and all at once (what a batch
does), with torch on 2 threads. Prints sentences per second and seconds per
report. The model's load time (base + shipped weights) is printed apart.

Usage::

    .venv/bin/python benchmarks/model.py [--corpus ../shared/corpus] [--threads 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _reports(corpus: Path) -> list:
    from xxgk.errors import XxgkError
    from xxgk.pipeline import prepare
    from xxgk.reading import read

    out = []
    for path in sorted(corpus.iterdir()):
        if not path.is_file() or path.suffix.lower() not in (".txt", ".html", ".pdf", ".docx"):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out.append(prepare(read(path)))
        except XxgkError:
            continue
    return out


def _time(system, docs, one_by_one: bool, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        if one_by_one:
            for d in docs:
                system.predict([d])
        else:
            system.predict(docs)
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=1, help="Runs per measurement; the fastest counts.")
    a = p.parse_args(argv)

    import torch

    from xxgk.pipeline import get_system

    torch.set_num_threads(a.threads)
    docs = _reports(Path(a.corpus))
    n_sent = sum(len(d.sentences) for d in docs)
    sizes = [len(d.sentences) for d in docs]
    print(f"{len(docs)} reports, {n_sent} sentences (median {statistics.median(sizes):.0f} per report); "
          f"torch threads: {torch.get_num_threads()}")

    t = time.perf_counter()
    model = get_system("model")
    _ = model.model  # load base + weights now, not inside the timed part
    load = time.perf_counter() - t
    model.predict(docs[:1])  # warm-up
    rules = get_system("rules")

    print(f"model load (base + shipped weights): {load:.2f}s")
    print("| system | mode | seconds | sentences/s | s/report |")
    print("|---|---|---|---|---|")
    for name, system in (("rules", rules), ("model", model)):
        for mode, one in (("one report per call", True), ("all reports in one call", False)):
            secs = _time(system, docs, one, a.repeat)
            print(f"| {name} | {mode} | {secs:.2f} | {n_sent / secs:.0f} | {secs / len(docs):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
