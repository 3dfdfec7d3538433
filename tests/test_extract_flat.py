"""Tables flattened to one cell per line (reading order only), as web pages copied to text give them."""

from __future__ import annotations

import warnings
from pathlib import Path

from xxgk.document import Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from xxgk.extract import extract_tables
from xxgk.reading import read


def flat(lines: list[str], first_line: int = 1) -> Table:
    cells = [Cell(t, i, 0, provenance=Provenance(file="t.txt", line=first_line + i)) for i, t in enumerate(lines)]
    return Table(cells=cells, source_form="cell-per-line")


def test_seed_values_point_at_their_lines(corpus_dir: Path) -> None:
    path = corpus_dir / "000_hangzhou_emergency_2021.txt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read(str(path))
    tables, findings = extract_tables(doc)
    lines = path.read_text(encoding="utf-8").splitlines()
    ad = tables["active_disclosure"]
    assert ad.source_form == "cell-per-line"
    lic = ad.rows["licensing"]["decisions"]
    assert lic.value == 644 and lines[lic.provenance.line - 1].strip() == "644"
    assert lines[lic.provenance.line - 3].strip() == "行政許可"  # the label two lines up (blank line between)
    app = tables["applications"]
    assert app.value("new_requests", "total") == 6 and app.value("unavailable_needs_creation", "total") == 2
    for _, _, v in app.cells():
        assert lines[v.provenance.line - 1].strip() == v.raw
    assert not findings


def test_2019_active_disclosure_with_signed_changes_and_vertical_headers() -> None:
    tokens = [
        "第二十条第（一）项", "信息内容", "本年新", "制作数量", "本年新", "公开数量", "对外公开", "总数量",
        "规章", "1", "1", "20", "规范性文件", "5", "5", "61",
        "第二十条第（五）项", "信息内容", "上一年项目数量", "本年增/减", "处理决定数量",
        "行政许可", "396", "+3", "181", "其他对外管理服务事项", "10", "-2", "153",
        "第二十条第（六）项", "信息内容", "上一年项目数量", "本年增/减", "处理决定数量",
        "行政处罚", "2648", "增加3", "430", "行政强制", "126", "0", "25",
        "第二十条第（八）项", "信息内容", "上一年项目数量", "本年增/减", "行政事业性收费", "35", "减少2",
        "第二十条第（九）项", "信息内容", "采购项目数量", "采购总金额", "政府集中采购", "135", "75394432.52",
    ]
    d = Document(meta=DocumentMeta(year=2019), blocks=[Paragraph("二、主动公开政府信息情况"), flat(tokens)])
    ad = extract_tables(d)[0]["active_disclosure"]
    assert ad.template == "2019"
    assert ad.values() == {
        "template": "2019",
        "regulations": {"new_made": 1, "new_published": 1, "total_published": 20},
        "normative_documents": {"new_made": 5, "new_published": 5, "total_published": 61},
        "licensing": {"prev_items": 396, "change": 3, "decisions": 181},
        "other_services": {"prev_items": 10, "change": -2, "decisions": 153},
        "punishment": {"prev_items": 2648, "change": 3, "decisions": 430},
        "coercion": {"prev_items": 126, "change": 0, "decisions": 25},
        "fees": {"prev_items": 35, "change": -2},
        "procurement": {"items": 135, "amount": 75394432.52},
    }


def test_three_tables_in_one_run_cut_at_their_headings() -> None:
    tokens = ["二、主动公开政府信息情况", "第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
              "规章", "0", "0", "0", "行政规范性文件", "2", "0", "8", "第二十条第（五）项", "信息内容", "本年处理决定数量",
              "行政许可", "644", "第二十条第（六）项", "信息内容", "本年处理决定数量", "行政处罚", "188", "行政强制", "0",
              "第二十条第（八）项", "信息内容", "本年收费金额（单位：万元）", "行政事业性收费", "0",
              "四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", "结果", "维持", "结果", "纠正", "其他", "结果",
              "尚未", "审结", "总计", "未经复议直接起诉", "复议后起诉"] + [str(i) for i in range(15)]
    tables, findings = extract_tables(Document(blocks=[flat(tokens)]))
    assert tables["active_disclosure"].value("punishment", "decisions") == 188
    rl = tables["review_litigation"]
    assert [v.value for _, _, v in rl.cells()] == list(range(15))
    assert [f.kind for f in findings] == ["missing_table"] and findings[0].table == "applications"


def test_row_with_lost_values_is_missing_not_zero() -> None:
    tokens = ["三、收到和处理政府信息公开申请情况", "申请人情况", "自然人", "法人或其他组织", "总计",
              "一、本年新收政府信息公开申请数量", "4", "2", "0", "0", "0", "0", "6",
              "二、上年结转政府信息公开申请数量",  # its seven cells were lost
              "三、本年度办理结果", "（一）予以公开", "1", "1", "0", "0", "0", "0", "2"]
    tables, findings = extract_tables(Document(blocks=[flat(tokens)]))
    app = tables["applications"]
    assert app.value("new_requests", "total") == 6 and app.value("granted", "total") == 2
    assert all(v.status == "missing" and v.value is None for v in app.rows["carried_over"].values())
    empty = next(f for f in findings if f.kind == "empty_row")
    assert empty.cells == [f"carried_over.{c}" for c in app.rows["carried_over"]]
    missing = next(f for f in findings if f.kind == "half_table")  # the table stops after 予以公开
    assert "carried_forward.total" in missing.cells and "carried_over.total" not in missing.cells


def test_review_with_lost_cells_is_ambiguous() -> None:
    # a flattened page drops empty cells: 10 numbers for 15 cells cannot be placed
    tokens = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] + ["1"] * 10
    d = Document(blocks=[Paragraph("四、政府信息公开行政复议、行政诉讼情况"), flat(tokens)])
    tables, findings = extract_tables(d)
    rl = tables["review_litigation"]
    assert all(v.value is None and v.status == "ambiguous" for _, _, v in rl.cells())
    amb = next(f for f in findings if f.kind == "ambiguous")
    assert len(amb.cells) == 15 and amb.candidates == ["1"] * 10


def test_flat_row_with_a_lost_cell_is_ambiguous() -> None:
    tokens = ["三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量", "4", "2", "0", "0", "0", "6",
              "二、上年结转政府信息公开申请数量", "0", "0", "0", "0", "0", "0", "0"]
    tables, findings = extract_tables(Document(blocks=[flat(tokens)]))
    app = tables["applications"]
    assert [v.status for v in app.rows["new_requests"].values()] == ["ambiguous"] * 7
    assert app.value("carried_over", "total") == 0
    assert any(f.kind == "ambiguous" and f.candidates == ["4", "2", "0", "0", "0", "6"] for f in findings)


def test_flat_2021_report_keeping_other_processing_as_one_row() -> None:
    tokens = ["三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量"] + ["1"] * 7 + [
        "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"] + ["0"] * 7 + [
        "（六）其他处理"] + ["2"] * 7 + ["（七）总计"] + ["3"] * 7
    d = Document(meta=DocumentMeta(year=2022), blocks=[flat(tokens)])
    tables, findings = extract_tables(d)
    app = tables["applications"]
    assert app.template == "2021"
    assert app.value("other_processing", "total") == 2 and app.value("total_handled", "natural_person") == 3
    assert "other_other" not in app.rows
    assert any(f.kind == "template_variant" for f in findings)
