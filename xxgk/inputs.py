"""Finding and opening inputs safely: regular files only, symlinks kept inside the inputs, any file name.

:func:`discover` expands files, folders and globs into the files to read and
the inputs refused, each with its typed error (one ``errors`` row each in
``xxgk tag``):

- only regular files are taken; a FIFO, device or socket is refused after an
  ``os.stat`` and never opened (opening a FIFO blocks; ``/dev/zero`` never ends);
- a symbolic link whose target is outside every input root is refused
  (:class:`~xxgk.errors.OutsideInputError`) unless ``follow_symlinks=True``;
  a file named on the command line is always taken (the user named it);
- a sub-folder that cannot be listed gives a row, it is not skipped in silence;
- the output folder of the run is left out when it lies inside an input root;
- file names that are not valid UTF-8 are carried bytes-safe (``os.fsencode``
  gives the bytes back) and shown escaped by :func:`display_path`.

:func:`read_input` opens one file: ``os.stat`` first, then
``O_NONBLOCK`` (so a file swapped for a FIFO in between still cannot block),
``fstat`` again, and a read capped at ``Limits.max_file_bytes``.
"""

from __future__ import annotations

import glob
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError, NotARegularFileError, OutsideInputError, TooLargeError
from .limits import current_limits

__all__ = ["discover", "read_input", "display_path", "escape_controls", "file_kind"]

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    r"""``text`` with control characters (ESC, BEL, …) and undecodable bytes escaped, for a terminal or a table.

    >>> escape_controls("a\x1b[31mb")
    'a\\x1b[31mb'
    """
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def display_path(path: str | os.PathLike) -> str:
    r"""A path as text that is safe to print and to store: escaped where the name is not valid UTF-8.

    >>> display_path(os.fsdecode(b"r\xe9port.txt"))
    'r\\xe9port.txt'
    """
    return escape_controls(os.fspath(path) if not isinstance(path, bytes) else os.fsdecode(path))


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


def _not_regular(label: str, mode: int) -> NotARegularFileError:
    return NotARegularFileError(label, f"Is a {file_kind(mode)}, not a regular file: it was not opened.",
                                "Pass regular files only.")


def read_input(path: str | os.PathLike, name: str | None = None) -> bytes:
    """The bytes of one input file, opened only when it is a regular file and no larger than the cap.

    Raises
    ------
    xxgk.errors.InputError
        No such file, a folder, or unreadable.
    xxgk.errors.NotARegularFileError
        A FIFO, device or socket (never opened).
    xxgk.errors.TooLargeError
        Larger than ``current_limits().max_file_bytes``, or no memory to hold it.
    """
    label = name or display_path(path)
    cap = current_limits().max_file_bytes
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(label, "No such file.", "Check the path.") from None
    except OSError as err:
        raise InputError(label, f"Cannot be read ({err.strerror or err}).", "Check that it may be read.") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(label, "Is a folder, not a file.", "Pass the files in it, or use `xxgk tag FOLDER`.")
    if not stat.S_ISREG(st.st_mode):
        raise _not_regular(label, st.st_mode)
    if cap and st.st_size > cap:
        raise TooLargeError(label, f"The file is {st.st_size / (1 << 20):.0f} MB, past the cap of {cap >> 20} MB.",
                            "A report is far smaller: check the file.")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise InputError(label, f"Cannot be read ({err.strerror or err}).", "Check that it may be read.") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped between the stat and the open
            raise _not_regular(label, st.st_mode)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if cap and size > cap:
                raise TooLargeError(label, f"The file grew past the cap of {cap >> 20} MB while it was read.",
                                    "Check the file.")
        return b"".join(chunks)
    except OSError as err:
        raise InputError(label, f"Cannot be read ({err.strerror or err}).", "Check that it may be read.") from None
    except MemoryError:
        raise TooLargeError(label, "No memory to hold the file.", "Check the file, or raise --memory.") from None
    finally:
        os.close(fd)


# -- discovery ----------------------------------------------------------------------


def _inside(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _glob_root(pattern: str) -> str:
    """The folder a glob cannot leave: its parts before the first wildcard."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if glob.has_magic(part):
            break
        fixed.append(part)
    return os.path.realpath(os.path.join(*fixed)) if fixed else os.path.realpath(".")


class Discovery:
    """What :func:`discover` found: ``files`` to read, ``refused`` (path, error) pairs, both in input order."""

    def __init__(self) -> None:
        self.files: list[str] = []
        self.refused: list[tuple[str, InputError]] = []
        self._seen: set[str] = set()

    def _key(self, path: str) -> bool:
        key = os.path.abspath(path)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def take(self, path: str) -> None:
        if self._key(path):
            self.files.append(path)

    def refuse(self, path: str, err: InputError) -> None:
        if self._key(path):
            self.refused.append((path, err))


def discover(inputs: Iterable[str | os.PathLike], *, suffixes: tuple[str, ...], follow_symlinks: bool = False,
             exclude: Iterable[str | os.PathLike] = ()) -> Discovery:
    """Expand files, folders (recursively) and globs into the files to read and the inputs refused.

    Parameters
    ----------
    inputs : iterable of path or str
        Files, folders and globs, as ``xxgk tag`` takes them.
    suffixes : tuple of str
        File name endings a folder is searched for (a file named explicitly is always taken).
    follow_symlinks : bool, default False
        Take links whose target is outside the input roots.
    exclude : iterable of path
        Folders never searched (the run's own output folder).

    Raises
    ------
    xxgk.errors.InputError
        For an input that names nothing, or a folder or glob with no report
        file in it (checked before any work starts).
    """
    found = Discovery()
    skip = {os.path.realpath(os.fspath(p)) for p in exclude}
    for raw in inputs:
        text = os.fspath(raw)
        if isinstance(text, bytes):
            text = os.fsdecode(text)
        before = len(found.files) + len(found.refused)
        if os.path.isdir(text):
            what = "folder"
            _walk(text, [os.path.realpath(text)], found, suffixes, follow_symlinks, skip)
        elif os.path.lexists(text):
            what = "file"
            _explicit(text, found)
        elif glob.has_magic(text):
            what = "glob"
            roots = [_glob_root(text)]
            for match in sorted(glob.glob(text, recursive=True)):
                real = os.path.realpath(match)
                if _inside(real, skip):
                    continue
                if os.path.isdir(match) and not os.path.islink(match):
                    _walk(match, roots, found, suffixes, follow_symlinks, skip)
                elif not os.path.isdir(match):
                    _candidate(match, roots, found, follow_symlinks)
        else:
            raise InputError(display_path(text), "No such file or folder.",
                             "Check the path; quote a glob so that xxgk expands it, e.g. 'reports/**/*.pdf'.")
        if len(found.files) + len(found.refused) == before:
            problem = ("This glob matches no file." if what == "glob"
                       else f"This folder holds no report file ({', '.join(suffixes)}).")
            if what != "file":
                raise InputError(display_path(text), problem, "Check the path, or name the files themselves.")
    return found


def _explicit(path: str, found: Discovery) -> None:
    label = display_path(path)
    try:
        st = os.stat(path)
    except OSError as err:  # a dangling link
        found.refuse(path, InputError(label, f"Cannot be read ({err.strerror or err}).", "Check the path."))
        return
    if not stat.S_ISREG(st.st_mode):
        found.refuse(path, _not_regular(label, st.st_mode))
    else:
        found.take(path)


def _candidate(path: str, roots: list[str], found: Discovery, follow: bool) -> None:
    label = display_path(path)
    if os.path.islink(path) and not follow:
        target = os.path.realpath(path)
        if not _inside(target, roots):
            found.refuse(path, OutsideInputError(
                label, f"Is a symbolic link to {display_path(target)}, outside the input folders: not followed.",
                "Pass --follow-symlinks to read such links."))
            return
    _explicit(path, found)


def _walk(folder: str, roots: list[str], found: Discovery, suffixes: tuple[str, ...], follow: bool,
          skip: set[str]) -> None:
    def onerror(err: OSError) -> None:
        where = err.filename if err.filename is not None else folder
        found.refuse(os.fspath(where), InputError(
            display_path(where), f"This folder cannot be listed ({err.strerror or err}); its files were not read.",
            "Check its permissions."))

    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not _inside(os.path.realpath(os.path.join(root, d)), skip))
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(suffixes):
                continue
            _candidate(os.path.join(root, name), roots, found, follow)
