"""Training data for the model: labels carried through damage, silver labels, overlap with gold, the recipe."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from xxgk.neural.data import _shingles, gold_examples, overlaps, silver_gold, training_examples, variant_text
from xxgk.neural.fit import IGNORE
from xxgk.neural.recipe import DataArgs, Recipe
from xxgk.pipeline import prepare
from xxgk.reading import read
from xxgk.spec import SECTION_LABELS

REPO = Path(__file__).resolve().parents[1]


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(path)


@pytest.fixture(scope="module")
def golds(gold_dir):
    from xxgk.gold import iter_gold

    out = [g for g in iter_gold(gold_dir) if g.source_path.suffix == ".txt"]
    if len(out) < 2:
        pytest.skip("needs two gold files with text sources")
    return out


def _runs(labels):
    out = []
    for x in labels:
        if not out or out[-1] != x:
            out.append(x)
    return out


def _is_subsequence(small, big):
    it = iter(big)
    return all(x in it for x in small)


def test_damaged_copies_keep_the_gold_labels(golds):
    from xxgk.perturb import gold_headings

    # the report with the most sections: every variant must be visible in it
    gold = max(golds, key=lambda g: (len(g.sections), g.id))
    prepared = prepare(_read(gold.source_path))
    exs = {e["variant"]: e for e in gold_examples(prepared, gold, ["clean", "no-headings", "flatten", "hard-wrap"])}
    assert set(exs) == {"clean", "no-headings", "flatten", "hard-wrap"}
    gold_runs = [s.label for s in gold.sections]
    for name, ex in exs.items():
        known = [SECTION_LABELS[s] for s in ex["sections"] if s != IGNORE]
        assert len(known) >= 0.8 * len(gold.sentences) * (0.5 if name == "hard-wrap" else 1), name
        assert _is_subsequence(_runs(known), gold_runs), name  # sections in the gold's order
        assert len(ex["texts"]) == len(ex["features"]) == len(ex["tags"])
    # the headings are gone from the no-headings copy, and only they
    heads = {gold.sentences[i].text for i in gold_headings(gold)}
    assert heads and not heads & set(exs["no-headings"]["texts"])
    assert len(exs["no-headings"]["texts"]) < len(exs["clean"]["texts"])
    # a flattened copy is one line before it is read back (the reader then splits it as it splits crawler copies)
    flat, same_gold = variant_text(prepared.norm.text, gold, "flatten")
    assert "\n" not in flat and same_gold is gold
    both, less = variant_text(prepared.norm.text, gold, "no-headings+flatten")
    assert "\n" not in both and len(less.sentences) == len(gold.sentences) - len(heads)
    # hard wraps cut sentences into more pieces
    assert len(exs["hard-wrap"]["texts"]) > len(exs["clean"]["texts"])


def test_overlap_catches_a_copy_and_an_excerpt_but_not_another_report(golds):
    a = prepare(_read(golds[0].source_path)).norm.text
    b = prepare(_read(golds[1].source_path)).norm.text
    sh_a = [_shingles(a)]
    assert overlaps(a, sh_a)
    assert overlaps(a[: len(a) // 3], sh_a)  # an excerpt of it
    assert overlaps(a.replace("县", "区"), sh_a)  # a near-copy with a few words changed
    assert not overlaps(b, sh_a) or golds[0].meta.get("body") == golds[1].meta.get("body")


def test_silver_needs_unambiguous_headings():
    text = ("某局2021年政府信息公开工作年度报告\n本报告由某局编制。\n一、总体情况\n2021年共受理申请6件。\n"
            "二、主动公开政府信息情况\n全年主动公开信息30条。\n三、收到和处理政府信息公开申请情况\n本年度新收申请6件。\n"
            "五、存在的主要问题及改进情况\n主动公开意识有待增强。\n")
    g = silver_gold(prepare(_read(text)), "silver:x")
    assert g is not None
    assert [s.label for s in g.sections] == ["preamble", "overview", "active_disclosure", "applications", "problems_improvements"]
    assert [s.section for s in g.sentences][3] == "overview"
    # two sections only: not enough to trust
    assert silver_gold(prepare(_read("一、总体情况\n共受理申请6件。\n二、主动公开政府信息情况\n公开信息30条。\n")), "y") is None


def test_training_examples_keep_held_out_reports_out_of_silver(golds, gold_dir):
    train_docs = golds[:1]
    prepared = [prepare(_read(g.source_path)) for g in train_docs]
    exs, counts = training_examples(prepared, train_docs, DataArgs(gold_variants=["clean"], silver_variants=["clean"]))
    ids = {e["doc_id"] for e in exs}
    every_gold_source = {g.source_path.name for g in golds}
    # no gold report appears as silver, held out or not
    assert not {i.split(":", 1)[1] for i in ids if i.startswith("silver:")} & every_gold_source
    assert counts["gold_reports"] == 1 and counts["silver_reports"] >= 1
    assert all(e["tag_weight"] == 0.0 for e in exs if e["origin"] == "silver")


def test_default_recipe_file_matches_the_built_in_recipe():
    assert Recipe.from_toml(REPO / "training" / "configs" / "default.toml").to_dict() == Recipe().to_dict()


def test_bad_recipes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown variant 'sideways'"):
        DataArgs(gold_variants=["clean", "sideways"])
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nlayers = 3\n")
    with pytest.raises(ValueError, match=r"bad.toml: Unknown \[model\] setting\(s\) \['layers'\]"):
        Recipe.from_toml(bad)


@pytest.mark.parametrize("config", sorted((REPO / "training" / "configs").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_recipe_parses(config):
    recipe = Recipe.from_toml(config)  # unknown keys and variants raise
    assert Recipe.from_dict(recipe.to_dict()).to_dict() == recipe.to_dict()  # what a model's config.json stores
    assert "clean" in recipe.data.gold_variants
