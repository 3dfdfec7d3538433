"""The engine of ``xxgk tag``: many reports in, tidy tables out, a crash costs only its file.

:func:`tag` expands the inputs (files, folders searched recursively, globs),
analyses the reports a batch at a time with :func:`xxgk.api.analyze_many`
(the model predicts the sentences of a whole batch together), in worker
processes when ``jobs > 1`` (each builds the system once, in its
initializer), and writes each report's rows as soon as its batch is done to ``DIR/parts/<pipeline>/<doc_id>.json`` through a
temporary file and a rename. When every input is done it gathers the parts,
in input order, into one table per kind (:mod:`xxgk.tidy`) and a manifest
(:mod:`xxgk.io`).

A run that is killed leaves only whole parts; the next run with
``resume=True`` (the default) skips every input whose content sha256 and
pipeline (xxgk version, system, model version, options) already have a
part, so it ends with the same tables as a run that was never interrupted.
The tables describe the inputs of the run that wrote them.

A file that fails (unreadable, not a format xxgk reads, a damaged PDF, a
bug) becomes one row of ``errors`` with its error type and message, and the
run goes on. A worker process that dies (a crash in a native library) costs
only the file it was reading: the files it had in hand are run again one at
a time, and the one that kills its worker again is recorded as
``WorkerCrashError``.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
import time
import warnings
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import inputs as _inputs
from . import limits as _limits
from . import outdir as _outdir
from .errors import FileTimeoutError, InputError, ModelError, TooLargeError, XxgkError
from .io import FORMATS, atomic_write_text, write_manifest, write_tables
from .pipeline import DEFAULT_SYSTEM
from .report import REVIEW_BELOW as _REVIEW_DEFAULT
from .tidy import ROWS_SCHEMA_VERSION, TABLES, doc_id_for, empty_rows, error_row, report_rows

__all__ = ["REPORT_SUFFIXES", "TagOptions", "TagSummary", "expand_inputs", "pipeline_key", "tag"]

#: File name endings a folder is searched for (a file named explicitly is always taken).
REPORT_SUFFIXES = (".txt", ".text", ".htm", ".html", ".shtml", ".xhtml", ".pdf", ".docx", ".doc",
                   ".png", ".jpg", ".jpeg", ".tif", ".tiff")

#: How worker processes start: ``forkserver`` (clean processes, no inherited
#: threads) where the platform has it, else ``spawn``.
_START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"

_PARTS = "parts"


class WorkerCrashError(RuntimeError):
    """The worker process died while reading this file (recorded in ``errors``, never raised)."""


# -- options and summary ---------------------------------------------------


@dataclass(frozen=True)
class TagOptions:
    """Settings of one :func:`tag` run, checked when made.

    Parameters
    ----------
    format : {"parquet", "jsonl"}, default "parquet"
        The tables' file format.
    jobs : int, default 1
        Worker processes; 1 runs in this process.
    batch_size : int, default 16
        Reports analysed together (see :func:`xxgk.api.analyze_many`); a
        killed run loses at most the batches in hand.
    system : str, default "model"
        The system that places sections and tags (see :func:`xxgk.pipeline.get_system`);
        ``"rules"`` needs no model.
    resume : bool, default True
        Skip inputs already done by an earlier run with the same pipeline.
    strict : bool, default False
        Record inputs with no sign of being an annual report as errors.
    progress : bool or None, default None
        Show a progress bar; None shows it when standard error is a terminal.
    html : bool, default False
        Also write one HTML page per report and an index page to
        ``out/html/`` (:mod:`xxgk.view`).
    ocr : {"auto", "always", "never"}, default "auto"
        OCR for scanned pages and images (see :func:`xxgk.read`).
    device, precision : str, default "auto"
        Where and in what dtype the ``model`` system runs (see
        :mod:`xxgk.neural.device`); recorded in the manifest.
    """

    format: str = "parquet"
    jobs: int = 1
    batch_size: int = 16
    system: str = DEFAULT_SYSTEM
    resume: bool = True
    strict: bool = False
    progress: bool | None = None
    html: bool = False
    ocr: str = "auto"
    device: str = "auto"
    precision: str = "auto"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"The 'format' parameter of tag must be one of {list(FORMATS)}. Got {self.format!r} instead.")
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise ValueError(f"The 'jobs' parameter of tag must be a positive int. Got {self.jobs!r} instead.")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"The 'batch_size' parameter of tag must be a positive int. Got {self.batch_size!r} instead.")
        if not isinstance(self.system, str) or not self.system:
            raise ValueError(f"The 'system' parameter of tag must be a system name such as 'rules'. Got {self.system!r} instead.")
        if self.ocr not in ("auto", "always", "never"):
            raise ValueError(f"The 'ocr' parameter of tag must be one of ('auto', 'always', 'never'). Got {self.ocr!r} instead.")
        from .neural.device import check_device, check_precision

        check_device(self.device), check_precision(self.precision)

    def system_options(self) -> dict[str, Any]:
        """The options the system is built with (``device`` and ``precision`` for the ``model`` system)."""
        return {"device": self.device, "precision": self.precision} if self.system == "model" else {}


@dataclass
class TagSummary:
    """What a :func:`tag` run did.

    ``done`` and ``failed`` count the inputs processed by this run,
    ``skipped`` those an earlier run had done (``skipped_failed`` of them
    are in ``errors``); ``errors`` is the number of rows of the errors table
    written, ``broken_rules`` the failed consistency checks in the output and
    ``documents_with_broken_rules`` the reports that break at least one.
    """

    out: str
    format: str
    inputs: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    skipped_failed: int = 0
    errors: int = 0
    broken_rules: int = 0
    documents_with_broken_rules: int = 0
    wall_s: float = 0.0
    complete: bool = True
    tables: dict[str, int] = field(default_factory=dict)
    #: path → OCR engine, version and pages OCR'd, for the inputs this run read by OCR.
    ocr: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every input is in ``documents`` (none in ``errors``)."""
        return self.errors == 0 and self.complete

    @property
    def rate(self) -> float:
        """Inputs processed per second of wall time (skipped ones excluded)."""
        return (self.done + self.failed) / self.wall_s if self.wall_s > 0 else 0.0

    def describe(self) -> str:
        """The closing summary, in one paragraph."""
        skipped = f"{self.skipped} skipped as already done"
        if self.skipped_failed:
            skipped += f" ({self.skipped_failed} of them failed before)"
        lines = [
            f"{self.inputs} inputs: {self.done} done, {self.failed} failed, {skipped}.",
            f"{self.broken_rules} consistency rules broken in {self.documents_with_broken_rules} documents.",
            f"Wall time {self.wall_s:.1f} s ({self.rate:.1f} reports/s).",
            f"Tables ({self.format}) in {self.out}: "
            + ", ".join(f"{name} {n}" for name, n in self.tables.items()) + ".",
        ]
        if not self.complete:
            lines.append("Interrupted: the tables hold the inputs done so far; run the same command again to finish.")
        if self.errors:
            lines.append(f"{self.errors} inputs failed: see the errors table.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- inputs ----------------------------------------------------------------


def expand_inputs(inputs: Iterable[str | os.PathLike]) -> list[Path]:
    """Every file the inputs name, in order, each once.

    A file is taken as it is; a folder gives the report files in it and in
    its sub-folders (:data:`REPORT_SUFFIXES`, hidden files left out), sorted;
    a glob (``reports/**/*.pdf``) gives what it matches, folders searched as
    above.

    Raises
    ------
    InputError
        For an input that names nothing, or a folder or glob with no report
        file in it: checked before any work starts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("b.txt", "a.pdf", "sub/c.html", "notes.tsv"):
    ...     (d / name).parent.mkdir(exist_ok=True); _ = (d / name).write_text("x")
    >>> [p.relative_to(d).as_posix() for p in expand_inputs([d, d / "b.txt"])]
    ['a.pdf', 'b.txt', 'sub/c.html']
    """
    # issue 15: discovery (regular files only, symlinks kept inside the inputs) lives in xxgk.inputs
    found = _inputs.discover(inputs, suffixes=REPORT_SUFFIXES)
    return [Path(p) for p in found.files]


# -- the pipeline a result depends on ---------------------------------------


def _runtime(system: Any, opts: TagOptions) -> dict[str, Any]:
    """Where and how the system ran (device, precision, threads per worker), for the manifest."""
    threads = max(1, (os.cpu_count() or 1) // opts.jobs) if opts.jobs > 1 else None
    info = dict(getattr(system, "runtime", None) or {"device": "cpu"})
    info.update(jobs=opts.jobs, threads_per_worker=threads or _torch_threads())
    return info


def _torch_threads() -> int:
    torch = sys.modules.get("torch")
    return int(torch.get_num_threads()) if torch is not None else (os.cpu_count() or 1)


def _model_version(system: Any) -> str:
    for name in ("version", "model_version"):
        value = getattr(system, name, None)
        if value:
            return str(value)
    return ""


def pipeline_key(system: str, model_version: str = "", strict: bool = False, ocr: str = "auto") -> dict[str, Any]:
    """What a result depends on besides the input's bytes; a change makes every input run again.

    >>> key = pipeline_key("rules")
    >>> sorted(key)
    ['model', 'ocr', 'rows_schema', 'strict', 'system', 'xxgk']
    """
    from . import __version__
    from .ocr import ocr_engine_id

    return {"xxgk": __version__, "system": system, "model": model_version, "strict": bool(strict),
            "rows_schema": ROWS_SCHEMA_VERSION, "ocr": f"{ocr}:{ocr_engine_id()}" if ocr != "never" else ocr}


def _pipeline_id(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


# -- one batch of inputs -------------------------------------------------------


def _process_batch(paths: Sequence[str], system: Any, strict: bool, parts: str, pipeline_id: str,
                   html: str = "", ocr: str = "auto") -> list[dict[str, Any]]:
    """Analyse a batch of inputs together and write each one's part; every failure becomes an error row."""
    from .api import analyze_many
    from .reading import read_bytes

    shown = [_inputs.display_path(p) for p in paths]  # any file name; opened by its path, shown escaped
    shas: list[str | None] = []
    failures: list[BaseException | None] = []
    docs: dict[int, Any] = {}  # index in paths -> Document
    ocr_info: dict[int, dict[str, Any]] = {}  # index in paths -> the OCR engine and pages, for scans
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, fs_path in enumerate(paths):
            path = shown[i]
            shas.append(None)
            failures.append(None)
            try:
                data = _inputs.read_input(fs_path, path)  # regular files only, size-capped (xxgk.inputs)
            except InputError as err:
                failures[i] = err
                continue
            shas[i] = hashlib.sha256(data).hexdigest()
            try:
                with _limits.file_budget(path, hard=_WORKER.get("hard", False)):  # the time budget of reading
                    docs[i] = read_bytes(data, path, strict=strict, ocr=ocr)
                del data
                if docs[i].meta.ocr:
                    ocr_info[i] = {k: docs[i].meta.ocr.get(k) for k in ("engine", "version")}
                    ocr_info[i]["pages"] = [p["page"] for p in docs[i].meta.ocr.get("pages", [])]
            except Exception as err:  # noqa: BLE001  (any failure costs only this file)
                failures[i] = err
        budget = _limits.current_limits().timeout * len(docs)  # issue 15: the batch's prediction has a budget too
        try:
            with _limits.file_budget(f"a batch of {len(docs)} files", budget, hard=_WORKER.get("hard", False)):
                results = list(analyze_many(docs.values(), system=system, batch_size=max(1, len(docs))))
        except FileTimeoutError:
            results = []
            for i in docs:
                failures[i] = FileTimeoutError(shown[i], f"Analysing the batch of {len(docs)} files that held this file "
                                               f"ran past its budget of {budget:g} s.", "Raise --timeout, or lower --batch-size.")
        except TooLargeError:  # out of memory outside any one file's prediction (e.g. loading the model): each file
            results = []
            for i in docs:
                failures[i] = _limits.memory_error(shown[i])
    reports = dict(zip(docs, results))
    out = []
    for i, fs_path in enumerate(paths):
        path = shown[i]
        doc_id = doc_id_for(path, shas[i])
        rows = empty_rows()
        result = reports.get(i)
        if result is not None and result.error is not None:  # torch's out-of-memory RuntimeError too: typed
            failures[i] = _limits.memory_error(path) if _limits.out_of_memory(result.error) else result.error
        elif result is not None:
            try:
                rows = report_rows(result.report, doc_id=doc_id, path=path)
            except Exception as err:  # noqa: BLE001
                failures[i] = err
        failure = failures[i]
        if failure is not None:
            rows = empty_rows()
            rows["errors"].append(error_row(path, failure, sha256=shas[i], doc_id=doc_id))
        elif html and result is not None:
            _write_page(result.report, Path(html), doc_id, path)
        _write_part(Path(parts), doc_id, {"path": os.path.abspath(path), "sha256": shas[i], "pipeline": pipeline_id}, rows)
        broken = sum(1 for c in rows["checks"] if _is_broken(c))
        out.append({"path": fs_path, "doc_id": doc_id, "failed": failures[i] is not None, "broken": broken,
                    "ocr": ocr_info.get(i)})
    return out


def _page_path(html: Path, doc_id: str) -> Path:
    return html / f"{doc_id}.html"


def _write_page(report: Any, html: Path, doc_id: str, path: str) -> None:
    """The report's HTML page (``tag(..., html=True)``); a page that cannot be written costs only the page."""
    from .view import write_html

    try:
        write_html(report, _page_path(html, doc_id))
    except Exception as err:  # noqa: BLE001
        sys.stderr.write(f"warning: {path}: no HTML page ({type(err).__name__}: {err})\n")


def _is_broken(check_row: dict[str, Any]) -> bool:
    return str(check_row.get("status") or "").lower().startswith("fail")


def _part_path(parts: Path, doc_id: str) -> Path:
    return parts / f"{doc_id}.json"


def _write_part(parts: Path, doc_id: str, key: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> None:
    payload = {"key": key, "rows": {name: rows[name] for name in TABLES if rows.get(name)}}
    # no fsync: a part survives a killed process; one damaged by a power cut fails to parse and is redone
    atomic_write_text(_part_path(parts, doc_id), json.dumps(payload, ensure_ascii=False), fsync=False)


def _read_part(parts: Path, doc_id: str) -> dict[str, list[dict[str, Any]]] | None:
    """The rows of a part, or None when it is absent or damaged (then the input is done again)."""
    path = _part_path(parts, doc_id)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        rows = payload["rows"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return rows if _outdir.valid_part(rows, TABLES) else None  # a wrongly shaped part is redone


# -- worker processes ----------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(system: str, strict: bool, parts: str, pipeline_id: str, threads: int = 0, html: str = "",
                 ocr: str = "auto", limits: _limits.Limits | None = None, options: dict[str, Any] | None = None) -> None:
    """Build the system once per worker process; a failure is kept and reported by :func:`_worker_info`.

    ``threads`` caps the math threads of the worker (torch reads
    ``OMP_NUM_THREADS`` when it is imported), so that N workers share the
    cores instead of each taking all of them.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C
    # issue 15: a worker dies with its parent, holds the batch's limits, and is memory-capped
    _limits.die_with_parent()
    if limits is not None:
        _limits.set_limits(limits)
    if threads > 0:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(threads)
        if "torch" in sys.modules:  # inherited from the parent (fork): too late for the variables
            sys.modules["torch"].set_num_threads(threads)
    memory = _limits.current_limits().memory
    if memory:  # native libraries that cannot start under the cap start first (after the thread variables)
        _limits.preload_native(model=system == "model")
        if ocr != "never":
            from .ocr import warm_engine

            warm_engine()
    _limits.set_memory_limit(memory)
    _limits.release_freed_memory()
    _WORKER["hard"] = True
    _WORKER.update(strict=strict, parts=parts, pipeline_id=pipeline_id, system=None, error=None, html=html, ocr=ocr)
    _WORKER.setdefault("hard", False)
    try:
        from .pipeline import get_system

        _WORKER["system"] = get_system(system, **(options or {}))
    except Exception as err:  # noqa: BLE001  (re-raised in the main process by _worker_info)
        if memory and not isinstance(err, XxgkError):  # under the cap an import or allocation fails in odd ways
            # (Python's parser, short of memory, even reports a SyntaxError): name the cap, keep the cause
            err = ModelError(f"The system {system!r} could not be built in a worker within the --memory limit of "
                             f"{memory / (1 << 20):.0f} MB ({type(err).__name__}{f': {err}' if str(err) else ''}). "
                             "Raise --memory.")
        _WORKER["error"] = err


def _worker_info() -> str:
    if _WORKER.get("error") is not None:
        raise _WORKER["error"]
    return _model_version(_WORKER["system"])


def _worker_process(paths: list[str]) -> list[dict[str, Any]]:
    if _WORKER.get("error") is not None:
        raise _WORKER["error"]
    return _process_batch(paths, _WORKER["system"], _WORKER["strict"], _WORKER["parts"], _WORKER["pipeline_id"],
                          _WORKER.get("html", ""), _WORKER.get("ocr", "auto"))


def _batches(paths: Sequence[str], size: int) -> list[list[str]]:
    return [list(paths[i : i + size]) for i in range(0, len(paths), size)]


class _Pool:
    """A process pool that survives a worker's death, costing only the file that killed it."""

    def __init__(self, opts: TagOptions) -> None:
        self.opts = opts
        self.parts = ""
        self.pipeline_id = ""
        self.html = ""
        self.executor: ProcessPoolExecutor | None = None

    def _start(self, workers: int, parts: str, pipeline_id: str) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context(_START_METHOD)
        threads = max(1, (os.cpu_count() or 1) // max(1, self.opts.jobs))
        return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(self.opts.system, self.opts.strict, parts, pipeline_id, threads, self.html,
                                             self.opts.ocr, _limits.current_limits(), self.opts.system_options()))

    def model_version(self) -> str:
        """Start one worker to learn the system's version (and fail early when it cannot be built)."""
        probe = self._start(1, "", "")
        try:
            return probe.submit(_worker_info).result()
        finally:
            probe.shutdown(wait=True)

    def run(self, paths: Sequence[str], parts: Path, pipeline_id: str, on_result) -> None:
        self.parts, self.pipeline_id = str(parts), pipeline_id
        # batches no bigger than an even share of the work, so that every worker has some
        size = max(1, min(self.opts.batch_size, -(-len(paths) // self.opts.jobs)))
        pending = deque(_batches(paths, size))
        window = self.opts.jobs * 2
        self.executor = self._start(self.opts.jobs, self.parts, pipeline_id)
        inflight: dict[Future, list[str]] = {}
        try:
            while pending or inflight:
                while pending and len(inflight) < window:
                    batch = pending.popleft()
                    inflight[self.executor.submit(_worker_process, batch)] = batch
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                suspects: list[str] = []
                for fut in done:
                    batch = inflight.pop(fut)
                    try:
                        results = fut.result()
                    except BrokenProcessPool:
                        suspects.extend(batch)
                        continue
                    for result in results:
                        on_result(result)
                if suspects:  # a worker died: every file in flight is a suspect
                    for batch in inflight.values():
                        suspects.extend(batch)
                    inflight.clear()
                    self.executor.shutdown(wait=True, cancel_futures=True)
                    for path in suspects:
                        on_result(self._isolated(path))
                    self.executor = self._start(self.opts.jobs, self.parts, pipeline_id)
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def _isolated(self, path: str) -> dict[str, Any]:
        """Run one file in a worker of its own; record it as a crash when that worker dies too."""
        single = self._start(1, self.parts, self.pipeline_id)
        try:
            return single.submit(_worker_process, [path]).result()[0]
        except BrokenProcessPool:
            shown = _inputs.display_path(path)
            err = WorkerCrashError(f"{shown}: the worker process died while reading this file.")
            sha = _sha256_or_none(path)
            doc_id = doc_id_for(shown, sha)
            rows = empty_rows()
            rows["errors"].append(error_row(shown, err, sha256=sha, doc_id=doc_id))
            _write_part(Path(self.parts), doc_id, {"path": os.path.abspath(shown), "sha256": sha,
                                                   "pipeline": self.pipeline_id}, rows)
            return {"path": path, "doc_id": doc_id, "failed": True, "broken": 0}
        finally:
            single.shutdown(wait=True)


def _sha256_or_none(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


# -- the run -------------------------------------------------------------------


def _progress_bar(total: int, initial: int, show: bool | None):
    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if show is None else not show
    return tqdm(total=total, initial=initial, unit="report", desc="xxgk tag", disable=disable, file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def tag(
    inputs: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    format: str = "parquet",
    jobs: int = 1,
    batch_size: int = 16,
    system: str = DEFAULT_SYSTEM,
    resume: bool = True,
    strict: bool = False,
    progress: bool | None = None,
    html: bool = False,
    ocr: str = "auto",
    follow_symlinks: bool = False,
    limits: _limits.Limits | None = None,
    device: str = "auto",
    precision: str = "auto",
    engine: str = "local",
    address: str | None = None,
    actors: int | None = None,
    review_below: float | None = None,
) -> TagSummary:
    r"""Analyse every report the inputs name and write tidy tables to ``out``.

    Parameters
    ----------
    inputs : iterable of path or str
        Files, folders (searched recursively) and globs; see :func:`expand_inputs`.
    out : path
        The output folder (made when missing).
    format, jobs, batch_size, system, resume, strict, progress, html, ocr, device, precision
        See :class:`TagOptions`.
    follow_symlinks : bool, default False
        Read symbolic links whose target is outside the input folders (else
        each is an ``OutsideInputError`` row).
    limits : xxgk.limits.Limits, optional
        Time and size budget of each input (default: the limits in force,
        :func:`xxgk.limits.current_limits`). A file past its budget is one
        ``FileTimeoutError`` or ``TooLargeError`` row. A memory cap
        (``Limits.memory``) is set in the worker processes only, so with one
        job the work then runs in one worker process, never in the caller's.
    engine : {"local", "ray"}, default "local"
        Where the batches run: this machine's processes, or the actors of a
        Ray cluster (:mod:`xxgk.batch_ray`, ``pip install 'xxgk[ray]'``). Both
        write the same parts, tables and manifest, and either resumes the other.
    address : str, optional
        With ``engine="ray"``: the cluster to join (``ray start --head`` prints
        it); default a Ray already initialised in this process, else a local one.
    actors : int, optional
        With ``engine="ray"``: the actors, each building the system once
        (default: one per CPU of the cluster).
    review_below : float, optional
        The ``needs_review`` threshold of the sentences (default
        :func:`xxgk.report.review_threshold`, 0.9); set for the workers
        through ``$XXGK_REVIEW_BELOW`` and part of the pipeline key.

    Returns
    -------
    TagSummary
        Counts, wall time and where the tables are; ``summary.ok`` is False
        when any input failed.

    Raises
    ------
    InputError
        When an input names nothing (before any work starts).
    xxgk.errors.OutputError
        When ``out`` is not empty and not an xxgk run folder, cannot be
        written, or is full (:class:`~xxgk.errors.OutputLockedError` when
        another run holds it).
    ValueError
        For a bad parameter or an unknown system.
    xxgk.errors.MissingExtraError
        For ``engine="ray"`` when Ray is not installed.
    xxgk.errors.BaseModelMissingError, xxgk.errors.ModelError
        When the system is ``"model"`` and the base model is not fetched or
        the model folder is incomplete (before any work starts).

    Examples
    --------
    >>> import tempfile, pathlib, xxgk
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("2021年政府信息公开工作年度报告\n一、总体情况\n2021年，共受理申请6件。")
    >>> summary = tag([d], d / "out", progress=False)
    >>> summary.done, summary.failed, summary.ok
    (1, 0, True)
    >>> xxgk.load(d / "out").sentences["text"].tolist()[-1]
    '2021年,共受理申请6件。'
    >>> tag([d], d / "out", progress=False).skipped  # a second run finds it done
    1
    """
    from .pipeline import get_system

    opts = TagOptions(format=format, jobs=jobs, batch_size=batch_size, system=system, resume=resume, strict=strict,
                      progress=progress, html=html, ocr=ocr, device=device, precision=precision)
    if engine not in ("local", "ray"):
        raise ValueError(f"The 'engine' parameter of tag must be one of ('local', 'ray'). Got {engine!r} instead.")
    if engine == "ray":  # local paths and file:// URIs; Ray is checked for before any work
        from .batch_ray import local_path, require_ray

        require_ray()
        inputs, out = [local_path(i) for i in inputs], local_path(out)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(str(out), "The output must be a folder, and this is a file.", "Name a folder with --out.")
    # issue 15: regular files only, links kept inside the inputs, the output folder never read as input
    found = _inputs.discover(inputs, suffixes=REPORT_SUFFIXES, follow_symlinks=follow_symlinks, exclude=[out])
    # A missing base model or model folder stops the run here, before any work, not once per file.
    system_obj = get_system(opts.system, **opts.system_options())
    check = getattr(system_obj, "check", None)
    if callable(check):
        check()
    from .report import _review_env, review_threshold

    with _limits.use_limits(limits or _limits.current_limits()), _outdir.claim(out), _review_env(review_below):
        try:
            pool = None
            if engine == "ray":
                from .batch_ray import RayPool

                # GPU actors: with device="cuda[:N]" each actor takes a GPU
                pool = RayPool(opts, system_obj, address=address, actors=actors, device=device)
            return _tag(found, out, opts, system_obj, start=time.perf_counter(), pool=pool,
                        review=review_threshold(), engine=engine)
        except OSError as err:  # full disk, read-only folder
            raise _outdir.output_error(out, err) from None


def _tag(found: _inputs.Discovery, out: Path, opts: TagOptions, system_obj: Any, start: float,
         pool: Any = None, review: float | None = None, engine: str = "local") -> TagSummary:
    """The run itself; ``pool`` (``model_version()``, ``run()``, ``html``) runs the batches elsewhere than here."""
    files = found.files

    if pool is None and (opts.jobs > 1 or _limits.current_limits().memory):
        # issue 15: under a memory cap even one job runs in a capped worker, so that the cap never starves
        # this process (imports, the tables, the manifest): a file past it costs its own row, not the run
        pool = _Pool(opts)
    model_version = _model_version(system_obj) if pool is None else pool.model_version()
    key = pipeline_key(opts.system, model_version, opts.strict, opts.ocr)
    if review is not None and review != _REVIEW_DEFAULT:  # another needs_review threshold: other sentence rows
        key["review_below"] = review
    pid = _pipeline_id(key)
    parts = out / _PARTS / pid
    parts.mkdir(parents=True, exist_ok=True)
    html_dir = out / "html" if opts.html else None
    if html_dir is not None:
        html_dir.mkdir(exist_ok=True)
        if pool is not None:
            pool.html = str(html_dir)

    paths = [str(p) for p in files]
    doc_ids: dict[str, str] = {}
    earlier: dict[str, dict[str, list[dict[str, Any]]]] = {}  # path -> rows an earlier run wrote
    todo: list[str] = []
    refused = _write_refused(found.refused, parts, pid, doc_ids)  # issue 15: one errors row per refused input
    paths = [*paths, *refused]
    for path in paths:
        if path in doc_ids:
            continue
        sha = _sha256_or_none(path)
        doc_ids[path] = doc_id_for(_inputs.display_path(path), sha)
        if opts.resume and sha is not None:
            rows = _read_part(parts, doc_ids[path])
            # with --html, a report done by a run without it is done again for its page
            page_missing = (rows is not None and html_dir is not None and not rows.get("errors")
                            and not _page_path(html_dir, doc_ids[path]).exists())
            if rows is not None and not page_missing:
                earlier[path] = rows
                continue
        todo.append(path)

    summary = TagSummary(out=str(out), format=opts.format, inputs=len(paths),
                         skipped=len(paths) - len(todo) - len(refused), failed=len(refused))
    bar = _progress_bar(len(paths), summary.skipped, opts.progress)

    ctrl_c = [False]  # set by a Ctrl-C during the run (outdir.interrupt_flag)

    def on_result(result: dict[str, Any]) -> None:
        doc_ids[result["path"]] = result["doc_id"]
        if result.get("ocr"):
            summary.ocr[result["path"]] = result["ocr"]
        if result["failed"]:
            summary.failed += 1
        else:
            summary.done += 1
        bar.update(1)
        bar.set_postfix(failed=summary.failed, skipped=summary.skipped, refresh=False)
        if ctrl_c[0]:  # a Ctrl-C that something swallowed on its way up still stops the run here
            raise KeyboardInterrupt

    def on_ocr_page(done: int, total: int) -> None:  # scans take seconds a page: show the pages too
        bar.set_postfix_str(f"OCR page {done}/{total}")

    from .ocr.pdf import add_progress_hook, remove_progress_hook

    interrupted = False
    add_progress_hook(on_ocr_page)
    try:
        with _outdir.interrupt_flag() as ctrl_c:
            if pool is None:
                for batch in _batches(todo, opts.batch_size):
                    for result in _process_batch(batch, system_obj, opts.strict, str(parts), pid, str(html_dir or ""),
                                                 opts.ocr):
                        on_result(result)
            elif todo:
                pool.run(todo, parts, pid, on_result)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        remove_progress_hook(on_ocr_page)
        bar.close()

    summary.complete = not interrupted
    with _outdir.deferred_interrupt():  # issue 15: the tables and the manifest are written whole, manifest last
        _consolidate(paths, doc_ids, parts, out, opts, key, pid, summary, earlier, start, runtime={**_runtime(system_obj, opts), "engine": engine})
    if interrupted:
        raise KeyboardInterrupt
    return summary


def _write_refused(refused: list[tuple[str, InputError]], parts: Path, pid: str, doc_ids: dict[str, str]) -> list[str]:
    """Write the part of each input refused before reading (special file, link out of the inputs, unreadable folder)."""
    paths = []
    for path, err in refused:
        shown = _inputs.display_path(path)
        doc_id = doc_id_for(shown, None)
        rows = empty_rows()
        rows["errors"].append(error_row(shown, err, doc_id=doc_id))
        _write_part(parts, doc_id, {"path": os.path.abspath(shown), "sha256": None, "pipeline": pid}, rows)
        doc_ids[path] = doc_id
        paths.append(path)
    return paths


def _consolidate(paths: list[str], doc_ids: dict[str, str], parts: Path, out: Path, opts: TagOptions,
                 key: dict[str, Any], pid: str, summary: TagSummary, earlier: dict[str, Any], start: float,
                 runtime: dict[str, Any] | None = None) -> None:
    """Gather the parts of this run's inputs, in input order, into the tables and the manifest."""
    tables = empty_rows()
    processed = failed = 0
    for path in paths:
        rows = earlier[path] if path in earlier else _read_part(parts, doc_ids[path])
        if rows is None:  # not done (the run was interrupted)
            summary.complete = False
            continue
        if path not in earlier:  # counted from the parts on disk, so the manifest is true after Ctrl-C too
            processed += 1
            failed += bool(rows.get("errors"))
        for name in TABLES:
            tables[name].extend(rows.get(name, []))
        if path in earlier and rows.get("errors"):
            summary.skipped_failed += 1
    summary.done, summary.failed = processed - failed, failed
    written = write_tables(tables, out, format=opts.format)
    if opts.html:
        from .view import write_index

        pages = [_page_path(out / "html", doc_ids[p]) for p in paths]
        write_index(out / "html", [p for p in pages if p.exists()], title=f"xxgk reports in {out}",
                    errors=tables["errors"])
    summary.errors = len(tables["errors"])
    broken = [c for c in tables["checks"] if _is_broken(c)]
    summary.broken_rules = len(broken)
    summary.documents_with_broken_rules = len({c["doc_id"] for c in broken})
    summary.tables = {name: len(tables[name]) for name in TABLES}
    summary.wall_s = round(time.perf_counter() - start, 3)
    write_manifest(out, {
        "xxgk_version": key["xxgk"],
        "rows_schema": ROWS_SCHEMA_VERSION,
        "system": opts.system,
        "model_version": key["model"],
        "pipeline": key,
        "pipeline_id": pid,
        "format": opts.format,
        "options": {"jobs": opts.jobs, "batch_size": opts.batch_size, "resume": opts.resume, "strict": opts.strict, "system": opts.system,
                    "format": opts.format, "ocr": opts.ocr},
        "ocr": {"mode": opts.ocr, "engine": key["ocr"], "files": summary.ocr},
        "runtime": runtime or {},
        "complete": summary.complete,
        "tables": {name: {"file": path.name, "rows": len(tables[name])} for name, path in written.items()},
        "summary": {k: v for k, v in summary.to_dict().items() if k not in ("tables", "out", "format", "ocr")},
    })
