"""The layout fuzzer: gold tables written in every text layout real web copies use, read back.

Every gold file of ``../shared/gold`` with tables (the folder is iterated,
never listed by name) is written by :mod:`xxgk.evaluate.layouts` in each
layout, with and without blank lines, with pinyin annotations, with spaces
where long labels wrapped, and with rows or columns cut off at random (seeded).
Every number read back must be the gold number, or null with a finding
(``ambiguous``, ``missing_*``, ``header_mismatch``) or an empty printed cell;
never a different number. Where every cell and row label is printed, at least
99 % of the numbers come back. ``python benchmarks/layouts.py`` prints the
figures per layout.

Small pinned documents below fix each variant the fuzzer stands for, in each
input format where it occurs (text, HTML ``<p>``/``<pre>``, DOCX paragraphs).
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import pytest

from xxgk import read
from xxgk.evaluate.layouts import COMPLETE_LAYOUTS, LAYOUTS, LayoutScore, Options, render, score
from xxgk.extract import extract_tables
from xxgk.normalize import match_key, normalize

GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"


def _gold_tables() -> list[tuple[str, dict]]:
    if not GOLD.exists():
        return []
    out = []
    for p in sorted(GOLD.glob("*.json")):
        g = json.loads(p.read_text(encoding="utf-8"))
        if g.get("tables"):
            out.append((p.stem, g["tables"]))
    return out


TABLES = _gold_tables()
VARIANTS = {
    "plain": Options(),
    "blank-lines": Options(blank_lines=True),
    "pinyin": Options(pinyin=True),
    "wrapped": Options(wrapped=True),
    "pinyin-wrapped-blank": Options(pinyin=True, wrapped=True, blank_lines=True),
    "cut-rows": Options(cut_rows=3),
    "cut-cols": Options(cut_cols=1),
    "cut-both": Options(cut_rows=2, cut_cols=2),
}
#: Layouts that drop an empty cell (one cell per line, aligned columns): a gold table with empty cells loses
#: their places there, so the recovery bar counts only gold tables whose every cell holds a number.
_DROPS_EMPTY = ("cell-per-line", "cell-per-line-pipe", "alternating-pipe", "aligned")


def _complete(tables: dict) -> bool:
    return all(v is not None for name, t in tables.items() for r, cols in t.items() if r != "template"
               for v in cols.values())


def _run(layout: str, variant: str) -> tuple[LayoutScore, LayoutScore]:
    everything, bar = LayoutScore(), LayoutScore()
    for stem, tables in TABLES:
        for seed in range(2):
            opts = Options(**{**VARIANTS[variant].__dict__, "seed": seed * 1000 + sum(map(ord, stem))})
            s = score(render(tables, layout, opts), tables, expect_blank=layout == "mostly-empty-pipe")
            s.wrong = [f"{stem}/{seed}: {w}" for w in s.wrong]
            s.unflagged = [f"{stem}/{seed}: {w}" for w in s.unflagged]
            everything.add(s)
            if layout not in _DROPS_EMPTY or _complete(tables):
                bar.add(s)
    return everything, bar


@pytest.mark.skipif(not TABLES, reason="no gold file with tables in ../shared/gold (the shared corpus is not here)")
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_layout_fuzz_never_a_wrong_number(layout: str, variant: str) -> None:
    everything, bar = _run(layout, variant)
    print(f"{layout}/{variant}: {everything.recovered}/{everything.total} recovered ({everything.rate:.1%}), "
          f"{everything.null} null, {len(everything.wrong)} wrong")
    assert everything.total > 0
    assert not everything.wrong, everything.wrong[:10]
    assert not everything.unflagged, f"null without a finding: {everything.unflagged[:10]}"
    if layout in COMPLETE_LAYOUTS and not variant.startswith("cut"):
        assert bar.rate >= 0.99, f"{layout}/{variant}: {bar.recovered}/{bar.total} recovered"


# --- pinned documents -------------------------------------------------------------------------------

_HEAD = ["某某县某某局2021年政府信息公开工作年度报告", "一、总体情况", "本年度，我局认真贯彻落实《条例》。", "二、主动公开政府信息情况"]
_TAIL = ["三、收到和处理政府信息公开申请情况", "本年度未收到政府信息公开申请。", "四、政府信息公开行政复议、行政诉讼情况", "本年无。"]
_AD = [["第二十条第（一）项"], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "1", "0", "3"],
       ["行政规范性文件", "4", "2", "16"], ["第二十条第（五）项"], ["信息内容", "本年处理决定数量"], ["行政许可", "644"],
       ["第二十条第（六）项"], ["信息内容", "本年处理决定数量"], ["行政处罚", "188"], ["行政强制", "7"],
       ["第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "2.5"]]
_WANT = {"regulations": {"made": 1, "repealed": 0, "in_force": 3}, "normative_documents": {"made": 4, "repealed": 2, "in_force": 16},
         "licensing": {"decisions": 644}, "punishment": {"decisions": 188}, "coercion": {"decisions": 7}, "fees": {"amount": 2.5}}


def _tables(source, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read(source, **kw)
    return doc, *extract_tables(doc)


def _values(t) -> dict:
    return {r: {c: v.value for c, v in cols.items()} for r, cols in t.rows.items()}


def _text(lines: list[str]) -> str:
    return "\n".join(_HEAD + lines + _TAIL) + "\n"


def test_one_cell_per_line_with_a_trailing_separator():
    doc, tables, findings = _tables(_text([f"{c} |" for row in _AD for c in row]), format="text")
    assert _values(tables["active_disclosure"]) == _WANT
    assert not any("|" in p.text for p in doc.paragraphs)


def test_compact_pipe_rows_with_one_value():
    doc, tables, _ = _tables(_text([" | ".join(r) + " |" for r in _AD]), format="text")
    assert _values(tables["active_disclosure"]) == _WANT
    t = doc.tables[0]
    assert t.cells[0].provenance.line == 5  # where each cell came from


def test_a_header_cut_short_does_not_move_the_numbers():
    rows = [r if r[0] != "信息内容" or len(r) < 3 else r[:2] for r in _AD]  # 本年废止件数, 现行有效件数 lost
    _, tables, _ = _tables(_text([" | ".join(r) + " |" for r in rows]), format="text")
    assert _values(tables["active_disclosure"]) == _WANT


def test_a_row_with_fewer_numbers_than_its_columns_is_ambiguous_not_shifted():
    rows = [r[:-1] if r[0] == "规章" else r for r in _AD]  # 规章 | 1 | 0 |: which column was lost is unknown
    _, tables, findings = _tables(_text([" | ".join(r) + " |" for r in rows]), format="text")
    ad = tables["active_disclosure"]
    assert _values(ad)["regulations"] == {"made": None, "repealed": None, "in_force": None}
    assert any(f.kind == "ambiguous" and "regulations.made" in f.cells for f in findings)
    assert _values(ad)["normative_documents"] == _WANT["normative_documents"]


def test_a_mostly_empty_table_is_still_a_table():
    rows = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
            ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
            ["一、本年新收政府信息公开申请数量", "3", "", "", "", "", "", "3"],
            ["二、上年结转政府信息公开申请数量", "", "", "", "", "", "", ""],
            ["（一）予以公开", "", "", "", "", "", "", ""],
            ["（七）总计", "3", "", "", "", "", "", "3"],
            ["四、结转下年度继续办理", "", "", "", "", "", "", ""]]
    text = "\n".join(_HEAD + ["本年无。", "三、收到和处理政府信息公开申请情况"] + [" | ".join(r) + " |" for r in rows]
                     + ["四、政府信息公开行政复议、行政诉讼情况", "本年无。"]) + "\n"
    doc, tables, _ = _tables(text, format="text")
    app = tables["applications"]
    assert app.value("new_requests", "natural_person") == 3 and app.value("new_requests", "total") == 3
    assert app.rows["new_requests"]["commercial_enterprise"].status == "blank"
    assert app.value("total_handled", "total") == 3
    assert not any("申请人情况" in p.text for p in doc.paragraphs)


def test_a_2019_header_over_2021_rows_follows_the_header_or_is_flagged():
    rows = [["第二十条第（一）项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "1", "2", "3"],
            ["第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "1.5"]]
    for lines in ([" | ".join(r) + " |" for r in rows], [c for r in rows for c in r],
                  ["| " + " | ".join(r + [""] * (4 - len(r))) + " |" for r in rows]):
        _, tables, findings = _tables(_text(lines), format="text")
        ad = tables["active_disclosure"]
        # the printed header's columns, never 2021's made/repealed/in_force for these numbers
        assert ad.template == "2019" and _values(ad)["regulations"] == {"new_made": 1, "new_published": 2, "total_published": 3}
        # 本年收费金额 is no 2019 column: the 1.5 is not passed off as 上一年项目数量
        assert ad.value("fees", "prev_items") is None and ad.value("fees", "change") is None
        assert any(f.kind in ("header_mismatch", "ambiguous") and "fees.prev_items" in f.cells for f in findings)


def test_pinyin_annotations_in_labels():
    rows = [[c.replace("规章", "规(guī)章").replace("行政许可", "行(xíng)政许(xǔ)可") for c in r] for r in _AD]
    _, tables, _ = _tables(_text([c for r in rows for c in r]), format="text")
    assert _values(tables["active_disclosure"]) == _WANT


def test_html_paragraphs_and_pre_and_docx_paragraphs_hold_the_same_layouts():
    import docx

    lines = _HEAD + [" | ".join(r) + " |" for r in _AD] + _TAIL
    for html in ("<html><body>" + "".join(f"<p>{t}</p>" for t in lines) + "</body></html>",
                 "<html><body><pre>" + "\n".join(lines) + "</pre></body></html>"):
        _, tables, _ = _tables(html.encode("utf-8"), format="html")
        assert _values(tables["active_disclosure"]) == _WANT
    d = docx.Document()
    for t in _HEAD + [f"{c} |" for r in _AD for c in r] + _TAIL:
        d.add_paragraph(t)
    buf = io.BytesIO()
    d.save(buf)
    _, tables, _ = _tables(buf.getvalue(), format="docx")
    assert _values(tables["active_disclosure"]) == _WANT


def test_pinyin_is_stripped_in_normalisation_with_the_offset_map_kept():
    n = normalize("年度报(bào)告和規(guī)章（PDF）", script="traditional")
    assert n.text == "年度报告和规章(PDF)"
    assert n.original_span(*n.span_of("报告")) == "报(bào)告"
    assert n.original_span(*n.span_of("规章")) == "規(guī)章"
    assert match_key("附件(doc)") == "附件(doc)"  # a file type is no annotation


def test_a_space_where_a_line_wrapped_is_no_paragraph_break():
    body = ("2021年，本机关认真贯彻落实政府信息公开条例，全年共收到政府信 息公开申请12件，均已按时办结并答复申请人，未发生因政府信息 "
            "公开引起的行政复议和行政诉讼案件。同时加强平台建设，完善制 度规范，持续推进政务公开标准化规范化建设，取得较好成效。下一 "
            "步我们将继续深化公开内容，提升公开质量，回应社会关切问题。")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read("某局2021年政府信息公开工作年度报告\n一、总体情况\n" + body + "\n", format="text")
    assert len(doc.paragraphs) == 3 and doc.paragraphs[-1].text == body
    # a crawler copy's breaks (after a sentence, before a heading, a date alone) stay breaks
    run_on = ("一、总体情况 本年度工作平稳有序，全年主动公开政府信息一百余条，各项工作取得实效，群众满意度进一步提高。 二、主动公开政府信息情况 "
              "全年主动公开信息一百条，其中规范性文件十件，均在门户网站公开，方便群众查阅和监督。 某某县某某局 二○二二年一月二十日 "
              "附件1：统计表") * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read("某局2021年政府信息公开工作年度报告\n" + run_on + "\n", format="text")
    texts = [p.text for p in doc.paragraphs]
    assert "二、主动公开政府信息情况" in texts and "附件1：统计表" in texts


def test_abbreviated_column_headers_keep_every_column():
    # 科研 / 公益 are no template label; the recognised ones sit where the template has them, so the row's seven
    # values take the template's seven columns (before: two columns lost)
    rows = [["申请人情况", "", "", "", "", "", "", ""], ["", "自然人", "企业", "科研", "公益", "法律服务", "其他", "总计"],
            ["一、本年新收政府信息公开申请数量", "4", "2", "1", "0", "3", "0", "10"]]
    text = "\n".join(_HEAD + ["本年无。", "三、收到和处理政府信息公开申请情况"] + ["| " + " | ".join(r) + " |" for r in rows]
                     + ["四、政府信息公开行政复议、行政诉讼情况", "本年无。"]) + "\n"
    _, tables, _ = _tables(text, format="text")
    assert _values(tables["applications"])["new_requests"] == {
        "natural_person": 4, "commercial_enterprise": 2, "research_institution": 1, "social_welfare_org": 0,
        "legal_service_org": 3, "other_org": 0, "total": 10}
    # a header that disagrees with the template's order is not overridden: the cells it does not name stay missing
    _, tables, findings = _tables(text.replace("企业 | 科研 | 公益 | 法律服务 | 其他 | 总计", "总计 | 科研 | 公益 | 法律服务 | 其他 | 企业"),
                                  format="text")
    got = _values(tables["applications"])["new_requests"]
    assert got["research_institution"] is None and got["total"] == 2 and got["commercial_enterprise"] == 10


def test_a_copy_that_ends_every_line_with_a_separator():
    lines = _HEAD + [c for r in _AD for c in r] + _TAIL
    text = "\n".join(f"{t} |" for t in lines) + "\n"
    doc, tables, _ = _tables(text, format="text")
    assert _values(tables["active_disclosure"]) == _WANT
    paras = [p.text for p in doc.paragraphs]
    assert paras == _HEAD + _TAIL  # the separators are no part of the text, the table cells no paragraph
    p = doc.paragraphs[1]
    assert text[p.provenance.char_start : p.provenance.char_end] == "一、总体情况" and p.heading
    assert doc.meta.title == _HEAD[0]


def test_ruby_annotations_in_html_are_read_as_printed():
    html = ("<html><body><p>某某县某某局2021年政府信息公开工作年度<ruby>报<rp>(</rp><rt>bào</rt><rp>)</rp></ruby>告</p>"
            "<p>一、总体情况</p><p>本年度工作平稳。</p><p>二、主动公开政府信息情况</p>"
            + "".join(f"<p>{' | '.join(r)} |</p>" for r in _AD).replace("规章", "<ruby>规<rt>guī</rt></ruby>章")
            + "<p>三、收到和处理政府信息公开申请情况</p><p>本年无。</p></body></html>")
    doc, tables, _ = _tables(html.encode("utf-8"), format="html")
    assert doc.meta.title == "某某县某某局2021年政府信息公开工作年度报告"
    assert _values(tables["active_disclosure"]) == _WANT


def test_a_2021_header_over_2019_rows_is_flagged_not_given_2019_meaning():
    rows = [["第二十条第（一）项"], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "1", "2", "3"],
            ["第二十条第（五）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "7", "-1", "8"],
            ["其他对外管理服务事项", "1", "0", "2"], ["第二十条第（九）项"], ["信息内容", "采购项目数量", "采购总金额"],
            ["政府集中采购", "3", "120"]]
    for lines in ([" | ".join(r) + " |" for r in rows], [c for r in rows for c in r]):
        _, tables, findings = _tables(_text(lines), format="text")
        ad = tables["active_disclosure"]
        assert ad.template == "2019"
        assert set(_values(ad)["regulations"].values()) == {None}  # 1, 2, 3 are not 新制作/新公开/公开总数
        assert any(f.kind == "header_mismatch" and "regulations.new_made" in f.cells for f in findings)
        assert _values(ad)["licensing"] == {"prev_items": 7, "change": -1, "decisions": 8}
