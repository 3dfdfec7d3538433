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
from xxgk.models.base import base_available
from xxgk.models.store import DEFAULT_MODEL_DIR

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
    from xxgk.readers import read

    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "empty-cache"))
    system = get_system("model")
    doc = prepare(read("一、总体情况\n2021年共受理申请6件。\n"))
    with pytest.raises(BaseModelMissingError, match=r"empty-cache.*xxgk models fetch-base"):
        system.predict([doc])


def test_missing_model_folder_says_how_to_make_it(tmp_path):
    from xxgk.models.system import ModelSystem
    from xxgk.pipeline import prepare
    from xxgk.readers import read

    if not base_available():
        pytest.skip("needs the base model (`make fetch-base`): without it the base error comes first")
    system = ModelSystem(model_dir=tmp_path / "no-model")
    with pytest.raises(XxgkError, match="lacks config.json.*make train"):
        system.predict([prepare(read("一、总体情况\n2021年共受理申请6件。\n"))])
