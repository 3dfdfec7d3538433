"""How fast the model places and tags sentences on whatever device is here (CPU or GPU), per precision.

The good reports of the shared corpus are read and prepared once (on the CPU,
as ``xxgk tag`` does), replicated to ``--files`` reports, then the ``model``
system predicts them in batches of ``--batch-size`` reports (its sentences
encoded together in length buckets) for each ``--precisions`` value, the
precisions interleaved over ``--rounds`` rounds so that load hits them alike.
Prints reports/s and sentences/s of the prediction alone (reading, tables and
writing excluded), the device, and the ratio of each precision to the first.
Runs as is on a machine with a GPU (``--device auto`` picks it).

Usage::

    .venv/bin/python benchmarks/device.py [--files 200] [--device auto] [--precisions fp32 auto]
                                          [--batch-size 64] [--rounds 2] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200, help="Reports to predict (the corpus replicated); default 200.")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto).")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "auto"], help="Precisions to compare (default: fp32 auto).")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="Reports per predict call (default: 16 on the CPU, 128 on a GPU).")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args(argv)

    import torch

    from xxgk.batch import expand_inputs
    from xxgk.neural.device import describe, resolve_device
    from xxgk.pipeline import get_system, prepare
    from xxgk.reading import read

    device = resolve_device(args.device)
    paths = [p for p in expand_inputs([args.corpus]) if "bad" not in p.relative_to(args.corpus).parts]
    docs = []
    t0 = time.perf_counter()
    for p in paths:
        try:
            docs.append(prepare(read(p, ocr="never")))
        except Exception as err:  # noqa: BLE001  (a report that cannot be read is not what this measures)
            print(f"skipped {p.name}: {type(err).__name__}", file=sys.stderr)
    docs = [docs[i % len(docs)] for i in range(args.files)]
    n_sent = sum(len(d.texts) for d in docs)
    print(f"{len(docs)} reports, {n_sent} sentences, prepared in {time.perf_counter() - t0:.1f}s; "
          f"device {describe(device)}; load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    batch = args.batch_size or (128 if device.type == "cuda" else 16)
    systems = {p: get_system("model", device=str(device), precision=p) for p in args.precisions}
    for s in systems.values():
        s.predict(docs[:2])  # load the weights and warm up, outside the timing
    times: dict[str, list[float]] = {p: [] for p in systems}
    for _ in range(args.rounds):
        for p, s in systems.items():
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            t = time.perf_counter()
            for i in range(0, len(docs), batch):
                s.predict(docs[i : i + batch])
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            times[p].append(time.perf_counter() - t)
    first = min(times[args.precisions[0]])
    print(f"{'precision':<10} {'resolved':<8} {'best s':>7} {'reports/s':>9} {'sentences/s':>11} {'ratio':>6}")
    for p, s in systems.items():
        best = min(times[p])
        print(f"{p:<10} {s.runtime['precision']:<8} {best:>7.2f} {len(docs) / best:>9.1f} {n_sent / best:>11.0f} "
              f"{first / best:>6.2f}")
    print(f"device: {describe(device)}; torch {torch.__version__}; batch {batch} reports; best of {args.rounds} rounds, "
          f"precisions interleaved; ratio: over {args.precisions[0]}; load after {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
