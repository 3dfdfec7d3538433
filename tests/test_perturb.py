"""Perturbed copies keep the gold: each damage is real, and the gold still aligns with what is left."""

from __future__ import annotations

import warnings

import pytest

from xxgk.align import align_sentences
from xxgk.gold import load_gold
from xxgk.normalize import detect_script
from xxgk.perturb import PERTURBATIONS, flatten, gold_headings, hard_wrap, no_headings, perturb
from xxgk.pipeline import prepare
from xxgk.reading import read, read_bytes


@pytest.fixture(scope="module")
def hangzhou(gold_dir):
    g = load_gold(gold_dir / "hangzhou-emergency-2021.json")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prepare(read(g.source_path))
    return g, p


def _reread(text: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(read_bytes(text.encode("utf-8"), "<perturbed>", format="text"))


def test_gold_headings_are_the_six_numbered_headings(hangzhou):
    g, _ = hangzhou
    heads = [g.sentences[i].text for i in gold_headings(g)]
    assert heads == ["一、總體情況", "二、主動公開政府信息情況", "三、收到和處理政府信息公開申請情況",
                     "四、政府信息公開行政複議、行政訴訟情況", "五、存在的主要問題及改進情況", "六、其他需要報告的事項"]


def test_no_headings_cuts_them_from_text_and_gold(hangzhou):
    g, p = hangzhou
    out = perturb(p.norm.text, g, "no-headings")
    for h in ("一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert h not in out.text
    assert "(一)抓好内容建设,强化主动公开" in out.text  # sub-headings stay
    assert len(out.kept) == len(g.sentences) - 6
    al = align_sentences(_reread(out.text).texts, [g.sentences[i].text for i in out.kept])
    assert al.coverage == 1.0


def test_no_headings_finds_a_heading_glued_to_text():
    text, found = no_headings("前言。一、总体情况 2021年,共受理申请6件。\n二、主动公开", ["一、總體情況", "二、主动公开", "七、没有"])
    assert text == "前言。 2021年,共受理申请6件。\n"  # the space after it stays; normalisation drops it
    assert found == [True, True, False]


def test_traditional(hangzhou):
    g, p = hangzhou
    out = perturb(p.norm.text, g, "traditional")
    assert detect_script(out.text) == "traditional" and "總體情況" in out.text
    assert align_sentences(_reread(out.text).texts, g.texts).coverage == 1.0


def test_hard_wrap_breaks_lines_at_20_to_40(hangzhou):
    g, p = hangzhou
    out = perturb(p.norm.text, g, "hard-wrap")
    lines = out.text.split("\n")
    assert max(len(x) for x in lines) <= 40
    long_before = [x for x in p.norm.text.split("\n") if len(x) > 40]
    assert long_before and len(lines) > len(p.norm.text.split("\n"))
    # deterministic per document
    assert perturb(p.norm.text, g, "hard-wrap").text == out.text
    assert out.text.replace("\n", "") == p.norm.text.replace("\n", "")
    assert align_sentences(_reread(out.text).texts, g.texts).coverage == 1.0


def test_hard_wrap_widths():
    wrapped = hard_wrap("字" * 500, seed=3).split("\n")
    assert all(20 <= len(x) <= 40 for x in wrapped[:-1])
    with pytest.raises(ValueError, match="min_width <= max_width"):
        hard_wrap("x", min_width=30, max_width=20)


def test_flatten(hangzhou):
    g, p = hangzhou
    out = perturb(p.norm.text, g, "flatten")
    assert "\n" not in out.text
    assert flatten("甲\n\n 乙 \n丙") == "甲 乙 丙"
    assert align_sentences(_reread(out.text).texts, g.texts).coverage == 1.0


def test_unknown_perturbation(hangzhou):
    g, p = hangzhou
    with pytest.raises(ValueError, match="'perturb' parameter must be one of"):
        perturb(p.norm.text, g, "upside-down")
    assert PERTURBATIONS == ("no-headings", "traditional", "hard-wrap", "flatten")
