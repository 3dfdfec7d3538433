"""The README's accuracy section and the side-by-side table of the systems (``make accuracy``)."""

from __future__ import annotations

import json

import pytest

from xxgk.evaluate.accuracy import END, START, accuracy_section, model_block, replace_section
from xxgk.evaluate.summary import systems_table

METRICS = {
    "date": "2026-01-01", "cv": 4,
    "systems": {
        "rules": {"cv": None, "runs": {"clean": {"section_accuracy": 0.96, "tag_macro_f1": 0.874},
                                       "no-headings": {"section_accuracy": 0.176, "tag_macro_f1": 0.72}}},
        "model": {"cv": {"scheme": "4-fold"}, "runs": {"clean": {"section_accuracy": 0.973, "tag_macro_f1": 0.971},
                                                       "no-headings": {"section_accuracy": 0.896, "tag_macro_f1": 0.974}}},
    },
}


def test_systems_table_bolds_the_best_of_each_row_and_skips_missing_runs():
    lines = systems_table(METRICS)
    assert lines[0] == "| run | sections rules | sections model | tags rules | tags model |"
    assert lines[2] == "| clean | 0.960 | **0.973** | 0.874 | **0.971** |"
    assert lines[3] == "| no-headings | 0.176 | **0.896** | 0.720 | **0.974** |"
    assert len(lines) == 4  # traditional, hard-wrap and flatten are not in the metrics


def test_model_block_formats_a_metrics_file_it_is_given(tmp_path):
    """The README's formatter over a fixture written here (METRICS): it checks the rendering, not any figure;
    the accuracy claims are recomputed in test_body_grouped_scores_recomputed."""
    assert model_block(tmp_path / "absent.json") == []
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(METRICS), encoding="utf-8")
    block = model_block(path)
    assert "`rules` as is" in block[0] and "`model` 4-fold" in block[0] and "--cv 4" in block[0]
    assert block[2:] == systems_table(METRICS)
    body = accuracy_section([], "abc1234", "2026-01-02", model=block)
    assert "commit abc1234" in body and "| clean | 0.960 | **0.973** |" in body


@pytest.mark.slow
@pytest.mark.model
def test_in_sample_the_shipped_model_is_at_least_level_with_rules(shipped_model, gold_dir):
    # IN-SAMPLE: the shipped weights were trained on these very gold reports, so this shows that they
    # load and run as trained (with and without headings), not how they do on unseen reports; that is
    # the body-grouped cross-validated table of the model card, and test_body_grouped_scores_recomputed.
    from xxgk.evaluate import evaluate

    runs = ("clean", "no-headings")
    got = {name: evaluate(gold_dir, system=name, perturb=["no-headings"], tables=False)["runs"]
           for name in ("rules", "model")}
    for run in runs:
        model, rules = got["model"][run]["overall"], got["rules"][run]["overall"]
        assert model["sections"]["accuracy"] >= rules["sections"]["accuracy"], run
        assert model["tags"]["macro_f1"] >= rules["tags"]["macro_f1"], run
    assert got["model"]["no-headings"]["overall"]["sections"]["accuracy"] > got["rules"]["no-headings"]["overall"]["sections"]["accuracy"] + 0.5


def test_body_grouped_scores_recomputed(gold_dir):
    """Out-of-sample figures recomputed here (not read from metrics.json): `baseline` cross-validated by body.

    The folds keep each issuing body (and each near-copy) whole; scored so, the baseline does worse than
    with folds that only keep each report whole, which let a body's other years into training: the leak
    the grouping closes. `rules` needs no training and, on reports with their headings, stays ahead.
    """
    from xxgk.evaluate import evaluate
    from xxgk.evaluate.runner import body_of
    from xxgk.gold import iter_gold

    body = evaluate(gold_dir, system="baseline", cv=3, tables=False)
    leaky = evaluate(gold_dir, system="baseline", cv=3, tables=False, cv_group="report", near_copy=None)
    rules = evaluate(gold_dir, system="rules", tables=False)
    assert body["cv"]["grouped_by"] == "body" and body["cv"]["folds"] == 3
    bodies = {g.id: body_of(g) for g in iter_gold(gold_dir)}
    held = [{bodies[i] for i in fold} for fold in body["cv"]["fold_reports"]]
    assert all(not (a & b) for k, a in enumerate(held) for b in held[k + 1:])  # no body in two folds
    b, lk, ru = (r["runs"]["clean"]["overall"] for r in (body, leaky, rules))
    assert b["reports"] == lk["reports"] == ru["reports"]
    assert b["sections"]["accuracy"] < lk["sections"]["accuracy"]
    assert b["tags"]["macro_f1"] < lk["tags"]["macro_f1"]
    assert ru["sections"]["accuracy"] > b["sections"]["accuracy"]
    cal = b["calibration"]["section"]
    assert cal["n"] == b["matched"] and 0.0 <= cal["ece"] <= 1.0
    # rules gives every sentence 1.0: its accuracy at 90% coverage is its plain accuracy
    rc = ru["calibration"]["section"]
    assert rc["mean_confidence"] == 1.0 and rc["accuracy_at_90"] == pytest.approx(rc["accuracy"])


def test_replace_section_swaps_only_what_is_between_the_markers():
    readme = f"# x\n\n## Accuracy\n\n{START}\nold\n{END}\n\n## After\n"
    new = replace_section(readme, "new")
    assert new == f"# x\n\n## Accuracy\n\n{START}\nnew\n{END}\n\n## After\n"
    assert replace_section(new, "new") == new
    assert replace_section("# x\n", "body").endswith(f"## Accuracy\n\n{START}\nbody\n{END}\n")
