"""Normalisation: NFKC, CJK white space, traditional → simplified, and the offset map back."""

from __future__ import annotations

import random

import pytest

from xxgk.normalize import detect_script, match_key, normalize, to_simplified, to_traditional


@pytest.fixture(scope="module")
def seed(corpus_dir):
    matches = sorted(corpus_dir.glob("000_*.txt"))
    if not matches:
        pytest.skip("The seed document is not in the corpus.")
    return matches[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_norm(seed):
    return normalize(seed)


def test_seed_is_detected_as_traditional(seed):
    assert detect_script(seed) == "traditional"


@pytest.mark.parametrize(
    ("simplified", "original"),
    [
        # the seed's machine-conversion mistakes (report-format.md section 1)
        ("机制", "機製"),
        ("覆盖面", "覆蓋麵"),
        ("咨询", "谘詢"),
        ("杭州市应急管理局", "杭州市應急管理局"),
    ],
)
def test_seed_reads_simplified_and_maps_back(seed, seed_norm, simplified, original):
    assert original in seed
    start, end = seed_norm.span_of(simplified)
    assert seed_norm.original_span(start, end) == original
    a, b = seed_norm.to_original(start, end)
    assert seed[a:b] == original


def test_every_occurrence_maps_back(seed, seed_norm):
    # 機製 occurs several times; each 机制 maps to its own occurrence
    spans = []
    pos = 0
    while True:
        try:
            start, end = seed_norm.span_of("机制", pos)
        except ValueError:
            break
        spans.append(seed_norm.to_original(start, end))
        pos = end
    originals = [i for i in range(len(seed)) if seed.startswith("機製", i)]
    assert [a for a, _ in spans] == originals
    assert len(spans) >= 2


def test_round_trip_over_many_spans(seed, seed_norm):
    """Property: any span maps to the original and back to itself, and the original re-normalises to it."""
    n = seed_norm
    rng = random.Random(2021)
    for _ in range(2000):
        a = rng.randrange(len(n.text))
        b = rng.randrange(a, min(len(n.text), a + 60) + 1)
        oa, ob = n.to_original(a, b)
        assert 0 <= oa <= ob <= len(seed)
        assert n.from_original(oa, ob) == (a, b)
        # white space kept between two Latin/digit tokens is dropped at a span's edges when re-normalised alone
        assert normalize(seed[oa:ob], "traditional").text == n.text[a:b].strip(" ")


def test_offsets_are_monotonic_and_end_at_the_original_length(seed, seed_norm):
    offs = seed_norm.offsets
    assert len(offs) == len(seed_norm.text) + 1
    assert offs[-1] == len(seed)
    assert all(x <= y for x, y in zip(offs, offs[1:]))


def test_nfkc_kangxi_radicals_and_full_width_forms():
    # Kangxi radicals ⼀ ⼈ ⼒ ⽇ (what some PDF fonts give) look like 一 人 力 日; full-width digits, letters, punctuation
    source = "⼀、⼈⼒资源⽇报：２０２３年ＡＢＣ（一）"
    assert all(0x2F00 <= ord(c) <= 0x2FDF for c in "⼀⼈⼒⽇")
    n = normalize(source, "simplified")
    assert n.text == "一、人力资源日报:2023年ABC(一)"
    # each character still maps back to the one it came from
    assert n.original_span(*n.span_of("2023")) == "２０２３"
    assert n.original_span(*n.span_of("人力")) == "⼈⼒"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023 年", "2023年"),
        ("自 2010 年 1 月 1 日起", "自2010年1月1日起"),
        ("统计\u3000期限", "统计期限"),
        ("2022-02-08 16:34", "2022-02-08 16:34"),  # between digits: one space kept
        ("APP   store", "APP store"),
        ("  一、总体情况  \n  正文", "一、总体情况\n正文"),
    ],
)
def test_white_space(text, expected):
    assert normalize(text, "simplified").text == expected


def test_simplified_text_is_left_as_it_is():
    text = "2021年，局门户网站发布信息2550条。"
    n = normalize(text, "simplified")
    assert n.text == "2021年,局门户网站发布信息2550条。"
    assert n.original == text


def test_script_parameter_is_validated():
    with pytest.raises(
        ValueError,
        match="The 'script' parameter of normalize must be 'simplified' or 'traditional'. Got 'latin' instead.",
    ):
        normalize("abc", "latin")


def test_to_original_rejects_spans_outside_the_text():
    n = normalize("一、总体情况", "simplified")
    with pytest.raises(ValueError, match="outside the normalised text"):
        n.to_original(3, 99)


def test_match_key_ignores_white_space_width_and_script():
    assert match_key("隻計 這一情形，") == match_key("只计这一情形,")
    assert match_key("（一）予以公開") == match_key("(一)予以公开")
    assert match_key("2023 年\n度") == "2023年度"


def test_simplified_traditional_round_trip_on_report_words():
    words = "政府信息公开工作年度报告"
    assert to_simplified(to_traditional(words)) == words
    assert detect_script(to_traditional(words)) == "traditional"
