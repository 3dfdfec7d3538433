"""The Ray engine of ``xxgk tag`` (``--engine ray``): the local engine's batches, run by the actors of a Ray cluster.

Everything but where the batches run is :mod:`xxgk.batch`'s: the inputs are
listed and hashed by the driver (the same ids, the same skipping of inputs
already done), the output folder is locked and the tables and the manifest
are gathered by the driver, and each batch is analysed by
:func:`xxgk.batch._process_batch`, which writes each report's part
(``DIR/parts/<pipeline>/<doc_id>.json``) as its batch ends. So a Ray run
writes exactly the tables of a local run, a killed Ray run resumes like a
local one, and either engine resumes the other.

What is Ray's: the inputs not yet done become a Ray Dataset of paths, and
``map_batches`` sends them, ``batch_size`` at a time, to a pool of actors
(:class:`ray.data.ActorPoolStrategy`), each of which builds the system once
(the model is loaded once per actor, not once per batch), with the
driver's ``device``, ``precision`` and ``review_below`` passed to it (not
through the environment, which a cluster's actors do not share). With
``device="cuda"`` each actor takes a GPU.

Paths are local paths or ``file://`` URIs (resolved with
:meth:`pyarrow.fs.FileSystem.from_uri`); on a cluster they must name a
filesystem that every node mounts at the same place (NFS, a mounted bucket),
since the actors read the inputs and write the parts themselves.

A batch whose actor dies (a crash in a native library) is run again by Ray
a few times; when it keeps failing, the inputs that have no result are run
again one per task; the inputs still without one (the killer and any input
queued behind it on the same actor) each run alone in a plain Ray task, and
an input whose own task dies is recorded as ``WorkerCrashError``, as in the
local engine.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import limits as _limits
from .batch import TagOptions, WorkerCrashError, _model_version, _process_batch, _sha256_or_none, _write_part
from .errors import InputError, MissingExtraError
from .inputs import display_path
from .report import review_threshold
from .tidy import doc_id_for, empty_rows, error_row

__all__ = ["RayPool", "local_path", "require_ray"]

#: The Ray Data settings a run changes (and puts back).
_CONTEXT = ("enable_progress_bars", "print_on_execution_start", "max_errored_blocks")

#: How many times Ray retries a batch whose actor died before the inputs are run one by one.
_TASK_RETRIES = 2


def require_ray() -> None:
    """Raise :class:`~xxgk.errors.MissingExtraError` when Ray (with Ray Data) is not installed."""
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError as err:
        raise MissingExtraError("xxgk tag --engine ray", "ray", "ray") from err


def local_path(target: str | os.PathLike) -> str | os.PathLike:
    """A path for the Ray engine: a ``file://`` URI as its local path, anything else without a scheme as it is.

    Raises
    ------
    xxgk.errors.InputError
        For a URI of another filesystem (``s3://``, ``gs://``, ``hdfs://``):
        the engine reads and writes through a mounted filesystem only.

    Examples
    --------
    >>> local_path("file:///data/reports/a.pdf")
    '/data/reports/a.pdf'
    >>> local_path("reports/*.pdf")
    'reports/*.pdf'
    """
    if isinstance(target, bytes) or not isinstance(target, str) or "://" not in target:
        return target
    scheme = urlsplit(target).scheme.lower()
    if scheme != "file":
        raise InputError(display_path(target), f"--engine ray reads and writes local paths and file:// URIs; "
                         f"{scheme}:// is not supported yet.",
                         "Mount the store on every node (NFS, s3fs, gcsfuse) and pass its path.")
    from pyarrow import fs

    try:
        filesystem, path = fs.FileSystem.from_uri(target)
    except (ValueError, OSError) as err:  # pyarrow.ArrowInvalid is a ValueError
        raise InputError(display_path(target), f"Not a file URI ({err}).", "Write it as file:///absolute/path.") from None
    if not isinstance(filesystem, fs.LocalFileSystem):  # pragma: no cover - file:// is always local
        raise InputError(display_path(target), "Not a local file URI.", "Write it as file:///absolute/path.")
    return path


class _Tagger:
    """A Ray actor: builds the system once, then analyses batches of paths with the local engine's batch function."""

    def __init__(self, system: str, strict: bool, parts: str, pipeline_id: str, html: str, ocr: str,
                 limits: _limits.Limits | None, system_options: dict[str, Any] | None = None,
                 review_below: float | None = None) -> None:
        from .pipeline import get_system

        if limits is not None:
            _limits.set_limits(limits)
        _limits.release_freed_memory()  # an actor is a worker process of ours
        if review_below is not None:  # the actor's process is its own: the driver's environment does not reach it
            os.environ["XXGK_REVIEW_BELOW"] = repr(float(review_below))
        self.system = get_system(system, **(system_options or {}))  # the driver's device and precision
        self.args = (strict, parts, pipeline_id, html, ocr)

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        paths = [os.fsdecode(p) for p in batch.column("path").to_pylist()]  # bytes: any file name survives
        strict, parts, pipeline_id, html, ocr = self.args
        results = _process_batch(paths, self.system, strict, parts, pipeline_id, html, ocr)
        return pa.table({"result": [json.dumps(r) for r in results]})


class RayPool:
    """Runs the batches of :func:`xxgk.batch.tag` on Ray actors (what ``engine="ray"`` uses).

    Parameters
    ----------
    opts : xxgk.batch.TagOptions
        The run's options (system, batch size, strictness, OCR, progress).
    system : System
        The system the driver built: its version goes into the pipeline key.
    address : str, optional
        The cluster to join; default the Ray initialised in this process,
        else a new local one (shut down at the end of the run).
    actors : int, optional
        Actors in the pool; default ``opts.jobs`` when above 1, else one
        per CPU (per GPU with ``device="cuda"``) of the cluster.
    device : str, optional
        ``"cuda"`` or ``"cuda:N"`` gives each actor a GPU (``num_gpus=1``);
        the system runs where it runs by default otherwise.
    """

    def __init__(self, opts: TagOptions, system: Any, *, address: str | None = None, actors: int | None = None,
                 device: str | None = None) -> None:
        require_ray()
        if actors is not None and (isinstance(actors, bool) or not isinstance(actors, int) or actors < 1):
            raise ValueError(f"The 'actors' parameter of tag must be a positive int. Got {actors!r} instead.")
        actors = actors or (opts.jobs if opts.jobs > 1 else None)  # --jobs N with --engine ray: N actors
        self.opts, self.system, self.address, self.actors, self.device = opts, system, address, actors, device
        self.html = ""

    def model_version(self) -> str:
        return _model_version(self.system)

    @property
    def gpu(self) -> bool:
        return bool(self.device) and str(self.device).startswith("cuda")

    def _connect(self) -> bool:
        """Join the cluster (or start a local one); True when this run started Ray and must shut it down."""
        import ray

        if ray.is_initialized():
            return False
        ray.init(address=self.address, include_dashboard=False, logging_level=logging.WARNING,
                 log_to_driver=True)
        return True

    def run(self, paths: Sequence[str], parts: Path, pipeline_id: str, on_result: Callable[[dict[str, Any]], None]) -> None:
        """Analyse ``paths`` on the actors; ``on_result`` gets each input's outcome as its batch ends."""
        import ray

        if not paths:
            return
        started = self._connect()
        quiet = logging.getLogger("ray.data")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # Ray Data's per-run notices; its errors still raise
        ctx = ray.data.DataContext.get_current()
        saved = {name: getattr(ctx, name) for name in _CONTEXT}
        try:
            ctx.enable_progress_bars = False  # the driver's own bar counts the reports
            ctx.print_on_execution_start = False
            seen: set[str] = set()

            def report(result: dict[str, Any]) -> None:
                seen.add(result["path"])
                on_result(result)

            try:
                self._map(paths, str(parts), pipeline_id, self.opts.batch_size, report)
                crashed = False
            except ray.exceptions.RayError:  # a batch kept killing its actor: the rest one input per task
                crashed = True
            if crashed:
                rest = [p for p in paths if p not in seen]
                self._map(rest, str(parts), pipeline_id, 1, report, skip_failed=True)
                suspects = [p for p in rest if p not in seen]
                if len(suspects) > 1:
                    # a task queued on an actor that another input killed dies with it: each suspect alone,
                    # so that only the input that kills its process is recorded as the crash
                    self._alone(suspects, str(parts), pipeline_id, report)
                for path in suspects:
                    if path not in seen:
                        report(_crash_part(path, parts, pipeline_id))
        finally:
            for name, value in saved.items():  # the caller's Ray Data settings, as they were
                setattr(ctx, name, value)
            quiet.setLevel(level)
            if started:
                ray.shutdown()

    def _map(self, paths: Sequence[str], parts: str, pipeline_id: str, batch_size: int,
             report: Callable[[dict[str, Any]], None], skip_failed: bool = False) -> None:
        import ray

        workers = self.actors or max(1, int(ray.cluster_resources().get("GPU" if self.gpu else "CPU", 1)))
        # batches no bigger than an even share of the work, so that every actor has some
        size = max(1, min(batch_size, -(-len(paths) // workers)))
        ctx = ray.data.DataContext.get_current()
        ctx.max_errored_blocks = -1 if skip_failed else 0
        items = [{"path": os.fsencode(p)} for p in paths]
        ds = ray.data.from_items(items, override_num_blocks=max(1, -(-len(paths) // size)))
        resources = self._resources()
        with warnings.catch_warnings():  # max_task_retries goes through ray_remote_args, which Ray deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            tagged = ds.map_batches(
                _Tagger, batch_size=size, batch_format="pyarrow",
                compute=ray.data.ActorPoolStrategy(size=min(workers, -(-len(paths) // size))),
                fn_constructor_kwargs=self._tagger_kwargs(parts, pipeline_id),
                max_task_retries=0 if skip_failed else _TASK_RETRIES, **resources)
        for row in tagged.iter_rows():
            report(json.loads(row["result"]))

    def _resources(self) -> dict[str, Any]:
        return {"num_gpus": 1} if self.gpu else {"num_cpus": 1}

    def _tagger_kwargs(self, parts: str, pipeline_id: str) -> dict[str, Any]:
        return {"system": self.opts.system, "strict": self.opts.strict, "parts": parts, "pipeline_id": pipeline_id,
                "html": self.html, "ocr": self.opts.ocr, "limits": _limits.current_limits(),
                "system_options": self.opts.system_options(), "review_below": review_threshold()}

    def _alone(self, paths: Sequence[str], parts: str, pipeline_id: str,
               report: Callable[[dict[str, Any]], None]) -> None:
        """Each of ``paths`` in a plain Ray task of its own, never retried; a task whose process dies reports nothing."""
        import ray

        # no CPU asked for: the earlier passes' actors can still hold the cluster's CPUs here (seen on a 2-CPU
        # local Ray, where a task asking for one waited forever); the suspects are few and run one at a time
        task = ray.remote(_tag_alone).options(max_retries=0, **({"num_gpus": 1} if self.gpu else {"num_cpus": 0}))
        kwargs = self._tagger_kwargs(parts, pipeline_id)
        for path in paths:
            try:
                results = ray.get(task.remote(kwargs, os.fsencode(path)))
            except ray.exceptions.RayError:  # its process died: the caller records the crash
                continue
            for result in results:
                report(json.loads(result))


def _tag_alone(kwargs: dict[str, Any], path: bytes) -> list[str]:
    """One input through a fresh :class:`_Tagger` (a Ray task: see :meth:`RayPool._alone`)."""
    import pyarrow as pa

    return _Tagger(**kwargs)(pa.table({"path": [path]})).column("result").to_pylist()


def _crash_part(path: str, parts: Path, pipeline_id: str) -> dict[str, Any]:
    """Record an input whose task kept dying as one ``WorkerCrashError`` row."""
    shown = display_path(path)
    err = WorkerCrashError(f"{shown}: the Ray actor died while reading this file.")
    sha = _sha256_or_none(path)
    doc_id = doc_id_for(shown, sha)
    rows = empty_rows()
    rows["errors"].append(error_row(shown, err, sha256=sha, doc_id=doc_id))
    _write_part(Path(parts), doc_id, {"path": os.path.abspath(shown), "sha256": sha, "pipeline": pipeline_id}, rows)
    return {"path": path, "doc_id": doc_id, "failed": True, "broken": 0}
