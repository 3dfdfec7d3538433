"""The HTML reader: corpus pages against their gold, grids, charsets, page chrome, layout tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from xxgk.document import Paragraph, Table
from xxgk.errors import EncodingError, GarbledTextError
from xxgk.normalize import match_key
from xxgk.readers._blocks import collapse_space, heading_by_form
from xxgk.readers.html import decode_html, read_html
from xxgk.reading import read


def _html_golds(gold_dir: Path) -> list[dict]:
    golds = []
    for f in sorted(gold_dir.glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        if g.get("source", "").endswith((".html", ".htm")):
            golds.append(g)
    return golds


def _numbers(obj) -> list[float]:
    """Every number of a gold ``tables`` object (the template generation string left out)."""
    if isinstance(obj, dict):
        return [n for k, v in obj.items() if k != "template" for n in _numbers(v)]
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return [float(obj)]
    return []


def _texts(doc) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]


# --- the corpus pages ---------------------------------------------------------------


@pytest.fixture(scope="module")
def html_golds(gold_dir: Path) -> list[dict]:
    golds = _html_golds(gold_dir)
    if not golds:
        pytest.skip("no gold file in ../shared/gold has an HTML source")
    return golds


def test_corpus_pages_cover_gold_sentences(html_golds, shared_dir: Path):
    for g in html_golds:
        doc = read(shared_dir / g["source"])
        assert doc.meta.format == "html"
        keys = [match_key(t) for t in _texts(doc)]
        found = [s for s in g["sentences"] if any(match_key(s["text"]) in k for k in keys)]
        share = len(found) / len(g["sentences"])
        assert share >= 0.95, f"{g['id']}: {share:.1%} of gold sentences found in paragraphs"
        # no table cell leaks into the paragraphs
        assert not any(t.startswith("（本列数据的勾稽关系") for t in _texts(doc)), g["id"]


def test_corpus_pages_keep_every_gold_table_number_as_a_cell(html_golds, shared_dir: Path):
    for g in html_golds:
        doc = read(shared_dir / g["source"])
        assert len(doc.tables) == len(g["tables"]), g["id"]
        values = set()
        for t in doc.tables:
            assert t.source_form == "grid"
            for c in t.cells:
                values.update(float(m) for m in re.findall(r"-?\d+(?:\.\d+)?", c.text))
        missing = [n for n in _numbers(g["tables"]) if n not in values]
        assert not missing, f"{g['id']}: gold numbers with no cell: {missing}"


def test_corpus_sections_are_headings_in_order(html_golds, shared_dir: Path):
    for g in html_golds:
        doc = read(shared_dir / g["source"])
        heads = [match_key(b.text) for b in doc.blocks if isinstance(b, Paragraph) and b.heading]
        for s in g["sections"][1:]:  # the preamble starts with the title, not a heading
            assert match_key(s["first_line"]) in heads, (g["id"], s["first_line"])


def test_shanghai_grid_as_in_the_markup(corpus_dir: Path):
    path = corpus_dir / "003_shanghai_office_2019.html"
    if not path.exists():
        pytest.skip(f"{path} is not in the corpus")
    doc = read(path)
    active, apps, review = doc.tables
    # the 勾稽关系 note: one cell over three header rows and three columns
    note = apps.cells[0]
    assert (note.row, note.col, note.rowspan, note.colspan) == (0, 0, 3, 3)
    assert note.text.startswith("（本列数据的勾稽关系为")
    assert sum("勾稽关系" in c.text for c in apps.cells) == 1
    # 三、本年度办理结果 spans the 20 outcome rows; rows below are pushed right by it
    outcome = next(c for c in apps.cells if c.text == "三、本年度办理结果")
    assert (outcome.row, outcome.col, outcome.rowspan) == (5, 0, 20)
    secret = next(c for c in apps.cells if c.text == "1.属于国家秘密")
    assert (secret.row, secret.col) == (7, 2)
    assert apps.grid()[7][3] == "14"
    # (五): value cells spanning 2/1/1 under headers spanning 1/2/1, kept as the HTML has them
    header = active.grid()[5]
    row = [c for c in active.cells if c.row == 6]
    assert header == ["信息内容", "上一年项目数量", "本年增/减", "本年增/减", "处理决定数量"]
    assert [(c.text, c.col, c.colspan) for c in row] == [("行政许可", 0, 1), ("0", 1, 2), ("0", 3, 1), ("0", 4, 1)]
    # <br> inside a header cell: one label
    assert active.grid()[1][1] == "本年新制作数量"
    assert review.grid()[3] == ["5", "", "", "2", "7", "8", "", "", "1", "9", "", "", "", "", ""]
    # &lt; &gt; unescaped
    assert any("《上海市贯彻<长江三角洲区域一体化发展规划纲要>实施方案》" in t for t in _texts(doc))


def test_pingtan_cell_provenance_points_at_its_source_line(corpus_dir: Path):
    path = corpus_dir / "025_pingtan_2021.html"
    if not path.exists():
        pytest.skip(f"{path} is not in the corpus")
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = read(path)
    cell = next(c for t in doc.tables for c in t.cells if c.text == "2293")
    expected = next(i for i, line in enumerate(lines, 1) if ">2293</td>" in line)
    assert cell.provenance.line == expected
    assert (cell.provenance.file, cell.provenance.table, cell.provenance.row, cell.provenance.col) == (
        str(path), 0, 6, 1)
    para = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.text == "六、其他需要报告的事项")
    assert lines[para.provenance.line - 1].strip() == "<p>六、其他需要报告的事项</p>"
    # the application table's vertical-letter headers (<p>结</p><p>果<br>维</p>…) read as one word
    assert doc.tables[2].grid()[2][:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    # the &nbsp; filler cell under 自然人 stays an empty cell of its own
    assert doc.tables[1].grid()[2][3] == ""


# --- grids ----------------------------------------------------------------------------

GRID_PAGE = """<html><body><p>二、主动公开政府信息情况</p>
<table border="1">
<tr><td rowspan="2">A</td><td colspan="2">B</td><td rowspan="3">C</td></tr>
<tr><td>D</td><td>E</td></tr>
<tr><td colspan="2">F</td><td>G</td></tr>
<tr><th>H<br>h</th><td><span>I</span>
 i</td><td>&lt;5&gt;</td><td rowspan="9">J</td></tr>
</table></body></html>"""


def test_grid_honours_rowspan_and_colspan():
    doc = read_html(GRID_PAGE.encode("utf-8"), "grid.html")
    (table,) = doc.tables
    got = [(c.text, c.row, c.col, c.rowspan, c.colspan) for c in table.cells]
    # Worked out by hand with the HTML table model: A and C occupy column 0 and 3 of
    # the rows below them, so D/E start at column 1 and G sits at column 2; J's
    # rowspan=9 is cut at the table's last row, as browsers do.
    assert got == [
        ("A", 0, 0, 2, 1), ("B", 0, 1, 1, 2), ("C", 0, 3, 3, 1),
        ("D", 1, 1, 1, 1), ("E", 1, 2, 1, 1),
        ("F", 2, 0, 1, 2), ("G", 2, 2, 1, 1),
        ("H h", 3, 0, 1, 1), ("I i", 3, 1, 1, 1), ("<5>", 3, 2, 1, 1), ("J", 3, 3, 1, 1),
    ]
    assert table.grid() == [["A", "B", "B", "C"], ["A", "D", "E", "C"], ["F", "F", "G", "C"], ["H h", "I i", "<5>", "J"]]
    lines = GRID_PAGE.splitlines()
    for c in table.cells:
        assert c.text.split()[0][0] in lines[c.provenance.line - 1], c
        assert (c.provenance.table, c.provenance.row, c.provenance.col) == (0, c.row, c.col)
    assert table.provenance.line == 2


# --- charsets -------------------------------------------------------------------------

TRAD_BODY = ("<p>某縣2021年政府信息公開工作年度報告</p><p>一、總體情況</p>"
             "<p>2021年，本局認真貫徹落實《條例》，主動公開政府信息2550條，受理申請6件，均按時辦結。</p>"
             "<table><tr><td>行政許可</td><td>本年處理決定數量</td></tr><tr><td>行政處罰</td><td>12</td></tr></table>")
TRAD_TEXT = ["某縣2021年政府信息公開工作年度報告", "一、總體情況",
             "2021年，本局認真貫徹落實《條例》，主動公開政府信息2550條，受理申請6件，均按時辦結。"]


def _page(head: str, body: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>年度報告</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "head, encoding",
    [
        ('<meta charset="gb2312">', "gb18030"),  # GBK bytes declared as gb2312, traditional characters
        ('<meta http-equiv="Content-Type" content="text/html; charset=big5">', "big5"),
        ("", "gb18030"),  # nothing declared: detected
        ("", "big5"),  # nothing declared: Big5 bytes also decode as GB18030, the score must pick Big5
        ('<meta charset="utf-8">', "gb18030"),  # a wrong declaration that the bytes refute
        ('<meta charset="iso-8859-1">', "big5"),  # a Western charset on a Chinese page is ignored
    ],
)
def test_same_text_whatever_the_encoding(head, encoding):
    data = _page(head, TRAD_BODY).encode(encoding)
    doc = read_html(data, "page.html")
    assert _texts(doc) == TRAD_TEXT
    assert doc.tables[0].grid() == [["行政許可", "本年處理決定數量"], ["行政處罰", "12"]]


def test_simplified_gb18030_without_declaration():
    body = "<p>一、总体情况</p><p>2021年，本局主动公开政府信息2550条，受理申请6件，均按时办结。</p>"
    text, codec = decode_html(_page("", body).encode("gb18030"), "p.html")
    assert codec == "gb18030" and "受理申请6件" in text


def test_utf8_bom_wins_over_the_declared_charset():
    data = b"\xef\xbb\xbf" + _page('<meta charset="gb2312">', TRAD_BODY).encode("utf-8")
    doc = read_html(data, "bom.html")
    assert doc.meta.encoding == "utf-8-sig"
    assert _texts(doc) == TRAD_TEXT


def test_undecodable_bytes_raise_encoding_error():
    with pytest.raises(EncodingError, match="junk.html"):
        read_html(b"<html><body><p>" + b"\xff\xfe\x80" * 400 + b"</p></body></html>", "junk.html")


def test_mojibake_page_raises_garbled_text_error():
    # a UTF-8 page once read as Latin-1 and saved again as UTF-8: æ”¿åºœä¿¡æ¯…
    soup = "一、总体情况。2021年，本局主动公开政府信息2550条，受理申请6件。".encode().decode("latin-1")
    data = _page('<meta charset="utf-8">', f"<p>{soup}</p>").encode("utf-8")
    with pytest.raises(GarbledTextError, match="soup.html"):
        read_html(data, "soup.html")


# --- page chrome and layout -------------------------------------------------------------

NAV_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>某某区2023年政府信息公开工作年度报告_某某区人民政府</title>
<script>var tip = "一、总体情况 脚本里的文字";</script><style>p { color: red }</style></head>
<body>
<div class="header"><div class="logo">某某区人民政府门户网站欢迎您</div>
<ul class="mainNav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a>政府信息公开年报</a></li></ul></div>
<div class="crumb">当前位置：<a>首页</a> &gt; <a>政务公开</a> &gt; 年度报告</div>
<div class="main">
  <div class="left"><h3>政府信息公开</h3><ul><li><a>政府信息公开指南</a></li><li><a>政府信息公开制度</a></li></ul></div>
  <div class="right">
    <h1 class="title">某某区2023年政府信息公开工作年度报告</h1>
    <div class="info">发布时间：2024-01-20 来源：区政府办</div>
    <div class="article">
      <p>本报告由某某区人民政府办公室根据《中华人民共和国政府信息公开条例》编制，统计期限自2023年1月1日至12月31日。</p>
      <p>一、总体情况</p>
      <p>2023年，我区主动公开政府信息1200条，受理政府信息公开申请35件，均在法定期限内答复。</p>
      <p style="display: none">隐藏的文字</p>
      <!-- 注释里的文字 -->
      <p>二、主动公开政府信息情况</p>
      <table border="1"><tr><td class="tableHeader">信息内容</td><td class="tableHeader">本年制发件数</td></tr>
      <tr><td>规章</td><td>0</td></tr></table>
      <p>六、其他需要报告的事项</p><p>无。</p>
    </div>
    <div class="tools">【打印本页】【关闭窗口】</div><p>字号：大 中 小</p>
    <div class="share">分享到：<a>微信</a><a>微博</a></div>
  </div>
</div>
<nav><a>网站地图</a><a>联系我们</a></nav>
<div id="footer">版权所有：某某区人民政府办公室 网站标识码：1234567890 备案号：ICP备12345678号</div>
</body></html>"""


def test_navigation_header_footer_and_hidden_text_are_dropped():
    doc = read_html(NAV_PAGE.encode("utf-8"), "nav.html")
    assert _texts(doc) == [
        "某某区2023年政府信息公开工作年度报告",
        "本报告由某某区人民政府办公室根据《中华人民共和国政府信息公开条例》编制，统计期限自2023年1月1日至12月31日。",
        "一、总体情况",
        "2023年，我区主动公开政府信息1200条，受理政府信息公开申请35件，均在法定期限内答复。",
        "二、主动公开政府信息情况",
        "六、其他需要报告的事项",
        "无。",
    ]
    (table,) = doc.tables
    assert table.grid() == [["信息内容", "本年制发件数"], ["规章", "0"]]  # class="tableHeader" is no page header
    assert doc.meta.title == "某某区2023年政府信息公开工作年度报告"
    assert [b.heading for b in doc.paragraphs] == [True, False, True, False, True, True, False]


LAYOUT_PAGE = """<html><body>
<table width="1000"><tr><td colspan="2">某某县人民政府门户网站</td></tr>
<tr><td class="leftmenu" width="200"><a>首页</a><br><a>信息公开</a><br><a>办事服务</a></td>
<td><p>某某县2022年政府信息公开工作年度报告</p><p>一、总体情况</p>
<p>2022年，我县深入贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息3456条，依申请公开工作规范有序，政务公开平台建设持续加强，公开质量稳步提升。</p>
<p>二、主动公开政府信息情况</p>
<table border="1"><tr><td>规章</td><td>0</td></tr><tr><td>行政规范性文件</td><td>5</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p><p>本年度共收到申请12件。<br>全部按期办结。</p></td></tr>
<tr><td colspan="2">版权所有：某某县人民政府</td></tr></table></body></html>"""


def test_layout_table_does_not_swallow_the_report():
    doc = read_html(LAYOUT_PAGE.encode("utf-8"), "layout.html")
    assert _texts(doc) == [
        "某某县2022年政府信息公开工作年度报告",
        "一、总体情况",
        "2022年，我县深入贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息3456条，依申请公开工作规范有序，"
        "政务公开平台建设持续加强，公开质量稳步提升。",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "本年度共收到申请12件。",  # <br> ends a paragraph
        "全部按期办结。",
    ]
    assert [type(b) for b in doc.blocks].count(Table) == 1
    assert doc.tables[0].grid() == [["规章", "0"], ["行政规范性文件", "5"]]
    assert doc.blocks[4].kind == "table"  # in document order, between 二 and 三


def test_container_is_chosen_by_running_text_not_by_table_text():
    # the wrapper of the statistics table holds most of the page's characters; the
    # report's narrative (no numbered headings here) must not be dropped for it
    rows = "".join(f"<tr><td>{label}</td><td>{n}</td></tr>" for label, n in [
        ("本年新收政府信息公开申请数量", 3), ("上年结转政府信息公开申请数量", 0), ("予以公开", 2),
        ("部分公开（区分处理的，只计这一情形，不计其他情形）", 1), ("本机关不掌握相关政府信息", 0),
        ("没有现成信息需要另行制作", 0), ("补正后申请内容仍不明确", 0), ("信访举报投诉类申请", 0),
        ("属于国家秘密", 0), ("其他法律行政法规禁止公开", 0), ("属于三类内部事务信息", 0)])
    page = (f"<html><body><div class='content'><p>本局2021年政府信息公开工作年度报告</p>"
            f"<p>本年度共收到申请3件，均已按期答复。</p>"
            f"<div class='tablewrap'><table border='1'>{rows}</table></div>"
            f"<p>下一步将继续做好公开工作。</p></div></body></html>")
    doc = read_html(page.encode("utf-8"), "wrapped.html")
    assert _texts(doc) == ["本局2021年政府信息公开工作年度报告", "本年度共收到申请3件，均已按期答复。", "下一步将继续做好公开工作。"]
    assert len(doc.tables) == 1 and doc.tables[0].n_rows == 11


def test_single_cell_wrapper_table_is_read_as_paragraphs():
    page = ("<html><body><table><tr><td><p>一、总体情况</p><p>本年度主动公开信息100条。</p>"
            "<p>二、主动公开政府信息情况</p></td></tr></table></body></html>")
    doc = read_html(page.encode("utf-8"), "wrap.html")
    assert _texts(doc) == ["一、总体情况", "本年度主动公开信息100条。", "二、主动公开政府信息情况"]
    assert doc.tables == []


def test_headings_by_tag_form_and_bold():
    page = ("<html><body><h2>工作要点</h2><p>（一）主动公开方面</p>"
            "<p>（一）主动公开方面。" + "按照要求推进公开工作，" * 6 + "成效明显。</p>"
            "<p><strong>（二）依申请公开</strong></p><p><b>加强培训</b></p><p>全年举办培训<b>3</b>次。</p></body></html>")
    doc = read_html(page.encode("utf-8"), "h.html")
    assert [b.heading for b in doc.paragraphs] == [True, True, False, True, True, False]


@pytest.mark.parametrize("depth", [300, 1500])
def test_deeply_nested_markup_keeps_its_text(depth):
    # Word-exported pages leave <font> tags unclosed; libxml2 drops what lies
    # deeper than 256 levels unless asked not to
    page = "<html><body>" + "<font>" * depth + "<p>一、总体情况</p><p>本年度主动公开信息。</p>" + "</font>" * depth
    doc = read_html(page.encode("utf-8"), "deep.html")
    assert _texts(doc) == ["一、总体情况", "本年度主动公开信息。"]
    assert doc.warnings == []


def test_text_lost_beyond_the_parser_limit_is_reported():
    page = "<html><body>" + "<font>" * 3000 + "<p>一、总体情况</p><p>本年度主动公开信息。</p>" + "</font>" * 3000
    doc = read_html(page.encode("utf-8"), "deeper.html")
    assert any("lost in parsing" in w and w.startswith("deeper.html") for w in doc.warnings)


def test_read_detects_html_from_bytes_and_fills_meta():
    doc = read(NAV_PAGE.encode("utf-8"), name="nav.html")
    assert doc.meta.format == "html" and doc.meta.year == 2023
    assert doc.blocks[0].provenance.file == "nav.html"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("本年新\n  制作数量", "本年新制作数量"),  # a source line break inside a Chinese word
        ("\u00a0\u00a012 \n 3", "12 3"),  # digits stay apart
        ("\u3000\u30002021年，我局", "2021年，我局"),  # full-width indent
        ("a\u200bb", "ab"),
    ],
)
def test_collapse_space(raw, expected):
    assert collapse_space(raw) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("一、总体情况", True),
        ("（三）政府信息管理", True),
        ("(三)政府信息管理", True),
        ("1.属于国家秘密", True),
        ("1.5万条信息", False),
        ("一是加强组织领导。", False),
        ("（一）主动公开方面。" + "按照要求推进公开工作" * 4, False),  # too long: running text
    ],
)
def test_heading_by_form(text, expected):
    assert heading_by_form(text) is expected
