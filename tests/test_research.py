"""xxgk.research: the analysis helpers of the research notebooks, on gold tables, gold sentences and the corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import xxgk
from xxgk import research as R
from xxgk.errors import BaseModelMissingError
from xxgk.research.language import _model_encoder
from xxgk.tidy import report_rows


def _gold(gold_dir: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json"))]


def _gold_cells(gold: dict, doc_id: str = "d") -> pd.DataFrame:
    """The gold tables as a ``cells`` frame: numbers as ``ok``, nulls as ``blank`` (the report left them empty)."""
    rows = []
    for table, data in gold.get("tables", {}).items():
        for row, cols in data.items():
            if not isinstance(cols, dict):
                continue  # "template"
            for col, value in cols.items():
                rows.append({"doc_id": doc_id, "table": table, "row": row, "column": col, "value": value,
                             "status": "blank" if value is None else "ok"})
    return pd.DataFrame(rows, columns=["doc_id", "table", "row", "column", "value", "status"])


def _with_applications(gold_dir: Path) -> list[dict]:
    found = [g for g in _gold(gold_dir) if "applications" in g.get("tables", {})]
    if not found:
        pytest.skip(f"no gold file in {gold_dir} has an applications table")
    return found


# -- problem sentences -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("主动公开意识有待增强。", "generic"),  # the issue's own example of a generic problem
        ("公开队伍建设仍需加强。", "generic"),  # staffing, no area named
        ("虽取得一定成效，但仍存在一些不足。", "generic"),  # the lead-in every report has
        ("政策解读形式单一，缺少多个角度多种形式的解读。", "area"),  # Pingtan 2022
        ("重大行政决策预公开程度需进一步加强，意见征集形式较为单一。", "area"),
        ("关停运营不规范的政府网站1个、政务新媒体2个。", "area+number"),  # counts with their measure words
        ("区教育局有3件申请超期答复。", "area+number+unit"),
        ("2021年，我局工作仍有不足。", "generic"),  # a year is not a figure
        ("部分单位、个别乡镇公开不及时。", "generic"),  # generic units are not named units
    ],
)
def test_problem_specificity_kinds(text: str, kind: str) -> None:
    assert R.problem_specificity(text).kind == kind


def test_problem_specificity_drops_the_body_speaking_of_itself() -> None:
    text = "省教育厅政务公开工作仍存在主动公开意识薄弱等不足。"
    assert R.problem_specificity(text).units == ("省教育厅",)
    assert R.problem_specificity(text, self_names=["河北省教育厅"]).units == ()


def test_gold_problems_that_name_policy_interpretation_are_specific(gold_dir: Path) -> None:
    sentences = [s["text"] for g in _gold(gold_dir) for s in g.get("sentences", []) if s.get("tag") == "problem"]
    named = [t for t in sentences if "政策解读" in t]
    if not named:
        pytest.skip("no gold problem sentence mentions 政策解读")
    for text in named:
        sp = R.problem_specificity(text)
        assert sp.specific and "policy interpretation" in sp.areas, text


def test_split_items_on_enumerations() -> None:
    # Pingtan 2022, section 五, as the crawler copy writes it
    text = ("2022年，平潭综合实验区政府信息公开工作取得了一定成绩，但还存在一些问题和不足：一是重大行政决策预公开程度需进一步加强，"
            "意见征集形式较为单一。")
    assert R.split_items(text) == ["重大行政决策预公开程度需进一步加强，意见征集形式较为单一"]
    assert R.split_items("一是工作基础需进一步夯实；二是公开范围有待拓展；三是公开制度有待完善。") == [
        "工作基础需进一步夯实", "公开范围有待拓展", "公开制度有待完善"]
    assert R.split_items("（一）加强培训（二）丰富形式") == ["加强培训", "丰富形式"]
    assert R.split_items("1.5万条信息全部公开") == ["1.5万条信息全部公开"]  # a decimal is not a list marker
    assert R.split_items("六、主要问题和改进措施") == []


def test_themes_of_uses_the_lexicon_given() -> None:
    assert R.themes_of("人员流动性较大") == ["staffing"]
    assert R.themes_of("人员流动性较大", {"people": ("人员",), "money": ("经费",)}) == ["people"]
    assert R.themes_of("无") == []


# -- copied text ---------------------------------------------------------------


def test_shingles_ignore_punctuation_and_width() -> None:
    assert R.shingle_similarity("加强政策解读，丰富解读形式。", "加强政策解读,丰富解读形式") == 1.0
    assert R.shingles("") == frozenset()
    assert R.shingle_similarity("", "公开") == 0.0
    m = R.similarity_matrix(["加强培训工作", "丰富公开形式"], ["加强培训工作", "新建专区"])
    assert m.shape == (2, 2) and m[0, 0] == 1.0 and m[1, 1] == 0.0


def test_reused_sentences_finds_the_manifests_near_duplicate_pair(corpus_dir: Path) -> None:
    # MANIFEST: 010 (综合实验区 2011) is a near-duplicate of the county's 2011 report with 县→区 substitutions
    county = [s.text for s in xxgk.analyze(corpus_dir / "009_pingtan_county_2011.txt", tables=False).sentences]
    syq = [s.text for s in xxgk.analyze(corpus_dir / "010_pingtan_syq_2011.txt", tables=False).sentences]
    other = [s.text for s in xxgk.analyze(corpus_dir / "033_hebei_kjt_2023.txt", tables=False).sentences]
    twin = R.reused_sentences(county, syq)
    assert twin["reused"].mean() > 0.5
    assert (twin.loc[twin["reused"], "similarity"] >= 0.6).all()
    assert R.reused_sentences(county, other)["reused"].mean() < 0.1


def test_reused_sentences_edges() -> None:
    assert R.reused_sentences(["我区进一步加强培训工作。"], ["无。"]).empty  # too short to count
    df = R.reused_sentences([], ["今年新建政务公开专区三个。"])
    assert df["reused"].tolist() == [False] and df["similarity"].tolist() == [0.0]
    with pytest.raises(ValueError, match="'threshold' parameter of reused_sentences"):
        R.reused_sentences(["a"], ["b"], threshold=0)


def test_recurring_items_links_years_not_copies_within_a_year() -> None:
    items = pd.DataFrame({
        "year": [2011, 2011, 2012, 2014, 2015],
        "text": ["部分单位信息公开属性界定不准确", "部分单位信息公开属性界定不准确", "部分单位信息公开属性界定不准确",
                 "部分单位信息公开属性界定不够准确", "政策解读形式单一"],
    })
    out = R.recurring_items(items, min_years=3)
    assert out["years"].tolist() == [[2011, 2012, 2014]]
    assert out.loc[0, "example"] == "部分单位信息公开属性界定不够准确"  # the latest wording
    assert R.recurring_items(items.iloc[:2], min_years=2).empty  # two copies in one year do not recur


# -- sentence vectors ----------------------------------------------------------


def test_tfidf_vectors_match_a_plan_with_its_achievement() -> None:
    plans = ["丰富政策解读形式，利用图表图解、音频视频等方式提高解读效果。", "加强政务公开队伍培训。"]
    achievements = ["加强政策文件解读，综合运用图文图表、在线访谈等形式。", "组织开展政务公开业务培训两次。",
                    "全年主动公开政府信息2550条。"]
    emb = R.sentence_vectors(plans + achievements, method="tfidf")
    assert emb.method == "tfidf" and "asked for" in emb.note
    assert np.allclose(np.linalg.norm(emb.vectors, axis=1), 1.0)
    idx, score = R.best_matches(emb.vectors[:2], emb.vectors[2:])
    assert idx.tolist() == [0, 1]
    sim = emb.vectors[:2] @ emb.vectors[2:].T
    assert (score > sim[:, 2]).all()  # each beats the unrelated achievement


def test_best_matches_without_candidates() -> None:
    idx, score = R.best_matches(np.ones((2, 3)), np.zeros((0, 3)))
    assert idx.tolist() == [-1, -1] and np.isnan(score).all()


def test_sentence_vectors_rejects_unknown_method() -> None:
    with pytest.raises(ValueError, match="'method' parameter of sentence_vectors"):
        R.sentence_vectors(["a"], method="bert")


def test_model_method_needs_the_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XXGK_HOME", str(tmp_path))
    _model_encoder.cache_clear()
    try:
        auto = R.sentence_vectors(["加强培训", "丰富形式"], method="auto")
        assert auto.method == "tfidf" and "not fetched" in auto.note
        with pytest.raises(BaseModelMissingError):
            R.sentence_vectors(["加强培训"], method="model")
    finally:
        _model_encoder.cache_clear()


@pytest.mark.model
@pytest.mark.slow
def test_model_vectors_when_the_base_is_fetched() -> None:
    from xxgk.neural.base import base_available

    if not base_available():
        pytest.skip("the m3e-small base is not fetched (xxgk models fetch-base)")
    texts = ["丰富政策解读形式，提高解读效果。", "加强政策文件解读，综合运用图文图表。", "全年收到政府信息公开申请17件。"]
    emb = R.sentence_vectors(texts, method="model")
    assert emb.method == "model" and emb.vectors.shape[0] == 3
    sim = emb.vectors @ emb.vectors.T
    assert sim[0, 1] > sim[0, 2]


def test_strip_scaffolding() -> None:
    assert R.strip_scaffolding("下一步，（一）加强培训。") == "加强培训。"
    assert R.strip_scaffolding("2023年度，同时加强培训。") == "加强培训。"
    assert R.strip_scaffolding("加强2023年培训。") == "加强2023年培训。"


# -- tables --------------------------------------------------------------------


def test_application_values_and_rates_follow_the_gold_tables(gold_dir: Path) -> None:
    for gold in _with_applications(gold_dir):
        table = gold["tables"]["applications"]
        values = R.application_values(_gold_cells(gold))
        metrics = R.request_metrics(values).loc["d"]

        def total(row: str, table: dict = table) -> float:
            cols = table.get(row) or {}
            if cols.get("total") is not None:
                return float(cols["total"])
            return float(sum(v or 0 for k, v in cols.items() if k != "total"))  # the 总计 left empty

        handled = total("total_handled")
        assert values.loc[("d", "granted"), "total"] == total("granted"), gold["id"]
        if handled:
            expected = (total("granted") + total("partially_granted")) / handled
            assert metrics["substantive_rate"] == pytest.approx(expected), gold["id"]
            assert metrics["not_held_rate"] == pytest.approx(total("unavailable_not_held") / handled), gold["id"]
        load = total("new_requests") + total("carried_over")
        if load:
            assert metrics["backlog_rate"] == pytest.approx(total("carried_forward") / load), gold["id"]


def test_application_values_fills_an_empty_total_from_the_applicants(gold_dir: Path) -> None:
    # reports that leave 总计 empty on rows whose applicant cells hold numbers (the Shanghai 2019 page does)
    cases = [(g, row, cols) for g in _with_applications(gold_dir)
             for row, cols in g["tables"]["applications"].items()
             if isinstance(cols, dict) and cols.get("total") is None and any(v for k, v in cols.items() if k != "total")]
    if not cases:
        pytest.skip("no gold applications row leaves 总计 empty next to numbers")
    for gold, row, cols in cases:
        values = R.application_values(_gold_cells(gold))
        assert values.loc[("d", row), "total"] == sum(v or 0 for v in cols.values()), (gold["id"], row)


def test_unknown_cells_stay_unknown() -> None:
    cells = pd.DataFrame({
        "doc_id": "d", "table": "applications", "row": "new_requests", "column": [*R.APPLICANTS, "total"],
        "value": [None, 1, 0, 0, 0, 0, None], "status": ["ambiguous", "ok", "ok", "ok", "ok", "ok", "missing"]})
    values = R.application_values(cells)
    assert np.isnan(values.loc[("d", "new_requests"), "natural_person"])
    assert np.isnan(values.loc[("d", "new_requests"), "total"])  # not filled from an incomplete row
    assert R.application_values(cells.iloc[0:0]).empty


def test_review_metrics_on_a_report_whose_totals_break_r1(gold_dir: Path) -> None:
    golds = [g for g in _gold(gold_dir) if "review_litigation" in g.get("tables", {})]
    broken = [g for g in golds
              if any(b.get("total") is not None and b["total"] != sum(b.get(k) or 0 for k in ("upheld", "corrected", "other",
                                                                                              "pending"))
                     for b in g["tables"]["review_litigation"].values() if isinstance(b, dict))]
    if not broken:
        pytest.skip("no gold file prints review totals that break R1")
    for gold in broken:
        rl = gold["tables"]["review_litigation"]
        new = gold["tables"].get("applications", {}).get("new_requests", {}).get("total")
        m = R.review_metrics(_gold_cells(gold), pd.Series({"d": float(new)}) if new else None).loc["d"]
        assert m["review_total"] == rl["review"]["total"]  # as printed, never fixed
        concluded = sum(rl["review"][k] or 0 for k in ("upheld", "corrected", "other"))
        if concluded:
            assert m["review_correction_rate"] == pytest.approx((rl["review"]["corrected"] or 0) / concluded)


def test_check_failure_rates_on_real_checks(corpus_dir: Path) -> None:
    # the Hongze report prints review/litigation totals that break R1 (MANIFEST notes)
    report = xxgk.analyze(corpus_dir / "001_huaian_hongze_2023.pdf")
    checks = pd.DataFrame(report_rows(report, doc_id="hz")["checks"])
    rates = R.check_failure_rates(checks)
    r1 = checks[checks["rule"] == "R1"]
    assert rates.loc["R1", "failed"] == (r1["status"] == "fail").sum() > 0
    assert rates.loc["R1", "documents_failing"] == 1
    assert rates.loc["R1", "fail_rate"] == pytest.approx(
        (r1["status"] == "fail").sum() / r1["status"].isin(["pass", "fail"]).sum())


def test_carry_over_continuity_between_consecutive_gold_years(gold_dir: Path) -> None:
    rows = []
    for g in _with_applications(gold_dir):
        if g["meta"].get("format") == "html":  # the corpus holds Pingtan 2021 twice: keep one copy
            continue
        t = g["tables"]["applications"]
        body = re.sub(r"[（(].*?[）)]|管委会办公室$|管委会$", "", g["meta"]["body"])  # one name across the years
        rows.append({"body": body, "year": g["meta"]["year"],
                     "carried_forward": t["carried_forward"]["total"], "carried_over": t["carried_over"]["total"]})
    frame = pd.DataFrame(rows)
    pairs = R.carry_over_continuity(frame)
    if pairs.empty:
        pytest.skip("no body has gold tables for two consecutive years")
    for p in pairs.itertuples():
        nxt = frame[(frame["body"] == p.body) & (frame["year"] == p.year + 1)]["carried_over"].iloc[0]
        assert p.next_carried_over == nxt
        assert bool(p.continuous) == (p.carried_forward == nxt)


def test_carry_over_continuity_edges() -> None:
    m = pd.DataFrame({"body": ["x", "x", "x", "y"], "year": [2021, 2022, 2024, 2022],
                      "carried_forward": [1, None, 0, 3], "carried_over": [0, 2, 0, 0]})
    out = R.carry_over_continuity(m)
    assert out[["body", "year"]].values.tolist() == [["x", 2021]]  # 2022→2024 is not consecutive
    assert out["continuous"].tolist() == [False]
    m.loc[1, "carried_over"] = None
    assert R.carry_over_continuity(m)["continuous"].isna().all()
    with pytest.raises(ValueError, match="one report per body and year"):
        R.carry_over_continuity(pd.concat([m, m.iloc[:1]]))


# -- figures stated in the text ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("本年度全区共收到70件申请，及时依法依规办结69件。", [70]),  # Pingtan 2021
        ("2022年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件。", [75]),  # Pingtan 2022
        ("2023年全区接收通过邮寄、网络提交的各类政府信息公开申请共计81件。", [81]),  # Pingtan 2023
        ("全年收到公民、法人和其他组织政府信息公开申请共19件，当年办结19件。", [19]),  # Hebei education 2023
        ("2019年我厅共办理依申请政府信息公开16件。", [16]),
        ("我乡收到有关政府信息公开行政复议申请0件。", []),  # review, not information requests
        ("区县已入驻审批服务部门和单位13个，开设窗口26个，共受理申请121510件。", []),  # approvals
        ("全年主动公开政府信息2550条。", []),
    ],
)
def test_narrative_request_counts(text: str, values: list[int]) -> None:
    assert [c.value for c in R.narrative_request_counts(text)] == values


def test_narrative_counts_agree_with_the_gold_tables(gold_dir: Path) -> None:
    checked = 0
    for g in _with_applications(gold_dir):
        t = g["tables"]["applications"]
        candidates = {t["new_requests"]["total"], t["total_handled"]["total"],
                      (t["new_requests"]["total"] or 0) + (t["carried_over"]["total"] or 0)}
        for s in g.get("sentences", []):
            if s.get("section") == "overview":
                counts = R.narrative_request_counts(s["text"])
                if counts:
                    assert counts[0].value in candidates, (g["id"], s["text"])
                    checked += 1
                    break
    assert checked >= 3


def test_narrative_vs_table_classifies_the_agreement() -> None:
    sentences = pd.DataFrame({
        "doc_id": ["a", "b", "c", "c"], "index": [0, 0, 0, 1],
        "section": ["overview", "overview", "preamble", "applications"],
        "text": ["全区收到政府信息公开申请75件。", "共收到70件申请。", "共收到9件申请。", "共收到8件申请。"]})
    metrics = pd.DataFrame({"new_requests": [74.0, 70.0, None], "carried_over": [1.0, 0.0, None],
                            "total_handled": [75.0, 69.0, None]}, index=pd.Index(["a", "b", "c"], name="doc_id"))
    out = R.narrative_vs_table(sentences, metrics).set_index("doc_id")
    assert out.loc["a", "agrees_with"] == "total_handled"
    assert out.loc["b", "agrees_with"] == "new_requests"
    assert out.loc["c", "stated"] == 8 and out.loc["c", "agrees_with"] == "table unknown"  # preamble skipped
