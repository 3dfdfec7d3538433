"""The README's accuracy section and the side-by-side table of the systems (``make accuracy``)."""

from __future__ import annotations

import json

import pytest

from xxgk.evaluate.accuracy import END, START, accuracy_section, model_block, replace_section
from xxgk.evaluate.summary import systems_table
from xxgk.neural.store import DEFAULT_MODEL_DIR

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


def test_model_block_reads_metrics_json(tmp_path):
    assert model_block(tmp_path / "absent.json") == []
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(METRICS), encoding="utf-8")
    block = model_block(path)
    assert "`rules` as is" in block[0] and "`model` 4-fold" in block[0] and "--cv 4" in block[0]
    assert block[2:] == systems_table(METRICS)
    body = accuracy_section([], "abc1234", "2026-01-02", model=block)
    assert "commit abc1234" in body and "| clean | 0.960 | **0.973** |" in body


def test_the_shipped_models_metrics_show_it_ahead_on_every_row():
    path = DEFAULT_MODEL_DIR / "metrics.json"
    if not path.is_file():
        pytest.skip(f"{path} is not here: `python -m training.card --evaluate` writes it")
    m = json.loads(path.read_text(encoding="utf-8"))
    model = m["systems"]["model"]
    assert model["cv"]["grouped_by"] == "report"  # no report scored by a model that saw it
    for run, r in model["runs"].items():
        for other in ("rules", "baseline"):
            o = m["systems"][other]["runs"][run]
            assert r["section_accuracy"] > o["section_accuracy"] and r["tag_macro_f1"] > o["tag_macro_f1"], (run, other)


def test_replace_section_swaps_only_what_is_between_the_markers():
    readme = f"# x\n\n## Accuracy\n\n{START}\nold\n{END}\n\n## After\n"
    new = replace_section(readme, "new")
    assert new == f"# x\n\n## Accuracy\n\n{START}\nnew\n{END}\n\n## After\n"
    assert replace_section(new, "new") == new
    assert replace_section("# x\n", "body").endswith(f"## Accuracy\n\n{START}\nbody\n{END}\n")
