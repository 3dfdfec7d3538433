"""Budgets for one input: time, memory and size caps, so that no file can hang or sink a run.

Every entry point that reads files (``xxgk read``, ``analyze``, ``tables``,
``tag`` and its workers) runs the work on one input inside
:func:`file_budget`:

- **Time**: a timer (``SIGALRM``, main thread) interrupts the work once it
  has run ``timeout`` seconds, even inside a parser's loop, and the input
  fails with :class:`~xxgk.errors.FileTimeoutError`. The interruption is a
  ``BaseException``, so a library's ``except Exception`` cannot swallow it;
  the timer fires again every second until the work stops. In a worker
  process a second, harder stop (``faulthandler``, which needs no Python
  lock) ends the process after ``timeout + HARD_GRACE_S`` seconds when
  native code never returns; the batch then records the input as crashed.
- **Memory**: :func:`set_memory_limit` caps the process's data segment
  (``RLIMIT_DATA``; the command line does it for the commands that read
  one file at a time, ``xxgk tag`` for each worker process). Allocation
  past it raises ``MemoryError``, which :func:`file_budget` turns into
  :class:`~xxgk.errors.TooLargeError` for that input alone.
- **Sizes**: :class:`Limits` also holds the caps the readers check before
  they decode (:mod:`xxgk.readers._safety`) and the largest input file.

Workers die with the process that started them (:func:`die_with_parent`:
its sentinel pipe, and ``PR_SET_PDEATHSIG`` on Linux), and give memory they free back to the system
(:func:`release_freed_memory`, glibc's ``mallopt``).

>>> with use_limits(Limits(timeout=5)):
...     current_limits().timeout
5
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

from .errors import FileTimeoutError, TooLargeError

__all__ = [
    "Limits",
    "DEFAULT_LIMITS",
    "current_limits",
    "set_limits",
    "use_limits",
    "file_budget",
    "set_memory_limit",
    "preload_native",
    "die_with_parent",
    "release_freed_memory",
    "out_of_memory",
    "HARD_GRACE_S",
]

_MB = 1 << 20

#: Seconds past the timeout after which a worker stuck in native code is ended.
HARD_GRACE_S = 30.0


@dataclass(frozen=True)
class Limits:
    """The budget of one input.

    Parameters
    ----------
    timeout : float, default 120
        Seconds to read and analyse one file; 0 for none.
    memory : int, default 0 (none)
        Bytes of data memory for a process that reads files (a worker, or the
        command line for single files); 0 for none.
    max_file_bytes : int, default 512 MiB
        The largest input file read at all.
    max_text_bytes : int, default 16 MiB
        The largest text or HTML file (a report's text is under 1 MB).
    zip_max_bytes : int, default 256 MiB
        The most a DOCX may inflate to, all members together.
    zip_max_ratio : float, default 200
        The highest compression ratio of one DOCX member over 1 MB.
    """

    timeout: float = 120.0
    memory: int = 0  # opt-in: a 3 GiB RLIMIT_DATA made model workers (torch) hang at start; see the report
    max_file_bytes: int = 512 * _MB
    max_text_bytes: int = 16 * _MB
    zip_max_bytes: int = 256 * _MB
    zip_max_ratio: float = 200.0

    def __post_init__(self) -> None:
        for name in ("timeout", "memory", "max_file_bytes", "max_text_bytes", "zip_max_bytes", "zip_max_ratio"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"The {name!r} limit must be a number >= 0. Got {value!r} instead.")

    def replace(self, **changes) -> Limits:
        """A copy with some limits changed (None leaves a limit as it is)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


DEFAULT_LIMITS = Limits()
_CURRENT = [DEFAULT_LIMITS]


def current_limits() -> Limits:
    """The limits in force in this process."""
    return _CURRENT[0]


def set_limits(limits: Limits) -> None:
    """Put ``limits`` in force in this process (a worker gets them from the batch)."""
    if not isinstance(limits, Limits):
        raise TypeError(f"Expected a Limits object. Got {type(limits).__name__} instead.")
    _CURRENT[0] = limits


@contextlib.contextmanager
def use_limits(limits: Limits) -> Iterator[Limits]:
    """Put ``limits`` in force for the ``with`` block."""
    old = _CURRENT[0]
    set_limits(limits)
    try:
        yield limits
    finally:
        _CURRENT[0] = old


class _Expired(BaseException):
    """Raised into the work by the timer; a BaseException so that ``except Exception`` lets it through."""


def _on_alarm(signum, frame):  # pragma: no cover - timing
    raise _Expired()


@contextlib.contextmanager
def file_budget(path: str, timeout: float | None = None, *, hard: bool = False) -> Iterator[None]:
    """Run a block as the work on one input: stop it at ``timeout``; turn running out of memory into an error.

    Parameters
    ----------
    path : str
        The input, for the error messages.
    timeout : float, optional
        Seconds; default ``current_limits().timeout``; 0 for none. The timer
        needs the main thread (elsewhere only memory is guarded). Budgets
        nest: inside another timed budget the outer one's timer stands.
    hard : bool, default False
        Also end the whole process ``HARD_GRACE_S`` seconds past the timeout
        (for worker processes: a parser stuck in native code).

    Raises
    ------
    xxgk.errors.FileTimeoutError
        When the block ran out of time.
    xxgk.errors.TooLargeError
        When the block raised ``MemoryError``.
    """
    seconds = current_limits().timeout if timeout is None else timeout
    timed = bool(seconds) and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if timed and _TIMED[0]:  # inside another budget (e.g. read() within a worker's): the outer timer stands
        timed = False
    old = None
    if timed:
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
        _TIMED[0] = True
    try:
        if timed and hard:  # in the try: under a memory cap its watchdog thread may not start (MemoryError)
            _hard_stop(seconds + HARD_GRACE_S)
        yield
    except _Expired:
        if not timed:  # the outer budget's: it reports the time it gave
            raise
        raise FileTimeoutError(path, f"Stopped after its time budget of {seconds:g} s (a parser loop, or a huge file).",
                               "If the file is only large, raise the budget with --timeout.") from None
    except (MemoryError, RuntimeError) as err:
        if not out_of_memory(err):
            raise
        raise memory_error(path) from None
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            _TIMED[0] = False
            if hard:
                _hard_stop(0)


#: How native code says it is out of memory (or threads) without raising ``MemoryError``: torch's CPU
#: allocator and its mmap of the weights (``RuntimeError``), a thread that cannot start under the cap, and
#: C++'s ``std::bad_alloc`` (ONNX Runtime, under the OCR engine).
_NO_MEMORY = ("can't allocate memory", "cannot allocate memory", "can't start new thread", "out of memory",
              "std::bad_alloc")


def out_of_memory(err: BaseException) -> bool:
    """Whether ``err`` means the process ran out of memory: ``MemoryError``, or a native library's error saying so.

    Torch raises a ``RuntimeError``, ONNX Runtime (OCR) its own ``Fail`` with C++'s ``std::bad_alloc``.

    >>> out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 7602176 bytes."))
    True
    >>> out_of_memory(Exception("[ONNXRuntimeError] : 1 : FAIL : std::bad_alloc"))
    True
    >>> out_of_memory(RuntimeError("shape mismatch"))
    False
    """
    if isinstance(err, MemoryError):
        return True
    return isinstance(err, Exception) and any(s in str(err).lower() for s in _NO_MEMORY)


def memory_error(path: str) -> TooLargeError:
    """The typed error of an input that ran out of memory (names the ``--memory`` cap in force)."""
    memory = current_limits().memory
    cap = f"The memory limit is {memory / _MB:.0f} MB (--memory)." if memory else "No --memory limit is set."
    return TooLargeError(path, "Ran out of memory while reading or analysing this file.", cap)


_TIMED = [False]  # whether a timed budget is running (the timer is per process, so budgets nest, outermost wins)


def _hard_stop(seconds: float) -> None:
    import faulthandler

    if seconds:
        with open(os.devnull, "w") as devnull:  # faulthandler keeps the fd number, not the file object
            fd = os.dup(devnull.fileno())
        _HARD_FD.append(fd)
        try:
            faulthandler.dump_traceback_later(seconds, exit=True, file=fd)
        except RuntimeError as err:  # "unable to start watchdog thread": no memory for its stack
            raise MemoryError(str(err)) from err
    else:
        faulthandler.cancel_dump_traceback_later()
        while _HARD_FD:
            os.close(_HARD_FD.pop())


_HARD_FD: list[int] = []


def set_memory_limit(nbytes: int) -> bool:
    """Cap this process's data memory at ``nbytes`` (``RLIMIT_DATA``); returns whether a cap is in force.

    Only lowers the soft limit; 0 does nothing. Past the cap an allocation
    fails with ``MemoryError`` instead of the machine swapping or the OOM
    killer ending the process.
    """
    if not nbytes:
        return False
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return False
    limit = getattr(resource, "RLIMIT_DATA", None)
    if limit is None:  # pragma: no cover
        return False
    soft, hard = resource.getrlimit(limit)
    want = int(nbytes) if hard == resource.RLIM_INFINITY else min(int(nbytes), hard)
    if soft != resource.RLIM_INFINITY and soft <= want:
        return True
    try:
        resource.setrlimit(limit, (want, hard))
    except (ValueError, OSError):  # pragma: no cover - already above the new cap
        return False
    return True


def preload_native(model: bool = False) -> list[str]:
    """Load and start the native libraries a run needs, before :func:`set_memory_limit`; returns their names.

    Some native libraries cannot *start* under an ``RLIMIT_DATA`` cap: OpenBLAS
    (numpy's and scipy's) spins for ever when it cannot map its buffers, and
    libgomp (torch's thread pool) aborts when a thread cannot be made. Started
    first, uncapped, they never meet the cap at start-up; an allocation that
    meets it later fails with ``MemoryError`` or torch's out-of-memory
    ``RuntimeError``, which :func:`file_budget` types. ``model`` adds torch
    and tokenizers (and starts torch's thread pool).
    """
    import importlib

    names = ["numpy", "scipy.linalg"]
    if model:
        names += ["torch", "tokenizers"]
    loaded = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:  # not installed: nothing to start
            continue
        loaded.append(name)
    if "torch" in loaded:
        import torch

        square = torch.ones(256, 256)
        float((square @ square).sum())  # a parallel op starts the intra-op thread pool
    return loaded


def die_with_parent(sig: int = signal.SIGKILL if hasattr(signal, "SIGKILL") else 9) -> bool:
    """End this process with ``sig`` when the process that started it dies; returns whether it could watch.

    A worker stuck in a parser never notices that the batch that started it
    was killed; with this it ends too, instead of holding its memory.

    Two watches, since neither covers every start method alone:

    - a ``multiprocessing`` child (spawn or forkserver) watches its parent's
      sentinel, a pipe the starting process holds open while it lives, from a
      daemon thread. Under ``forkserver`` the process that forked a worker is
      the fork server, which outlives a killed batch (each worker holds the
      pipe that keeps it alive), so the kernel's watch below never fires;
    - on Linux, ``PR_SET_PDEATHSIG`` asks the kernel to send ``sig`` when the
      forking parent dies, which also covers native code that holds the GIL.
    """
    watched = _watch_parent_sentinel(sig)
    if not sys.platform.startswith("linux"):
        return watched
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, int(sig), 0, 0, 0) != 0:
            return watched
    except (OSError, AttributeError):  # pragma: no cover
        return watched
    if os.getppid() == 1:  # the parent died before the call
        os.kill(os.getpid(), sig)
    return True


def _watch_parent_sentinel(sig: int) -> bool:
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    sentinel = getattr(parent, "sentinel", None)
    if parent is None or sentinel is None:
        return False

    def watch() -> None:
        try:
            wait([sentinel])  # readable (EOF) once the starting process is gone
        except OSError:  # pragma: no cover - the sentinel was closed under us: the parent is gone too
            pass
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="xxgk-parent-watch", daemon=True).start()
    return True


#: glibc's ``mallopt`` parameter for the size from which a block gets its own ``mmap`` (malloc.h).
_M_MMAP_THRESHOLD = -3


def release_freed_memory(threshold: int = 128 * 1024) -> bool:
    """Have glibc give freed large blocks back to the system; returns whether it could (Linux with glibc).

    glibc starts by serving blocks of 128 KiB and more with their own
    ``mmap``, which ``free`` returns at once, but raises that threshold each
    time such a block is freed; later large blocks then come from the heap,
    where freed memory stays with the process. A worker that reads a
    2,000-page PDF and then runs the model peaked at 1.6 GB that way, and at
    1.0 GB, no slower, with the threshold held at 128 KiB
    (``benchmarks/memory.py``). xxgk calls this in the processes it owns
    (the command line, ``xxgk tag``'s workers and Ray actors), not on import.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, int(threshold)))
    except (OSError, AttributeError):  # pragma: no cover - another C library (musl has no mallopt)
        return False


# -- the command line's options ------------------------------------------------------


def add_arguments(parser) -> None:
    """Add ``--timeout``, ``--memory`` and ``--max-text-mb`` to an argparse parser."""
    d = DEFAULT_LIMITS
    parser.add_argument("--timeout", type=float, metavar="S",
                        help=f"Seconds to read and analyse one file before it is stopped (default: {d.timeout:g}; 0: none).")
    parser.add_argument("--memory", type=int, metavar="MB",
                        help=f"Memory limit of a process that reads files, in MB (default: {d.memory >> 20}; 0: none).")
    parser.add_argument("--max-text-mb", type=float, metavar="MB",
                        help=f"Largest text or HTML input, in MB (default: {d.max_text_bytes >> 20}).")


def from_arguments(args) -> Limits:
    """The :class:`Limits` the options of :func:`add_arguments` ask for (the defaults for those not given)."""
    text = getattr(args, "max_text_mb", None)
    memory = getattr(args, "memory", None)
    return current_limits().replace(timeout=getattr(args, "timeout", None),
                                    memory=None if memory is None else int(memory) << 20,
                                    max_text_bytes=None if text is None else int(text * _MB))
