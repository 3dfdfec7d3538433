"""The ``rules`` system: headings by pattern with an ordered state machine, and the keyword tagger."""

from __future__ import annotations

import warnings

import pytest

from xxgk.evaluate.runner import evaluate
from xxgk.gold import load_gold
from xxgk.normalize import normalize
from xxgk.pipeline import get_system, prepare
from xxgk.reading import read
from xxgk.segment.rules import find_headings, heading_label, segment_sentences
from xxgk.tag.rules import tag_sentence

STANDARD = [
    ("一、总体情况", "overview"),
    ("二、主动公开政府信息情况", "active_disclosure"),
    ("三、收到和处理政府信息公开申请情况", "applications"),
    ("四、政府信息公开行政复议、行政诉讼情况", "review_litigation"),
    ("五、存在的主要问题及改进情况", "problems_improvements"),
    ("六、其他需要报告的事项", "other_matters"),
]


@pytest.mark.parametrize(("heading", "label"), STANDARD + [
    ("一、概述", "overview"),                                      # older reports
    ("二、政府信息主动公开情况", "active_disclosure"),
    ("三、依申请公开政府信息情况", "applications"),
    ("四、因政府信息公开申请行政复议、提起行政诉讼的情况", "review_litigation"),  # 申请 must not win over 复议
    ("五、收费及减免情况", "applications"),                          # fees belong to applications
    ("五、谘询情况", "applications"),
    ("六、主要问题和改进措施", "problems_improvements"),
    ("五、下一步工作计划", "problems_improvements"),
])
def test_heading_labels(heading, label):
    assert heading_label(normalize(heading, "simplified").text[2:]) == label


@pytest.mark.parametrize("numbering", ["一、", "一.", "一．", "第一部分 "])
def test_numbering_variants(numbering):
    text = normalize(f"{numbering}总体情况", "simplified").text
    assert [(h.number, h.label) for h in find_headings(text)] == [(1, "overview")]


def test_sub_headings_and_list_items_are_not_sections():
    # （一）主动公开 inside the overview, and a numbered plan list inside section 五
    sents = ["一、总体情况", "(一)主动公开", "全年主动公开信息100条。", "五、存在的主要问题及改进情况",
             "一、进一步推进主动公开。", "二、加强依申请公开办理。", "六、其他需要报告的事项", "无。"]
    assert segment_sentences(sents) == ["overview", "overview", "overview", "problems_improvements",
                                        "problems_improvements", "problems_improvements", "other_matters", "other_matters"]


def test_a_report_that_comes_back_to_applications_for_its_fees():
    sents = ["一、概述", "x。", "三、依申请公开政府信息情况", "y。", "四、申请行政复议和提起行政诉讼情况", "z。",
             "五、收费及减免情况", "未收取费用。", "六、主要问题及改进措施", "w。"]
    assert segment_sentences(sents) == ["overview"] * 2 + ["applications"] * 2 + ["review_litigation"] * 2 + \
        ["applications"] * 2 + ["problems_improvements"] * 2


def test_headings_glued_inside_a_crawler_run():
    # a flattened table: the headings 三 to 五 sit inside one "sentence" and change the sections after it
    sents = ["一、总体情况2021年,我区主动公开信息。", "二、主动公开政府信息情况第二十条第(一)项信息内容本年制发件数"
             "三、收到和处理政府信息公开申请情况本列数据4、政府信息公开行政复议、行政诉讼情况00000五、存在的主要问题及改进情况(一)存在问题:",
             "政务公开质量水平有待提高。", "六、其他需要报告的事项2021年,无收取信息处理费情况。"]
    assert segment_sentences(sents) == ["overview", "active_disclosure", "problems_improvements", "other_matters"]


def test_unnamed_first_heading_opens_the_overview_and_attachments_go_to_other_matters():
    sents = ["某厅2018年政务公开工作报告", "一、围绕建设法治人社全面推进政务公开", "a。", "二、加大重点领域主动公开",
             "附件1:统计表"]
    assert segment_sentences(sents) == ["preamble", "overview", "overview", "active_disclosure", "other_matters"]


def test_no_heading_no_section():
    assert segment_sentences(["本报告由某局编制。", "全年公开信息10条。"]) == ["preamble", "preamble"]


@pytest.mark.parametrize(("text", "section", "tag"), [
    # report-format.md section 3's own examples
    ("2021年，局门户网站发布信息2550条。", "overview", "achievement"),
    ("完善信息公开工作机制，将市安委办成员单位纳入政务信息队伍。", "overview", "achievement"),
    ("共受理申请6件，均按时办结。", "applications", "achievement"),
    ("主动公开意识有待增强。", "problems_improvements", "problem"),
    ("虽取得一定成效，但仍存在一些不足。", "problems_improvements", "problem"),
    ("进一步推进主动公开再深化。", "problems_improvements", "plan"),
    ("下一步，我局将加强培训。", "problems_improvements", "plan"),
    ("重点做好以下工作：", "problems_improvements", "plan"),
    ("本报告由杭州市应急管理局编制。", "preamble", "other"),
    ("2021年，未收取信息处理费。", "applications", "other"),
    ("本年度未发生行政复议。", "review_litigation", "other"),
    ("无其他需要报告的事项。", "other_matters", "other"),
    ("一、总体情况", "overview", "other"),
    # the section changes what the same words mean
    ("结合工作实际，动态调整信息公开指南，进一步规范工作流程。", "overview", "achievement"),
    ("结合工作实际，动态调整信息公开指南，进一步规范工作流程。", "problems_improvements", "plan"),
])
def test_keyword_tags(text, section, tag):
    assert tag_sentence(normalize(text, "simplified").text, section) == tag


def test_rules_system_on_the_seed_report(gold_dir):
    # the seed (traditional, flattened web page): every section as annotated
    g = load_gold(gold_dir / "hangzhou-emergency-2021.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prepare(read(g.source_path))
    pred = get_system("rules").predict([p])[0]
    assert len(pred.sections) == len(p.sentences)
    r = evaluate(gold_dir, system="rules", tables=False)
    rep = next(x for x in r["runs"]["clean"]["reports"] if x["id"] == g.id)
    assert rep["sections"]["accuracy"] == 1.0
    assert rep["tags"]["per_tag"]["problem"]["recall"] == 1.0


def test_headings_without_numbers_follow_section_2_1():
    old = ["某局2010年政府信息公开工作年度报告", "概述", "2010年我局工作平稳。", "主动公开政府信息情况", "全年主动公开信息175条。",
           "依申请公开政府信息情况", "全年收到申请3件。", "因政府信息公开申请提起行政复议、行政诉讼的情况", "无。",
           "存在的主要问题及改进措施", "公开意识有待增强。", "其他需要报告的事项", "无。"]
    assert segment_sentences(old, bare_headings=True) == [
        "preamble", "overview", "overview", "active_disclosure", "active_disclosure", "applications", "applications",
        "review_litigation", "review_litigation", "problems_improvements", "problems_improvements", "other_matters",
        "other_matters"]
    # the default (the shipped model's features) is unchanged
    assert segment_sentences(old)[1:4] == ["preamble"] * 3
    # a sentence that says something is no heading; a bare sub-heading inside a numbered overview stays there
    assert segment_sentences(["一、总体情况", "主动公开情况", "全年公开175条。", "二、主动公开政府信息情况"],
                             bare_headings=True) == ["overview", "overview", "overview", "active_disclosure"]
    assert segment_sentences(["一、概述", "本年度主动公开政府信息情况良好。"], bare_headings=True) == ["overview"] * 2


def test_an_extra_seventh_part_after_the_template_parts_is_other_matters():
    doc = ["一、总体情况", "2021年工作平稳。", "五、存在的主要问题及改进情况", "问题一。", "六、保密审查", "严格保密审查。",
           "七、其他需要报告的事项", "无。"]
    assert segment_sentences(doc, bare_headings=True)[2:] == ["problems_improvements", "problems_improvements",
                                                              "other_matters", "other_matters", "other_matters",
                                                              "other_matters"]
    # a numbered list inside the problems part is no new part
    listed = ["五、存在的主要问题及改进情况", "一、公开意识有待增强。", "二、下一步，我局将加强培训，提升公开质量。"]
    assert segment_sentences(listed, bare_headings=True) == ["problems_improvements"] * 3


# --- where the word lists come from (issue 10) --------------------------------------------------------------

#: Words of SPEC_HEADING_KEYWORDS that the spec does not print, each with the general-language reason the module
#: gives: 其它 is the variant spelling of 其他; 其他事项 is the heading 其他需要报告的事项 shortened; 概况 a synonym of 概述;
#: 工作情况 the year's work (sections 2.1 and 3: the year's work summary is the overview).
_GENERAL_LANGUAGE = {"其它需要报告", "其他事项", "概况", "工作情况"}


def test_heading_keywords_come_from_the_spec(shared_dir):
    from xxgk.segment.rules import SPEC_HEADING_KEYWORDS

    spec = normalize((shared_dir / "spec" / "report-format.md").read_text(encoding="utf-8"), "simplified").text
    words = {w for _label, ws in SPEC_HEADING_KEYWORDS for w in ws}
    # 谘询: section 1's conversion mistake 咨询 → 谘詢, as normalisation leaves it
    assert "谘詢" in (shared_dir / "spec" / "report-format.md").read_text(encoding="utf-8")
    assert {w for w in words if w not in spec} == _GENERAL_LANGUAGE | {"谘询"}


def test_gold_only_words_are_gone_from_the_rules_but_kept_for_the_model_features():
    from xxgk.neural.features import sentence_features
    from xxgk.segment.rules import LEGACY_HEADING_KEYWORDS
    from xxgk.spec import SECTION_LABELS

    sents = ["一、总体情况", "全年公开信息10条。", "二、需要说明的事项", "无。"]
    # the rules system: 需要说明的事项 names no section of the spec, so the overview goes on
    assert segment_sentences(sents, bare_headings=True) == ["overview"] * 4
    # the shipped model's features keep the lists its weights were trained with
    assert segment_sentences(sents, keywords=LEGACY_HEADING_KEYWORDS)[2] == "other_matters"
    f = sentence_features(sents, [True, False, True, False], [0, 1, 2, 3])
    assert f[2, 22 + SECTION_LABELS.index("other_matters")] == 1.0
    assert f[3, 30 + SECTION_LABELS.index("other_matters")] == 1.0


@pytest.mark.parametrize("heading", ["二、政策解读和回应解读情况", "三、公开形式"])
def test_parts_the_template_lacks_go_to_active_disclosure(heading):
    # report-format.md section 2.1: 回应解读 / 政策解读 and 公开形式 / 公开载体 → active_disclosure
    assert heading_label(normalize(heading, "simplified").text[2:]) == "active_disclosure"


@pytest.mark.parametrize("text", ["下一步，我局将加强培训。", "我厅将进一步完善制度。", "明年，我中心将加强培训。"])
def test_we_will_is_a_plan_for_any_body(text):
    assert tag_sentence(normalize(text, "simplified").text, "overview") == "plan"
