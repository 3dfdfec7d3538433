"""How fast each reader turns the corpus into Documents.

Prints, for every format reader (text, html, pdf with each engine, docx),
the files read, the pages, the seconds and the pages per second. A PDF page
is a real page; text, HTML and DOCX have none, so their "pages" are
page-equivalents of 1,500 characters of text read (about one A4 page of a
Chinese report). There is no DOCX in the corpus: one is written from a corpus
text file with python-docx in a temporary folder (skipped when python-docx is
missing). Readers another engineer has not written yet are skipped with a note.

Usage::

    .venv/bin/python benchmarks/read.py [--repeat 3] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CHARS_PER_PAGE = 1500
REPO = Path(__file__).resolve().parents[1]


def _reader(module: str, func: str) -> Callable | None:
    try:
        return getattr(importlib.import_module(f"xxgk.readers.{module}"), func)
    except (ImportError, AttributeError):
        return None


def _docx_from_text(text_file: Path, folder: Path) -> Path | None:
    try:
        import docx
    except ImportError:
        return None
    document = docx.Document()
    for line in text_file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    out = folder / (text_file.stem + ".docx")
    document.save(out)
    return out


def _pages(doc, fmt: str) -> float:
    if fmt == "pdf" and doc.meta.pages:
        return float(doc.meta.pages)
    chars = len(doc.text) + sum(len(c.text) for t in doc.tables for c in t.cells)
    return chars / CHARS_PER_PAGE


def bench(name: str, fmt: str, read: Callable, files: list[Path], repeat: int) -> None:
    pages = 0.0
    seconds = 0.0
    failed = []
    for f in files:
        data = f.read_bytes()
        best = None
        doc = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            try:
                doc = read(data, str(f))
            except Exception as err:  # a reader's error on one file is reported, not fatal
                failed.append(f"{f.name}: {type(err).__name__}")
                break
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        if best is not None and doc is not None:
            seconds += best
            pages += _pages(doc, fmt)
    rate = pages / seconds if seconds else 0.0
    unit = "pages" if fmt == "pdf" else "page-eq."
    print(f"{name:<22} {len(files):>5} {pages:>9.1f} {unit:<9} {seconds:>8.3f} s {rate:>10.1f} /s")
    for line in failed:
        print(f"{'':<22} failed: {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the fastest counts")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"The 'repeat' parameter must be a positive int. Got {args.repeat} instead.")
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder: pass --corpus (the shared corpus beside the repository).")
    corpus = args.corpus
    print(f"{'reader':<22} {'files':>5} {'pages':>9} {'':<9} {'time':>10} {'pages/s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        texts = sorted(corpus.glob("*.txt"))
        docx_file = _docx_from_text(texts[0], Path(tmp)) if texts else None
        plan = [
            ("text", "text", "text", "read_text", texts),
            ("html", "html", "html", "read_html", sorted(corpus.glob("*.htm*"))),
            ("docx", "docx", "docx", "read_docx", [docx_file] if docx_file else []),
        ]
        for name, fmt, module, func, files in plan:
            read = _reader(module, func)
            if read is None:
                print(f"{name:<22} skipped: xxgk.readers.{module}.{func} is not there yet")
            elif not files:
                print(f"{name:<22} skipped: no input (python-docx missing or no corpus text)")
            else:
                bench(name, fmt, read, files, args.repeat)
        pdfs = sorted(corpus.glob("*.pdf"))
        read_pdf = _reader("pdf", "read_pdf")
        if read_pdf is None:
            print(f"{'pdf':<22} skipped: xxgk.readers.pdf.read_pdf is not there")
        else:
            from xxgk.readers.pdf import ENGINES

            for engine in ENGINES:
                bench(f"pdf ({engine})", "pdf", lambda d, p, e=engine: read_pdf(d, p, engine=e), pdfs, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
