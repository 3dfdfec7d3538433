"""Write annotated tables in the text layouts that real web copies use, and score what xxgk reads back.

A layout fuzzer for the table readers. :func:`table_grids` lays the numbers
of a gold file's ``tables`` out as the national templates print them (captions,
headers, group labels, merged cells); :func:`render` writes that in one of the
text :data:`LAYOUTS` a copied web page takes, with options for blank lines,
pinyin annotations, spaces where a long label wrapped, and rows or columns cut
off at random (seeded); :func:`score` compares what :func:`xxgk.read` +
:func:`xxgk.extract.extract_tables` return with the gold: every number must
be the gold number or null with a finding (``ambiguous`` / ``missing`` …),
never another number.

``benchmarks/layouts.py`` prints the recovery rate per layout;
``tests/test_layout_fuzz.py`` asserts it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LAYOUTS", "COMPLETE_LAYOUTS", "LayoutScore", "Options", "table_grids", "render", "score", "gold_generation"]

#: A grid row: ``(text, rowspan, colspan)`` cells in reading (DOM) order.
Row = list[tuple[str, int, int]]

#: The text layouts of a table: name → what it looks like.
LAYOUTS: dict[str, str] = {
    "cell-per-line": "one cell per line (a flattened web page)",
    "cell-per-line-pipe": "one cell per line, each ending in ' |'",
    "alternating-pipe": "one cell per line, a line holding '|' after each",
    "pipe": "'| a | b |' rows with merged cells padded by empty cells, a |---| rule under the first",
    "compact-pipe": "'a | b |' rows as html2text writes them: merged cells once, no padding, no rule",
    "aligned": "columns apart by two or more spaces",
    "short-header-pipe": "compact pipe rows whose header rows lost their cells (column headers cut short)",
    "abbreviated-header-pipe": "padded pipe rows whose column headers are abbreviated (企业, 公益, 法律服务, 维持 …)",
    "mostly-empty-pipe": "compact pipe rows where the report left most number cells empty",
}

#: Layouts in which every number cell and every row label is printed (the ≥ 99 % bar applies).
COMPLETE_LAYOUTS = ("cell-per-line", "cell-per-line-pipe", "alternating-pipe", "pipe", "compact-pipe", "aligned",
                    "short-header-pipe", "abbreviated-header-pipe")

#: Column headers as some pages abbreviate them.
_ABBREVIATED = {"商业企业": "企业", "科研机构": "科研", "社会公益组织": "公益", "法律服务机构": "法律服务", "本年制发件数": "制发",
                "本年废止件数": "废止", "现行有效件数": "有效", "本年新制作数量": "新制作", "本年新公开数量": "新公开",
                "对外公开总数量": "公开总数", "上一年项目数量": "上年项目", "结果维持": "维持", "结果纠正": "纠正",
                "尚未审结": "未审结"}

_PINYIN = {"报": "bào", "告": "gào", "规": "guī", "章": "zhāng", "政": "zhèng", "府": "fǔ", "申": "shēn", "请": "qǐng",
           "公": "gōng", "开": "kāi", "许": "xǔ", "可": "kě", "复": "fù", "议": "yì", "诉": "sù", "讼": "sòng"}

_HEADINGS = {"active_disclosure": "二、主动公开政府信息情况", "applications": "三、收到和处理政府信息公开申请情况",
             "review_litigation": "四、政府信息公开行政复议、行政诉讼情况"}
INTRO = ("某某市某某局2021年政府信息公开工作年度报告", "一、总体情况",
         "本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息。")
OUTRO = ("五、存在的主要问题及改进情况", "公开意识有待增强。下一步，我局将加强培训。", "六、其他需要报告的事项", "无。")


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def gold_generation(name: str, table: dict[str, Any]) -> str:
    """The template generation of one gold table: its ``template``, else told by its rows."""
    if table.get("template") in ("2019", "2021"):
        return table["template"]
    if name == "applications":
        return "2019" if "other_processing" in table else "2021"
    return "2021"


def table_grids(tables: dict[str, dict[str, Any]], drop: frozenset[str] = frozenset()) -> list[tuple[str, str, list[Row]]]:
    """``(name, heading, grid)`` of each gold table, laid out as the national template prints it.

    ``drop`` names rows (``"table.row"``) left out, as a copy that lost them would.
    """
    from ..extract.templates import TEMPLATES

    out = []
    for name in ("active_disclosure", "applications", "review_litigation"):
        gt = tables.get(name)
        if not gt:
            continue
        tpl = TEMPLATES[gold_generation(name, gt)][name]
        rows = [r for r in tpl.rows if r.key in gt and f"{name}.{r.key}" not in drop]
        grid: list[Row] = []
        if name == "active_disclosure":
            caption = None
            for r in rows:
                cols = tpl.columns_for(r.key)
                if r.caption != caption:
                    caption = r.caption
                    grid.append([(r.caption or "", 1, len(cols) + 1)])
                    grid.append([("信息内容", 1, 1)] + [(tpl.column(c).labels[0], 1, 1) for c in cols])
                grid.append([(r.labels[0], 1, 1)] + [(_fmt(gt[r.key].get(c)), 1, 1) for c in cols])
        elif name == "applications":
            cols = tpl.column_keys
            grid += [
                [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 1, 7)],
                [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
                [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
            ]
            groups = {g.key: g.labels[0] for g in tpl.groups}
            n_results = sum(1 for r in rows if r.group)
            sizes = {g: sum(1 for r in rows if r.group == g) for g in groups}
            seen: set[str] = set()
            for r in rows:
                lead: Row = []
                if r.group and "results" not in seen:
                    seen.add("results")
                    lead.append(("三、本年度办理结果", n_results, 1))
                if r.group and r.group != "results" and r.group in groups and r.group not in seen:
                    seen.add(r.group)
                    lead.append((groups[r.group], sizes[r.group], 1))
                span = 1 if r.group and r.group != "results" else (2 if r.group else 3)
                grid.append(lead + [(r.labels[0], 1, span)] + [(_fmt(gt[r.key].get(c)), 1, 1) for c in cols])
        else:
            heads: Row = [("结果维持", 1, 1), ("结果纠正", 1, 1), ("其他结果", 1, 1), ("尚未审结", 1, 1), ("总计", 1, 1)]
            blocks = [b for b in ("review", "litigation_direct", "litigation_after_review") if b in gt]
            if len(blocks) < 3:
                continue
            grid += [
                [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
                [(t, 2, 1) for t, _, _ in heads] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
                heads + heads,
                [(_fmt(gt[b].get(c)), 1, 1) for b in blocks for c in ("upheld", "corrected", "other", "pending", "total")],
            ]
        out.append((name, _HEADINGS[name], grid))
    return out


# --- rendering -----------------------------------------------------------------------------------------------


@dataclass
class Options:
    """How to write a layout: blank lines between lines, pinyin, wrapped labels, cut rows/columns."""

    blank_lines: bool = False
    pinyin: bool = False
    wrapped: bool = False
    cut_rows: int = 0
    cut_cols: int = 0
    seed: int = 0


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[+\-]?\d+(?:\.\d+)?", text))


def _decorate(text: str, opts: Options, rng: random.Random) -> str:
    """A label with pinyin after some characters, or a space where a long label wrapped."""
    if _is_number(text) or not text:
        return text
    if opts.pinyin and rng.random() < 0.5:
        text = "".join(ch + (f"({_PINYIN[ch]})" if ch in _PINYIN and rng.random() < 0.5 else "") for ch in text)
    if opts.wrapped and len(text) >= 8 and rng.random() < 0.5:
        k = rng.randrange(3, len(text) - 3)
        if "(" not in text[k - 1 : k + 1] and ")" not in text[k - 1 : k + 1]:
            text = text[:k] + " " + text[k:]
    return text


def _dropped(tables: dict[str, dict[str, Any]], opts: Options, rng: random.Random) -> frozenset[str]:
    """``cut_rows`` data rows of each of the first two tables, chosen at random."""
    out: set[str] = set()
    for name in ("active_disclosure", "applications"):
        rows = [r for r in tables.get(name, {}) if r != "template"]
        out.update(f"{name}.{r}" for r in rng.sample(rows, min(opts.cut_rows, max(len(rows) - 1, 0))))
    return frozenset(out)


def _cut_cols(grid: list[Row], opts: Options) -> list[Row]:
    """The last ``cut_cols`` number cells of every data row dropped (a copy cut off at the right)."""
    rows = [list(r) for r in grid]
    if opts.cut_cols:
        for r in rows:
            nums = [k for k, (t, _, _) in enumerate(r) if _is_number(t)]
            if len(nums) > opts.cut_cols:
                for k in sorted(nums[-opts.cut_cols :], reverse=True):
                    del r[k]
    return rows


def _positions(grid: list[Row]) -> list[list[str]]:
    """The grid as full rows, a merged cell's text in its first position and the rest of its span empty."""
    taken: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(grid):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            for i in range(r, r + rs):
                for j in range(c, c + cs):
                    taken[(i, j)] = text if (i, j) == (r, c) else ""
            c += cs
            width = max(width, c)
    return [[taken.get((r, c), "") for c in range(width)] for r in range(len(grid))]


def _table_lines(grid: list[Row], layout: str, rng: random.Random, opts: Options) -> list[str]:
    cells = [[(_decorate(t, opts, rng), rs, cs) for t, rs, cs in row] for row in grid]
    if layout == "cell-per-line":
        return [t for row in cells for t, _, _ in row]
    if layout == "cell-per-line-pipe":
        return [f"{t} |" for row in cells for t, _, _ in row]
    if layout == "alternating-pipe":
        return [x for row in cells for t, _, _ in row for x in (t, "|")]
    if layout in ("pipe", "abbreviated-header-pipe"):
        if layout == "abbreviated-header-pipe":
            cells = [[(_ABBREVIATED.get(t, t), rs, cs) for t, rs, cs in row] for row in cells]
        full = _positions(cells)
        lines = ["| " + " | ".join(r) + " |" for r in full]
        return lines[:1] + ["|" + "---|" * len(full[0])] + lines[1:]
    if layout in ("compact-pipe", "short-header-pipe", "mostly-empty-pipe"):
        out = []
        for row in cells:
            texts = [t for t, _, _ in row]
            header = not any(_is_number(t) for t in texts)
            if layout == "short-header-pipe" and header and len(texts) > 2:
                texts = texts[: len(texts) - 2]  # two header cells lost
            if layout == "mostly-empty-pipe" and not header:
                texts = ["" if t == "0" else t for t in texts]  # the report leaves its zeros empty
            out.append(" | ".join(texts) + " |")
        return out
    if layout == "aligned":
        return ["  ".join(t for t, _, _ in row if t) for row in cells]
    raise ValueError(f"The 'layout' parameter must be one of {sorted(LAYOUTS)}. Got {layout!r} instead.")


def render(tables: dict[str, dict[str, Any]], layout: str, opts: Options | None = None) -> str:
    """A small report whose three tables are written in ``layout``; the text of a ``.txt`` copy."""
    opts = opts or Options()
    rng = random.Random(opts.seed)
    lines = list(INTRO)
    for _name, heading, grid in table_grids(tables, _dropped(tables, opts, rng)):
        lines.append(heading)
        lines += _table_lines(_cut_cols(grid, opts), layout, rng, opts)
    lines += OUTRO
    return ("\n\n" if opts.blank_lines else "\n").join(lines) + "\n"


# --- scoring -------------------------------------------------------------------------------------------------


@dataclass
class LayoutScore:
    """Gold numbers read back: ``recovered`` equal, ``null`` None with a finding, ``wrong`` anything else."""

    total: int = 0
    recovered: int = 0
    null: int = 0
    wrong: list[str] = field(default_factory=list)
    unflagged: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.recovered / self.total if self.total else 1.0

    def add(self, other: LayoutScore) -> None:
        self.total += other.total
        self.recovered += other.recovered
        self.null += other.null
        self.wrong += other.wrong
        self.unflagged += other.unflagged


_NULL_FINDINGS = ("ambiguous", "missing_row", "missing_table", "missing_cells", "half_table", "no_tables", "missing",
                  "unrecognised_row", "header_mismatch", "unreadable")


def score(text: str, tables: dict[str, dict[str, Any]], *, expect_blank: bool = False) -> LayoutScore:
    """Read ``text`` back and compare every gold number; with ``expect_blank`` an empty cell may read as None."""
    import warnings

    from ..extract import extract_tables
    from ..reading import read

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read(text, format="text")
    got, findings = extract_tables(doc)
    flagged = {f.table for f in findings if f.kind in _NULL_FINDINGS} | {"" for f in findings if f.kind == "no_tables"}
    named = {(f.table, c) for f in findings for c in f.cells}
    out = LayoutScore()
    for name, gt in tables.items():
        t = got.get(name)
        for row, cols in gt.items():
            if row == "template":
                continue
            for col, want in cols.items():
                if want is None:
                    continue
                out.total += 1
                tv = t.rows.get(row, {}).get(col) if t is not None else None
                value = tv.value if tv is not None else None
                if expect_blank and want == 0 and value is None and tv is not None and tv.status == "blank":
                    out.total -= 1  # a zero the report left empty: not printed, not scored
                    continue
                if value is not None and abs(value - want) < 1e-9:
                    out.recovered += 1
                elif value is None:
                    out.null += 1
                    ok = (tv is not None and tv.status in ("missing", "ambiguous", "unreadable", "blank")) or name in flagged or "" in flagged or (name, f"{row}.{col}") in named
                    if not ok:
                        out.unflagged.append(f"{name}.{row}.{col}")
                else:
                    out.wrong.append(f"{name}.{row}.{col}: gold {want}, read {value}")
    return out
