"""Digit-run recovery: crawler copies whose table rows became runs of digits (xxgk.extract.digits)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from xxgk import read
from xxgk.document import Provenance, Table
from xxgk.extract.digits import recover_run_tables, split_digits
from xxgk.readers.text import decode_text

GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"


def _run_gold_files() -> list[Path]:
    """Gold files whose source lost its cell boundaries (crawler runs) and that annotate tables."""
    if not GOLD.exists():
        return []
    out = []
    for path in sorted(GOLD.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if gold.get("meta", {}).get("cells_in_source") is False and gold.get("tables"):
            out.append(path)
    return out


def _read(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(str(path))


def _recover_all(doc):
    tables, findings = {}, []
    for t in doc.tables:
        if t.source_form == "run":
            got, found = recover_run_tables(t, doc)
            for name, et in got.items():
                assert name not in tables, f"two runs of {doc.meta.source} both hold {name}"
                tables[name] = et
            findings += found
    return tables, findings


def _run(text: str, start: int = 100) -> Table:
    return Table(source_form="run", text=text, provenance=Provenance(file="t.txt", line=3, char_start=start,
                                                                     char_end=start + len(text)))


# --- against the gold files ----------------------------------------------------------------------------


@pytest.mark.parametrize("gold_path", _run_gold_files(), ids=lambda p: p.stem)
def test_crawler_cells_are_gold_or_null_with_an_ambiguous_finding(gold_path, shared_dir):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    source = shared_dir / gold["source"]
    doc = _read(source)
    tables, findings = _recover_all(doc)
    text, _ = decode_text(source.read_bytes(), str(source))
    for name, gold_table in gold["tables"].items():
        assert name in tables, f"{gold_path.name}: no {name} recovered from the runs"
        et = tables[name]
        assert et.template == gold_table.get("template", gold["meta"].get("template"))
        for row, cols in gold_table.items():
            if row == "template":
                continue
            for col, want in cols.items():
                cell = et.rows[row][col]
                if cell.value is None:
                    named = [f for f in findings if f.kind == "ambiguous" and f"{row}.{col}" in f.cells]
                    assert named, f"{gold_path.name}: {name}.{row}.{col} is null without an ambiguous finding"
                    continue
                assert cell.value == want, f"{gold_path.name}: {name}.{row}.{col} = {cell.value}, gold {want}"
                assert cell.status == "recovered"
                p = cell.provenance
                assert text[p.char_start : p.char_end] == cell.raw, "provenance must point at the cell's digits"


def test_most_application_and_review_rows_are_recovered(shared_dir):
    files = _run_gold_files()
    if not files:
        pytest.skip("no gold file of a crawler copy with tables in ../shared/gold")
    done = {"applications": [0, 0], "review_litigation": [0, 0]}
    for path in files:
        gold = json.loads(path.read_text(encoding="utf-8"))
        tables, _ = _recover_all(_read(shared_dir / gold["source"]))
        for name, tally in done.items():
            if name not in gold["tables"]:
                continue
            for row, cols in gold["tables"][name].items():
                if row == "template":
                    continue
                tally[1] += 1
                tally[0] += all(tables[name].rows[row][c].value == v for c, v in cols.items())
    for name, (ok, total) in done.items():
        assert total and ok / total >= 0.75, f"{name}: only {ok}/{total} rows recovered"


# --- small runs that pin one behaviour each ----------------------------------------------------------


def test_unique_split_is_recovered_with_the_span_of_each_cell():
    text = "一、本年新收政府信息公开申请数量801000081二、上年结转政府信息公开申请数量0000000"
    tables, findings = recover_run_tables(_run(text))
    row = tables["applications"].rows["new_requests"]
    assert [v.value for v in row.values()] == [80, 1, 0, 0, 0, 0, 81]  # the issue's own example
    assert all(v.status == "recovered" for v in row.values())
    total = row["total"]
    assert (total.raw, total.provenance.line) == ("81", 3)
    assert text[total.provenance.char_start - 100 : total.provenance.char_end - 100] == "81"
    assert not [f for f in findings if f.kind == "ambiguous"]


def test_two_fitting_splits_leave_the_row_null_and_list_both():
    # 1+10 = 11 and 11+0 = 11: A3 holds both ways, and no other row is there to tell them apart
    tables, findings = recover_run_tables(_run("一、本年新收政府信息公开申请数量110000011"))
    row = tables["applications"].rows["new_requests"]
    assert all(v.value is None and v.status == "ambiguous" for v in row.values())
    (amb,) = [f for f in findings if f.kind == "ambiguous"]
    firsts = sorted((c["natural_person"], c["commercial_enterprise"], c["total"]) for c in amb.candidates)
    assert firsts == [(1, 10, 11), (11, 0, 11)]
    assert "new_requests.total" in amb.cells


def test_a1_across_rows_settles_a_row_a3_leaves_open():
    run = ("一、本年新收政府信息公开申请数量110000011二、上年结转政府信息公开申请数量0000000"
           "（七）总计11 0 0 0 0 0 11四、结转下年度继续办理0000000")
    tables, _ = recover_run_tables(_run(run))
    assert tables["applications"].values()["new_requests"]["natural_person"] == 11


def test_spaces_in_a_run_are_cell_boundaries():
    assert list(split_digits("11 00000 11", ("count",) * 7)) == [("11", "0", "0", "0", "0", "0", "11")]
    assert len([s for s in split_digits("110000011", ("count",) * 7) if int(s[0]) + int(s[1]) == int(s[6])]) == 2


def test_letters_in_a_run_give_an_unreadable_finding_and_no_number():
    tables, findings = recover_run_tables(_run("三、本年度办理结果（一）予以公开27OO20130（二）部分公开5000005"))
    granted = tables["applications"].rows["granted"]
    assert all(v.value is None and v.status == "unreadable" for v in granted.values())
    assert any(f.kind == "unreadable" and "granted.total" in f.cells for f in findings)
    assert tables["applications"].value("partially_granted", "total") == 5


def test_active_disclosure_only_forced_splits_are_recovered():
    run = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章 000行政规范性文件693665"
           "第二十条第（五）项信息内容本年处理决定数量行政许可2293第二十条第（八）项信息内容本年收费金额（单位：万元）"
           "行政事业性收费24252.311082")
    tables, findings = recover_run_tables(_run(run))
    ad = tables["active_disclosure"]
    assert ad.template == "2021"
    assert ad.values()["regulations"] == {"made": 0, "repealed": 0, "in_force": 0}  # 000: one way only
    assert ad.value("licensing", "decisions") == 2293  # a single column
    assert ad.value("fees", "amount") == 24252.311082  # decimal money is one cell
    assert ad.rows["normative_documents"]["made"].status == "ambiguous"
    (amb,) = [f for f in findings if f.kind == "ambiguous"]
    assert {"made": 69, "repealed": 3, "in_force": 665} in amb.candidates or len(amb.candidates) == 12


def test_typo_in_a_row_label_is_tolerated():
    run = "（三）不予公开1.属于国家秘密00000002.其他法律行政止公开20000023.危及“三安全一稳定”0000000"
    tables, _ = recover_run_tables(_run(run))
    assert tables["applications"].values()["denied_prohibited_by_law"]["natural_person"] == 2


def test_2019_template_is_detected_and_keeps_other_processing():
    run = ("第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章000"
           "第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费350")
    tables, findings = recover_run_tables(_run(run))
    assert tables["active_disclosure"].template == "2019"
    assert tables["active_disclosure"].rows["fees"]["prev_items"].status == "ambiguous"  # 3|50 or 35|0
    apps, _ = recover_run_tables(_run("（六）其他处理0 0 0 0 0 00（七）总计23 0 00 0 023"))
    assert apps["applications"].template == "2019"
    assert apps["applications"].values()["total_handled"]["total"] == 23
    assert apps["applications"].values()["other_processing"]["total"] == 0


def test_review_blocks_are_split_by_r1():
    run = "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉25380363300630003"
    tables, findings = recover_run_tables(_run(run))
    got = tables["review_litigation"].values()
    assert got["review"] == {"upheld": 25, "corrected": 3, "other": 8, "pending": 0, "total": 36}
    assert got["litigation_after_review"]["total"] == 3
    assert not findings


def test_an_old_statistics_table_yields_nothing():
    tables, findings = recover_run_tables(_run("指标名称计量单位2011年度历年累计主动公开信息数条4251516"))
    assert tables == {} and findings == []


def test_only_run_tables_are_accepted():
    with pytest.raises(ValueError, match="must be a run table"):
        recover_run_tables(Table(source_form="grid"))


def test_traditional_characters_in_a_run():
    from xxgk.normalize import to_traditional

    tables, _ = recover_run_tables(_run(to_traditional("一、本年新收政府信息公开申请数量801000081")))
    assert tables["applications"].value("new_requests", "natural_person") == 80


def test_consistent_tables_flattened_to_runs_never_come_back_with_another_number():
    """Tables that keep A1–A3 and R1, flattened as a crawler does: every cell is the number or null."""
    import random

    from xxgk.extract.templates import TEMPLATES

    rng = random.Random(7)
    tpl = TEMPLATES["2021"]["applications"]
    outcome = [k for k in tpl.row_keys if k not in ("new_requests", "carried_over", "total_handled", "carried_forward")]

    def count(big: int) -> int:
        r = rng.random()
        return 0 if r < 0.55 else rng.randint(1, 9) if r < 0.85 else rng.randint(10, big)

    rows = recovered = 0
    for _ in range(15):
        big = rng.choice([20, 100, 1000])
        vals = {k: [count(big)] + [count(10) if rng.random() < 0.3 else 0 for _ in range(5)] for k in outcome}
        handled = [sum(vals[k][c] for k in outcome) for c in range(6)]
        forward = [rng.randint(0, 3) if rng.random() < 0.3 else 0 for _ in range(6)]
        vals.update(total_handled=handled, carried_forward=forward, carried_over=[0] * 6,
                    new_requests=[h + f for h, f in zip(handled, forward)])
        run = "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
        for spec in tpl.rows:
            vals[spec.key] = vals[spec.key] + [sum(vals[spec.key])]
            run += spec.labels[0] + "".join(map(str, vals[spec.key]))
        got = recover_run_tables(_run(run))[0]["applications"].values()
        for key, want in vals.items():
            found = list(got[key].values())
            assert all(f is None or f == w for f, w in zip(found, want)), f"{key}: {found} for {want}"
            rows += 1
            recovered += found == want
    assert recovered / rows >= 0.9


def test_tail_similarity_bound_never_changes_a_score(corpus_dir):
    # the cheap bound only skips tails that cannot reach the floor: every score at or above it is the brute-force one
    import random

    from xxgk.extract.labels import label_key, similarity, tail_similarity
    from xxgk.extract.templates import TEMPLATES

    labels = sorted({label_key(lab) for tpls in TEMPLATES.values() for tpl in tpls.values()
                     for spec in tpl.rows + tpl.alternates for lab in spec.labels} - {""})
    labels = [v for v in labels if len(v) >= 5]
    rng = random.Random(7)
    lines = [label_key(line) for path in sorted(corpus_dir.glob("*.txt"))
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    keys = rng.sample(sorted({k for k in lines if 4 <= len(k) <= 40}), 60)
    for v in rng.sample(labels, 40):  # a label at the end of a chunk, with a typo, a lost or an extra character
        i = rng.randrange(len(v))
        keys += [keys[0][:6] + v, keys[1][:5] + v[:i] + "止" + v[i + 1:], v[:i] + v[i + 1:], "附注" + v + "的"]
    hits = 0
    for key in keys:
        for v in labels:
            brute = max(similarity(key[-n:], v) for n in range(max(2, len(v) - 3), len(v) + 4))
            fast = tail_similarity(key, v, 0.8)
            if brute >= 0.8:
                hits += 1
                assert fast == brute, (key, v)
            else:
                assert fast < 0.8, (key, v)
    assert hits >= 40  # the typo'd keys reach the floor: the comparison covered real matches
