"""Every annotated table cell of ``../shared/gold``, against what xxgk extracts from the gold file's source.

The gold folder is iterated, never listed by name: a new gold file with
``tables`` is tested without new code. Scoring follows ``report-format.md``
section 5: where the source keeps its cells (``meta.cells_in_source``) every
cell must equal the gold; where it lost them (crawler digit runs) a cell must
be the gold number, or null together with an ``ambiguous`` finding naming it —
never another number.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from xxgk.api import extract_tables
from xxgk.reading import read

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _gold_files() -> list[Path]:
    folder = SHARED / "gold"
    if not folder.exists():
        return []
    out = []
    for p in sorted(folder.glob("*.json")):
        if json.loads(p.read_text(encoding="utf-8")).get("tables"):
            out.append(p)
    return out


GOLD = _gold_files()


def _extract(gold: dict):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read(str(SHARED / gold["source"]))
    return extract_tables(doc)


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-9


@pytest.mark.skipif(not GOLD, reason="no gold file with tables in ../shared/gold (the shared corpus is not here)")
@pytest.mark.parametrize("path", GOLD, ids=[p.stem for p in GOLD])
def test_gold_tables(path: Path) -> None:
    gold = json.loads(path.read_text(encoding="utf-8"))
    in_source = gold["meta"].get("cells_in_source", True)
    if not in_source:
        pytest.importorskip("xxgk.extract.digits", reason="digit-run recovery (xxgk.extract.digits) is not in this build")
    tables, checks, findings = _extract(gold)
    ambiguous = {(f.table, c) for f in findings if f.kind == "ambiguous" for c in f.cells}
    wrong = []
    for name, gt in gold["tables"].items():
        assert name in tables, f"{path.name}: table {name} not extracted ({[f.message for f in findings]})"
        t = tables[name]
        if "template" in gt:
            assert t.template == gt["template"], f"{path.name}: {name} template"
        for row, cols in gt.items():
            if row == "template":
                continue
            assert row in t.rows, f"{path.name}: {name}.{row} missing; rows are {list(t.rows)}"
            for col, want in cols.items():
                got = t.value(row, col)
                if _same(got, want):
                    continue
                if not in_source and got is None and (name, f"{row}.{col}") in ambiguous:
                    continue
                wrong.append(f"{name}.{row}.{col}: gold {want}, got {got}")
        extra = [r for r in t.rows if r not in gt]
        assert not extra, f"{path.name}: {name} has rows the gold lacks: {extra}"
    assert not wrong, f"{path.name}: {len(wrong)} wrong cells: {wrong[:10]}"
    # every value carries where it came from
    for t in tables.values():
        for r, c, v in t.cells():
            if v.status not in ("missing", "ambiguous"):
                assert v.provenance is not None, f"{path.name}: {t.name}.{r}.{c} has no provenance"


def test_hongze_review_totals_are_kept_as_printed_and_r1_fails(corpus_dir: Path) -> None:
    # The report itself prints 行政复议 upheld 10, corrected 1 and total 0: xxgk returns exactly that and a failed R1.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables, checks, _ = extract_tables(str(corpus_dir / "001_huaian_hongze_2023.pdf"))
    rl = tables["review_litigation"]
    assert (rl.value("review", "upheld"), rl.value("review", "corrected"), rl.value("review", "total")) == (10, 1, 0)
    r1 = [c for c in checks if c.rule == "R1" and c.part == "block:review"]
    assert len(r1) == 1 and r1[0].status == "fail"
    assert (r1[0].expected, r1[0].found) == (11, 0)
    assert "review.total" in r1[0].cells
    prov = rl.rows["review"]["upheld"].provenance
    assert prov.page is not None and prov.bbox is not None and prov.table is not None


def test_shanghai_misaligned_value_cells_follow_the_header_order(corpus_dir: Path) -> None:
    # 003: (五)/(六) value cells span 2/1/1 columns under headers spanning 1/2/1; read in order, not by column.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables, checks, findings = extract_tables(str(corpus_dir / "003_shanghai_office_2019.html"))
    ad = tables["active_disclosure"]
    assert ad.template == "2019"
    assert list(ad.rows["licensing"]) == ["prev_items", "change", "decisions"]
    assert ad.value("procurement", "amount") == 251000 and ad.rows["procurement"]["amount"].raw == "251000元"
    # the report's own broken A3 rows (empty 总计 beside numbers) are reported, not fixed
    a3 = {c.part: c for c in checks if c.rule == "A3"}
    assert a3["row:granted"].status == "fail" and a3["row:granted"].expected == 272
    assert tables["applications"].rows["granted"]["total"].status == "blank"
