"""Table extraction speed: reports per second over the corpus.

Reads every report of ``../shared/corpus`` once (reading is not timed), then
times :func:`xxgk.extract.extract_tables` plus :func:`xxgk.validate.check_tables`
on each, ``--repeat`` times, and prints reports/s overall and per input form.

    .venv/bin/python benchmarks/tables.py [--corpus DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import defaultdict
from pathlib import Path

from xxgk.errors import XxgkError
from xxgk.extract import extract_tables
from xxgk.reading import read
from xxgk.validate import check_tables

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"The 'repeat' parameter must be a positive int. Got {args.repeat} instead.")
    if not args.corpus.is_dir():
        p.error(f"{args.corpus} is not a folder; pass --corpus DIR (the shared corpus lives at ../shared/corpus).")
    docs = []
    t0 = time.perf_counter()
    for path in sorted(f for f in args.corpus.iterdir() if f.is_file() and f.suffix in (".txt", ".html", ".pdf", ".docx")):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                docs.append((path.name, read(str(path))))
        except XxgkError as err:
            print(f"skip {path.name}: {err}")
    read_s = time.perf_counter() - t0
    per_form: dict[str, list[float]] = defaultdict(list)
    n_tables = 0
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        for _name, doc in docs:
            s = time.perf_counter()
            tables, _findings = extract_tables(doc)
            check_tables(tables)
            forms = {b.source_form for b in doc.tables} or {"none"}
            per_form["+".join(sorted(forms))].append(time.perf_counter() - s)
            n_tables += len(tables)
    total = time.perf_counter() - t0
    n = len(docs) * args.repeat
    print(f"corpus: {len(docs)} reports read in {read_s:.1f} s (not timed below)")
    print(f"table extraction + checks: {n / total:.1f} reports/s ({total / n * 1000:.1f} ms/report, "
          f"{n_tables / args.repeat:.0f} tables found per pass)")
    for form, times in sorted(per_form.items()):
        print(f"  {form:<24} {len(times) // args.repeat:>3} reports  {len(times) / sum(times):8.1f} reports/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
