"""Round trip: one set of numbers, rendered as each input form a report takes, reads back to the same numbers.

For both template generations the three tables are laid out as the national
templates print them (captions, multi-line headers, merged cells), filled from
one set of numbers, and written as HTML, DOCX (python-docx, merged cells),
flattened text with one cell per line (vertical header labels broken one word
per line, as in the seed), Markdown pipe text and PDF (reportlab's built-in
CID font STSong-Light, ruled table). Each is read back through
:func:`xxgk.read` and must give exactly the numbers it was made from.
"""

from __future__ import annotations

import html
import io
import random
import warnings

import pytest

from xxgk.extract import extract_tables
from xxgk.extract.templates import TEMPLATES
from xxgk.reading import read

GENS = ("2019", "2021")

# A grid row is a list of (text, rowspan, colspan).
Grid = list[list[tuple[str, int, int]]]


def make_numbers(gen: str, seed: int = 7) -> dict[str, dict[str, dict[str, int | float]]]:
    """Numbers for every template cell, distinct enough to catch a misplaced cell, with the arithmetic holding."""
    rng = random.Random(seed + int(gen))
    out: dict[str, dict[str, dict[str, int | float]]] = {}
    ad = TEMPLATES[gen]["active_disclosure"]
    out["active_disclosure"] = {}
    for r in ad.rows:
        row = {}
        for c in ad.columns_for(r.key):
            kind = ad.column(c).kind
            if kind == "money":
                row[c] = 24252.311082 if gen == "2021" else 251000.5
            elif kind == "change":
                row[c] = rng.choice([-2, 3, -5, 7])
            else:
                row[c] = rng.randint(0, 900)
        out["active_disclosure"][r.key] = row
    app = TEMPLATES[gen]["applications"]
    cols = app.column_keys[:-1]
    keys = app.row_keys
    outcomes = keys[keys.index("granted") : keys.index("total_handled")]
    rows: dict[str, dict[str, int | float]] = {}
    for k in outcomes:
        rows[k] = {c: rng.randint(0, 40) for c in cols}
    rows["total_handled"] = {c: sum(rows[k][c] for k in outcomes) for c in cols}
    rows["carried_forward"] = {c: rng.randint(0, 9) for c in cols}
    rows["carried_over"] = {c: rng.randint(0, 9) for c in cols}
    rows["new_requests"] = {
        c: rows["total_handled"][c] + rows["carried_forward"][c] - rows["carried_over"][c] for c in cols
    }
    for row in rows.values():
        row["total"] = sum(row[c] for c in cols)
    out["applications"] = {k: rows[k] for k in keys}
    out["review_litigation"] = {}
    for b in ("review", "litigation_direct", "litigation_after_review"):
        parts = {c: rng.randint(0, 30) for c in ("upheld", "corrected", "other", "pending")}
        parts["total"] = sum(parts.values())
        out["review_litigation"][b] = parts
    return out


def _fmt(v: int | float) -> str:
    return str(v)


def layout(gen: str, nums: dict) -> list[tuple[str, Grid]]:
    """The three tables as the templates print them, each after its section heading."""
    ad = nums["active_disclosure"]

    def cap(n: str) -> list[tuple[str, int, int]]:
        return [(f"第二十条第（{n}）项", 1, 4)]

    g_ad: Grid = [cap("一")]
    if gen == "2021":
        g_ad += [[("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年废止件数", 1, 1), ("现行有效件数", 1, 1)]]
        for key, label in (("regulations", "规章"), ("normative_documents", "行政规范性文件")):
            g_ad.append([(label, 1, 1)] + [(_fmt(ad[key][c]), 1, 1) for c in ("made", "repealed", "in_force")])
        for n, items in (("五", [("licensing", "行政许可")]), ("六", [("punishment", "行政处罚"), ("coercion", "行政强制")])):
            g_ad += [cap(n), [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)]]
            g_ad += [[(label, 1, 1), (_fmt(ad[key]["decisions"]), 1, 3)] for key, label in items]
        g_ad += [cap("八"), [("信息内容", 1, 1), ("本年收费金额（单位：万元）", 1, 3)],
                 [("行政事业性收费", 1, 1), (_fmt(ad["fees"]["amount"]), 1, 3)]]
    else:
        g_ad += [[("信息内容", 1, 1), ("本年新制作数量", 1, 1), ("本年新公开数量", 1, 1), ("对外公开总数量", 1, 1)]]
        for key, label in (("regulations", "规章"), ("normative_documents", "规范性文件")):
            g_ad.append([(label, 1, 1)] + [(_fmt(ad[key][c]), 1, 1)
                                           for c in ("new_made", "new_published", "total_published")])
        head = [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 1), ("处理决定数量", 1, 1)]
        for n, items in (("五", [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")]),
                         ("六", [("punishment", "行政处罚"), ("coercion", "行政强制")])):
            g_ad += [cap(n), head]
            g_ad += [[(label, 1, 1)] + [(_fmt(ad[key][c]), 1, 1) for c in ("prev_items", "change", "decisions")]
                     for key, label in items]
        g_ad += [cap("八"), [("信息内容", 1, 1), ("上一年项目数量", 1, 1), ("本年增/减", 1, 2)],
                 [("行政事业性收费", 1, 1), (_fmt(ad["fees"]["prev_items"]), 1, 1), (_fmt(ad["fees"]["change"]), 1, 2)],
                 cap("九"), [("信息内容", 1, 1), ("采购项目数量", 1, 1), ("采购总金额", 1, 2)],
                 [("政府集中采购", 1, 1), (_fmt(ad["procurement"]["items"]), 1, 1),
                  (_fmt(ad["procurement"]["amount"]), 1, 2)]]

    app = nums["applications"]
    cols = TEMPLATES[gen]["applications"].column_keys

    def vals(key: str) -> list[tuple[str, int, int]]:
        return [(_fmt(app[key][c]), 1, 1) for c in cols]

    g_app: Grid = [
        [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [("商业企业", 1, 1), ("科研机构", 1, 1), ("社会公益组织", 1, 1), ("法律服务机构", 1, 1), ("其他", 1, 1)],
        [("一、本年新收政府信息公开申请数量", 1, 3)] + vals("new_requests"),
        [("二、上年结转政府信息公开申请数量", 1, 3)] + vals("carried_over"),
    ]
    n_results = 22 if gen == "2021" else 20
    body: Grid = [
        [("三、本年度办理结果", n_results, 1), ("（一）予以公开", 1, 2)] + vals("granted"),
        [("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1, 2)] + vals("partially_granted"),
    ]
    groups = [
        ("（三）不予公开", ["denied_state_secret", "denied_prohibited_by_law", "denied_endangers_security_stability",
                      "denied_third_party_rights", "denied_internal_affairs", "denied_process_information",
                      "denied_enforcement_case_files", "denied_administrative_inquiry"]),
        ("（四）无法提供", ["unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear_after_correction"]),
        ("（五）不予处理", ["not_processed_petition", "not_processed_duplicate", "not_processed_publication",
                      "not_processed_excessive", "not_processed_confirmation"]),
    ]
    if gen == "2021":
        groups.append(("（六）其他处理", ["other_no_correction", "other_unpaid_fee", "other_other"]))
    tpl = TEMPLATES[gen]["applications"]
    for glabel, keys in groups:
        for i, k in enumerate(keys):
            first = [(glabel, len(keys), 1)] if i == 0 else []
            body.append(first + [(tpl.row(k).labels[0], 1, 1)] + vals(k))
    if gen == "2019":
        body.append([("（六）其他处理", 1, 2)] + vals("other_processing"))
    body.append([("（七）总计", 1, 2)] + vals("total_handled"))
    g_app += body + [[("四、结转下年度继续办理", 1, 3)] + vals("carried_forward")]

    rl = nums["review_litigation"]
    heads = [("结果维持", 1, 1), ("结果纠正", 1, 1), ("其他结果", 1, 1), ("尚未审结", 1, 1), ("总计", 1, 1)]
    g_rl: Grid = [
        [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
        [(t, 2, 1) for t, _, _ in heads] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)],
        heads + heads,
        [(_fmt(rl[b][c]), 1, 1) for b in ("review", "litigation_direct", "litigation_after_review")
         for c in ("upheld", "corrected", "other", "pending", "total")],
    ]
    return [("二、主动公开政府信息情况", g_ad), ("三、收到和处理政府信息公开申请情况", g_app),
            ("四、政府信息公开行政复议、行政诉讼情况", g_rl)]


INTRO = ["某某局2021年政府信息公开工作年度报告", "一、总体情况", "本年度，我局认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息。"]
OUTRO = ["五、存在的主要问题及改进情况", "公开意识有待增强。下一步，我局将加强培训。", "六、其他需要报告的事项", "无。"]


def _positions(grid: Grid) -> list[tuple[int, int, str, int, int]]:
    """``(row, col, text, rowspan, colspan)`` of every cell, columns placed around row spans."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid):
        c = 0
        for text, rs, cs in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, text, rs, cs))
            for i in range(r, r + rs):
                for j in range(c, c + cs):
                    taken.add((i, j))
            c += cs
    return out


def render_html(tables: list[tuple[str, Grid]]) -> bytes:
    parts = ["<html><head><meta charset='utf-8'><title>年度报告</title></head><body>"]
    parts += [f"<p>{html.escape(t)}</p>" for t in INTRO]
    for heading, grid in tables:
        parts.append(f"<p>{heading}</p><table border='1'>")
        for row in grid:
            tds = "".join(
                f"<td{f' rowspan={rs}' if rs > 1 else ''}{f' colspan={cs}' if cs > 1 else ''}>{html.escape(t)}</td>"
                for t, rs, cs in row
            )
            parts.append(f"<tr>{tds}</tr>")
        parts.append("</table>")
    parts += [f"<p>{html.escape(t)}</p>" for t in OUTRO]
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")


def render_docx(tables: list[tuple[str, Grid]]) -> bytes:
    import docx

    d = docx.Document()
    for t in INTRO:
        d.add_paragraph(t)
    for heading, grid in tables:
        d.add_paragraph(heading)
        cells = _positions(grid)
        n_rows = len(grid)
        n_cols = max(c + cs for _, c, _, _, cs in cells)
        table = d.add_table(rows=n_rows, cols=n_cols)
        table.style = "Table Grid"
        for r, c, text, rs, cs in cells:
            a = table.cell(r, c)
            if rs > 1 or cs > 1:
                a = a.merge(table.cell(r + rs - 1, c + cs - 1))
            a.text = text
    for t in OUTRO:
        d.add_paragraph(t)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _split_label(text: str) -> list[str]:
    """Header labels of four to six characters broken into two-character lines, as a vertical label reads."""
    if 4 <= len(text) <= 6 and not any(ch.isdigit() for ch in text):
        return [text[i : i + 2] for i in range(0, len(text), 2)]
    return [text]


def render_flat(tables: list[tuple[str, Grid]]) -> bytes:
    lines = list(INTRO)
    for heading, grid in tables:
        lines.append(heading)
        n_header = 3 if heading.startswith(("三", "四")) else 0
        for r, row in enumerate(grid):
            for text, _, _ in row:
                lines += _split_label(text) if r < n_header and r > 0 else [text]
    lines += OUTRO
    return "\n\n".join(lines).encode("utf-8")


def render_pipe(tables: list[tuple[str, Grid]]) -> bytes:
    lines = list(INTRO)
    for heading, grid in tables:
        lines += ["", heading, ""]
        cells = _positions(grid)
        n_cols = max(c + cs for _, c, _, _, cs in cells)
        full = [["" for _ in range(n_cols)] for _ in grid]
        for r, c, text, _, _ in cells:
            full[r][c] = text  # a merged cell's text in its first position, the rest of its span empty
        for i, row in enumerate(full):
            lines.append("| " + " | ".join(row) + " |")
            if i == 0:
                lines.append("|" + "---|" * n_cols)
        lines.append("")
    lines += OUTRO
    return "\n".join(lines).encode("utf-8")


def render_pdf(tables: list[tuple[str, Grid]]) -> bytes:
    pytest.importorskip("reportlab", reason="the PDF round trip draws its PDF with reportlab (pip install reportlab)")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    fs = 6.5
    y = height - 50
    cv.setFont("STSong-Light", 11)
    for t in INTRO:
        cv.drawString(50, y, t)
        y -= 20
    for heading, grid in tables:
        cells = _positions(grid)
        n_cols = max(c + cs for _, c, _, _, cs in cells)
        if n_cols == 4:
            widths = [130, 110, 110, 110]
        elif n_cols == 10:
            widths = [36, 62, 170] + [33] * 7
        else:
            widths = [33] * 15
        row_h = 12 * fs / 6.5 * 1.6
        heights = []
        for r in range(len(grid)):
            lines_needed = 1
            for rr, c, text, rs, cs in cells:
                if rr == r and rs == 1:
                    w = sum(widths[c : c + cs]) - 4
                    lines_needed = max(lines_needed, -(-len(text) * fs // w) if w > 0 else 1)
            heights.append(max(row_h, lines_needed * (fs + 2) + 4))
        if y - sum(heights) - 40 < 40:
            cv.showPage()
            y = height - 50
        cv.setFont("STSong-Light", 11)
        cv.drawString(50, y, heading)
        y -= 20
        x0 = 50
        tops = [y]
        for h in heights:
            tops.append(tops[-1] - h)
        lefts = [x0]
        for w in widths[:n_cols]:
            lefts.append(lefts[-1] + w)
        cv.setFont("STSong-Light", fs)
        cv.setLineWidth(0.5)
        for r, c, text, rs, cs in cells:
            x1, x2 = lefts[c], lefts[c + cs]
            t1, t2 = tops[r], tops[r + rs]
            cv.rect(x1, t2, x2 - x1, t1 - t2, stroke=1, fill=0)
            per_line = max(1, int((x2 - x1 - 4) // fs))
            chunks = [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]
            ty = t1 - fs - 2
            for ch in chunks:
                cv.drawString(x1 + 2, ty, ch)
                ty -= fs + 2
        y = tops[-1] - 30
    cv.setFont("STSong-Light", 11)
    for t in OUTRO:
        if y < 60:
            cv.showPage()
            cv.setFont("STSong-Light", 11)
            y = height - 50
        cv.drawString(50, y, t)
        y -= 20
    cv.save()
    return buf.getvalue()


RENDERERS = {
    "html": (render_html, ".html"),
    "docx": (render_docx, ".docx"),
    "cell-per-line": (render_flat, ".txt"),
    "pipe": (render_pipe, ".txt"),
    "pdf": (render_pdf, ".pdf"),
}


@pytest.mark.parametrize("gen", GENS)
@pytest.mark.parametrize("form", list(RENDERERS))
def test_roundtrip(form: str, gen: str, tmp_path) -> None:
    render, ext = RENDERERS[form]
    nums = make_numbers(gen)
    data = render(layout(gen, nums))
    path = tmp_path / f"report_{gen}{ext}"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read(str(path))
    tables, findings = extract_tables(doc)
    assert sorted(tables) == sorted(nums), [f.message for f in findings]
    for name, rows in nums.items():
        t = tables[name]
        assert t.template == gen, name
        got = {r: {c: v.value for c, v in cols.items()} for r, cols in t.rows.items()}
        assert got == rows, name
        for _, _, v in t.cells():
            assert v.provenance is not None and v.provenance.table is not None
    assert not [f for f in findings if f.kind in ("unreadable", "missing_row", "half_table", "unrecognised_row")]


def test_numbers_satisfy_the_template_arithmetic() -> None:
    # The round trip's numbers are a realistic table: every rule holds on them.
    from xxgk.extract.types import ExtractedTable, TableValue
    from xxgk.validate import check_tables

    for gen in GENS:
        nums = make_numbers(gen)
        tables = {
            name: ExtractedTable(name, gen, rows={r: {c: TableValue(v) for c, v in cols.items()} for r, cols in rows.items()})
            for name, rows in nums.items()
        }
        checks = check_tables(tables)
        assert checks and all(c.status == "pass" for c in checks), [c.message for c in checks if c.status != "pass"]
