"""The harness's figures on hand-made predictions whose scores are worked out by hand."""

from __future__ import annotations

import random

import pytest
from nltk.metrics import segmentation as nltk_seg

from xxgk.evaluate.metrics import (
    UNMATCHED,
    boundary_string,
    default_k,
    gold_rule_verdicts,
    pk,
    prf,
    section_scores,
    system_rule_verdicts,
    table_scores,
    tag_scores,
    windowdiff,
)

P, OV, A, X = "preamble", "overview", "applications", "problems_improvements"


def test_perfect_prediction_scores_one_everywhere():
    gold = [P, P, OV, OV, OV, A, A, X]
    r = section_scores(gold, list(gold))
    assert r["accuracy"] == 1.0
    assert r["boundary"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 3, "fp": 0, "fn": 0}
    assert r["pk"] == 0.0 and r["windowdiff"] == 0.0
    assert r["macro_f1"] == 1.0
    tags = ["other", "other", "achievement", "achievement", "plan", "other", "achievement", "problem"]
    t = tag_scores(tags, list(tags))
    assert t["accuracy"] == 1.0 and t["macro_f1"] == 1.0
    assert t["confusion"]["achievement"] == {"achievement": 3, "problem": 0, "plan": 0, "other": 0, UNMATCHED: 0}


def test_boundary_shifted_by_one_sentence():
    # gold: 2 preamble, 4 overview, 4 problems; the prediction opens problems one sentence late
    gold = [P] * 2 + [OV] * 4 + [X] * 4
    pred = [P] * 2 + [OV] * 5 + [X] * 3
    r = section_scores(gold, pred)
    assert r["accuracy"] == 9 / 10
    # boundaries at 2 and 6 against 2 and 7: one right, one spurious, one missed
    assert (r["boundary"]["tp"], r["boundary"]["fp"], r["boundary"]["fn"]) == (1, 1, 1)
    assert r["boundary"]["f1"] == 0.5
    # k = round(10 / (2 * 2)) = 2; of the 9 windows, those starting at 5 and 7 disagree
    assert r["k"] == 2
    assert r["pk"] == pytest.approx(2 / 9)
    assert r["windowdiff"] == pytest.approx(2 / 9)
    assert r["per_label"][OV]["precision"] == 0.8 and r["per_label"][OV]["recall"] == 1.0
    assert r["per_label"][X]["f1"] == pytest.approx(6 / 7)
    assert r["per_label"][P]["f1"] == 1.0


def test_all_one_tag():
    gold = ["achievement", "achievement", "problem", "plan", "other"]
    pred = ["achievement"] * 5
    t = tag_scores(gold, pred)
    assert t["accuracy"] == 2 / 5
    ach = t["per_tag"]["achievement"]
    assert (ach["precision"], ach["recall"]) == (0.4, 1.0)
    assert ach["f1"] == pytest.approx(4 / 7)
    for tag in ("problem", "plan", "other"):
        assert t["per_tag"][tag]["f1"] == 0.0
    assert t["macro_f1"] == pytest.approx(1 / 7)
    assert t["confusion"]["problem"]["achievement"] == 1


def test_missing_sentences_count_as_wrong_and_lower_coverage_only_through_recall():
    # the third gold sentence has no prediction (None)
    secs = section_scores([OV, OV, X, X], [OV, OV, None, X])
    assert secs["accuracy"] == 3 / 4
    # for boundaries the gap takes the section before it: the boundary moves from 2 to 3
    assert (secs["boundary"]["tp"], secs["boundary"]["fp"], secs["boundary"]["fn"]) == (0, 1, 1)
    tags = tag_scores(["achievement", "achievement", "problem", "plan"], ["achievement", "achievement", None, "plan"])
    assert tags["accuracy"] == 3 / 4
    assert tags["per_tag"]["problem"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "tp": 0, "fp": 0, "fn": 1}
    # macro over the tags present (achievement, problem, plan); "other" is in neither
    assert tags["macro_f1"] == pytest.approx(2 / 3)
    assert tags["confusion"]["problem"][UNMATCHED] == 1


def test_prf_zero_divisions():
    assert prf(0, 0, 0) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}  # nothing to find, nothing found
    assert prf(0, 2, 0)["precision"] == 0.0
    assert prf(0, 0, 3)["recall"] == 0.0


def test_single_section_document():
    r = section_scores([OV] * 4, [OV] * 4)
    assert r["boundary"]["f1"] == 1.0 and r["pk"] == 0.0
    r = section_scores([OV] * 4, [P, OV, OV, OV])
    assert r["boundary"]["fp"] == 1 and r["boundary"]["precision"] == 0.0


@pytest.mark.parametrize("seed", range(25))
def test_pk_and_windowdiff_match_nltk(seed):
    rng = random.Random(seed)
    n = rng.randint(4, 60)
    labels_ref = [0]
    labels_hyp = [0]
    for _ in range(n - 1):
        labels_ref.append(labels_ref[-1] + (rng.random() < 0.15))
        labels_hyp.append(labels_hyp[-1] + (rng.random() < 0.2))
    ref, hyp = boundary_string(labels_ref), boundary_string(labels_hyp)
    k = default_k(ref)
    assert pk(ref, hyp) == pytest.approx(nltk_seg.pk(ref, hyp))
    assert pk(ref, hyp, k) == pytest.approx(nltk_seg.pk(ref, hyp, k))
    assert windowdiff(ref, hyp, k) == pytest.approx(nltk_seg.windowdiff(ref, hyp, k))
    k2 = rng.randint(1, n)
    assert windowdiff(ref, hyp, k2) == pytest.approx(nltk_seg.windowdiff(ref, hyp, k2))


def test_windowdiff_rejects_a_window_wider_than_the_text():
    with pytest.raises(ValueError, match="'k' parameter of windowdiff"):
        windowdiff("0010", "0100", 5)


# --- tables -------------------------------------------------------------------------

GOLD_TABLES = {
    "review_litigation": {
        "review": {"upheld": 1, "corrected": 0, "other": 2, "pending": 0, "total": 3},
        "litigation_direct": {"upheld": 12, "corrected": 0, "other": 0, "pending": 0, "total": 12},
    },
    "active_disclosure": {"template": "2021", "fees": {"amount": 24252.311082}, "licensing": {"decisions": None}},
}


def test_table_cells_exact_match():
    pred = {
        "review_litigation": {
            "review": {"upheld": 1, "corrected": 0, "other": 2, "pending": 0, "total": 3},
            "litigation_direct": {"upheld": 12, "corrected": 0, "other": 0, "pending": 0, "total": 21},  # wrong total
        },
        "active_disclosure": {"fees": {"amount": 24252.311082}, "licensing": {"decisions": None}},
    }
    r = table_scores(GOLD_TABLES, pred)
    assert r["cells"] == 12 and r["correct"] == 11
    assert r["per_table"]["review_litigation"]["wrong"] == ["litigation_direct.total"]
    assert r["per_table"]["active_disclosure"]["all_right"] is True
    assert r["all_right"] is False


def test_missing_table_is_all_wrong():
    r = table_scores(GOLD_TABLES, {})
    assert r["correct"] == 0 and not r["per_table"]["review_litigation"]["extracted"]


class _Finding:
    def __init__(self, cells):
        self.kind, self.table, self.cells = "ambiguous", "review_litigation", cells


def test_lost_cells_null_with_ambiguous_finding_is_right_only_there():
    pred = {"review_litigation": {"review": {"upheld": None, "corrected": None, "other": 2, "pending": 0, "total": 3},
                                  "litigation_direct": {"upheld": 12, "corrected": 0, "other": 0, "pending": 0, "total": 12}},
            "active_disclosure": {"fees": {"amount": 24252.311082}, "licensing": {"decisions": None}}}
    findings = [_Finding(["review.upheld", "review.corrected"])]
    assert table_scores(GOLD_TABLES, pred, findings, cells_in_source=False)["correct"] == 12
    # a source that keeps its cells gets no such leniency
    assert table_scores(GOLD_TABLES, pred, findings, cells_in_source=True)["correct"] == 10
    # nor does a null the extractor did not flag
    assert table_scores(GOLD_TABLES, pred, [], cells_in_source=False)["correct"] == 10
    # a wrong number is wrong whatever the source
    pred["review_litigation"]["review"]["upheld"] = 7
    assert table_scores(GOLD_TABLES, pred, findings, cells_in_source=False)["correct"] == 11


def test_rule_verdicts_on_gold_numbers():
    # the Hongze report prints review upheld 10, corrected 1, total 0: R1 fails on the gold numbers themselves
    tables = {"review_litigation": {"review": {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0}}}
    v = gold_rule_verdicts(tables)
    assert v["R1"] == "fail" and v["A1"] == "not_assessable"
    tables["review_litigation"]["review"]["total"] = 11
    assert gold_rule_verdicts(tables)["R1"] == "pass"
    # a gold null is a cell the report leaves empty (report-format.md section 5): the rules count it as 0,
    # as xxgk.validate does for an extracted table
    tables["review_litigation"]["review"]["pending"] = None
    assert gold_rule_verdicts(tables)["R1"] == "pass"
    tables["review_litigation"]["review"]["total"] = None
    assert gold_rule_verdicts(tables)["R1"] == "fail"
    for v in tables["review_litigation"]["review"]:
        tables["review_litigation"]["review"][v] = None
    assert gold_rule_verdicts(tables)["R1"] == "not_assessable"


def test_system_rule_verdicts_fold_checks_per_rule():
    from xxgk.validate import Check

    checks = [Check("R1", "review_litigation", "block:review", "fail"),
              Check("R1", "review_litigation", "block:litigation_direct", "pass"),
              Check("A1", "applications", "column:total", "pass"),
              Check("A2", "applications", "column:total", "not_assessable")]
    assert system_rule_verdicts(checks) == {"R1": "fail", "A1": "pass", "A2": "not_assessable"}
