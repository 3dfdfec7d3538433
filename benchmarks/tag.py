"""How fast ``xxgk tag`` turns a folder of reports into tables, and how much memory it takes.

The good reports of the shared corpus (every file but ``bad/``) are copied
round-robin into a temporary folder until it holds ``--files`` of them (200 by
default), then ``xxgk tag`` runs over that folder for each system (``rules``,
``model``) with ``--jobs 1`` and ``--jobs 2``, each in a fresh Python process
with ``--no-resume``. For each run it prints the wall time of the tag call
(imports excluded, worker start-up and model loading included), reports per
second, the CPU seconds of the process tree (and so the rate on cores that
nothing else uses, which a shared machine cannot show in wall time), and the
peak resident memory of the run's whole process tree (main
process plus workers, sampled every 20 ms with psutil) and of the main
process alone. A system that cannot be built here (the model before its
weights exist) is skipped with a note.

With ``--against REV [REV ...]`` each run is made once per revision and
once more, back to back on the same inputs: first with the code of each git
revision (checked out with ``git worktree`` into a temporary folder, its own
``benchmarks/tag.py`` running it), then with this checkout's code; the table
gets a column with the ratio of reports/s, new over old, against each
revision, measured in the same run. The ``model`` system runs in the
precision its code picks by default (this checkout: ``auto``, which is fp32
on a CPU and bf16 or fp16 on a GPU); the JSON rows name it.

Usage::

    .venv/bin/python benchmarks/tag.py [--files 200] [--systems rules model] [--jobs 1 2] [--corpus ../shared/corpus]
                                       [--against 5214f44 2fe84c5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def replicate(corpus: Path, dest: Path, n: int) -> list[Path]:
    """Copy the corpus's good reports into ``dest`` until it holds ``n`` files."""
    from xxgk.batch import expand_inputs

    sources = [p for p in expand_inputs([corpus]) if "bad" not in p.relative_to(corpus).parts]
    out = []
    for i in range(n):
        src = sources[i % len(sources)]
        target = dest / f"copy{i // len(sources):02d}" / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        out.append(target)
    return out


class _PeakMemory:
    """Peak resident memory of this process and its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak_total = 0
        self.peak_main = 0
        self.cpu: dict[int, float] = {}  # pid -> latest user + system seconds seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            try:
                main = me.memory_info().rss
                total = main
                for child in me.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                        times = child.cpu_times()
                        self.cpu[child.pid] = times.user + times.system
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak_main = max(self.peak_main, main)
            self.peak_total = max(self.peak_total, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_one(system: str, jobs: int, inputs: Path, out: Path) -> dict:
    """One tag run in this process (called in a fresh process by :func:`main`)."""
    import warnings

    from xxgk.batch import tag

    warnings.simplefilter("ignore")
    load = os.getloadavg()[0]
    with _PeakMemory() as mem:
        start, cpu0 = time.perf_counter(), time.process_time()
        summary = tag([inputs], out, jobs=jobs, system=system, resume=False, progress=False)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    runtime = json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("runtime", {})
    cpu += sum(mem.cpu.values())
    n = summary.done + summary.failed
    return {
        "system": system, "jobs": jobs, "files": summary.inputs, "done": summary.done, "failed": summary.failed,
        "wall_s": round(wall, 2), "reports_per_s": round(n / wall, 1), "cpu_s": round(cpu, 2),
        "reports_per_cpu_s": round(n / cpu, 1) if cpu else None, "load_before": round(load, 1),
        "peak_rss_total_mb": round(mem.peak_total / 2**20), "peak_rss_main_mb": round(mem.peak_main / 2**20),
        "device": runtime.get("device", "cpu"), "precision": runtime.get("precision", "-"),
    }


def _system_note(system: str) -> str | None:
    """None when the system can be built here, else why not."""
    code = f"from xxgk.pipeline import get_system; get_system({system!r})"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    if run.returncode == 0:
        return None
    lines = [line for line in run.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {run.returncode}"


def _one_run(script: Path, code: Path, system: str, jobs: int, inputs: Path, out: Path) -> dict | None:
    """One tag run in a fresh process with the xxgk of the folder ``code``; None (and a note) when it fails."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, str(script), "--one", system, str(jobs), str(inputs), str(out)]
    run = subprocess.run(cmd, cwd=code, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        print(f"--system {system} --jobs {jobs} ({code}) failed:\n{run.stderr}", file=sys.stderr)
        return None
    return json.loads(run.stdout.strip().splitlines()[-1])


def _worktree(rev: str, dest: Path) -> Path:
    """A checkout of ``rev`` in ``dest`` (``git worktree add --detach``)."""
    subprocess.run(["git", "worktree", "add", "--detach", str(dest), rev], cwd=REPO, check=True, capture_output=True)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=200, help="Reports to tag (the corpus replicated); default 200.")
    parser.add_argument("--systems", nargs="+", default=["rules", "model"])
    parser.add_argument("--jobs", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--json", action="store_true", help="Print one JSON object per run instead of a table.")
    parser.add_argument("--against", metavar="REV", nargs="+", default=[],
                        help="Also run the code of these git revisions on the same inputs, before each run, and print the ratios.")
    parser.add_argument("--one", nargs=4, metavar=("SYSTEM", "JOBS", "INPUTS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:
        system, jobs, inputs, out = args.one
        print(json.dumps(run_one(system, int(jobs), Path(inputs), Path(out))))
        return 0

    if not args.corpus.is_dir():
        print(f"{args.corpus}: no corpus here; pass --corpus.", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as tmp:
        inputs = Path(tmp) / "in"
        files = replicate(args.corpus, inputs, args.files)
        print(f"{len(files)} reports ({sum(f.stat().st_size for f in files) / 2**20:.1f} MiB) from {args.corpus}, "
              f"{os.cpu_count()} CPUs", file=sys.stderr)
        olds = {rev: _worktree(rev, Path(tmp) / f"old-{k}") for k, rev in enumerate(args.against)}
        try:
            for system in args.systems:
                note = _system_note(system)
                if note:
                    print(f"skipped --system {system}: {note}", file=sys.stderr)
                    continue
                for jobs in args.jobs:
                    befores = {}
                    for k, (rev, old) in enumerate(olds.items()):
                        before = _one_run(old / "benchmarks" / "tag.py", old, system, jobs, inputs,
                                          Path(tmp) / f"out-old{k}-{system}-{jobs}")
                        if before is not None:
                            befores[rev] = before
                            rows.append({**before, "code": rev})
                            if args.json:
                                print(json.dumps(rows[-1]))
                    r = _one_run(Path(__file__).resolve(), REPO, system, jobs, inputs, Path(tmp) / f"out-{system}-{jobs}")
                    if r is None:
                        continue
                    rows.append({**r, "code": "this"})
                    # same inputs: the ratio of wall times is the ratio of reports/s
                    rows[-1]["speedup"] = " ".join(f"{b['wall_s'] / r['wall_s']:.2f}" for b in befores.values())
                    if args.json:
                        print(json.dumps(rows[-1]))
        finally:
            for old in olds.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=REPO, capture_output=True)
    if not args.json:
        print(f"{'code':<8} {'system':<8} {'jobs':>4} {'files':>5} {'failed':>6} {'wall s':>7} {'reports/s':>9} {'speedup':>11} "
              f"{'CPU s':>6} {'reports/CPU-s':>13} {'peak MB (all)':>13} {'peak MB (main)':>14} {'load':>5}")
        for r in rows:
            print(f"{r['code'][:8]:<8} {r['system']:<8} {r['jobs']:>4} {r['files']:>5} {r['failed']:>6} {r['wall_s']:>7} "
                  f"{r['reports_per_s']:>9} {r.get('speedup', ''):>11} {r['cpu_s']:>6} {r['reports_per_cpu_s']:>13} "
                  f"{r['peak_rss_total_mb']:>13} {r['peak_rss_main_mb']:>14} {r['load_before']:>5}")
        if olds:
            print(f"speedup: this code's reports/s over each of {', '.join(olds)}, in that order (same run, same inputs).")
        print("reports/CPU-s counts the CPU time of the main process and its workers: the rate on idle cores. "
              "'load' is the 1-minute load average when the run began.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
