"""The ``baseline`` system: TF-IDF character n-grams + logistic regression, fitted per fold or on a gold folder."""

from __future__ import annotations

import re
import shutil
import time
import warnings

import pytest

from xxgk.baseline import BaselineSystem
from xxgk.errors import GoldFileError, NotFittedError
from xxgk.evaluate.runner import evaluate
from xxgk.gold import iter_gold
from xxgk.pipeline import TrainableSystem, get_system, prepare
from xxgk.reading import read
from xxgk.spec import SECTION_LABELS, TAGS

# the small texts written here are not whole reports
pytestmark = pytest.mark.filterwarnings("ignore::xxgk.errors.NotAReportWarning")


@pytest.fixture(scope="module")
def prepared(gold_dir):
    out = []
    for g in iter_gold(gold_dir):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append((g, prepare(read(g.source_path))))
    return out


def test_is_a_trainable_system():
    system = get_system("baseline")
    assert isinstance(system, TrainableSystem) and system.name == "baseline" and not system.fitted


def test_fit_and_predict_on_held_out_reports(prepared):
    train = [(g, p) for g, p in prepared if g.id.startswith(("hebei-education", "pingtan-20"))]
    test = [(g, p) for g, p in prepared if g.id.startswith("hebei-science-202")]
    system = BaselineSystem().fit([p for _, p in train], [g for g, _ in train])
    preds = system.predict([p for _, p in test])
    for (_, p), pred in zip(test, preds):
        assert len(pred.sections) == len(pred.tags) == len(p.sentences)
        assert set(pred.sections) <= set(SECTION_LABELS) and set(pred.tags) <= set(TAGS)
        assert all(0.0 <= c <= 1.0 for c in pred.tag_confidence + pred.section_confidence)
    # same template, other body: it must learn something (the rules system scores ~1.0 here, chance ~0.15)
    r = evaluate_on(system, test)
    assert r > 0.6


def evaluate_on(system, pairs):
    from xxgk.align import align

    right = total = 0
    for (g, p), pred in zip(pairs, system.predict([p for _, p in pairs])):
        for gs, j in zip(g.sentences, align(p.texts, g.texts)):
            total += 1
            right += j is not None and pred.sections[j] == gs.section
    return right / total


def test_fit_replaces_the_state(prepared):
    a = [(g, p) for g, p in prepared if g.id.startswith("hebei-education")]
    b = [(g, p) for g, p in prepared if g.id.startswith("pingtan-20")]
    system = BaselineSystem().fit([p for _, p in a], [g for g, _ in a])
    vocab_a = set(system._state["vectorizer"].vocabulary_)
    system.fit([p for _, p in b], [g for g, _ in b])
    assert set(system._state["vectorizer"].vocabulary_) != vocab_a
    fresh = BaselineSystem().fit([p for _, p in b], [g for g, _ in b])
    assert set(fresh._state["vectorizer"].vocabulary_) == set(system._state["vectorizer"].vocabulary_)


def test_fitted_from_the_gold_dir_it_is_given(tmp_path, gold_dir):
    # a small gold folder laid out like shared/: gold/ + corpus/
    (tmp_path / "gold").mkdir()
    golds = list(iter_gold(gold_dir))[:4]
    for g in golds:
        shutil.copy(g.path, tmp_path / "gold" / g.path.name)
        dest = tmp_path / g.source
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(g.source_path, dest)
    doc = prepare(read("一、总体情况\n2021年，共受理申请6件。\n五、存在的主要问题及改进情况\n主动公开意识有待增强。"))
    on_demand = get_system("baseline", gold_dir=tmp_path / "gold").predict([doc])[0]
    explicit = BaselineSystem().fit([prepare(read(g.source_path)) for g in golds], golds).predict([doc])[0]
    assert on_demand.sections == explicit.sections and on_demand.tags == explicit.tags


def test_unfitted_says_how_to_fit(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "home"))
    with pytest.raises(NotFittedError, match="not fitted.*gold_dir.*--cv"):
        BaselineSystem().predict([prepare(read("一、总体情况\n无。"))])
    assert not (tmp_path / "home").exists()  # nothing written to the user's cache
    with pytest.raises(GoldFileError, match="not a folder of gold files"):
        BaselineSystem(gold_dir=tmp_path / "absent").predict([prepare(read("一、总体情况\n无。"))])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"C": -1}, "The 'C' parameter of BaselineSystem must be a positive float. Got -1 instead."),
    ({"max_features": 0}, "The 'max_features' parameter of BaselineSystem must be a positive int. Got 0 instead."),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        BaselineSystem(**kwargs)


def test_fit_needs_matching_lists(prepared):
    g, p = prepared[0]
    with pytest.raises(ValueError, match="one gold file per document"):
        BaselineSystem().fit([p, p], [g])


@pytest.mark.slow
def test_cross_validated_on_the_shared_gold(gold_dir):
    t = time.perf_counter()
    r = evaluate(gold_dir, system="baseline", cv=4, tables=False)
    assert r["cv"]["folds"] == 4
    o = r["runs"]["clean"]["overall"]
    assert o["coverage"] == 1.0
    # a learned baseline well above chance on reports it never saw
    assert o["sections"]["accuracy"] > 0.6 and o["tags"]["macro_f1"] > 0.6
    assert time.perf_counter() - t < 120
