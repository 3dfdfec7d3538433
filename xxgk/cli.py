"""The ``xxgk`` command: argument parsing only; every command calls the library.

Each sub-command is a pair of functions, ``_add_NAME(subparsers)`` and
``_run_NAME(args) -> int``, listed in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main", "parse_args"]


def _emit(text: str) -> None:
    sys.stdout.write(text + "\n")


def _error(path: str, err: Exception) -> None:
    sys.stderr.write(f"error: {err}\n" if str(err).startswith(str(path)) else f"error: {path}: {err}\n")


# --- read -----------------------------------------------------------------


def _add_read(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("read", help="Read reports and print their metadata and blocks with provenance.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="Print each document as one JSON line.")
    p.add_argument("--strict", action="store_true", help="Fail on files with no sign of being an annual report.")


def _run_read(args: argparse.Namespace) -> int:
    from .errors import XxgkError
    from .readers import read

    failed = 0
    for path in args.files:
        try:
            doc = read(path, strict=args.strict)
        except XxgkError as err:
            _error(path, err)
            failed += 1
            continue
        if args.json:
            _emit(doc.to_json())
            continue
        m = doc.meta
        _emit(f"== {path}")
        _emit(f"   format={m.format} script={m.script} pages={m.pages} sha256={m.sha256[:12]}")
        _emit(f"   title={m.title!r} body={m.body!r} year={m.year} published={m.published}")
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


COMMANDS = {
    "read": (_add_read, _run_read),
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

