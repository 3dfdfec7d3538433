"""Grid tables (HTML, DOCX, PDF, pipe) in the variants real reports print, built cell by cell in the test."""

from __future__ import annotations

import pytest

from xxgk.document import Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from xxgk.extract import extract_tables
from xxgk.extract.templates import TEMPLATES

APP = TEMPLATES["2021"]["applications"]
COLS = APP.column_keys


def grid(rows: list[list], *, page: int | None = None) -> Table:
    """A Table from rows of texts or ``(text, rowspan, colspan)``, columns placed around row spans."""
    cells = []
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        c = 0
        for item in row:
            text, rs, cs = (item, 1, 1) if isinstance(item, str) else item
            while (r, c) in taken:
                c += 1
            prov = Provenance(file="t.pdf", page=page, bbox=(0, 0, 1, 1)) if page else Provenance(file="t.html", line=r + 1)
            cells.append(Cell(text, r, c, rs, cs, prov))
            for i in range(r, r + rs):
                for j in range(c, c + cs):
                    taken.add((i, j))
            c += cs
    return Table(cells=cells)


def doc(*blocks, year: int | None = 2021) -> Document:
    return Document(meta=DocumentMeta(source="t", year=year), blocks=list(blocks))


def app_rows(gen: str = "2021", *, start: int = 0) -> list[tuple[str, list[str]]]:
    """(label, 7 values) per row; row i has values i*10+k so every cell is distinct and checkable."""
    tpl = TEMPLATES[gen]["applications"]
    return [(tpl.row(k).labels[0], [str(100 + i * 10 + j) for j in range(7)]) for i, k in enumerate(tpl.row_keys)][start:]


def own(findings) -> list:
    """The findings about the table under test (documents here hold one table, so the others are missing)."""
    return [f for f in findings if f.kind != "missing_table"]


def expected(i: int, j: int) -> int:
    return 100 + i * 10 + j


HEADER = [
    [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 1), ("申请人情况", 1, 7)],
    [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
    ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
]


def test_header_dropped_reads_template_order() -> None:
    t = grid([[label] + vals for label, vals in app_rows()])
    tables, findings = extract_tables(doc(Paragraph("三、收到和处理政府信息公开申请情况"), t))
    app = tables["applications"]
    assert [app.value(k, c) for k in APP.row_keys for c in COLS] == [
        expected(i, j) for i in range(25) for j in range(7)
    ]
    assert not own(findings)


def test_header_in_one_row_without_the_legal_person_group() -> None:
    # 法人或其他组织 left out: the five organisation columns are headed directly
    head = [["项目", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    t = grid(head + [[label] + vals for label, vals in app_rows()])
    app = extract_tables(doc(t))[0]["applications"]
    assert app.value("granted", "total") == expected(2, 6)
    assert app.value("other_other", "natural_person") == expected(22, 0)


def test_header_columns_in_another_order_follow_the_header() -> None:
    # a report that puts 总计 right after 自然人: values go by their header, not by position
    order = ["natural_person", "total", "commercial_enterprise", "research_institution", "social_welfare_org",
             "legal_service_org", "other_org"]
    labels = {"natural_person": "自然人", "total": "总计", "commercial_enterprise": "商业企业",
              "research_institution": "科研机构", "social_welfare_org": "社会公益组织",
              "legal_service_org": "法律服务机构", "other_org": "其他"}
    head = [["", "", *[labels[k] for k in order]]]
    body = []
    for i, k in enumerate(APP.row_keys):
        vals = [str(expected(i, COLS.index(c))) for c in order]
        body.append([APP.row(k).labels[0], ""] + vals)
    app = extract_tables(doc(grid(head + body)))[0]["applications"]
    assert all(app.value(k, c) == expected(i, j) for i, k in enumerate(APP.row_keys) for j, c in enumerate(COLS))


def test_header_lines_that_do_not_line_up_with_the_columns_are_not_trusted() -> None:
    # whitespace-aligned text: the two header lines start at the left, not above their columns
    head = [["自然人", "法人或其他组织", "总计"], ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
    t = grid(head + [[label] + vals for label, vals in app_rows()])
    app = extract_tables(doc(t))[0]["applications"]
    assert [app.value("granted", c) for c in COLS] == [expected(2, j) for j in range(7)]


def test_merged_group_cells_typo_and_vertical_label() -> None:
    rows = app_rows()
    body = [[(rows[0][0], 1, 3)] + rows[0][1], [(rows[1][0], 1, 3)] + rows[1][1]]
    # 三、本年度办理结果 written one character per line, spanning the 22 outcome rows
    body.append([("三\n、\n本\n年\n度\n办\n理\n结\n果", 22, 1), (rows[2][0], 1, 2)] + rows[2][1])
    body.append([(rows[3][0], 1, 2)] + rows[3][1])
    groups = [("（三）不予公开", 4, 8), ("（四）无法提供", 12, 3), ("（五）不予处理", 15, 5), ("（六）其他处理", 20, 3)]
    for glabel, first, n in groups:
        for k in range(first, first + n):
            label = "2.其他法律行政止公开" if k == 5 else rows[k][0]  # the typo of 001_huaian_hongze_2023.pdf
            body.append(([(glabel, n, 1)] if k == first else []) + [label] + rows[k][1])
    body.append([("（七）总计", 1, 2)] + rows[23][1])
    body.append([(rows[24][0], 1, 3)] + rows[24][1])
    t = grid([[(HEADER[0][0][0], 3, 3), ("申请人情况", 1, 7)], HEADER[1], HEADER[2]] + body)
    tables, findings = extract_tables(doc(t))
    app = tables["applications"]
    assert [app.value(k, c) for k in APP.row_keys for c in COLS] == [
        expected(i, j) for i in range(25) for j in range(7)
    ]
    assert app.rows["other_other"]["natural_person"].provenance.row is not None
    assert not own(findings)


def test_table_split_over_pages_continuation_without_header() -> None:
    rows = app_rows()
    part1 = grid([[(HEADER[0][0][0], 3, 1), ("申请人情况", 1, 7)], HEADER[1], HEADER[2]]
                 + [[label] + vals for label, vals in rows[:14]], page=3)
    part2 = grid([[label] + vals for label, vals in rows[14:]], page=4)
    tables, findings = extract_tables(doc(Paragraph("三、收到和处理政府信息公开申请情况"), part1, part2))
    app = tables["applications"]
    assert app.value("unavailable_unclear_after_correction", "total") == expected(14, 6)
    assert app.value("carried_forward", "other_org") == expected(24, 5)
    assert app.rows["carried_forward"]["total"].provenance.page == 4
    assert not own(findings)


def test_2021_report_keeping_other_processing_as_one_row() -> None:
    rows = app_rows()
    body = [[label] + vals for label, vals in rows[:20]]
    body.append(["（六）其他处理", ""] + ["1", "0", "0", "0", "0", "0", "1"])  # an empty label-column cell too
    body += [[label] + vals for label, vals in rows[23:]]
    body[:20] = [[r[0], ""] + r[1:] for r in body[:20]]
    body[-2:] = [[r[0], ""] + r[1:] for r in body[-2:]]
    tables, findings = extract_tables(doc(grid(body)))
    app = tables["applications"]
    assert "other_processing" in app.rows
    assert not any(k.startswith("other_") and k != "other_processing" for k in app.rows)
    keys = list(app.rows)
    assert keys.index("other_processing") == keys.index("not_processed_confirmation") + 1
    assert app.value("other_processing", "total") == 1
    assert app.value("total_handled", "total") == expected(23, 6)
    assert [f.kind for f in own(findings)] == ["template_variant"]


def test_misaligned_value_spans_are_read_in_header_order() -> None:
    # 003_shanghai_office_2019.html: header spans 1/2/1, value cells 2/1/1
    t = grid([
        [("第二十条第（五）项", 1, 5)],
        ["信息内容", "上一年项目数量", ("本年增/减", 1, 2), "处理决定数量"],
        ["行政许可", ("12", 1, 2), "-2", "40"],
        ["其他对外管理服务事项", ("3", 1, 2), "增加3", "5"],
    ])
    ad = extract_tables(doc(t, year=2019))[0]["active_disclosure"]
    assert ad.template == "2019"
    assert [ad.value("licensing", c) for c in ("prev_items", "change", "decisions")] == [12, -2, 40]
    assert [ad.value("other_services", c) for c in ("prev_items", "change", "decisions")] == [3, 3, 5]
    assert ad.rows["other_services"]["change"].raw == "增加3"


def test_active_disclosure_blocks_as_separate_tables_money_as_printed() -> None:
    # a DOCX that gives each 第二十条 item its own table; the fee printed with six decimals
    t1 = grid([["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "0", "0", "1"],
               ["行政规范性文件", "69", "3", "665"]])
    t2 = grid([["信息内容", "本年处理决定数量"], ["行政许可", "2,293"]])
    t3 = grid([["信息内容", "本年处理决定数量"], ["行政处罚", "1282"], ["行政强制", "42"]])
    t4 = grid([["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "24252.311082"]])
    tables, findings = extract_tables(doc(Paragraph("二、主动公开政府信息情况"), t1, t2, t3, t4))
    ad = tables["active_disclosure"]
    assert ad.values() == {
        "template": "2021", "regulations": {"made": 0, "repealed": 0, "in_force": 1},
        "normative_documents": {"made": 69, "repealed": 3, "in_force": 665}, "licensing": {"decisions": 2293},
        "punishment": {"decisions": 1282}, "coercion": {"decisions": 42}, "fees": {"amount": 24252.311082},
    }
    assert ad.rows["licensing"]["decisions"].raw == "2,293"
    assert [f.kind for f in findings] == ["missing_table", "missing_table"]


def test_blank_zero_dash_none_kept_distinct() -> None:
    t = grid([["行政复议", "", "", "", "", "行政诉讼"],
              ["1", "0", "", "/", "—", "无", "0", "0", "0", "0", "0", "0", "0", "0", "0"]])
    rl = extract_tables(doc(Paragraph("四、政府信息公开行政复议、行政诉讼情况"), t))[0]["review_litigation"]
    got = [(v.value, v.status, v.raw) for _, _, v in rl.cells()[:6]]
    assert got == [(1, "ok", "1"), (0, "ok", "0"), (None, "blank", ""), (None, "dash", "/"),
                   (None, "dash", "—"), (None, "none", "无")]


def test_review_row_of_dashes_is_read_as_dashes() -> None:
    t = grid([[("行政复议", 1, 5), ("行政诉讼", 1, 10)], ["/"] * 15])
    rl = extract_tables(doc(Paragraph("四、政府信息公开行政复议、行政诉讼情况"), t))[0]["review_litigation"]
    assert {(v.value, v.status) for _, _, v in rl.cells()} == {(None, "dash")}


def test_letters_where_numbers_belong_give_a_finding_and_no_value() -> None:
    rows = app_rows()
    rows[2] = (rows[2][0], ["abc"] + rows[2][1][1:])
    tables, findings = extract_tables(doc(grid([[label] + vals for label, vals in rows])))
    v = tables["applications"].rows["granted"]["natural_person"]
    assert (v.value, v.status, v.raw) == (None, "unreadable", "abc")
    assert [(f.kind, f.cells) for f in own(findings)] == [("unreadable", ["granted.natural_person"])]


def test_half_table_gives_missing_cells_and_a_finding() -> None:
    rows = app_rows()[:9]  # the table stops after 9 rows (page lost)
    tables, findings = extract_tables(doc(grid([[label] + vals for label, vals in rows])))
    app = tables["applications"]
    assert app.value("denied_internal_affairs", "total") == expected(8, 6)
    assert app.rows["carried_forward"]["total"].status == "missing" and app.value("carried_forward", "total") is None
    kinds = [f.kind for f in findings]
    assert "half_table" in kinds
    half = next(f for f in findings if f.kind == "half_table")
    assert "carried_forward.total" in half.cells and len(half.cells) == 16 * 7


def test_short_row_without_header_is_ambiguous_not_guessed() -> None:
    # two of seven cells lost and no header to say which: no cell of the row is given a number
    rows = app_rows()
    body = [[label] + vals for label, vals in rows]
    body[0] = [rows[0][0]] + rows[0][1][:5]
    tables, findings = extract_tables(doc(grid(body)))
    app = tables["applications"]
    assert all(v.value is None and v.status == "ambiguous" for v in app.rows["new_requests"].values())
    amb = [f for f in findings if f.kind == "ambiguous"]
    assert len(amb) == 1 and "new_requests.total" in amb[0].cells and amb[0].candidates == rows[0][1][:5]
    assert app.value("carried_over", "total") == expected(1, 6)


def test_short_row_under_a_header_keeps_the_cells_it_has() -> None:
    # with a header the cells' columns are known: the lost cell alone is missing
    head = [["项目", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    rows = app_rows()
    body = [[label] + vals for label, vals in rows]
    body[0] = body[0][:-1]  # the 总计 cell is lost
    tables, findings = extract_tables(doc(grid(head + body)))
    app = tables["applications"]
    assert app.value("new_requests", "other_org") == expected(0, 5)
    assert app.rows["new_requests"]["total"].status == "missing"
    assert [(f.kind, f.cells) for f in own(findings)] == [("missing_cells", ["new_requests.total"])]


@pytest.mark.parametrize("label", ["3.□□□□□□", "第七行"])  # glyphs lost in a PDF; a label of the body's own
def test_unrecognised_label_placed_by_position_with_a_finding(label: str) -> None:
    rows = app_rows()
    rows[6] = (label, rows[6][1])
    tables, findings = extract_tables(doc(grid([[label] + vals for label, vals in rows])))
    assert tables["applications"].value("denied_endangers_security_stability", "natural_person") == expected(6, 0)
    assert [f.kind for f in own(findings)] == ["row_by_position"]


def test_old_statistics_table_is_not_read_as_a_template_table() -> None:
    # a pre-2019 统计表: its 主动公开情况 / 行政复议数量 rows have no canonical keys
    old = grid([["统计指标", "单位", "统计数"], ["一、主动公开情况", "", ""], ["（一）主动公开政府信息数", "条", "1683"],
                ["四、行政复议数量", "件", "1"], ["（一）维持具体行政行为数", "件", "1"]])
    tables, findings = extract_tables(doc(Paragraph("三、政府信息公开统计表"), old, year=2018))
    assert tables == {}
    assert [f.kind for f in findings] == ["old_template", "no_tables"]


def test_no_tables_and_non_statistical_tables() -> None:
    meta_table = grid([["索引号", "123/2022-001"], ["发布机构", "某局"]])
    tables, findings = extract_tables(doc(Paragraph("一、总体情况"), meta_table))
    assert tables == {}
    assert [f.kind for f in findings] == ["no_tables"]
    assert extract_tables(doc())[0] == {}
