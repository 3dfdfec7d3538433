"""Lines that are cells of a statistical table, wherever they come from, told apart from narrative.

:func:`xxgk.tablefind.find_tables` turns the tables it finds into
:class:`~xxgk.document.Table` blocks while reading, but a table that no
reader recognised (a PDF table without rulings, a web page that lays its
cells out in ``<div>``/``<p>`` lines, a copy whose table lost its captions)
reaches the pipeline as paragraphs. ``report-format.md`` sections 2.1 and 5
say what such lines are: cells of the statistical tables (numbers, row
labels, column headers, captions, the 勾稽关系 note) belong to their table's
section and are not sentences. :func:`table_cell_lines` finds them among a
document's lines so that :func:`xxgk.pipeline.prepare` keeps them out of the
sentences.

What a line is, by the spec's table data only (:data:`xxgk.spec.TABLE_SPECS`
through :mod:`xxgk.extract.templates`, never words of particular reports):

``number``
    a bare number, dash or amount (``0``, ``-``, ``12.5万元``);
``label``
    a row, group or column label of one of the three template tables
    (``行政许可``, ``（三）不予公开``, ``本年制发件数``, ``结果维持``), numbering
    included; a top-level section heading (``四、行政复议、行政诉讼情况``) is
    never one, only the numbered rows of ``applications`` are
    (``四、结转下年度继续办理``);
``row``
    several cells on one line, apart by ``|``, tabs or spaces, each a number,
    dash or label (``规章 | 0 | 0 | 5``); a page's metadata row
    (``索引号: | … | 发布机构: |``) has other cells and is no table row;
``caption``
    what only a table prints above or inside itself (``第二十条第（一）项``,
    ``信息内容``, ``申请人情况``, the 勾稽关系 note);
``context``
    lines that are cells only beside other cells: a table title (``表一``,
    ``（一）主动公开情况``) when the next line that is not one of these is a
    cell or a table; a header word broken onto its own line (``商业`` /
    ``企业``) or a lone ``无`` when cells or tables stand on both sides.

The first four are cells wherever they stand. Section headings
(``二、主动公开政府信息情况``), attachment titles (``附件1：…统计表``) and
sentences (anything with 。！？ or a comma outside brackets) never are.

>>> lines = ["二、主动公开政府信息情况", "表一", "第二十条第（一）项", "信息内容", "本年制发件数",
...          "规章", "0", "行政规范性文件 | 3 | 0 | 12", "三、收到和处理政府信息公开申请情况", "本年度共收到申请6件。"]
>>> sorted(table_cell_lines(lines))
[1, 2, 3, 4, 5, 6, 7]
>>> line_kind("索引号: | 0001/2016 | 发布机构: | 某局 |") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from .normalize import match_key
from .readers._pipe_tables import strip_separators
from .tablefind import _CAPTION, _is_number_line, _label_match

__all__ = ["CellKind", "line_kind", "table_cell_lines"]

CellKind = Literal["number", "label", "row", "caption", "context"]

_TOP = re.compile(r"^[一二三四五六七八九十]{1,2}[、.]")
_SUB = re.compile(r"^[(（][一二三四五六七八九十\d]{1,2}[)）]")
_SENTENCE_END = re.compile(r"[。！？!?]")
# a comma or semicolon outside brackets: a clause, not a cell (部分公开's note keeps its commas in brackets)
_CLAUSE = re.compile(r"[,，;；]")
_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
_FIELD_SPLIT = re.compile(r"\s*[|｜\t]\s*|\s{2,}|(?<=\d)\s+|\s+(?=[\d\-+−—–/])")
# table titles: 表一 / 表1 / 附表2 / 统计表 (a table's name, not a sentence)
_TABLE_TITLE = re.compile(r"^附?表[一二三四五六七八九十\d]{1,2}[:：]?$")
_STRONG: tuple[CellKind, ...] = ("number", "label", "row", "caption")
#: The longest line read as one label (the longest template row label is about 40 characters).
_MAX_LABEL = 60
#: The longest line read as a context cell (a table title, a broken header word, an old table's label).
_MAX_CONTEXT = 30
#: Header words the spec names beside the template's labels (section 4.2: 申请人情况, 法人或其他组织; the
#: caption column 信息内容 of section 4.1's table).
_HEADER_WORDS = ("信息内容", "申请人情况", "法人或其他组织")
#: A measure word alone on a line is the unit column of a table, never a sentence (general language).
_UNITS = frozenset(("件", "条", "个", "次", "项", "人", "人次", "万元", "元", "篇", "份", "期", "场", "家", "%"))
# a template note in brackets: (本列数据的勾稽关系为：…), (区分处理的，只计这一情形，不计其他情形)
_NOTE = re.compile(r"[(（][^()（）]*(?:勾稽关系|区分处理)[^()（）]*[)）]")
_DATE = re.compile(r"\d+[年月日号]")
_NUMBERING = re.compile(r"(?:[一二三四五六七八九十]{1,2}[、.]|[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[、.](?!\d))")


@lru_cache(maxsize=1)
def _cell_words() -> tuple[str, ...]:
    """Every printed label of the template tables (:data:`xxgk.spec.TABLE_SPECS`) as a label key, longest first."""
    from .extract.labels import label_key
    from .spec import TABLE_SPECS

    words = set(_HEADER_WORDS)
    for tables in TABLE_SPECS.values():
        for spec in tables.values():
            for item in spec.rows + spec.alternates + spec.columns + spec.groups:
                words.update(label_key(lab) for lab in item.labels)
            words.update(label_key(r.caption) for r in spec.rows if r.caption)
    return tuple(sorted((w for w in words if len(w) >= 2), key=len, reverse=True))


def _label_run(line: str) -> bool:
    """Whether a line is table cells run together: template labels and numbers, nothing else.

    ``规章13 13 524``, ``行政复议行政诉讼结果维持结果纠正…``, ``第二十条第（一）项信息内容本年制发件数…``:
    a label and numbers, or two labels or more when the line has no numbering of its own (a
    sub-heading such as （三）行政复议、行政诉讼 is a heading), with at most two other characters.
    """
    from .extract.labels import label_key

    key = match_key(line)
    if _SENTENCE_END.search(key):
        return False
    key = _DATE.sub("", key)  # 2021年 is a date, not a cell's number
    notes = len(_NOTE.findall(key))
    key = _NOTE.sub("", key)
    if _CLAUSE.search(_BRACKETED.sub("", key)):
        return False
    numbered = bool(_NUMBERING.match(key))
    rest = label_key(key) if not numbered else label_key(_NUMBERING.sub("", key, count=1))
    labels = notes
    for w in _cell_words():
        if w in rest:
            labels += rest.count(w)
            rest = rest.replace(w, " ")
    digits = bool(re.search(r"\d", rest))
    rest = re.sub(r"[\s\d.%+\-−/]", "", rest)
    if len(rest) > 2:
        return False
    return (labels >= 1 and digits) or (labels >= 2 and not numbered)


@lru_cache(maxsize=8192)
def _label(key: str) -> bool:
    """Whether ``key`` is a template row, group or column label, and no section heading."""
    if not key or len(key) > _MAX_LABEL or _SENTENCE_END.search(key) or _CLAUSE.search(_BRACKETED.sub("", key)):
        return False
    hit = _label_match(key)
    if hit is None:
        return False
    if _NUMBERING.match(key):
        # only applications numbers its rows in the template (一、本年新收…, （三）不予公开, 1.属于国家秘密);
        # 四、行政复议、行政诉讼情况 is the heading of section 四, （三）行政复议、行政诉讼 an old report's sub-part
        return hit[0] == "applications" and not hit[1].startswith("column:")
    return True


def _caption(key: str) -> bool:
    if _CAPTION.match(key) and len(key) <= 16:
        return True
    if key in _HEADER_WORDS:
        return True
    return "勾稽关系" in key and len(key) <= _MAX_LABEL and not _SENTENCE_END.search(_BRACKETED.sub("", key))


def _cell_field(field: str) -> str | None:
    """What one field of a row is: ``number``, ``label`` or None."""
    k = match_key(field)
    if not k:
        return "empty"
    if _is_number_line(k):
        return "number"
    if _label(k) or _caption(k):
        return "label"
    return None


def line_kind(line: str) -> CellKind | None:
    """What kind of table cell one line of text is, or None when it is no cell (or may be narrative).

    Parameters
    ----------
    line : str
        One line (paragraph) of a document, raw or normalised.

    Returns
    -------
    str or None
        ``number``, ``label``, ``row``, ``caption`` (cells wherever they
        stand), ``context`` (a cell only beside other cells: see
        :func:`table_cell_lines`), or None.

    Examples
    --------
    >>> [line_kind(t) for t in ("12", "行政处罚", "规章 | 0 | 0 | 5", "第二十条第（五）项", "表二")]
    ['number', 'label', 'row', 'caption', 'context']
    >>> [line_kind(t) for t in ("四、行政复议、行政诉讼情况", "共受理申请6件。", "四、结转下年度继续办理")]
    [None, None, 'label']
    """
    kind = _kind(line)
    return "context" if kind in ("title", "fragment") else kind  # type: ignore[return-value]


def _kind(line: str) -> str | None:
    """:func:`line_kind`, with context lines told apart: ``title`` (表一, （一）…) or ``fragment`` (商业, 无)."""
    key = match_key(strip_separators(line))
    if not key:
        return None
    if key == "无":
        return "fragment"
    if _is_number_line(key) or key in _UNITS:
        return "number"
    if _caption(key):
        return "caption"
    if _label(key):
        return "label"
    fields = [f for f in _FIELD_SPLIT.split(line.strip().strip("|｜").strip()) if f.strip()]
    if len(fields) >= 2:
        kinds = [_cell_field(f) for f in fields]
        if None not in kinds and any(k in ("number", "label") for k in kinds):
            return "row"
    if _label_run(line):
        return "row"
    if _SENTENCE_END.search(key) or _CLAUSE.search(_BRACKETED.sub("", key)) or _TOP.match(key):
        return None
    if _TABLE_TITLE.match(key) or (_SUB.match(key) and len(key) <= _MAX_CONTEXT):
        return "title"
    if len(key) <= _MAX_CONTEXT and not re.search(r"[|｜]", key) and not re.search(r"(?<!^其中)[:：]", key):
        # no page metadata (索引号: | … |, 发布机构:)
        return "fragment"  # a header word broken onto its own line (商业 / 企业), an old 统计表's label
    return None


def table_cell_lines(lines: Sequence[str | None]) -> dict[int, CellKind]:
    """The lines of a document that are table cells, with their kind.

    Parameters
    ----------
    lines : sequence of str or None
        The document's lines in order; None stands for a table block (a table
        the reader already found).

    Returns
    -------
    dict
        Line index → :data:`CellKind`, for the lines that are cells: every
        ``number``, ``label``, ``row`` and ``caption`` line, each table title
        whose next line (other context lines and empty lines skipped) is a
        cell or a table, and each fragment with a cell or table on both sides.
    """
    kinds = [None if t is None else _kind(t) for t in lines]
    out: dict[int, CellKind] = {i: k for i, k in enumerate(kinds) if k in _STRONG}

    def anchor(i: int, step: int) -> bool:
        j = i + step
        while 0 <= j < len(lines):
            if lines[j] is None or kinds[j] in _STRONG:
                return True
            if kinds[j] in ("title", "fragment") or not (lines[j] or "").strip():
                j += step
                continue
            return False
        return False

    for i, k in enumerate(kinds):
        # a title names the table that follows it; a fragment stands between cells
        if (k == "title" and anchor(i, 1)) or (k == "fragment" and anchor(i, 1) and anchor(i, -1)):
            out[i] = "context"
    return out
