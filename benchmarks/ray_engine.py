"""``xxgk tag --engine ray`` against ``--engine local`` on the same inputs, same run: reports/s and identical tables.

Every round runs, one after the other on the whole corpus folder (bad files
included, ``--no-resume`` as a fresh output folder each time):

- ``local``: the local engine with ``--jobs W`` worker processes;
- ``ray, own``: the Ray engine starting its own local Ray (``ray.init()``
  inside the run, shut down at its end), ``W`` actors: what a user without a
  cluster gets;
- ``ray, joined``: the Ray engine joining a Ray already running with ``W``
  CPUs (as ``--address`` joins a cluster started by ``ray start --head``),
  ``W`` actors.

Wall times include worker or actor start-up and building the system in each
(the model loaded once per worker or actor); Ray's own start-up is included
in ``ray, own`` only. It prints each run's reports/s with the load average
beside it, the ratio of each Ray variant to ``local`` (median over the
rounds), and whether every Ray output's tables (read back with ``xxgk.load``)
equal the local engine's.

Usage::

    .venv/bin/python benchmarks/ray_engine.py [--corpus ../shared/corpus] [--system rules] [--workers 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _same_tables(a: Path, b: Path) -> bool:
    import pandas as pd

    import xxgk

    left, right = xxgk.load(a), xxgk.load(b)
    if list(left) != list(right):
        return False
    for name in left:
        try:
            pd.testing.assert_frame_equal(left[name], right[name])
        except AssertionError as err:
            print(f"  {name} differs: {str(err)[:300]}", file=sys.stderr)
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=here.parent / "shared" / "corpus")
    parser.add_argument("--system", default="rules")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    args = parser.parse_args(argv)

    import ray

    from xxgk.batch import expand_inputs, tag

    n_inputs = len(expand_inputs([args.corpus]))
    print(f"{n_inputs} inputs in {args.corpus}, system {args.system}, {args.workers} workers/actors, "
          f"batch size {args.batch_size}, {os.cpu_count()} cores")
    rates: dict[str, list[float]] = {"local": [], "ray, own": [], "ray, joined": []}
    identical = True
    with tempfile.TemporaryDirectory(prefix="xxgk-ray-bench-") as tmp:
        reference: Path | None = None
        for r in range(args.rounds):
            for variant in rates:
                out = Path(tmp) / f"{variant.replace(', ', '-')}-{r}"
                kwargs = dict(system=args.system, progress=False, batch_size=args.batch_size, resume=False)
                load = os.getloadavg()[0]
                if variant == "ray, joined":
                    ray.init(num_cpus=args.workers, include_dashboard=False, logging_level="WARNING")
                try:
                    start = time.perf_counter()
                    if variant == "local":
                        summary = tag([args.corpus], out, jobs=args.workers, **kwargs)
                    else:
                        summary = tag([args.corpus], out, engine="ray", actors=args.workers, **kwargs)
                    wall = time.perf_counter() - start
                finally:
                    if variant == "ray, joined":
                        ray.shutdown()
                rate = (summary.done + summary.failed) / wall
                rates[variant].append(rate)
                same = ""
                if reference is None:
                    reference = out
                elif variant != "local" or r > 0:
                    ok = _same_tables(reference, out)
                    identical &= ok
                    same = "identical tables" if ok else "TABLES DIFFER"
                print(f"round {r + 1} {variant:<12} {wall:7.1f} s  {rate:6.2f} reports/s  "
                      f"({summary.done} done, {summary.failed} failed; load {load:.1f} -> {os.getloadavg()[0]:.1f})  {same}",
                      flush=True)
    base = statistics.median(rates["local"])
    for variant in ("ray, own", "ray, joined"):
        print(f"{variant}: {statistics.median(rates[variant]) / base:.2f}x the local engine's reports/s (median of "
              f"{args.rounds} rounds)")
    print("outputs identical to the local engine's:", identical)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
