"""Find the statistical tables inside a text document and turn them into :class:`~xxgk.document.Table` blocks.

:func:`find_tables` is the stage :func:`xxgk.read` runs after the format's
reader: HTML, PDF and DOCX readers return their tables as tables already;
plain text needs them found.

Plain text reaches us with its tables in four shapes, and each becomes one
:class:`~xxgk.document.Table` per statistical table, so that no cell of it is
read later as a narrative sentence:

``cell-per-line``
    A flattened web page (the seed): one cell per line, captions
    (第二十条第（一）项), 信息内容, column headers (vertical ones broken one
    word per line: 商业 / 企业), row labels and numbers. The lines become the
    table's cells, ``row`` = their order, ``col`` = 0.
``run``
    A crawler copy whose table cells ran together inside a long paragraph
    (``…规章 000行政规范性文件693665第二十条第（五）项…``). Runs are found on
    the source line (the paragraphs the text reader split one line into are
    laid back on it, white space between them written as spaces) and cut out
    into ``Table(source_form="run", text=run)`` with the line and character
    span; the text before and after stays, and a section heading glued to
    the run (二、主动公开政府信息情况) becomes a paragraph of its own.
    :func:`xxgk.extract.digits.recover_run_tables` reads the numbers back.
``grid``
    Markdown pipe tables (``| a | b |``, with or without the ``|---|`` rule)
    and whitespace-aligned tables (columns apart by two or more spaces or a
    tab, on consecutive lines) keep real rows and columns.
compact rows
    Pipe or aligned rows whose cells do not line up with a header (html2text's
    ``行政许可 | 0 |``, merged cells written once, a header cut short, one
    cell per line ending in ``|``) become ``cell-per-line`` tables in reading
    order, so that no number is placed under a column by guess
    (:mod:`xxgk.readers._pipe_tables`); a table the report left mostly empty
    is still found by its row labels.

The same runs inside an HTML page's ``<p>``/``<pre>`` lines or DOCX
paragraphs are found too (:func:`xxgk.readers.read` calls this for
``text``, ``html`` and ``docx``).

Old (pre-2019) 统计表 tables flattened the same ways (``指标名称计量单位…``)
are marked too; they are not extracted, only kept out of the sentences.

Where a table starts is found from what only tables print (the captions,
信息内容, 申请人情况, the 勾稽关系 note, the review header 行政复议 /
行政诉讼, 指标名称); where it ends, from the next section heading or the
first narrative sentence. Section headings always stay paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from .document import Block, Cell, Document, Paragraph, Provenance, Table
from .normalize import aligned_view, match_key
from .readers._pipe_tables import (
    cell_key,
    compact_table,
    is_compact,
    mostly_empty,
    pipe_line,
    strip_paragraph_separators,
    strip_separators,
)

__all__ = ["find_tables", "mark_text_tables", "TEXT_TABLE_FORMATS"]

#: Formats whose paragraphs may hold tables printed as text.
TEXT_TABLE_FORMATS = ("text", "html", "docx")

_CN = "一二三四五六七八九十"
_CAPTION = re.compile(rf"第二十条第[(（]?[{_CN}]+[)）]?项")
_TOP = re.compile(rf"^[{_CN}]{{1,2}}[、.．]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_NUMERIC_LINE = re.compile(r"^[+\-−－]?\d[\d,，]*(?:\.\d+)?(?:万元|元|件|条|个|次|项|%|％)?$")
_DASH_LINE = re.compile(r"^(?:[/／\\—–－―‐\-]+|无)$")

#: Review block headers (section 四), which no other table prints in a row.
_REVIEW_WORDS = ("行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "未经复议直接起诉", "复议后起诉")

# Headings glued inside a paragraph: 二、…情况 up to the first 情况 / 事项 / 措施, never across a digit.
_GLUED_HEADING = re.compile(rf"(?:(?<=^)|(?<=[\s。！？；：:）)\d]))[{_CN}]{{1,2}}、[^。！？；;!?\d]{{1,40}}?(?:情况|事项|措施|概述)")
# Where a table starts inside a run of text, with the table it belongs to.
_RUN_ANCHORS = (
    (re.compile(rf"第二十条第[(（][{_CN}]+[)）]项"), "active"),
    (re.compile(r"[(（]?本[列表]数据的勾稽关系"), "applications"),
    (re.compile(r"申请人情况"), "applications"),
    (re.compile(r"行政复议\s*行政诉讼\s*(?:结果维持|未经复议)"), "review"),
    (re.compile(r"指标名称|统计指标"), "old"),
)
_RUN_DIGITS = re.compile(r"[\d][\d.]*(?:万元|元)?")


# --- normalised views -----------------------------------------------------------------------------------




@lru_cache(maxsize=4096)
def _label_match(text: str) -> tuple[str, str] | None:
    """``(table, key)`` when ``text`` is a template row, group or column label (strict match), else None."""
    from .extract.templates import TEMPLATES

    for gen in ("2021", "2019"):
        for name, tpl in TEMPLATES[gen].items():
            for m in (tpl.match_row(text, alternates=True, threshold=0.8), tpl.match_group(text, threshold=0.85)):
                if m is not None:
                    return name, m.key
            m = tpl.match_column(text, threshold=0.85)
            if m is not None:
                return name, "column:" + m.key
    return None


def _is_number_line(k: str) -> bool:
    return bool(_NUMERIC_LINE.match(k) or _DASH_LINE.match(k)) and len(k) <= 24


def _is_section_heading(k: str) -> bool:
    """A top-numbered line (三、…) that is no row label of a template (四、结转下年度继续办理 is one)."""
    if not _TOP.match(k) or _SENTENCE_END.search(k):
        return False
    hit = _label_match(k)
    return hit is None or hit[1].startswith("column:")


# --- cell-per-line -------------------------------------------------------------------------------------


def _line_anchor(keys: list[str], i: int, strong_only: bool = False) -> str | None:
    """The table kind that line ``i`` starts, or None.

    Strong anchors are lines only a table prints (captions, 信息内容, the
    勾稽关系 note, 申请人情况, the review header, 指标名称); otherwise a
    template row label directly followed by a number also starts a table.
    """
    k = keys[i]
    if (_CAPTION.match(k) and len(k) <= 16) or k == "信息内容":
        return "active"
    if ("勾稽关系" in k and len(k) <= 60) or k == "申请人情况":
        return "applications"
    if k == "行政复议" and any(keys[j] in _REVIEW_WORDS[1:] for j in range(i + 1, min(i + 4, len(keys)))):
        return "review"
    if k in ("指标名称", "统计指标"):
        return "old"
    if not strong_only and all(j < len(keys) and _is_number_line(keys[j]) for j in range(i, i + 3)):
        return "numbers"  # a table whose labels were lost: three numbers in a row are no narrative
    if strong_only or i + 1 >= len(keys) or not _is_number_line(keys[i + 1]) or len(k) > 45:
        return None
    hit = _label_match(k)
    if hit is None or hit[1].startswith("column:"):
        return None
    return {"active_disclosure": "active", "applications": "applications"}.get(hit[0], "review")


def _cell_like(k: str, kind: str) -> bool:
    if _is_number_line(k):
        return True
    if _SENTENCE_END.search(k):
        return False
    if kind == "old":
        return len(k) <= 40
    if len(k) <= 12 or "勾稽关系" in k or _CAPTION.match(k):
        return True
    return len(k) <= 60 and _label_match(k) is not None


def _old_heading_ends(keys: list[str], j: int) -> bool:
    """In an old 统计表, a numbered line ends the table unless numbers follow within four lines."""
    return not any(_is_number_line(keys[x]) for x in range(j + 1, min(j + 5, len(keys))))


def _cell_per_line_regions(keys: list[str]) -> list[tuple[int, int]]:
    """``[start, end)`` line ranges of the paragraphs that are cell-per-line tables."""
    regions: list[tuple[int, int]] = []
    i = 0
    n = len(keys)
    while i < n:
        kind = _line_anchor(keys, i) if keys[i] else None
        if kind is None:
            i += 1
            continue
        j = i + 1
        while j < n and keys[j]:
            k = keys[j]
            if _TOP.match(k) and (kind != "old" or _old_heading_ends(keys, j)) and _is_section_heading(k):
                break
            other = _line_anchor(keys, j, strong_only=True)
            if other is not None and other != kind and kind != "old":
                break
            if not _cell_like(k, kind):
                break
            j += 1
        end = j
        # a table ends on a number or a label of the template, never on a stray short line
        while end > i + 1 and not (_is_number_line(keys[end - 1]) or _label_match(keys[end - 1])):
            end -= 1
        numbers = sum(1 for x in range(i, end) if _is_number_line(keys[x]))
        if numbers >= 1 and end - i >= 3:
            regions.append((i, end))
            i = end
        else:
            i += 1
    return regions


# --- pipe and whitespace-aligned tables ----------------------------------------------------------------

_PIPE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_ALIGN_SPLIT = re.compile(r"\t+| {2,}")


def _pipe_cells(text: str) -> list[str] | None:
    t = text.strip()
    if t.count("|") < 2 or not (t.startswith("|") or t.endswith("|")):
        return None
    if t.startswith("|"):
        t = t[1:]
    if t.endswith("|"):
        t = t[:-1]
    return [c.strip() for c in t.split("|")]


def _aligned_cells(text: str) -> list[str] | None:
    fields = [f.strip() for f in _ALIGN_SPLIT.split(text.strip())]
    if len(fields) < 2 or any(not f or len(match_key(f)) > 40 or _SENTENCE_END.search(f) for f in fields):
        return None
    return fields


def _grid_regions(texts: list[str | None]) -> list[tuple[int, int, list[list[str]]]]:
    """``(start, end, rows)`` of the pipe tables and whitespace-aligned tables among the lines."""
    out: list[tuple[int, int, list[list[str]]]] = []
    i, n = 0, len(texts)
    while i < n:
        t = texts[i]
        if t is not None and (_pipe_cells(t) is not None or (pipe_line(t) and _cell_line(t))):
            j, rows = i, []
            while j < n and (u := texts[j]) is not None and (_PIPE_RULE.match(u.strip()) or _pipe_cells(u)
                                                             or (pipe_line(u) and _cell_line(u))):
                if not _PIPE_RULE.match(u.strip()):
                    rows.append(_pipe_cells(u) or [strip_separators(u)])
                j += 1
            if len(rows) >= 2 and _statistical(rows):
                out.append((i, j, rows))
                i = j
                continue
        if t is not None and _aligned_cells(t) is not None:
            j, rows = i, []
            while j < n and (u := texts[j]) is not None:
                cells = _aligned_cells(u)
                if cells is None and rows and _label_row_inside(texts, j):
                    cells = [u.strip()]  # a group label (三、本年度办理结果) on a line of its own
                if cells is None:
                    break
                rows.append(cells)
                j += 1
            if len(rows) >= 2 and _statistical(rows):
                out.append((i, j, rows))
                i = j
                continue
        i += 1
    return out


def _cell_line(text: str) -> bool:
    """A one-cell line with a separator (``3 |``) that can be a table cell: no sentence, no section heading."""
    k = cell_key(text)
    return bool(k) and not _SENTENCE_END.search(k) and not _is_section_heading(k)


def _label_row_inside(texts: list[str | None], j: int) -> bool:
    """Whether the single-field line ``j`` sits inside an aligned table: a short label, more rows after it."""
    k = match_key(texts[j] or "")
    nxt = texts[j + 1] if j + 1 < len(texts) else None
    return (nxt is not None and _aligned_cells(nxt) is not None and 0 < len(k) <= 40
            and not _SENTENCE_END.search(k) and not _is_section_heading(k))


def _statistical(rows: list[list[str]]) -> bool:
    """Whether a grid holds numbers (a statistical table), not a page's metadata (索引号 | 发布日期 …)."""
    filled = [c for r in rows for c in r if c.strip()]
    numbers = sum(1 for c in filled if _NUMERIC_LINE.match(match_key(c)))
    return (numbers >= 2 and numbers >= 0.2 * len(filled)) or mostly_empty(rows, _is_row_label)


def _is_row_label(text: str) -> bool:
    hit = _label_match(match_key(text)) if len(text) <= 60 else None
    return hit is not None and not hit[1].startswith("column:")


def _grid_positions(rows: list[list[str]]) -> list[list[tuple[int, str]]]:
    """Column of each field: left to right, but shorter rows are right-aligned.

    A row of a label and fewer numbers keeps its label in the first column
    and its numbers in the last ones; a shorter header row (its blank corner
    cell lost with the line's leading spaces) sits over the last columns.
    """
    width = max(len(r) for r in rows)
    placed = []
    for r in rows:
        numeric = [_is_number_line(match_key(c)) for c in r]
        if len(r) < width and len(r) >= 2 and all(numeric[1:]):
            placed.append([(0, r[0])] + [(width - len(r) + 1 + k, c) for k, c in enumerate(r[1:])])
        elif 1 < len(r) < width and not any(numeric):
            placed.append([(width - len(r) + k, c) for k, c in enumerate(r)])
        else:
            placed.append(list(enumerate(r)))
    return placed


# --- runs inside a paragraph ---------------------------------------------------------------------------


def _headings_in(v: str) -> list[tuple[int, int]]:
    out = []
    for m in _GLUED_HEADING.finditer(v):
        text = m.group(0)
        if _label_match(text) is None:
            out.append((m.start(), m.end()))
    return out


def _narrative_cut(seg: str, q: int) -> int:
    """Where a table run ends when a sentence (ending at ``q``) follows it without a heading."""
    head = seg[:q]
    ws = max(head.rfind(" "), head.rfind("\t"))
    if ws > 0 and re.search(r"\d", head[:ws]):
        return ws
    cut = 0
    for m in _RUN_DIGITS.finditer(head):
        after = head[m.end() : m.end() + 1]
        if after and after in "年月日号%％":
            continue
        cut = m.end()
    return cut


def _trim_tail(seg: str) -> int:
    """Length of ``seg`` once text after its last number is dropped, unless that text is a template label."""
    s = seg.rstrip()
    last = None
    for m in _RUN_DIGITS.finditer(s):
        last = m
    if last is None:
        return len(s)
    tail = s[last.end() :].strip()
    if not tail or _label_match(tail) is not None:
        return len(s)
    return last.end()


def _run_regions(v: str) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of the table runs in the view ``v`` of one paragraph."""
    heads = _headings_in(v)
    anchors = sorted(
        (m.start(), kind)
        for rx, kind in _RUN_ANCHORS
        for m in rx.finditer(v)
        if not any(a <= m.start() < b for a, b in heads)
    )
    regions: list[tuple[int, int, str]] = []
    pos = 0
    for start, kind in anchors:
        if start < pos:
            continue
        ends = [len(v)]
        ends += [a for a, _ in heads if a > start]
        ends += [a for a, k in anchors if a > start and k != kind]
        end = min(ends)
        seg = v[start:end]
        q = _SENTENCE_END.search(seg)
        if q:
            seg = seg[: _narrative_cut(seg, q.start())]
        end = start + _trim_tail(seg)
        if end > start and _looks_tabular(v[start:end], kind):
            regions.append((start, end, kind))
            pos = end
    return regions


@lru_cache(maxsize=1)
def _template_label_keys() -> tuple[str, ...]:
    from .extract.labels import label_key
    from .extract.templates import TEMPLATES

    keys: set[str] = set()
    for tables in TEMPLATES.values():
        for tpl in tables.values():
            for spec in tpl.columns + tpl.rows + tpl.alternates:
                keys.update(label_key(lab) for lab in spec.labels)
    return tuple(k for k in keys if len(k) >= 3)


def _looks_tabular(seg: str, kind: str) -> bool:
    """Whether a stretch of text from an anchor on is table cells, not a sentence that mentions a caption.

    Cells carry no comma or full stop outside brackets (the 勾稽关系 note
    and 部分公开's note keep theirs inside); a template table names at least
    two of the template's labels; an old 统计表 holds at least three numbers.
    """
    if not re.search(r"\d", seg):
        return False
    bare = re.sub(r"[(（][^()（）]*[)）]", "", seg)
    if re.search(r"[,，。;；]", bare):
        return False
    if kind == "old":
        return len(re.findall(r"\d+", seg)) >= 3
    from .extract.labels import label_key

    key = label_key(seg)
    return sum(1 for k in _template_label_keys() if k in key) >= 2


class _Line:
    """Consecutive paragraphs read from one source line, laid back on that line (gaps as spaces).

    A crawler copy keeps a whole report on one line; the text reader splits
    it at white space into paragraphs, which can cut a table run in pieces.
    Runs are found on the line and cut out of the paragraphs again.
    """

    def __init__(self, paras: list[Paragraph]) -> None:
        self.paras = paras
        first = paras[0].provenance
        self.base = first.char_start
        end = first.char_end
        if self.base is None or (len(paras) == 1 and (end is None or end - self.base != len(paras[0].text))):
            self.base = None
            self.spans = [(0, len(paras[0].text))]
            self.text = paras[0].text
            return
        # every paragraph of a joined line has both offsets (_can_join); the filter only narrows the types
        self.spans = [(s - self.base, e - self.base) for q in paras
                      if (s := q.provenance.char_start) is not None and (e := q.provenance.char_end) is not None]
        chars = [" "] * self.spans[-1][1]
        for q, (x, _) in zip(paras, self.spans):
            chars[x : x + len(q.text)] = q.text
        self.text = "".join(chars)

    def provenance(self, a: int, b: int) -> Provenance:
        first = self.paras[0].provenance
        if self.base is None:
            return Provenance(file=first.file, page=first.page, line=first.line)
        return Provenance(file=first.file, page=first.page, line=first.line, char_start=self.base + a,
                          char_end=self.base + b)

    def paragraph(self, i: int, a: int, b: int, heading: bool) -> Paragraph | None:
        """The part ``[a, b)`` (line coordinates) of paragraph ``i``, stripped, or None when blank."""
        q = self.paras[i]
        text = self.text[a:b]
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        if not text:
            return None
        if (a, b) == self.spans[i] or text == q.text:
            return q if heading == q.heading else replace(q, heading=heading)
        return Paragraph(text=text, provenance=self.provenance(a + lead, a + lead + len(text)), heading=heading)


def _can_join(prev: Paragraph, q: Paragraph) -> bool:
    a, b = prev.provenance, q.provenance
    return (
        a.line is not None and a.line == b.line and a.file == b.file
        and a.char_start is not None and a.char_end is not None and b.char_start is not None and b.char_end is not None
        and a.char_end <= b.char_start
        and a.char_end - a.char_start == len(prev.text)
        and b.char_end - b.char_start == len(q.text)
    )


def _line_groups(blocks: list[Block]) -> list[list[int]]:
    """Indexes of consecutive paragraphs that come from one source line with known character spans."""
    groups: list[list[int]] = []
    for i, b in enumerate(blocks):
        if not isinstance(b, Paragraph):
            continue
        prev = blocks[groups[-1][-1]] if groups else None  # a group holds paragraphs only
        if groups and groups[-1][-1] == i - 1 and isinstance(prev, Paragraph) and _can_join(prev, b):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _split_line(line: _Line) -> list[Block] | None:
    """The line's paragraphs with the table runs cut out into tables, or None when it holds no run."""
    v = aligned_view(line.text)
    runs = _run_regions(v)
    if not runs:
        return None
    heads = _headings_in(v)
    items: list[tuple[int, Block]] = []
    for s, e, _kind in runs:
        items.append((s, Table(cells=[], provenance=line.provenance(s, e), source_form="run", text=line.text[s:e])))
    for i, (ps, pe) in enumerate(line.spans):
        pieces = [(ps, pe)]
        for s, e, _ in runs:
            pieces = [part for a, b in pieces for part in ((a, min(b, s)), (max(a, e), b)) if part[0] < part[1]]
        for a, b in pieces:
            touches_next = any(s >= b and not v[b:s].strip() for s, _, _ in runs)
            touches_prev = any(e <= a and not v[e:a].strip() for _, e, _ in runs)
            for x, y, h in _cut_headings(v, heads, a, b, touches_prev, touches_next):
                para = line.paragraph(i, x, y, h or (line.paras[i].heading and (x, y) == (ps, pe)))
                if para is not None:
                    items.append((x, para))
    items.sort(key=lambda it: it[0])
    return [b for _, b in items]


def _cut_headings(v: str, heads: list[tuple[int, int]], a: int, b: int, after_run: bool,
                  before_run: bool) -> list[tuple[int, int, bool]]:
    """``v[a:b]`` as parts, a section heading touching a table run made a part of its own (``True``)."""
    inside = [(s, e) for s, e in heads if a <= s and e <= b]
    parts = [(a, b, False)]
    if after_run and inside and not v[a : inside[0][0]].strip():
        s, e = inside[0]
        parts = [(s, e, True), (e, b, False)]
    if before_run and inside and not v[inside[-1][1] : b].strip():
        s, e = inside[-1]
        x, y, h = parts.pop()
        parts += [(x, y, h)] if h or s < x else [(x, s, False), (s, e, True)]
    return [(x, y, h) for x, y, h in parts if v[x:y].strip()]


# --- the document --------------------------------------------------------------------------------------


def _line_table(paras: list[Paragraph]) -> Table:
    first, last = paras[0].provenance, paras[-1].provenance
    prov = Provenance(file=first.file, page=first.page, line=first.line, char_start=first.char_start,
                      char_end=last.char_end if first.char_start is not None else None)
    cells = [Cell(text=strip_separators(q.text), row=i, col=0, provenance=q.provenance) for i, q in enumerate(paras)]
    return Table(cells=cells, provenance=prov, source_form="cell-per-line")


def _grid_table(paras: list[Paragraph], rows: list[list[str]]) -> Table:
    first = paras[0].provenance
    prov = Provenance(file=first.file, page=first.page, line=first.line, char_start=first.char_start,
                      char_end=paras[-1].provenance.char_end if first.char_start is not None else None)
    data_paras = [q for q in paras if not _PIPE_RULE.match(q.text.strip())]
    cells = []
    for r, (row, q) in enumerate(zip(_grid_positions(rows), data_paras)):
        for c, text in row:
            cells.append(Cell(text=text, row=r, col=c, provenance=q.provenance))
    return Table(cells=cells, provenance=prov, source_form="grid")


def mark_text_tables(doc: Document) -> None:
    """Turn the table regions of a text document into :class:`~xxgk.document.Table` blocks, in place.

    Paragraphs that are table cells are replaced by one table per
    statistical table, in reading order; paragraphs that hold a flattened
    run keep their text before and after the run. Blocks that already are
    tables are left alone, so calling this twice changes nothing.

    Parameters
    ----------
    doc : Document
        A document read from text (:func:`xxgk.readers.text.read_text`).

    Examples
    --------
    >>> from xxgk.document import Document, Paragraph, Provenance
    >>> lines = ["二、主动公开政府信息情况", "第二十条第（一）项", "信息内容", "本年制发件数", "规章", "0", "三、收到和处理政府信息公开申请情况"]
    >>> doc = Document(blocks=[Paragraph(t, Provenance(line=i + 1)) for i, t in enumerate(lines)])
    >>> mark_text_tables(doc)
    >>> [type(b).__name__ for b in doc.blocks]
    ['Paragraph', 'Table', 'Paragraph']
    >>> [c.text for c in doc.tables[0].cells]
    ['第二十条第（一）项', '信息内容', '本年制发件数', '规章', '0']
    """
    # 1. runs cut out of the paragraphs of each source line (tables already there stay as they are)
    groups = {g[0]: g for g in _line_groups(doc.blocks)}
    blocks: list[Block] = []
    for i, b in enumerate(doc.blocks):
        if isinstance(b, Table):
            blocks.append(b)
        elif i in groups:
            paras = [q for q in (doc.blocks[j] for j in groups[i]) if isinstance(q, Paragraph)]  # all are (_line_groups)
            split = _split_line(_Line(paras))
            blocks.extend(split if split is not None else paras)
    # 2. pipe and aligned grids, 3. cell-per-line tables, over the paragraphs left
    texts = [b.text if isinstance(b, Paragraph) else None for b in blocks]
    replaced: dict[int, tuple[int, Block]] = {}
    for s, e, rows in _grid_regions(texts):
        if is_compact(rows):
            replaced[s] = (e, compact_table([q for q in blocks[s:e] if isinstance(q, Paragraph)], rows))  # all are
        else:
            replaced[s] = (e, _grid_table([q for q in blocks[s:e] if isinstance(q, Paragraph)], rows))
    covered = {i for s, (e, _) in replaced.items() for i in range(s, e)}
    keys = [cell_key(t) if t is not None and i not in covered else "" for i, t in enumerate(texts)]
    for s, e in _cell_per_line_regions(keys):
        replaced[s] = (e, _line_table([q for q in blocks[s:e] if isinstance(q, Paragraph)]))  # paragraphs only
    out: list[Block] = []
    i = 0
    while i < len(blocks):
        if i in replaced:
            end, table = replaced[i]
            out.append(table)
            i = end
        else:
            out.append(blocks[i])
            i += 1
    if any(isinstance(b, Paragraph) and pipe_line(b.text) for b in out):
        paras = strip_paragraph_separators([b for b in out if isinstance(b, Paragraph)])
        it = iter(paras)
        out = [next(it) if isinstance(b, Paragraph) else b for b in out]
    doc.blocks = out
    doc.reindex()
    for t in doc.tables:
        if t.cells and t.cells[0].provenance.table != t.index:
            t.cells = [replace(c, provenance=replace(c.provenance, table=t.index, row=c.row, col=c.col)) for c in t.cells]


def find_tables(doc: Document) -> Document:
    """The table-finding stage of reading: in a text document, table regions become tables, in place.

    Readers of formats that mark tables (HTML, PDF, DOCX) return them as
    :class:`~xxgk.document.Table` blocks already; the paragraphs of text, HTML
    and DOCX documents are still searched, for web copies print tables as
    runs of ``<p>``/``<pre>`` lines too (PDF is not: its layout reader finds
    its tables). See :func:`mark_text_tables` for plain text.

    Parameters
    ----------
    doc : Document
        A document as its format's reader returned it.

    Returns
    -------
    Document
        ``doc`` itself.
    """
    if doc.meta.format in TEXT_TABLE_FORMATS:
        mark_text_tables(doc)
    return doc
