"""The output folder of ``xxgk tag``: one run at a time, only our own files touched, a manifest that tells the truth.

- :func:`claim` takes an exclusive, non-blocking lock (``flock`` on
  ``DIR/.xxgk.lock``) for the whole run: a second run on the same folder
  fails at once with :class:`~xxgk.errors.OutputLockedError`. It refuses a
  non-empty folder that is not an xxgk run folder (no ``.xxgk-run`` marker
  and no manifest), so xxgk never overwrites or deletes a user's files.
- :func:`file_mode` gives the mode new files get: ``0o666`` less the umask.
- :func:`output_error` turns an ``OSError`` while writing (disk full,
  read-only) into :class:`~xxgk.errors.OutputError` naming the folder.
- :func:`deferred_interrupt` holds Ctrl-C while the tables and the manifest
  are written, so that the manifest, written last, always describes the
  tables beside it; :func:`interrupt_flag` remembers a Ctrl-C during the
  run, so that the run stops after the current file even when the
  ``KeyboardInterrupt`` was swallowed on its way up (by a library's bare
  ``except``, or because it landed in a finaliser).
- :func:`check_manifest` and :func:`check_loaded` are what ``xxgk.load``
  verifies: the manifest parses, its format is known, every table it lists
  is there with the number of rows it says, and the run was complete.
- :func:`valid_part` says whether a per-document part has the right shape
  (a resumed run redoes a damaged one).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import OutputError, OutputLockedError, ResultsError

__all__ = ["RUN_MARKER", "LOCK", "claim", "release", "file_mode", "output_error", "deferred_interrupt", "interrupt_flag",
           "is_run_folder", "check_manifest", "check_loaded", "valid_part", "listed_by_manifest"]

#: Written into every output folder when a run starts: the folder is xxgk's to write in.
RUN_MARKER = ".xxgk-run"
#: The lock file (held with ``flock`` for the length of a run).
LOCK = ".xxgk.lock"
_MANIFEST = "manifest.json"


def file_mode() -> int:
    """``0o666`` less the process's umask: the mode an ordinary ``open()`` gives a new file."""
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
    return 0o666 & ~mask


_UMASK_LOCK = threading.Lock()


def output_error(out: str | os.PathLike, err: OSError) -> OutputError:
    """A typed error for a failed write into ``out``."""
    where = err.filename or out
    if err.errno == errno.ENOSPC or err.errno == getattr(errno, "EDQUOT", -1):
        return OutputError(str(where), "The disk is full (no space left); the tables were not all written.",
                           "Free some space and run the same command again: it resumes.")
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return OutputError(str(where), f"Cannot write here ({err.strerror}).",
                           "Choose a folder you may write in with --out.")
    return OutputError(str(where), f"Cannot write the output ({err.strerror or err}).", "Check the output folder.")


def is_run_folder(out: Path) -> bool:
    """Does ``out`` hold an xxgk run (the marker, or a manifest of one)?"""
    if (out / RUN_MARKER).exists():
        return True
    try:
        manifest = json.loads((out / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "format" in manifest


class Claim:
    """A held output folder: close it (or use ``with``) to release the lock."""

    def __init__(self, out: Path, fd: int | None) -> None:
        self.out, self.fd = out, fd

    def close(self) -> None:
        release(self)

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def claim(out: str | os.PathLike) -> Claim:
    """Make ``out`` if needed, check that it is ours, and lock it for this run.

    Raises
    ------
    xxgk.errors.OutputLockedError
        When another run holds the folder.
    xxgk.errors.OutputError
        When ``out`` is a file, a non-empty folder that is not an xxgk run
        folder, or cannot be written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(str(out), "The output must be a folder, and this is a file.", "Name a folder with --out.")
    try:
        if out.is_dir() and any(out.iterdir()) and not is_run_folder(out):
            raise OutputError(str(out), "This folder is not empty and holds no xxgk run: xxgk will not write into it "
                              "(it could overwrite your files).", "Name a new or empty folder with --out.")
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as err:
        raise output_error(out, err) from None
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - no flock (Windows): no lock
        pass
    except OSError:
        os.close(fd)
        raise OutputLockedError(str(out), "Another `xxgk tag` run is writing into this folder.",
                                "Wait for it to finish, or name another folder with --out.") from None
    try:
        marker = out / RUN_MARKER
        if not marker.exists():
            marker.write_text("This folder is the output of `xxgk tag`; xxgk may rewrite its tables and parts/.\n",
                              encoding="utf-8")
    except OSError as err:
        os.close(fd)
        raise output_error(out, err) from None
    return Claim(out, fd)


def release(held: Claim) -> None:
    """Release the lock of :func:`claim` (closing the file releases ``flock``)."""
    if held.fd is not None:
        os.close(held.fd)
        held.fd = None


@contextlib.contextmanager
def interrupt_flag() -> Iterator[list[bool]]:
    """Raise ``KeyboardInterrupt`` on Ctrl-C as usual, and also set ``flag[0]``, for the block.

    The caller checks the flag between files: Python cannot deliver a
    ``KeyboardInterrupt`` that a library catches, or that is raised inside a
    ``__del__`` ("Exception ignored in ..."), and a run must stop anyway.
    A process that ignores SIGINT (started with ``nohup``, or in the
    background of a script) keeps ignoring it.
    """
    flag = [False]
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield flag
        return

    def handler(signum, frame):
        flag[0] = True
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, old)


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[list[bool]]:
    """Hold SIGINT for the block; re-raise ``KeyboardInterrupt`` after it if one came."""
    if threading.current_thread() is not threading.main_thread():
        yield [False]
        return
    got = [False]

    def handler(signum, frame):
        got[0] = True

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield got
    finally:
        signal.signal(signal.SIGINT, old)
    if got[0]:
        raise KeyboardInterrupt


def listed_by_manifest(out: Path, name: str) -> bool:
    """Was ``name`` written by xxgk: listed in the manifest's tables, or a table file with exactly our columns?

    Only then may it be replaced or removed; a user's file that happens to
    be called ``documents.jsonl`` is left alone.
    """
    try:
        manifest = json.loads((out / _MANIFEST).read_text(encoding="utf-8"))
        tables = manifest.get("tables") or {}
        if any(isinstance(t, dict) and t.get("file") == name for t in tables.values()):
            return True
    except (OSError, ValueError, AttributeError):
        pass
    return _has_our_columns(out / name)


def _has_our_columns(path: Path) -> bool:
    from .tidy import COLUMNS

    table, _, fmt = path.name.partition(".")
    columns = list(COLUMNS.get(table, ()))
    if not columns:
        return False
    try:
        if fmt == "jsonl":
            with path.open(encoding="utf-8") as fh:
                first = fh.readline()
            return first == "" and path.stat().st_size == 0 or list(json.loads(first)) == columns
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.read_schema(path).names == columns
    except Exception:  # noqa: BLE001  (anything unreadable is not ours)
        return False
    return False


def check_manifest(path: Path, manifest: Any, formats: tuple[str, ...], tables: tuple[str, ...]) -> dict[str, Any]:
    """Check the manifest's shape; raise :class:`~xxgk.errors.ResultsError` naming it when it is wrong."""
    if not isinstance(manifest, dict):
        raise ResultsError(str(path), f"The manifest is not a JSON object (it is {type(manifest).__name__}).",
                           "Run `xxgk tag` again into this folder.")
    fmt = manifest.get("format")
    if fmt is not None and fmt not in formats:
        raise ResultsError(str(path), f"The manifest's format {fmt!r} is not one of {list(formats)}.",
                           "Run `xxgk tag` again into this folder.")
    listed = manifest.get("tables")
    if listed is not None:
        if not isinstance(listed, dict) or not all(isinstance(v, dict) for v in listed.values()):
            raise ResultsError(str(path), "The manifest's 'tables' is not a mapping of table to file and rows.",
                               "Run `xxgk tag` again into this folder.")
        unknown = sorted(set(listed) - set(tables))
        if unknown:
            raise ResultsError(str(path), f"The manifest lists unknown tables {unknown}.", "Check the xxgk version.")
        for name, entry in listed.items():
            if fmt and entry.get("file") not in (None, f"{name}.{fmt}"):
                raise ResultsError(str(path), f"The manifest says {name} is in {entry.get('file')!r}, "
                                   f"which is not a {fmt} file.", "Run `xxgk tag` again into this folder.")
    return manifest


def check_loaded(out: Path, manifest: Mapping[str, Any], fmt: str, counts: Mapping[str, int], *,
                 partial: bool = False) -> None:
    """Check what ``xxgk.load`` read against the manifest: every listed table present with its rows, a complete run."""
    listed = manifest.get("tables") or {}
    for name, entry in listed.items():
        path = out / f"{name}.{fmt}"
        if not path.exists():
            raise ResultsError(str(path), "This table is in the manifest but not in the folder.",
                               "Run `xxgk tag` again into this folder (it rebuilds the tables from parts/).")
        rows = entry.get("rows")
        if isinstance(rows, int) and counts.get(name) != rows:
            raise ResultsError(str(path), f"The table has {counts.get(name)} rows; the manifest says {rows}.",
                               "The folder was changed after the run: run `xxgk tag` again into it.")
    if manifest.get("complete") is False and not partial:
        raise ResultsError(str(out / _MANIFEST), "The run that wrote these tables was interrupted: they hold only "
                           "the inputs done so far.", "Run the same `xxgk tag` command again to finish, or "
                           "load(..., partial=True) to read them as they are.")


def valid_part(rows: Any, tables: tuple[str, ...]) -> bool:
    """Whether a part's ``rows`` has the shape a run writes: table name -> list of row objects."""
    return (isinstance(rows, dict) and set(rows) <= set(tables)
            and all(isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in rows.values()))
