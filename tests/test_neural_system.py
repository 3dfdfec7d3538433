"""The shipped model on a real report, and its errors when something is missing.

The report is ``examples/000_hangzhou_emergency_2021.txt`` (the seed: a
flattened web page in traditional characters, one table cell per line); the
expected sections and tags below are those of its gold file
(``shared/gold/hangzhou-emergency-2021.json``).
"""

from __future__ import annotations

import warnings

import pytest

from xxgk.errors import BaseModelMissingError, XxgkError
from xxgk.neural.base import base_available
from xxgk.neural.store import DEFAULT_MODEL_DIR

needs_model = pytest.mark.skipif(
    not base_available() or not (DEFAULT_MODEL_DIR / "weights.safetensors").is_file(),
    reason="needs the base model (`make fetch-base`) and the shipped weights in models/xxgk-sections-tags",
)


@pytest.fixture(scope="module")
def seed_report(repo_dir):
    import xxgk

    path = repo_dir / "examples" / "000_hangzhou_emergency_2021.txt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xxgk.analyze(path, system="model", tables=False)


@pytest.mark.model
@pytest.mark.slow
@needs_model
def test_shipped_model_finds_the_seed_reports_sections(seed_report):
    assert seed_report.system == "model"
    labels = [s.label for s in seed_report.sections]
    # the gold's section order: the seed has all seven, once each
    assert labels == ["preamble", "overview", "active_disclosure", "applications", "review_litigation",
                      "problems_improvements", "other_matters"]


# sentences of the seed (normalised to simplified) and their gold section and tag
GOLD_SENTENCES = [
    ("一、总体情况", "overview", "other"),
    ("主要表现在:一是主动公开意识有待增强。", "problems_improvements", "problem"),
    ("三是公开队伍建设仍需加强。", "problems_improvements", "problem"),
    ("(一)进一步推进主动公开再深化。", "problems_improvements", "plan"),
    ("健全政府信息公开工作制度,优化工作流程。", "problems_improvements", "plan"),
    ("2021年,市应急管理局未收取政府信息公开信息处理费。", "other_matters", "other"),
]


@pytest.mark.model
@pytest.mark.slow
@needs_model
@pytest.mark.parametrize(("text", "section", "tag"), GOLD_SENTENCES)
def test_shipped_model_tags_sentences_as_the_gold_does(seed_report, text, section, tag):
    from xxgk.normalize import match_key

    found = [s for s in seed_report.sentences if match_key(s.text) == match_key(text)]
    assert found, f"sentence {text!r} not found in the report"
    assert (found[0].section, found[0].tag) == (section, tag)


def test_missing_base_is_a_clear_error_not_a_fallback(tmp_path, monkeypatch):
    from xxgk.pipeline import get_system, prepare
    from xxgk.reading import read

    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "empty-cache"))
    system = get_system("model")
    doc = prepare(read("一、总体情况\n2021年共受理申请6件。\n"))
    with pytest.raises(BaseModelMissingError, match=r"empty-cache.*xxgk models fetch-base"):
        system.predict([doc])


def test_missing_model_folder_says_how_to_make_it(tmp_path):
    from xxgk.neural.system import ModelSystem
    from xxgk.pipeline import prepare
    from xxgk.reading import read

    if not base_available():
        pytest.skip("needs the base model (`make fetch-base`): without it the base error comes first")
    system = ModelSystem(model_dir=tmp_path / "no-model")
    with pytest.raises(XxgkError, match="lacks config.json.*make train"):
        system.predict([prepare(read("一、总体情况\n2021年共受理申请6件。\n"))])


def test_default_system_is_the_model_and_says_when_the_base_is_missing(tmp_path, monkeypatch):
    import xxgk
    from xxgk.batch import tag
    from xxgk.cli import main

    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "empty-cache"))
    report = tmp_path / "r.txt"
    report.write_text("2021年政府信息公开工作年度报告\n一、总体情况\n2021年共受理申请6件。\n", encoding="utf-8")
    with pytest.raises(BaseModelMissingError, match="xxgk models fetch-base"):
        xxgk.analyze(report)
    # the batch stops before any work, not once per file, and writes nothing
    with pytest.raises(BaseModelMissingError, match="xxgk models fetch-base"):
        tag([report], tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
    assert main(["analyze", str(report)]) != 0
    # the rules system needs no model
    assert xxgk.analyze(report, system="rules").system == "rules"


@pytest.mark.model
@needs_model
def test_model_version_follows_the_weights(tmp_path):
    import shutil

    from xxgk.neural.system import ModelSystem

    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    shipped, same = ModelSystem().version, ModelSystem(model_dir=copy).version
    assert shipped == same and len(shipped) == 12
    (copy / "config.json").write_text((copy / "config.json").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert ModelSystem(model_dir=copy).version != shipped


@needs_model
def test_models_info_says_where_base_and_model_are(capsys):
    import json

    from xxgk.cli import main
    from xxgk.neural.system import ModelSystem

    assert main(["models", "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["base"]["fetched"] is True and info["base"]["wheel_sha256"].startswith("a0a4b92a")
    assert info["model"]["present"] is True and info["model"]["version"] == ModelSystem().version
    assert info["model"]["megabytes"] < 25  # the cap on committed weights
    assert info["model"]["sections"][0] == "preamble" and set(info["model"]["tags"]) == {"achievement", "problem", "plan", "other"}


def test_models_info_names_the_problem_when_the_base_is_missing(tmp_path, monkeypatch, capsys):
    import json

    from xxgk.cli import main

    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "empty-cache"))
    assert main(["models", "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["base"]["fetched"] is False and info["base"]["path"].startswith(str(tmp_path))


def test_model_folder_can_be_named_by_xxgk_model_dir(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "XXGK_MODEL_DIR": str(tmp_path / "elsewhere")}
    out = subprocess.run([sys.executable, "-m", "xxgk", "models", "info"], env=env, capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)
    assert info["model"]["path"] == str(tmp_path / "elsewhere") and info["model"]["present"] is False
    assert "XXGK_MODEL_DIR" in info["model"]["problem"]


def test_model_version_follows_the_calibration(tmp_path):
    import shutil

    from xxgk.neural.calibrate import Calibration, save_calibration
    from xxgk.neural.system import ModelSystem

    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    (copy / "calibration.json").unlink(missing_ok=True)
    bare = ModelSystem(model_dir=copy).version
    save_calibration(copy, Calibration(1.5, 1.2, {"what": "test"}))
    with_cal = ModelSystem(model_dir=copy).version
    save_calibration(copy, Calibration(2.0, 1.2, {"what": "test"}))
    assert len({bare, with_cal, ModelSystem(model_dir=copy).version}) == 3
    assert ModelSystem(model_dir=copy).calibration.section_temperature == 2.0


@pytest.mark.model
@pytest.mark.slow
@needs_model
def test_calibration_rescales_confidences_not_labels(repo_dir, tmp_path):
    """The same shipped weights with and without a calibration file: same sections and tags, other confidences."""
    import shutil

    import xxgk
    from xxgk.neural.calibrate import Calibration, save_calibration
    from xxgk.neural.system import ModelSystem

    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    (copy / "calibration.json").unlink(missing_ok=True)
    path = repo_dir / "examples" / "000_hangzhou_emergency_2021.txt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = xxgk.analyze(path, system=ModelSystem(model_dir=copy), tables=False)
        save_calibration(copy, Calibration(3.0, 3.0, {"what": "test"}))
        flat = xxgk.analyze(path, system=ModelSystem(model_dir=copy), tables=False)
    assert [(s.section, s.tag) for s in raw.sentences] == [(s.section, s.tag) for s in flat.sentences]
    # a temperature above 1 flattens: every confidence is lower or equal, and some are lower
    pairs = [(a.section_confidence, b.section_confidence) for a, b in zip(raw.sentences, flat.sentences)]
    assert all(b <= a + 1e-6 for a, b in pairs) and any(b < a - 0.01 for a, b in pairs)
    assert all(b.confidence <= a.confidence + 1e-6 for a, b in zip(raw.sentences, flat.sentences))
    assert sum(s.needs_review for s in flat.sentences) >= sum(s.needs_review for s in raw.sentences)


@pytest.mark.model
@pytest.mark.slow
@needs_model
def test_a_section_calibrator_reads_the_layout_of_each_document(shared_dir, tmp_path):
    """A calibrator that distrusts headless reports: the same report with its headings cut out gets lower section
    confidences and more sentences to review; with headings it keeps them; the labels are the model's either way."""
    import shutil

    from xxgk.gold import load_gold
    from xxgk.neural.calibrate import Calibration, SectionCalibrator, save_calibration
    from xxgk.neural.system import ModelSystem
    from xxgk.perturb import perturb
    from xxgk.pipeline import prepare
    from xxgk.reading import read, read_bytes

    gold_path = shared_dir / "gold" / "hebei-science-2021.json"
    if not gold_path.is_file():
        pytest.skip(f"{gold_path} is not in the shared gold")
    gold = load_gold(gold_path, root=shared_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clean = prepare(read(gold.source_path))
        cut = perturb(clean.norm.text, gold, "no-headings").text
        headless = prepare(read_bytes(cut.encode("utf-8"), "hebei-science-2021#no-headings", format="text"))
    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_MODEL_DIR, copy)
    (copy / "calibration.json").unlink(missing_ok=True)
    raw = ModelSystem(model_dir=copy).predict([clean, headless])
    sc = SectionCalibrator(0.0, (1.0, -4.0), ("logit", "headless"))
    save_calibration(copy, Calibration(1.0, 1.0, {"what": "test"}, section_calibrator=sc))
    cal = ModelSystem(model_dir=copy).predict([clean, headless])
    assert [p.covariates["headless"] for p in cal] == [0.0, 1.0]
    assert [(p.sections, p.tags) for p in raw] == [(p.sections, p.tags) for p in cal]
    # with headings: logit weight 1, no shift: the marginals as they were
    assert cal[0].section_confidence == pytest.approx(raw[0].section_confidence, abs=1e-4)
    # without: every confidence is the marginal's log-odds shifted down by 4
    assert all(c < r - 1e-3 or r < 1e-3 for c, r in zip(cal[1].section_confidence, raw[1].section_confidence))
    assert sum(c < 0.9 for c in cal[1].section_confidence) > sum(r < 0.9 for r in raw[1].section_confidence)
