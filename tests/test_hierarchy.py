"""The heading hierarchy (xxgk.segment.hierarchy) and the v2 features built on it, on small documents written here."""

from __future__ import annotations

import numpy as np
import pytest

from xxgk.neural.features import FEATURE_SETS, N_FEATURES, feature_count, rule_columns, sentence_features
from xxgk.segment.hierarchy import UNNUMBERED, heading_form, parse_hierarchy
from xxgk.spec import SECTION_LABELS


def _levels(texts):
    return [c.form.level if c.form else None for c in parse_hierarchy(texts)]


def test_heading_forms_by_numbering():
    assert heading_form("一、总体情况").level == 1
    assert heading_form("第三部分 依申请公开").level == 1
    assert heading_form("(二)依申请公开情况").level == 2
    assert heading_form("3.加强培训").level == 3
    assert heading_form("3、加强培训").level == 3
    assert heading_form("(4)完善制度").level == 4
    f = heading_form("十二、其他事项")
    assert (f.level, f.number) == (1, 12)
    # figures are not numbering
    assert heading_form("1.5万条信息已公开。") is None
    assert heading_form("2021年共受理申请6件。") is None
    # a list item that says something is numbered but no title
    assert heading_form("1.全年共受理申请6件,均已办结。").title_like is False
    assert heading_form("(一)主动公开情况").title_like is True


def test_nested_numbering_keeps_each_level_in_force_and_closes_deeper_ones():
    texts = ["一、总体情况", "(一)主动公开", "1.规范性文件", "(1)市政府文件", "本年制定文件3件。",
             "2.政策解读", "解读文件5件。", "(二)依申请公开", "收到申请6件。", "二、主动公开政府信息情况", "见下表。"]
    ctx = parse_hierarchy(texts)
    assert _levels(texts) == [1, 2, 3, 4, None, 3, None, 2, None, 1, None]
    assert ctx[4].enclosing == (1, 1, 1, 1) and ctx[4].depth == 4
    assert ctx[6].enclosing == (1, 1, 2, None)  # 2. closed (1)
    assert ctx[8].enclosing == (1, 2, None, None)  # (二) closed 1. and 2.
    assert ctx[10].enclosing == (2, None, None, None)
    assert ctx[10].top_label == "active_disclosure"


def test_overview_sub_parts_stay_in_overview_when_the_report_has_its_own_parts():
    # 2021 template (spec 2.1): 一、总体情况 (一)主动公开 ... and its own 二、主动公开 part
    texts = ["一、总体情况", "(一)主动公开", "本年主动公开信息120条。", "(二)依申请公开", "收到申请6件。",
             "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    ctx = parse_hierarchy(texts)
    assert ctx[2].sub_label == "active_disclosure" and ctx[2].sub_has_own_part
    assert ctx[2].resolved == "overview"
    assert ctx[4].sub_label == "applications" and ctx[4].resolved == "overview"


def test_old_layout_gathering_parts_under_one_heading_gives_each_sub_part_its_section():
    texts = ["一、概述", "本年工作有序推进。", "二、公开政府信息情况", "(一)主动公开情况", "公开信息80条。",
             "(二)依申请公开情况", "收到申请3件。", "(三)行政复议及行政诉讼情况", "无行政复议。",
             "三、存在的主要问题及改进措施", "公开内容不够全面。"]
    ctx = parse_hierarchy(texts)
    assert [c.resolved for c in ctx] == [
        "overview", "overview", None, "active_disclosure", "active_disclosure", "applications", "applications",
        "review_litigation", "review_litigation", "problems_improvements", "problems_improvements"]
    assert ctx[2].top_named and ctx[2].top_label is None  # 公开政府信息情况 names no single part


def test_sub_parts_with_their_top_level_headings_lost_resolve_to_nothing():
    # the 2021 overview of the test above with its top-level headings cut out (the harness's no-headings copy):
    # (一)主动公开 may be an overview sub-part as well as a part of its own, and section 2.1 decides that from
    # the parent, which is gone; the sub-heading's own naming stays in sub_label
    texts = ["(一)主动公开", "本年主动公开信息120条。", "(二)依申请公开", "收到申请6件。"]
    ctx = parse_hierarchy(texts)
    assert [c.sub_label for c in ctx] == ["active_disclosure"] * 2 + ["applications"] * 2
    assert [c.resolved for c in ctx] == [None] * 4
    assert not any(c.top_named for c in ctx)
    v2 = sentence_features(texts, [False] * 4, [0, 1, 2, 3], "v2")
    assert not v2[:, FEATURE_SETS["v2"] - len(SECTION_LABELS):].any()  # no "section 2.1 says" column is set
    # a preamble line before the first top-level heading changes nothing; the first 一、 restores the reading
    ctx = parse_hierarchy(["本报告依据条例编制。", *texts[:2], "二、公开政府信息情况", *texts])
    assert [c.resolved for c in ctx][:3] == [None] * 3
    assert [c.resolved for c in ctx][4:] == ["active_disclosure"] * 2 + ["applications"] * 2


@pytest.mark.parametrize("own_part", [False, True])
def test_a_plans_sub_part_of_other_matters(own_part):
    # spec 2.1: a sub-part named after another template part goes there only when the report has no part of its own
    texts = ["一、总体情况", "本年工作有序推进。"]
    if own_part:
        texts += ["五、存在的主要问题及改进情况", "培训不足。"]
    texts += ["六、其他需要报告的事项", "(一)下一步工作计划", "我局将加强培训。", "(二)收费情况", "本年未收取费用。"]
    ctx = parse_hierarchy(texts)
    plan, fees = ctx[-3], ctx[-1]
    assert plan.top_label == "other_matters" and plan.sub_label == "problems_improvements"
    assert plan.sub_has_own_part is own_part
    assert plan.resolved == ("other_matters" if own_part else "problems_improvements")
    assert fees.resolved == "applications"  # 收费 → applications (spec 2.1), no 三 part of its own here


def test_unnumbered_headings_by_form():
    texts = ["本报告由某局编制。", "概述", "本年工作有序推进,主动公开信息", "120条", "主动公开政府信息情况",
             "全年公开信息80条。"]
    ctx = parse_hierarchy(texts)
    assert ctx[1].form is not None and ctx[1].form.level == UNNUMBERED and ctx[1].unnumbered_label == "overview"
    # the tail of an unfinished line is no heading: it continues the line before
    assert ctx[3].form is None and ctx[3].continuation
    assert ctx[4].form is None and ctx[4].continuation  # after "120条" (unfinished) too
    assert ctx[2].resolved == "overview"
    # after a finished sentence it is a heading
    ctx2 = parse_hierarchy(["本年工作有序推进。", "主动公开政府信息情况", "全年公开信息80条。"])
    assert ctx2[1].form.level == UNNUMBERED and ctx2[2].unnumbered_label == "active_disclosure"
    assert not ctx2[2].continuation


def test_top_level_list_inside_a_part_is_read_as_items():
    texts = ["四、行政复议、行政诉讼情况", "无。", "五、存在的主要问题及改进情况", "一、加强培训", "我局将组织培训。",
             "二、完善制度", "六、其他需要报告的事项"]
    ctx = parse_hierarchy(texts)
    assert ctx[3].out_of_order and ctx[5].out_of_order and not ctx[6].out_of_order
    assert ctx[4].enclosing[0] == 5 and ctx[4].enclosing[2] == 1
    assert ctx[4].resolved == "problems_improvements"
    assert ctx[6].resolved == "other_matters"


def test_hard_wrapped_report_through_the_pipeline():
    from xxgk.perturb import hard_wrap
    from xxgk.pipeline import prepare
    from xxgk.readers.text import read_text

    text = ("某局2021年政府信息公开工作年度报告\n"
            "一、总体情况\n"
            "2021年,我局认真贯彻落实政府信息公开条例,全面推进政务公开工作,各项工作取得了较好成效。\n"
            "四、政府信息公开行政复议、行政诉讼情况\n"
            "本年度未发生行政复议和行政诉讼。\n"
            "六、其他需要报告的事项\n"
            "(一)下一步工作计划\n"
            "我局将进一步加强政务公开培训,提升工作人员业务水平,推动政务公开工作再上新台阶。\n")
    wrapped = hard_wrap(text, min_width=12, max_width=14, seed=1)
    p = prepare(read_text(wrapped.encode("utf-8"), "wrapped.txt"))
    ctx = parse_hierarchy(p.texts)
    by_text = dict(zip(p.texts, ctx))
    review = next(c for t, c in by_text.items() if t.startswith("四、"))
    assert review.form.level == 1 and review.top_label == "review_litigation"
    # no wrapped tail becomes a heading without a number
    for t, c in by_text.items():
        if c.form is not None and c.form.level == UNNUMBERED:
            pytest.fail(f"wrapped line read as a heading: {t!r}")
    last = ctx[-1]
    assert last.top_label == "other_matters" and last.resolved == "problems_improvements"
    assert any(c.continuation for c in ctx)


def test_v2_features_shape_rule_columns_and_v1_unchanged():
    texts = ["一、总体情况", "(一)主动公开", "全年主动公开信息120条。", "六、其他需要报告的事项", "(一)下一步工作计划",
             "我局将加强培训。"]
    args = ([False] * len(texts), list(range(len(texts))))
    v1 = sentence_features(texts, *args)
    v2 = sentence_features(texts, *args, feature_set="v2")
    assert v1.shape == (6, N_FEATURES) and v2.shape == (6, feature_count("v2")) == (6, FEATURE_SETS["v2"])
    # the form columns agree; v2 adds the hierarchy
    assert np.array_equal(v1[:, :22], v2[:, :22])
    assert v2[:, N_FEATURES:].any()
    # the hierarchy's form columns (levels) are not rule columns; the sections its headings name are
    rc = set(rule_columns("v2"))
    assert N_FEATURES not in rc and FEATURE_SETS["v2"] - 1 in rc and set(range(22, 37)) <= rc
    assert rule_columns("v1") == list(range(22, 37))
    # the last sentence: section 2.1 reads it as problems_improvements (no 五 of its own), by the spec's lists
    resolved = v2[-1, FEATURE_SETS["v2"] - len(SECTION_LABELS):]
    assert SECTION_LABELS[int(resolved.argmax())] == "problems_improvements" and resolved.sum() == 1
    with pytest.raises(ValueError, match="feature set"):
        feature_count("v9")


def test_v2_features_use_the_spec_word_lists_not_the_legacy_ones():
    # 需要说明的事项 is in the legacy (gold-read) list only: v1 names it other_matters, v2 does not
    texts = ["一、总体情况", "本年工作有序推进。", "二、需要说明的事项", "无。"]
    args = ([False] * 4, [0, 1, 2, 3])
    from xxgk.spec import SECTION_LABELS

    om = SECTION_LABELS.index("other_matters")
    assert sentence_features(texts, *args)[2, 22 + om] == 1.0
    assert sentence_features(texts, *args, feature_set="v2")[2, 22 + om] == 0.0
