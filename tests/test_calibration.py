"""Calibrated confidences: temperature scaling, the calibration file, and how confidences reach users.

Report JSON, the ``sentences`` tidy table, ``needs_review`` and its threshold,
on real reports of the shared corpus where a report is needed.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from xxgk.errors import ModelError
from xxgk.evaluate.metrics import accuracy_at_coverage, calibration_scores, ece
from xxgk.neural.calibrate import (
    Calibration,
    SectionCalibrator,
    fit_section_calibrator,
    fit_temperature,
    load_calibration,
    save_calibration,
    section_covariates,
    temper,
)
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


def test_calibration_file_with_a_section_calibrator(tmp_path):
    sc = SectionCalibrator(-0.5, (0.3, -1.0, -0.5, 0.1, 0.0))
    save_calibration(tmp_path, Calibration(1.0, 1.3, {"what": "test"}, section_calibrator=sc))
    got = load_calibration(tmp_path)
    assert got.section_calibrator == sc and got.tag_temperature == 1.3
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(ValueError, match="covariates"):
        got.section_confidence(probs, [0, 1])
    headed = got.section_confidence(probs, [0, 1], {"headless": 0.0, "fragments": 0.0})
    headless = got.section_confidence(probs, [0, 1], {"headless": 1.0, "fragments": 0.0})
    assert all(b < a for a, b in zip(headed, headless))  # the negative headless weight lowers every confidence
    assert headed[0] > headed[1]  # monotone in the marginal within a document
    # a calibrator over other features than this version's is refused, naming the file
    d = json.loads((tmp_path / "calibration.json").read_text(encoding="utf-8"))
    d["section_calibrator"]["features"] = ["logit"]
    (tmp_path / "calibration.json").write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(ModelError, match="calibration.json"):
        load_calibration(tmp_path)


def _prepared_copies(gold, kinds):
    """The gold report's source prepared as it is (``clean``) and as each damaged copy the harness makes of it."""
    from xxgk.perturb import perturb
    from xxgk.pipeline import prepare
    from xxgk.reading import read, read_bytes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = prepare(read(gold.source_path))
        out = {"clean": clean}
        for kind in kinds:
            text = perturb(clean.norm.text, gold, kind).text
            out[kind] = prepare(read_bytes(text.encode("utf-8"), f"{gold.id}#{kind}", format="text"))
    return out


def test_section_covariates_of_real_reports_and_their_damaged_copies(shared_dir):
    """A report's parts carry 一、… headings; cut them out and it is headless; hard-wrap it and its lines are fragments."""
    from xxgk.gold import load_gold

    gold_dir = shared_dir / "gold"
    seen = 0
    for name in ("hebei-science-2021", "huaian-city-2024", "pingtan-2022"):
        path = gold_dir / f"{name}.json"
        if not path.is_file():
            continue
        copies = _prepared_copies(load_gold(path, root=shared_dir), ("no-headings", "hard-wrap"))
        cov = {k: section_covariates(p.texts) for k, p in copies.items()}
        assert cov["clean"]["headless"] == 0.0 and cov["no-headings"]["headless"] == 1.0, (name, cov)
        assert cov["hard-wrap"]["headless"] == 0.0
        assert cov["hard-wrap"]["fragments"] > cov["clean"]["fragments"] + 0.15, (name, cov)
        seen += 1
    if not seen:
        pytest.skip(f"none of the three gold reports is in {gold_dir}")


def _layout_rows(n_docs=60, per_doc=40, seed=3):
    """Out-of-fold-like section rows: marginals near 1 everywhere, but right 98% of the time in documents with
    headings and 75% in headless ones (errors in a headless document come in runs, at the same marginals)."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_docs):
        headless = d % 2 == 1
        cov = {"headless": 1.0 if headless else 0.0, "fragments": 0.0}
        for _ in range(per_doc):
            top = float(1 - rng.uniform(0, 0.03))
            right = rng.random() < (0.75 if headless else 0.98)
            gold, pred = (1, 1) if right else (2, 1)
            probs = [0.0] * 6
            probs[1], probs[2] = top, 1 - top
            rows.append([probs, gold, pred, f"r{d}", cov])
    return rows


def test_section_calibrator_learns_what_the_layout_says_where_one_temperature_cannot():
    rows = _layout_rows()
    top = [r[0][r[2]] for r in rows]
    ok = [r[1] == r[2] for r in rows]
    headless = [r[4]["headless"] == 1.0 for r in rows]
    sc = fit_section_calibrator(top, ok, [r[4] for r in rows])
    conf = [sc.confidence([t], r[4])[0] for t, r in zip(top, rows)]
    for flag, want in ((False, 0.98), (True, 0.75)):
        got = np.mean([c for c, h in zip(conf, headless) if h == flag])
        assert got == pytest.approx(want, abs=0.04), (flag, got)
        assert ece([c for c, h in zip(conf, headless) if h == flag], [o for o, h in zip(ok, headless) if h == flag]) < 0.03
    # one temperature for all: it cannot be right for both layouts at once
    t = fit_temperature([r[0] for r in rows], [r[1] for r in rows])
    tempered = [float(temper(np.array([r[0]]), t)[0, r[2]]) for r in rows]
    worst = max(ece([c for c, h in zip(tempered, headless) if h == flag], [o for o, h in zip(ok, headless) if h == flag])
                for flag in (False, True))
    assert worst > 0.05
    with pytest.raises(ValueError, match="right and rows that are wrong"):
        fit_section_calibrator([0.9, 0.8], [True, True], [{"headless": 0.0, "fragments": 0.0}] * 2)


def test_card_calibrate_fits_the_section_calibrator_when_rows_carry_covariates():
    from training.card import _calibration_text, calibrate

    rows = _layout_rows()
    folds = [[f"r{d}" for d in range(60) if d % 3 == k] for k in range(3)]
    oof = {"model": {"cv": {"scheme": "3-fold", "grouped_by": "body", "near_copy": 0.5, "fold_reports": folds},
                     "runs": {"clean": {"section": [r for r in rows if r[4]["headless"] == 0.0], "tag": []},
                              "no-headings": {"section": [r for r in rows if r[4]["headless"] == 1.0], "tag": []}}}}
    cal, fig = calibrate(oof)
    assert cal.section_calibrator is not None and cal.section_temperature == 1.0
    # chosen among the methods the rows allow (they carry no `unsure`), by cross-fitted ECE
    assert set(fig["section_scores"]) == {"identity", "temperature", "platt", "layout"}
    assert fig["section_method"] == "layout" == cal.fitted_on["section_method"]
    assert fig["section_scores"]["layout"] < fig["section_scores"]["identity"]
    # cross-fitted: the headless documents' overconfidence is gone, the headed ones stay calibrated
    runs = fig["runs"]
    assert runs["no-headings"]["section"]["after"]["ece"] < 0.03 < runs["no-headings"]["section"]["before"]["ece"]
    assert runs["clean"]["section"]["after"]["ece"] < 0.03
    assert set(fig["section_by_fold"]) == {0, 1, 2} and all(isinstance(v, dict) for v in fig["section_by_fold"].values())
    assert "SectionCalibrator" in _calibration_text(fig, cal)


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
    assert set(fig["section_by_fold"]) == {0, 1, 2}
    c = fig["runs"]["clean"]["section"]
    assert c["after"]["ece"] < 0.05 < c["before"]["ece"]
    assert c["after"]["accuracy"] == c["before"]["accuracy"]  # labels unchanged
    m = {"systems": {"model": {"runs": {"clean": {}}}}, "calibration": fig}
    table = calibration_table(m)
    assert any("`model` calibrated | clean | section" in line for line in table)


def test_card_calibrate_with_two_folds_says_the_method_was_chosen_on_all_of_them():
    """Two folds cannot be split again: the figures are cross-fitted, not nested, and the card says so."""
    from training.card import _calibration_text, calibrate

    rows = _layout_rows(n_docs=40)
    folds = [[f"r{d}" for d in range(40) if d % 2 == k] for k in range(2)]
    oof = {"model": {"cv": {"scheme": "2-fold", "grouped_by": "body", "near_copy": 0.5, "fold_reports": folds},
                     "runs": {"clean": {"section": rows, "tag": []}}}}
    cal, fig = calibrate(oof)
    assert "section_method_by_fold" not in fig and fig["section_method"] in fig["section_scores"]
    assert "chosen on all the folds" in _calibration_text(fig, cal)
