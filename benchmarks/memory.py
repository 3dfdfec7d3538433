"""Peak memory of reading a huge PDF and of a worker with the model (issue 15's targets).

Each command runs in a fresh process; its peak resident memory is the kernel's
high-water mark of that process tree's largest process (``ru_maxrss`` of the
waited-for children, read in a small wrapper process of its own), so short
peaks count too. The runs:

- ``xxgk read`` on a generated ``--pages``-page text-layer PDF (2,000 by
  default; Chinese text of a corpus report, 36 lines a page, each line numbered so
  that no two are alike and the model must encode every one, drawn with
  reportlab's built-in CID font STSong-Light, so nothing is embedded), and on
  a 20-page one for comparison: memory should be flat in page count
  (target ≤ 500 MB);
- ``xxgk tag --jobs 1`` (the worker is the command's own process) with the
  model system on (a) ``--files`` reports (1,000 by default: the corpus's
  good reports copied round-robin) and (b) the huge PDF (target ≤ 1.5 GB);
  ``--systems`` picks the systems (``model`` and ``rules`` by default).

Prints one row per run: the peak, the wall time, the exit status and the
load average before the run.

Usage::

    .venv/bin/python benchmarks/memory.py [--pages 2000] [--files 1000] [--systems model rules]
                                          [--corpus ../shared/corpus] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Runs a command and prints its tree's largest peak RSS (the kernel carries ru_maxrss up from reaped children).
_WRAPPER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
print(json.dumps({"rc": p.returncode, "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                  "wall_s": time.perf_counter() - t, "stderr": p.stderr.decode("utf-8", "replace")[-1500:]}))
"""


def text_pdf(path: Path, pages: int, corpus: Path) -> None:
    """A ``pages``-page PDF of a corpus report's lines (36 lines a page, each numbered, so no two are equal)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    source = corpus / "000_hangzhou_emergency_2021.txt"
    lines = [ln.strip() for ln in source.read_text(encoding="utf-8").splitlines() if ln.strip()]
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    k = 0
    for _ in range(pages):
        c.setFont("STSong-Light", 10.5)
        y = 800.0
        for _ in range(36):
            # every line made unique, so that the model encodes each one (no repeated text to reuse)
            c.drawString(50, y, f"{lines[k % len(lines)][:40]}（第{k}行）")
            k += 1
            y -= 21
        c.showPage()
    c.save()


def copies(corpus: Path, dest: Path, n: int) -> None:
    """The corpus's good reports copied round-robin into ``dest`` until it holds ``n`` files."""
    sources = sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix in (".txt", ".html", ".pdf"))
    for i in range(n):
        src = sources[i % len(sources)]
        target = dest / f"copy{i // len(sources):02d}" / src.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)


def peak(cmd: list[str]) -> dict:
    """Run ``cmd`` under the wrapper; its peak RSS (MB), wall time, exit status and the load before it."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], env=env, capture_output=True, text=True, check=True)
    row = json.loads(out.stdout)
    row["peak_mb"] = row.pop("peak_kb") / 1024
    row["load"] = load
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pages", type=int, default=2000)
    p.add_argument("--files", type=int, default=1000)
    p.add_argument("--systems", nargs="+", default=["model", "rules"])
    p.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    p.add_argument("--keep", help="Keep the generated inputs and outputs in this folder.")
    args = p.parse_args(argv)
    corpus = Path(args.corpus)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="xxgk-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    xxgk = [sys.executable, "-m", "xxgk"]
    rows = []
    try:
        t = time.perf_counter()
        big, small = work / f"report_{args.pages}p.pdf", work / "report_20p.pdf"
        text_pdf(big, args.pages, corpus)
        text_pdf(small, 20, corpus)
        print(f"# {big.name}: {big.stat().st_size / 2**20:.1f} MB, written in {time.perf_counter() - t:.0f} s", flush=True)
        folder = work / "files"
        copies(corpus, folder, args.files)
        runs = [("xxgk read", "20-page PDF", [*xxgk, "read", str(small), "--timeout", "0"]),
                ("xxgk read", f"{args.pages:,}-page PDF", [*xxgk, "read", str(big), "--timeout", "0"])]
        for system in args.systems:
            tag = [*xxgk, "tag", "--system", system, "--jobs", "1", "--no-resume", "--no-progress", "--timeout", "0"]
            runs.append((f"xxgk tag --system {system} --jobs 1", f"{args.files:,} files",
                         [*tag, str(folder), "--out", str(work / f"out-{system}-files")]))
            runs.append((f"xxgk tag --system {system} --jobs 1", f"{args.pages:,}-page PDF",
                         [*tag, str(big), "--out", str(work / f"out-{system}-pdf")]))
        print("| command | input | peak RSS | wall | exit | load before |\n|---|---|---:|---:|---:|---:|", flush=True)
        for command, what, cmd in runs:
            row = peak(cmd)
            rows.append({"command": command, "input": what, **row})
            print(f"| `{command}` | {what} | {row['peak_mb']:.0f} MB | {row['wall_s']:.0f} s | {row['rc']} | "
                  f"{row['load']:.1f} |", flush=True)
            if row["rc"] not in (0,):
                print(f"#   stderr: {row['stderr'].strip()[-400:]}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r["rc"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
