"""Calibrated confidences: temperature scaling, the calibration file, and how confidences reach users.

Report JSON, the ``sentences`` tidy table, ``needs_review`` and its threshold,
on real reports of the shared corpus where a report is needed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from xxgk.errors import ModelError
from xxgk.evaluate.metrics import accuracy_at_coverage, calibration_scores, ece
from xxgk.neural.calibrate import Calibration, fit_temperature, load_calibration, save_calibration, temper
from xxgk.report import Report, mark_review


def _overconfident(n=4000, seed=0, true_t=2.5):
    """Rows whose labels are drawn from p_true, and reported probabilities sharpened by ``true_t``."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, size=(n, 4))
    p_true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = np.array([rng.choice(4, p=p) for p in p_true])
    return temper(p_true, 1 / true_t), y


def test_fit_temperature_recovers_the_sharpening_and_keeps_the_labels():
    probs, y = _overconfident()
    t = fit_temperature(probs, y)
    assert t == pytest.approx(2.5, rel=0.15)
    calibrated = temper(probs, t)
    assert (calibrated.argmax(1) == probs.argmax(1)).all()
    pred = probs.argmax(1)
    before = ece(probs.max(1).tolist(), (pred == y).tolist())
    after = ece(calibrated.max(1).tolist(), (pred == y).tolist())
    assert after < 0.03 < before


def test_temper_is_softmax_over_temperature():
    logits = np.array([[2.0, 0.5, -1.0]])
    p = np.exp(logits) / np.exp(logits).sum()
    q = np.exp(logits / 3) / np.exp(logits / 3).sum()
    assert np.allclose(temper(p, 3.0), q)
    with pytest.raises(ValueError, match="> 0"):
        temper(p, 0.0)


def test_calibration_file_round_trip_and_errors(tmp_path):
    assert load_calibration(tmp_path) == Calibration() and not Calibration().calibrated
    save_calibration(tmp_path, Calibration(1.7, 1.2, {"what": "test"}))
    got = load_calibration(tmp_path)
    assert (got.section_temperature, got.tag_temperature, got.calibrated) == (1.7, 1.2, True)
    (tmp_path / "calibration.json").write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(ModelError, match="calibration.json"):
        load_calibration(tmp_path)
    (tmp_path / "calibration.json").write_text('{"format": "xxgk-calibration/1", "section_temperature": -1, '
                                               '"tag_temperature": 1}', encoding="utf-8")
    with pytest.raises(ModelError, match="> 0"):
        load_calibration(tmp_path)


def test_calibration_scores():
    conf = [0.95] * 10 + [0.5] * 10
    ok = [True] * 9 + [False] + [True] * 5 + [False] * 5
    c = calibration_scores(conf, ok)
    assert c["n"] == 20 and c["accuracy"] == 0.7
    assert c["ece"] == pytest.approx(0.5 * 0.05 + 0.5 * 0.0)
    assert c["confident_share"] == 0.5 and c["confident_accuracy"] == 0.9
    assert c["accuracy_at_90"] == pytest.approx((9 + 8 * 0.5) / 18)
    assert accuracy_at_coverage([], []) is None and ece([], []) is None


def test_report_carries_both_confidences_and_needs_review(corpus_dir):
    import xxgk

    path = corpus_dir / "005_pingtan_2021.txt"
    if not path.is_file():
        pytest.skip(f"{path} is not in the shared corpus")
    report = xxgk.analyze(path, system="rules", tables=False)
    assert all(s.section_confidence == 1.0 and s.tag_confidence == s.confidence == 1.0 for s in report.sentences)
    assert not any(s.needs_review for s in report.sentences)
    # lower the confidences by hand: the threshold decides
    report.sentences[0].section_confidence = 0.5
    report.sentences[1].confidence = 0.85
    mark_review(report)
    assert [s.needs_review for s in report.sentences[:3]] == [True, True, False]
    mark_review(report, 0.8)
    assert [s.needs_review for s in report.sentences[:3]] == [True, False, False]
    with pytest.raises(ValueError, match="review_below"):
        mark_review(report, 1.5)
    back = Report.from_json(report.to_json())
    assert back.schema_version == "1.1" and back.sentences[0].section_confidence == 0.5 and back.sentences[0].needs_review
    # a 1.0 report (before the fields existed) still loads
    old = json.loads(report.to_json())
    old["schema_version"] = "1.0"
    for s in old["sentences"]:
        del s["section_confidence"], s["needs_review"]
    assert Report.from_dict(old).sentences[0].section_confidence == 1.0


def test_sentences_table_and_review_threshold_in_tag(corpus_dir, tmp_path):
    import xxgk
    from xxgk.batch import tag
    from xxgk.tidy import COLUMNS

    assert {"confidence", "section_confidence", "needs_review"} <= set(COLUMNS["sentences"])
    src = corpus_dir / "019_daoxian_culture_2013.txt"
    if not src.is_file():
        pytest.skip(f"{src} is not in the shared corpus")
    tag([src], tmp_path / "a", system="rules", progress=False, format="jsonl")
    s = xxgk.load(tmp_path / "a").sentences
    assert s["section_confidence"].eq(1.0).all() and not s["needs_review"].any()
    # rules' 1.0 is below a threshold of 1.0 nowhere; a threshold above it is refused
    with pytest.raises(ValueError, match="review_below"):
        tag([src], tmp_path / "b", system="rules", progress=False, review_below=2.0)


def test_analyze_refuses_a_bad_threshold():
    import xxgk

    with pytest.raises(ValueError, match="review_below"):
        xxgk.analyze("一、总体情况\n共受理申请6件。", system="rules", review_below=-0.1)


def test_card_calibrate_fits_on_out_of_fold_rows_and_scores_cross_fitted():
    from training.card import calibrate, calibration_table

    probs, y = _overconfident(n=1200, seed=1)
    pred = probs.argmax(1)
    ids = [f"r{i % 6}" for i in range(len(y))]
    rows = [[p.tolist(), int(t), int(k), rid] for p, t, k, rid in zip(probs, y, pred, ids)]
    oof = {"model": {"cv": {"scheme": "3-fold", "grouped_by": "body", "near_copy": 0.5,
                            "fold_reports": [["r0", "r1"], ["r2", "r3"], ["r4", "r5"]]},
                     "runs": {"clean": {"section": rows, "tag": rows}}}}
    cal, fig = calibrate(oof)
    assert cal.section_temperature == pytest.approx(2.5, rel=0.2) and cal.calibrated
    assert set(fig["section_temperature_by_fold"]) == {0, 1, 2}
    c = fig["runs"]["clean"]["section"]
    assert c["after"]["ece"] < 0.05 < c["before"]["ece"]
    assert c["after"]["accuracy"] == c["before"]["accuracy"]  # labels unchanged
    m = {"systems": {"model": {"runs": {"clean": {}}}}, "calibration": fig}
    table = calibration_table(m)
    assert any("`model` calibrated | clean | section" in line for line in table)
