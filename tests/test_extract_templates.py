"""The template label data: keys as the spec names them, every label matching its own row, typo tolerance."""

from __future__ import annotations

import pytest

from xxgk.extract.labels import label_key, numbering, similarity
from xxgk.extract.templates import GENERATIONS, TEMPLATES, detect_generation, match_row
from xxgk.spec import TABLE_NAMES

APP_2021 = [
    "new_requests", "carried_over", "granted", "partially_granted", "denied_state_secret",
    "denied_prohibited_by_law", "denied_endangers_security_stability", "denied_third_party_rights",
    "denied_internal_affairs", "denied_process_information", "denied_enforcement_case_files",
    "denied_administrative_inquiry", "unavailable_not_held", "unavailable_needs_creation",
    "unavailable_unclear_after_correction", "not_processed_petition", "not_processed_duplicate",
    "not_processed_publication", "not_processed_excessive", "not_processed_confirmation",
    "other_no_correction", "other_unpaid_fee", "other_other", "total_handled", "carried_forward",
]


def test_keys_follow_the_spec() -> None:
    # report-format.md section 4
    assert list(TEMPLATES["2021"]["applications"].row_keys) == APP_2021
    app19 = [k for k in APP_2021 if not k.startswith("other_")]
    app19.insert(app19.index("total_handled"), "other_processing")
    assert list(TEMPLATES["2019"]["applications"].row_keys) == app19
    assert len(app19) == 23
    for gen in GENERATIONS:
        assert set(TEMPLATES[gen]) == set(TABLE_NAMES)
        assert TEMPLATES[gen]["applications"].column_keys == (
            "natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
            "legal_service_org", "other_org", "total")
        rl = TEMPLATES[gen]["review_litigation"]
        assert rl.row_keys == ("review", "litigation_direct", "litigation_after_review")
        assert len(rl.cell_keys()) == 15
    ad21 = TEMPLATES["2021"]["active_disclosure"]
    assert ad21.row_keys == ("regulations", "normative_documents", "licensing", "punishment", "coercion", "fees")
    assert ad21.columns_for("regulations") == ("made", "repealed", "in_force")
    assert ad21.columns_for("fees") == ("amount",)
    ad19 = TEMPLATES["2019"]["active_disclosure"]
    assert ad19.columns_for("regulations") == ("new_made", "new_published", "total_published")
    assert ad19.columns_for("licensing") == ("prev_items", "change", "decisions")
    assert ad19.columns_for("procurement") == ("items", "amount")
    assert ad19.column("change").kind == "change" and ad19.column("amount").kind == "money"


@pytest.mark.parametrize("gen", GENERATIONS)
@pytest.mark.parametrize("name", TABLE_NAMES)
def test_every_label_matches_its_own_row(gen: str, name: str) -> None:
    tpl = TEMPLATES[gen][name]
    for row in tpl.rows:
        for lab in row.labels:
            m = tpl.match_row(lab, group=row.group)
            assert m is not None and m.key == row.key, (lab, m)
    for col in tpl.columns:
        for lab in col.labels:
            m = tpl.match_column(lab)
            assert m is not None and m.key == col.key, (lab, m)


@pytest.mark.parametrize(
    "printed, key",
    [
        ("2.其他法律行政止公开", "denied_prohibited_by_law"),  # typo in 001_huaian_hongze_2023.pdf
        ("（二）部分公開（區分處理的，隻計這一情形，不計其他情形）", "partially_granted"),  # traditional, seed
        ("（二）部分公开（区分处理的，只计这一情 形，不\n计其他情形）", "partially_granted"),  # wrapped PDF cell
        ("5.要求行政机关确认或重 新出具\n已获取信息", "not_processed_confirmation"),
        ("4.无正当理由大量反复 申请", "not_processed_excessive"),
        ("3.危及三安全一稳定", "denied_endangers_security_stability"),  # quotes dropped
        ("一.本年新收政府信息公开申请数量", "new_requests"),  # other numbering punctuation
        ("四、结转下年度继续办理", "carried_forward"),
    ],
)
def test_typo_tolerant_row_matching(printed: str, key: str) -> None:
    m = TEMPLATES["2021"]["applications"].match_row(printed)
    assert m is not None and m.key == key


def test_group_labels_are_not_rows() -> None:
    app = TEMPLATES["2021"]["applications"]
    for g in ("三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"):
        assert app.match_row(g) is None, g
    # 2019 keeps （六）其他处理 as a row; a 2021 table doing so uses the alternate
    assert TEMPLATES["2019"]["applications"].match_row("（六）其他处理").key == "other_processing"
    assert app.match_alternate("（六）其他处理").key == "other_processing"
    assert app.row("other_processing").replaces == ("other_no_correction", "other_unpaid_fee", "other_other")


def test_short_label_settled_by_its_group() -> None:
    app = TEMPLATES["2021"]["applications"]
    assert app.match_row("3.其他", group="other").key == "other_other"
    assert app.match_row("2.重复申请", group="not_processed").key == "not_processed_duplicate"


def test_unrelated_text_matches_nothing() -> None:
    app = TEMPLATES["2021"]["applications"]
    for t in ("申请人情况", "信息内容", "自然人", "第二十条第（一）项", "本年度未发生行政复议"):
        assert app.match_row(t) is None, t


def test_match_row_across_tables() -> None:
    assert match_row("行政處罰") == ("active_disclosure", "punishment")
    assert match_row("其他对外管理服务事项") == ("active_disclosure", "other_services")
    assert match_row("未经复议直接起诉") == ("review_litigation", "litigation_direct")
    assert match_row("完全无关的句子。") is None


def test_detect_generation() -> None:
    assert detect_generation(["上一年项目数量", "本年增/减", "处理决定数量"]) == "2019"
    assert detect_generation(["本年制發件數", "現行有效件數"]) == "2021"
    assert detect_generation(["规章", "行政许可"]) is None


def test_label_helpers() -> None:
    assert label_key("（一）予以公開") == "予以公开"
    assert numbering("三、本年度办理结果") == ("top", 3)
    assert numbering("（十二）某项") == ("paren", 12)
    assert similarity("", "x") == 0.0
