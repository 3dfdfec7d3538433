r"""Gold annotation files: load, validate and find their sources (``report-format.md`` section 5).

A gold file is one JSON object per annotated report::

    {"id": "...", "source": "corpus/000_x.txt", "meta": {...},
     "sections": [{"label": "preamble", "first_line": "..."}, ...],
     "sentences": [{"text": "...", "tag": "other", "section": "preamble"}, ...],
     "tables": {"applications": {...}, ...}}

:func:`load_gold` reads and checks one file and returns a :class:`GoldDoc`;
:func:`iter_gold` reads every ``*.json`` of a folder in name order (never a
fixed list of names: new gold files are picked up as they arrive).

``source`` is relative to a *root* folder: by default the parent of the gold
folder (``shared/gold/x.json`` names ``corpus/…`` relative to ``shared/``).
Pass ``root=`` to evaluate a folder laid out differently.

Examples
--------
>>> import json, pathlib, tempfile
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "corpus").mkdir(); (tmp / "gold").mkdir()
>>> _ = (tmp / "corpus" / "r.txt").write_text("一、总体情况\n无。", encoding="utf-8")
>>> gold = {"id": "r", "source": "corpus/r.txt", "meta": {"year": 2021},
...         "sections": [{"label": "overview", "first_line": "一、总体情况"}],
...         "sentences": [{"text": "一、总体情况", "tag": "other", "section": "overview"},
...                       {"text": "无。", "tag": "other", "section": "overview"}]}
>>> _ = (tmp / "gold" / "r.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
>>> [g.id for g in iter_gold(tmp / "gold")]
['r']
>>> g = load_gold(tmp / "gold" / "r.json")
>>> g.source_path.name, g.section_sequence, g.tags
('r.txt', ['overview'], ['other', 'other'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GoldFileError
from .spec import SECTION_LABELS, TABLE_NAMES, TAGS

__all__ = ["GoldSection", "GoldSentence", "GoldDoc", "load_gold", "iter_gold", "gold_files"]


@dataclass(frozen=True)
class GoldSection:
    """A section present in the report and the first line that belongs to it."""

    label: str
    first_line: str


@dataclass(frozen=True)
class GoldSentence:
    """A sentence of the report (white space removed) with its tag and section."""

    text: str
    tag: str
    section: str


@dataclass
class GoldDoc:
    """One gold file, checked.

    Attributes
    ----------
    id : str
        The report's id (the file's ``id``).
    path : Path
        The gold file.
    source : str
        ``source`` as written in the file (relative to the root).
    source_path : Path
        ``source`` resolved against the root; it exists.
    meta : dict
        The file's ``meta`` (body, year, template, script, format, notes,
        ``cells_in_source`` where the report has tables).
    sections : list of GoldSection
        In document order; a label may come back (a report that returns to a section).
    sentences : list of GoldSentence
        Every sentence in order except the cells of the statistical tables.
    tables : dict
        Table name → ``{"template": ..., row: {col: number or None}}`` (or
        ``row: {col: ...}`` alone); a table the report lacks is absent.
    """

    id: str
    path: Path
    source: str
    source_path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    sections: list[GoldSection] = field(default_factory=list)
    sentences: list[GoldSentence] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """The sentences' texts, in order."""
        return [s.text for s in self.sentences]

    @property
    def tags(self) -> list[str]:
        return [s.tag for s in self.sentences]

    @property
    def section_labels(self) -> list[str]:
        """The section of every sentence, in order."""
        return [s.section for s in self.sentences]

    @property
    def section_sequence(self) -> list[str]:
        """The sections as listed in the file (a label can occur twice)."""
        return [s.label for s in self.sections]

    @property
    def cells_in_source(self) -> bool | None:
        """``meta.cells_in_source``: False when the source lost its table cells; None when unstated."""
        value = self.meta.get("cells_in_source")
        return None if value is None else bool(value)

    @property
    def template(self) -> str | None:
        value = self.meta.get("template")
        return None if value is None else str(value)


def _fail(path: Path, problem: str) -> GoldFileError:
    return GoldFileError(f"{path}: {problem} See report-format.md section 5 for the gold format.")


def _need_str(path: Path, obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{where} needs a non-empty string {key!r}; got {value!r}.")
    return value


def _check_table(path: Path, name: str, table: Any) -> None:
    if name not in TABLE_NAMES:
        raise _fail(path, f"Unknown table {name!r} in 'tables'; expected one of {', '.join(TABLE_NAMES)}.")
    if not isinstance(table, dict):
        raise _fail(path, f"Table {name!r} must be an object of rows; got {type(table).__name__}.")
    for row, cols in table.items():
        if row == "template":
            continue
        if not isinstance(cols, dict):
            raise _fail(path, f"Row {name}.{row} must be an object of columns; got {cols!r}.")
        for col, value in cols.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise _fail(path, f"Cell {name}.{row}.{col} must be a number or null; got {value!r}.")


def _resolve_root(path: Path, root: str | os.PathLike | None) -> Path:
    return Path(root) if root is not None else path.resolve().parent.parent


def load_gold(path: str | os.PathLike, root: str | os.PathLike | None = None, *, check_source: bool = True) -> GoldDoc:
    """Read and check one gold file.

    Parameters
    ----------
    path : path
        The gold JSON file.
    root : path, optional
        The folder ``source`` is relative to. Default: the parent of the gold
        file's folder (``shared/`` for ``shared/gold/x.json``).
    check_source : bool, default True
        Raise when the source file does not exist.

    Returns
    -------
    GoldDoc

    Raises
    ------
    xxgk.errors.GoldFileError
        When the file is not valid JSON, lacks a required field, uses an
        unknown label or tag, or names a source that is not there.
    """
    path = Path(path)
    data = _read_json(path)
    gid = _need_str(path, data, "id", "The file")
    source = _need_str(path, data, "source", "The file")
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise _fail(path, f"'meta' must be an object; got {meta!r}.")
    sections = _sections(path, data.get("sections"))
    sentences = _sentences(path, data.get("sentences"))
    # the sentences' sections, run by run, must be the sections listed
    runs: list[str] = []
    for s in sentences:
        if not runs or runs[-1] != s.section:
            runs.append(s.section)
    listed = [s.label for s in sections]
    if runs != listed:
        raise _fail(path, f"The sentences run through sections {runs}, but 'sections' lists {listed}; they must agree.")
    tables = data.get("tables") or {}
    if not isinstance(tables, dict):
        raise _fail(path, f"'tables' must be an object; got {type(tables).__name__}.")
    for name, table in tables.items():
        _check_table(path, name, table)
    source_path = _resolve_root(path, root) / source
    if check_source and not source_path.is_file():
        raise GoldFileError(
            f"{path}: its source {source!r} is not at {source_path}. "
            "Pass --root (root=) with the folder that 'source' is relative to."
        )
    return GoldDoc(
        id=gid, path=path, source=source, source_path=source_path, meta=dict(meta),
        sections=sections, sentences=sentences, tables=dict(tables),
    )


def _read_json(path: Path) -> dict[str, Any]:
    """The gold file's one JSON object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise GoldFileError(f"{path}: cannot be read ({err.strerror or err}). Check the path.") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _fail(path, f"Not valid UTF-8 JSON ({err}).") from err
    if not isinstance(data, dict):
        raise _fail(path, f"The file must hold one JSON object; got {type(data).__name__}.")
    return data


def _sections(path: Path, raw: Any) -> list[GoldSection]:
    """The ``sections`` list, each label checked."""
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "'sections' must be a non-empty list of {label, first_line}.")
    sections: list[GoldSection] = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise _fail(path, f"sections[{i}] must be an object; got {s!r}.")
        label = _need_str(path, s, "label", f"sections[{i}]")
        if label not in SECTION_LABELS:
            raise _fail(path, f"sections[{i}] has unknown label {label!r}; expected one of {', '.join(SECTION_LABELS)}.")
        sections.append(GoldSection(label=label, first_line=str(s.get("first_line", ""))))
    return sections


def _sentences(path: Path, raw: Any) -> list[GoldSentence]:
    """The ``sentences`` list, each tag and section checked."""
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "'sentences' must be a non-empty list of {text, tag, section}.")
    sentences: list[GoldSentence] = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise _fail(path, f"sentences[{i}] must be an object; got {s!r}.")
        text = _need_str(path, s, "text", f"sentences[{i}]")
        tag = _need_str(path, s, "tag", f"sentences[{i}]")
        sec = _need_str(path, s, "section", f"sentences[{i}]")
        if tag not in TAGS:
            raise _fail(path, f"sentences[{i}] has unknown tag {tag!r}; expected one of {', '.join(TAGS)}.")
        if sec not in SECTION_LABELS:
            raise _fail(path, f"sentences[{i}] has unknown section {sec!r}; expected one of {', '.join(SECTION_LABELS)}.")
        sentences.append(GoldSentence(text=text, tag=tag, section=sec))
    return sentences


def gold_files(gold_dir: str | os.PathLike) -> list[Path]:
    """The ``*.json`` files of ``gold_dir`` in name order.

    Raises
    ------
    xxgk.errors.GoldFileError
        When the folder does not exist or holds no gold file.
    """
    folder = Path(gold_dir)
    if not folder.is_dir():
        raise GoldFileError(f"{folder}: is not a folder of gold files. Pass the folder that holds the *.json gold files.")
    files = sorted(p for p in folder.glob("*.json") if p.is_file())
    if not files:
        raise GoldFileError(f"{folder}: holds no *.json gold file. Pass the folder that holds them (e.g. ../shared/gold).")
    return files


def iter_gold(gold_dir: str | os.PathLike, root: str | os.PathLike | None = None) -> Iterator[GoldDoc]:
    """Every gold file of ``gold_dir``, loaded and checked, in name order.

    Parameters
    ----------
    gold_dir : path
        The folder of gold files.
    root : path, optional
        The folder the files' ``source`` is relative to; default: the parent of ``gold_dir``.
    """
    folder = Path(gold_dir)
    root_dir = Path(root) if root is not None else folder.resolve().parent
    for path in gold_files(folder):
        yield load_gold(path, root=root_dir)
