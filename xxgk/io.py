"""Writing and reading the tidy tables of ``xxgk tag``: Parquet or JSONL, a manifest, and loaders.

An output folder holds one file per table of :mod:`xxgk.tidy`
(``documents.parquet``, ``sections.parquet``, … or ``*.jsonl``), a
``manifest.json`` (xxgk version, system, model version, options, row
counts) and ``parts/``, the per-document results a run builds them from.
Every file is written to a temporary name and renamed into place, so a
reader never sees half a file.

>>> import tempfile
>>> from xxgk.tidy import empty_rows
>>> out = tempfile.mkdtemp()
>>> tables = empty_rows()
>>> tables["errors"].append({"doc_id": "x", "path": "a.txt", "sha256": None, "error": "EmptyFileError", "message": "a.txt: empty"})
>>> _ = write_tables(tables, out, format="jsonl")
>>> _ = write_manifest(out, {"format": "jsonl"})
>>> results = load(out)
>>> results.errors[["path", "error"]].values.tolist(), len(results.documents)
([['a.txt', 'EmptyFileError']], 0)
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import MissingExtraError
from .outdir import check_loaded, check_manifest, file_mode, listed_by_manifest
from .tidy import COLUMNS, TABLES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "FORMATS",
    "MANIFEST",
    "Results",
    "atomic_write_bytes",
    "atomic_write_text",
    "write_table",
    "write_tables",
    "write_manifest",
    "read_manifest",
    "read_table",
    "load",
    "load_dataset",
]

#: Output formats of ``xxgk tag``.
FORMATS = ("parquet", "jsonl")

#: The manifest's file name in an output folder.
MANIFEST = "manifest.json"


# -- atomic writes ---------------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, fsync: bool = True) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never a part; a process
    killed mid-way leaves at most a ``*.tmp`` file beside it. ``fsync=False``
    skips flushing to disk: still whole after a killed process, but not
    after a power cut (use it where the reader checks what it reads).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())  # mkstemp makes 0600; outputs follow the umask like any other file
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, *, fsync: bool = True) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync)


# -- schemas ---------------------------------------------------------------


def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa

    return {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
        "list<float64>": pa.list_(pa.float64()),
    }[kind]


def schema(table: str) -> pa.Schema:
    """The Arrow schema of one table of :mod:`xxgk.tidy`."""
    import pyarrow as pa

    if table not in COLUMNS:
        raise ValueError(f"The 'table' parameter must be one of {list(TABLES)}. Got {table!r} instead.")
    return pa.schema([(col, _arrow_type(kind)) for col, kind in COLUMNS[table].items()])


def _to_arrow(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=schema(table))


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"The 'format' parameter must be one of {list(FORMATS)}. Got {format!r} instead.")
    return format


# -- writing ---------------------------------------------------------------


def write_table(rows: list[dict[str, Any]], out: str | os.PathLike, table: str, *, format: str = "parquet") -> Path:
    """Write one table's rows to ``out/TABLE.parquet`` (or ``.jsonl``), atomically.

    Rows must have the columns of :data:`xxgk.tidy.COLUMNS` (as
    :func:`xxgk.tidy.report_rows` makes them).
    """
    _check_format(format)
    path = Path(out) / f"{table}.{format}"
    if format == "jsonl":
        columns = list(COLUMNS[table])
        lines = [json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) for r in rows]
        return atomic_write_text(path, "".join(line + "\n" for line in lines))
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(_to_arrow(table, rows), sink, compression="zstd")
    return atomic_write_bytes(path, sink.getvalue().to_pybytes())


def write_tables(tables: Mapping[str, list[dict[str, Any]]], out: str | os.PathLike, *,
                 format: str = "parquet") -> dict[str, Path]:
    """Write every table of :data:`xxgk.tidy.TABLES` (missing ones as empty tables) and remove the other format's files."""
    _check_format(format)
    out = Path(out)
    written = {name: write_table(list(tables.get(name, [])), out, name, format=format) for name in TABLES}
    for name in TABLES:
        for other in FORMATS:
            stale = out / f"{name}.{other}"
            if other != format and stale.exists() and listed_by_manifest(out, stale.name):  # only files a run wrote
                stale.unlink()
    return written


def write_manifest(out: str | os.PathLike, manifest: Mapping[str, Any]) -> Path:
    """Write ``out/manifest.json`` atomically."""
    return atomic_write_text(Path(out) / MANIFEST, json.dumps(dict(manifest), ensure_ascii=False, indent=2) + "\n")


# -- reading ---------------------------------------------------------------


def read_manifest(out: str | os.PathLike) -> dict[str, Any]:
    """The manifest of an output folder.

    Raises
    ------
    FileNotFoundError
        When ``out`` holds no ``manifest.json`` (it is not an ``xxgk tag`` output, or the run never finished).
    """
    path = Path(out) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: no manifest here, so {out} is not the output of a finished `xxgk tag` run. "
            "Run `xxgk tag INPUT... --out DIR` (it resumes where a killed run stopped)."
        )
    from .errors import ResultsError

    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ResultsError(str(path), f"The manifest cannot be read ({type(err).__name__}: {err}).",
                           "Run `xxgk tag` again into this folder.") from None
    return check_manifest(path, manifest, FORMATS, TABLES)


def _find_format(out: Path, manifest: Mapping[str, Any]) -> str:
    fmt = manifest.get("format")
    if fmt in FORMATS:
        return fmt
    for candidate in FORMATS:
        if (out / f"documents.{candidate}").exists():
            return candidate
    raise FileNotFoundError(f"{out}: no documents.parquet or documents.jsonl here.")


def read_table(out: str | os.PathLike, table: str, *, format: str | None = None) -> pa.Table:
    """One table of an output folder as an Arrow table with the schema of :mod:`xxgk.tidy`.

    A table file that is absent (an output of an older xxgk) reads as empty.
    """
    import pyarrow as pa

    out = Path(out)
    fmt = _check_format(format) if format else _find_format(out, {})
    path = out / f"{table}.{fmt}"
    target = schema(table)
    if not path.exists():
        return target.empty_table()
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return pa.Table.from_pylist(rows, schema=target)
    import pyarrow.parquet as pq

    data = pq.read_table(path)
    present = [c for c in target.names if c in data.column_names]
    data = data.select(present)
    for col in target.names:  # columns added in a later schema read as nulls
        if col not in data.column_names:
            data = data.append_column(target.field(col), pa.nulls(len(data), type=target.field(col).type))
    return data.select(target.names).cast(target)


def _to_pandas(data: pa.Table) -> pd.DataFrame:
    import pandas as pd
    import pyarrow as pa

    frame = data.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    return frame


@dataclass(eq=False)
class Results(Mapping):
    """The tables of one ``xxgk tag`` output folder, as pandas DataFrames.

    Each table of :mod:`xxgk.tidy` is an attribute (``results.sentences``)
    and a key (``results["sentences"]``); ``dict(results)`` gives the plain
    mapping. Integer columns use pandas' nullable ``Int64``.
    """

    documents: pd.DataFrame
    sections: pd.DataFrame
    sentences: pd.DataFrame
    cells: pd.DataFrame
    checks: pd.DataFrame
    findings: pd.DataFrame
    errors: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise KeyError(f"{name!r} is not a table of an xxgk output; the tables are {list(TABLES)}.")
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES)

    def __len__(self) -> int:
        return len(TABLES)

    def __eq__(self, other: object) -> bool:  # DataFrames have no single truth value
        return self is other

    __hash__ = object.__hash__


def load(out: str | os.PathLike, *, partial: bool = False) -> Results:
    """Load the tables written by ``xxgk tag --out DIR`` as pandas DataFrames.

    Parameters
    ----------
    out : path
        The output folder of ``xxgk tag``.
    partial : bool, default False
        Load the tables of an interrupted run (manifest ``complete: false``)
        instead of raising.

    Returns
    -------
    Results
        ``documents``, ``sections``, ``sentences``, ``cells``, ``checks``,
        ``findings`` and ``errors`` as attributes and keys, plus the ``manifest``.

    Raises
    ------
    FileNotFoundError
        When ``out`` holds no manifest.
    xxgk.errors.ResultsError
        Naming the file, when the manifest or a table is damaged, a table it
        lists is missing or has another number of rows, or the run was
        interrupted (unless ``partial``).

    Examples
    --------
    >>> import tempfile, xxgk
    >>> from xxgk.tidy import empty_rows
    >>> out = tempfile.mkdtemp()
    >>> tables = empty_rows()
    >>> tables["sentences"] = [{"doc_id": "d1", "index": 0, "section": "problems_improvements", "tag": "problem",
    ...                         "confidence": 0.9, "text": "主动公开意识有待增强。"}]
    >>> _ = write_tables(tables, out); _ = write_manifest(out, {"format": "parquet"})
    >>> results = xxgk.load(out)
    >>> results.sentences[["section", "tag"]].value_counts().to_dict()
    {('problems_improvements', 'problem'): 1}
    >>> results["sentences"]["index"].dtype, list(results)[:3]
    (Int64Dtype(), ['documents', 'sections', 'sentences'])
    """
    out = Path(out)
    manifest = read_manifest(out)
    fmt = _find_format(out, manifest)
    frames = {name: _to_pandas(_read_checked(out, name, fmt)) for name in TABLES}
    check_loaded(out, manifest, fmt, {name: len(frame) for name, frame in frames.items()}, partial=partial)
    return Results(**frames, manifest=manifest)


def _read_checked(out: Path, name: str, fmt: str) -> pa.Table:
    """:func:`read_table`, with a damaged file raised as ResultsError naming it."""
    from .errors import ResultsError

    try:
        return read_table(out, name, format=fmt)
    except (ValueError, OSError, TypeError, KeyError) as err:  # ArrowInvalid is a ValueError
        raise ResultsError(str(out / f"{name}.{fmt}"), f"The table cannot be read ({type(err).__name__}: {err}).",
                           "Run `xxgk tag` again into this folder (it rebuilds the tables from parts/).") from None


def load_dataset(out: str | os.PathLike) -> Any:
    """Load the tables written by ``xxgk tag --out DIR`` as a :class:`datasets.DatasetDict`.

    One split per table (``documents``, ``sections``, ``sentences``, …),
    with the column types of :mod:`xxgk.tidy`.

    Examples
    --------
    >>> import tempfile, xxgk
    >>> from xxgk.tidy import empty_rows
    >>> out = tempfile.mkdtemp()
    >>> tables = empty_rows()
    >>> tables["sentences"] = [{"doc_id": "d1", "index": i, "tag": t} for i, t in enumerate(["plan", "problem"])]
    >>> _ = write_tables(tables, out); _ = write_manifest(out, {"format": "parquet"})
    >>> ds = xxgk.load_dataset(out)
    >>> list(ds["sentences"].filter(lambda s: s["tag"] == "problem")["index"]), ds["documents"].num_rows
    ([1], 0)
    """
    try:
        import datasets
        from datasets.table import InMemoryTable
    except ModuleNotFoundError as err:  # datasets is an extra: pip install 'xxgk[hf]'
        raise MissingExtraError("xxgk.load_dataset", "datasets", "hf") from err

    out = Path(out)
    fmt = _find_format(out, read_manifest(out))
    return datasets.DatasetDict(
        {name: datasets.Dataset(InMemoryTable(read_table(out, name, format=fmt))) for name in TABLES}
    )
