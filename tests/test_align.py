"""Aligning predicted sentences with gold ones, whatever their boundaries, scripts and white space."""

from __future__ import annotations

import warnings

import pytest

from xxgk.align import align, align_sentences, gold_labels_for
from xxgk.gold import iter_gold
from xxgk.pipeline import prepare
from xxgk.reading import read

GOLD = ["一、总体情况", "2021年,共受理申请6件。", "均按时办结。", "五、存在的主要问题及改进情况", "主动公开意识有待增强。"]


def test_same_boundaries():
    assert align(GOLD, GOLD) == [0, 1, 2, 3, 4]


def test_heading_glued_to_its_paragraph_gives_both_gold_sentences_the_merged_prediction():
    pred = ["一、总体情况2021年,共受理申请6件。", "均按时办结。", "五、存在的主要问题及改进情况主动公开意识有待增强。"]
    assert align(pred, GOLD) == [0, 0, 1, 2, 2]


def test_a_gold_sentence_split_in_two_gets_the_larger_part():
    pred = ["一、总体情况", "2021年,共受理", "申请6件。", "均按时办结。", "五、存在的主要问题及改进情况", "主动公开意识有待增强。"]
    al = align_sentences(pred, GOLD)
    assert al.gold_to_pred == [0, 1, 3, 4, 5]  # "2021年,共受理" (9 chars) beats "申请6件。" (5)
    assert al.pred_to_gold == [0, 1, 1, 2, 3, 4]


def test_missing_sentence_is_unmatched():
    pred = [GOLD[0], GOLD[1], GOLD[3], GOLD[4]]
    al = align_sentences(pred, GOLD)
    assert al.gold_to_pred == [0, 1, None, 2, 3]
    assert al.coverage == 4 / 5


def test_text_the_gold_leaves_out_maps_to_no_gold_sentence():
    # table cells between the sentences are not in the gold
    pred = [GOLD[0], GOLD[1], "第二十条第(一)项", "信息内容本年制发件数", GOLD[2], GOLD[3], GOLD[4]]
    al = align_sentences(pred, GOLD)
    assert al.gold_to_pred == [0, 1, 4, 5, 6]
    assert al.pred_to_gold[2:4] == [None, None]


def test_script_width_and_white_space_do_not_matter():
    pred = ["一、總體情況", "2021 年，共受理申請 6 件。", "均按時辦結。", "五、存在的主要問題及改進情況", "主動公開意識有待增強。"]
    assert align(pred, GOLD) == [0, 1, 2, 3, 4]


def test_min_share_is_checked():
    with pytest.raises(ValueError, match="'min_share' parameter"):
        align(GOLD, GOLD, min_share=0)


def test_every_shared_gold_sentence_is_found_in_its_source(gold_dir):
    # the alignment is the harness's footing: on the real sources (any format) coverage must be total
    for g in iter_gold(gold_dir):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = prepare(read(g.source_path))
        al = align_sentences(p.texts, g.texts)
        assert al.coverage == 1.0, (g.id, [g.texts[i] for i, j in enumerate(al.gold_to_pred) if j is None])


def test_gold_labels_for_a_real_report(gold_dir):
    g = next(x for x in iter_gold(gold_dir) if x.id == "hangzhou-emergency-2021")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prepare(read(g.source_path))
    sections, tags, mask = gold_labels_for(p, g)
    assert len(sections) == len(tags) == len(mask) == len(p.sentences)
    i = next(i for i, t in enumerate(p.texts) if t.startswith("主要表现在"))
    assert (sections[i], tags[i], mask[i]) == ("problems_improvements", "problem", True)
    # unmatched sentences (if any) carry no tag but a section
    assert all((t is None) == (not m) for t, m in zip(tags, mask))
    assert sections[0] == "preamble" and sections[-1] == "other_matters"
