"""The harness end to end: a small gold folder written here, hand-made systems with known scores, and the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from xxgk.cli import main
from xxgk.evaluate.runner import evaluate, folds, report_group, resolve_perturbations
from xxgk.gold import iter_gold
from xxgk.pipeline import Prediction, Prepared, register_system

# sentence -> (section, tag) of a small report; "均按时办结。" is in the gold but not in the source
REPORT = [
    ("某局2021年政府信息公开工作年度报告", "preamble", "other"),
    ("本报告由某局编制。", "preamble", "other"),
    ("一、总体情况", "overview", "other"),
    ("2021年,共受理申请6件。", "overview", "achievement"),
    ("均按时办结。", "overview", "achievement"),
    ("五、存在的主要问题及改进情况", "problems_improvements", "other"),
    ("主动公开意识有待增强。", "problems_improvements", "problem"),
    ("下一步,我局将加强培训。", "problems_improvements", "plan"),
]
LABELS = {t: (s, g) for t, s, g in REPORT}


def _source(missing: bool) -> str:
    lines = ["某局2021年政府信息公开工作年度报告", "本报告由某局编制。", "一、总体情况",
             "2021年,共受理申请6件。" + ("" if missing else "均按时办结。"),
             "五、存在的主要问题及改进情况", "主动公开意识有待增强。下一步,我局将加强培训。"]
    return "\n".join(lines) + "\n"


def _gold_folder(tmp_path, n=3, missing_in=()):
    (tmp_path / "corpus").mkdir(parents=True)
    (tmp_path / "gold").mkdir()
    for i in range(n):
        (tmp_path / "corpus" / f"r{i}.txt").write_text(_source(i in missing_in), encoding="utf-8")
        sections = []
        for _, s, _ in REPORT:
            if not sections or sections[-1]["label"] != s:
                sections.append({"label": s, "first_line": ""})
        gold = {"id": f"r{i}", "source": f"corpus/r{i}.txt", "meta": {"body": f"局{i}", "year": 2021},
                "sections": sections, "sentences": [{"text": t, "section": s, "tag": g} for t, s, g in REPORT]}
        (tmp_path / "gold" / f"r{i}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return tmp_path / "gold"


class Oracle:
    """Predicts the gold labels (looked up by text); ``shift`` moves the 五 boundary one sentence late."""

    name = "oracle"

    def __init__(self, shift: bool = False, tag: str | None = None):
        self.shift, self.tag = shift, tag

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        out = []
        for d in docs:
            secs, tags = [], []
            for t in d.texts:
                s, g = LABELS.get(t, ("overview", "achievement"))
                secs.append(s)
                tags.append(self.tag or g)
            if self.shift:
                i = d.texts.index("五、存在的主要问题及改进情况")
                secs[i] = "overview"
            out.append(Prediction(sections=secs, tags=tags))
        return out


def test_perfect_system(tmp_path):
    r = evaluate(_gold_folder(tmp_path), system=Oracle(), tables=False)
    o = r["runs"]["clean"]["overall"]
    assert r["schema"] == "xxgk-evaluation/1" and r["scored"] == 3
    assert o["sentences"] == 24 and o["coverage"] == 1.0
    assert o["sections"]["accuracy"] == 1.0 and o["sections"]["boundary"]["f1"] == 1.0
    assert o["sections"]["pk"] == 0.0 and o["tags"]["macro_f1"] == 1.0


def test_shifted_boundary(tmp_path):
    r = evaluate(_gold_folder(tmp_path, n=1), system=Oracle(shift=True), tables=False)
    rep = r["runs"]["clean"]["reports"][0]
    s = rep["sections"]
    assert s["accuracy"] == 7 / 8
    assert (s["boundary"]["tp"], s["boundary"]["fp"], s["boundary"]["fn"]) == (1, 1, 1)
    # k = round(8 / (2 * 2)) = 2; ref 00100100, hyp 00100010: windows at 4 and 6 of 7 disagree
    assert s["k"] == 2 and s["pk"] == pytest.approx(2 / 7) and s["windowdiff"] == pytest.approx(2 / 7)


def test_all_one_tag(tmp_path):
    r = evaluate(_gold_folder(tmp_path, n=1), system=Oracle(tag="achievement"), tables=False)
    t = r["runs"]["clean"]["overall"]["tags"]
    assert t["accuracy"] == 2 / 8
    # achievement P = 2/8, R = 1, F1 = 0.4; the other three tags F1 0; macro over four tags
    assert t["per_tag"]["achievement"]["f1"] == pytest.approx(0.4)
    assert t["macro_f1"] == pytest.approx(0.1)


def test_missing_sentences(tmp_path):
    r = evaluate(_gold_folder(tmp_path, n=2, missing_in=(1,)), system=Oracle(), tables=False)
    reps = r["runs"]["clean"]["reports"]
    assert reps[0]["coverage"] == 1.0 and reps[1]["coverage"] == 7 / 8
    o = r["runs"]["clean"]["overall"]
    assert o["coverage"] == 15 / 16 and o["sections"]["accuracy"] == 15 / 16
    assert o["tags"]["confusion"]["achievement"]["unmatched"] == 1
    assert o["tags"]["per_tag"]["achievement"]["recall"] == 3 / 4


def test_perturbations_run_and_carry_the_gold(tmp_path):
    r = evaluate(_gold_folder(tmp_path, n=1), system="rules", perturb="all", tables=False)
    assert list(r["runs"]) == ["clean", "no-headings", "traditional", "hard-wrap", "flatten"]
    assert r["runs"]["no-headings"]["overall"]["sentences"] == 6  # the two headings are gone from the gold
    for run in r["runs"].values():
        assert run["overall"]["coverage"] == 1.0
    assert r["runs"]["clean"]["overall"]["sections"]["accuracy"] == 1.0


class Recorder:
    """A trainable system that remembers what each instance was fitted on."""

    name = "recorder"
    fitted_on: list[set[str]] = []

    def fit(self, docs, golds):
        self.seen = {g.id for g in golds}
        Recorder.fitted_on.append(self.seen)
        return self

    def predict(self, docs):
        return Oracle().predict(docs)


def test_cv_never_scores_a_report_with_a_system_fitted_on_it(tmp_path):
    register_system("recorder", Recorder)
    Recorder.fitted_on.clear()
    # the four reports are copies of one text: only with the near-copy guard off do they get a fold each
    r = evaluate(_gold_folder(tmp_path, n=4), system="recorder", cv=0, tables=False, cv_group="report", near_copy=None)
    assert {k: r["cv"][k] for k in ("folds", "scheme", "grouped_by")} == {
        "folds": 4, "scheme": "leave-one-report-out", "grouped_by": "report"}
    assert sorted(map(sorted, Recorder.fitted_on)) == sorted(sorted({"r0", "r1", "r2", "r3"} - {x}) for x in "r0 r1 r2 r3".split())
    Recorder.fitted_on.clear()
    r = evaluate(_gold_folder(tmp_path / "k", n=4), system="recorder", cv=2, tables=False, near_copy=None)
    assert r["cv"]["folds"] == 2 and all(len(s) == 2 for s in Recorder.fitted_on)


def test_near_copies_share_a_fold_and_one_fold_is_refused(tmp_path):
    register_system("recorder", Recorder)
    # four copies of one report from four bodies: the guard links them all, leaving nothing to train on
    with pytest.raises(ValueError, match="at least two"):
        evaluate(_gold_folder(tmp_path, n=4), system="recorder", cv=0, tables=False)


def test_body_groups_on_the_shared_gold(gold_dir):
    """Every report of a body (its other years, its office's reports) and every near-copy share a group."""
    from xxgk.evaluate.runner import body_of, cv_groups

    golds = list(iter_gold(gold_dir))
    ids = [g.id for g in golds]
    by_body = dict(zip(ids, cv_groups(golds, by="body", near_copy=None)))
    by_report = dict(zip(ids, cv_groups(golds, by="report", near_copy=None)))
    bodies = {g.id: body_of(g) for g in golds}
    if {"hebei-education-2014", "hebei-education-2023"} <= set(ids):
        assert bodies["hebei-education-2014"] == "河北省教育厅"  # from MANIFEST.tsv
        assert by_body["hebei-education-2014"] == by_body["hebei-education-2023"]
        assert by_report["hebei-education-2014"] != by_report["hebei-education-2023"]
    if {"pingtan-2019", "pingtan-2021", "pingtan-2022"} <= set(ids):
        # 平潭综合实验区管委会办公室, 平潭综合实验区（来源：…）, 平潭综合实验区管委会: one body
        assert by_body["pingtan-2019"] == by_body["pingtan-2021"] == by_body["pingtan-2022"]
    for a in ids:  # a body never spans two groups
        for b in ids:
            if bodies[a] == bodies[b]:
                assert by_body[a] == by_body[b]
    fl = folds(list(by_body.values()), 4)
    assert len(fl) == 4 and sorted(i for f in fl for i in f) == list(range(len(ids)))
    for f in fl:
        others = {by_body[ids[i]] for g in fl if g is not f for i in g}
        assert not {by_body[ids[i]] for i in f} & others


def test_near_copy_guard_links_shared_text():
    from types import SimpleNamespace

    from xxgk.evaluate.runner import cv_groups

    def gold(i):
        return SimpleNamespace(id=f"r{i}", meta={"body": f"局{i}", "year": 2020 + i}, source_path=f"/nowhere/r{i}.txt")

    base = "".join(f"第{i}条本机关按照条例规定主动公开政府信息并及时更新。" for i in range(40))
    other = "".join(f"第{i}项申请人提出的申请均在法定期限内答复完毕无超期。" for i in range(40))
    texts = [base, base[:1200] + other[:300], other]
    assert len(set(cv_groups([gold(i) for i in range(3)], texts, by="report", near_copy=None))) == 3
    g = cv_groups([gold(i) for i in range(3)], texts, by="report")
    assert g[0] == g[1] != g[2]


def test_folds_are_balanced_by_size():
    groups = ["a"] * 5 + ["b"] * 2 + ["c"] * 2 + ["d"] * 1 + ["e"] * 1 + ["f"] * 1
    fl = folds(groups, 2)
    assert sorted(len(f) for f in fl) == [6, 6]


def test_cv_needs_a_trainable_system(tmp_path):
    with pytest.raises(ValueError, match="needs a trainable system"):
        evaluate(_gold_folder(tmp_path, n=1), system="rules", cv=0)


def test_folds_group_copies_of_one_report():
    assert folds(["a", "b", "a", "c"]) == [[0, 2], [1], [3]]
    with pytest.raises(ValueError, match="'cv' parameter"):
        folds(["a"], k=1)


def test_same_report_in_two_formats_shares_a_group(gold_dir):
    groups = {g.id: report_group(g) for g in iter_gold(gold_dir)}
    if {"pingtan-2021", "pingtan-2021-html"} <= set(groups):
        assert groups["pingtan-2021"] == groups["pingtan-2021-html"]
    assert groups["pingtan-2021"] != groups["pingtan-2022"]


def test_resolve_perturbations():
    assert resolve_perturbations(None) == ["clean"]
    assert resolve_perturbations(["flatten", "all"]) == ["clean", "flatten", "no-headings", "traditional", "hard-wrap"]
    with pytest.raises(ValueError, match="'perturb' parameter"):
        resolve_perturbations("sideways")


def test_cli_writes_json_and_prints_a_table(tmp_path, capsys):
    out = tmp_path / "e.json"
    gold = _gold_folder(tmp_path)
    assert main(["evaluate", str(gold), "--system", "rules", "--perturb", "flatten", "--json", str(out), "--by-report"]) == 0
    printed = capsys.readouterr().out
    assert "| clean |" in printed and "| flatten |" in printed and "| r2 |" in printed
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["system"] == "rules" and set(data["runs"]) == {"clean", "flatten"}
    assert data["tables"]["status"] == "scored"


def test_cli_bad_arguments(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "absent")]) == 2
    assert "is not a folder of gold files" in capsys.readouterr().err
    assert main(["evaluate", str(_gold_folder(tmp_path)), "--system", "nope"]) == 2
    assert "'system' parameter must be one of" in capsys.readouterr().err


def test_rules_on_the_shared_gold(gold_dir):
    # the whole gold set with every perturbation: fast, every source read, tables scored
    r = evaluate(gold_dir, system="rules", perturb="all")
    assert r["scored"] == r["reports"] and r["seconds"]["total"] < 60
    clean = r["runs"]["clean"]["overall"]
    assert clean["coverage"] == 1.0
    # headings carry the rules system: without them it must do much worse (a check the perturbation bites)
    assert r["runs"]["no-headings"]["overall"]["sections"]["accuracy"] < clean["sections"]["accuracy"] - 0.3
    assert r["tables"]["status"] == "scored"


def _with_tables(gold_folder):
    for path in gold_folder.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["tables"] = {"review_litigation": {"review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}}}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return gold_folder


def test_an_extractor_crash_scores_that_report_wrong_and_goes_on(tmp_path, monkeypatch):
    import xxgk.api

    def broken(doc):
        raise RuntimeError("boom")

    monkeypatch.setattr(xxgk.api, "extract_tables", broken)
    r = evaluate(_with_tables(_gold_folder(tmp_path, n=2)), system="rules")
    t = r["tables"]
    assert t["status"] == "scored" and t["all"]["cells"] == 10 and t["all"]["correct"] == 0
    assert t["reports"][0]["error"] == "RuntimeError: boom"


def test_tables_scored_against_the_extractor(tmp_path, monkeypatch):
    import xxgk.api

    def extractor(doc):
        # right on review, with R1 checked as the gold numbers say
        from xxgk.validate import Check

        return ({"review_litigation": {"review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}}},
                [Check("R1", "review_litigation", "block:review", "pass")], [])

    monkeypatch.setattr(xxgk.api, "extract_tables", extractor)
    r = evaluate(_with_tables(_gold_folder(tmp_path, n=2)), system="rules")
    t = r["tables"]
    assert t["all"]["accuracy"] == 1.0 and t["all"]["all_right_share"] == 1.0
    assert t["rules"]["per_rule"]["R1"] == {"assessed": 2, "agree": 2, "agreement": 1.0}
