"""Report → tidy rows → Parquet / JSONL → pandas and datasets, and back."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import xxgk
from xxgk import io as xio
from xxgk.document import Provenance
from xxgk.extract import ExtractedTable, Finding, TableValue
from xxgk.tidy import COLUMNS, TABLES, doc_id_for, empty_rows, error_row, report_rows
from xxgk.validate import Check


@pytest.fixture(scope="module")
def seed_report(corpus_dir: Path):
    return xxgk.analyze(corpus_dir / "000_hangzhou_emergency_2021.txt", tables=False)


def _with_tables(report):
    """The seed report with a table and a check as the extractors return them (its real numbers)."""
    at = lambda row, col: Provenance(table=0, row=row, col=col, line=40 + row)  # noqa: E731
    report.tables = {
        "review_litigation": ExtractedTable(
            name="review_litigation", template="2021", source_form="cell-per-line",
            rows={"review": {"upheld": TableValue(0, "0", "ok", at(3, 0)), "total": TableValue(0, "0", "ok", at(3, 4))},
                  "litigation_direct": {"pending": TableValue(None, "/", "dash", at(3, 8))}},
        ),
    }
    report.checks = [Check("R1", "review_litigation", "block:review", "pass", 0, 0, ["review.total", "review.upheld"],
                           "0 = 0")]
    report.findings = [Finding(kind="ambiguous", table="applications", message="two splits fit",
                               cells=["new_requests.total"], candidates=[[8, 0], [80]])]
    return report


# -- rows ----------------------------------------------------------------------------


def test_rows_of_a_real_report_follow_the_report(seed_report, corpus_dir: Path) -> None:
    path = str(corpus_dir / "000_hangzhou_emergency_2021.txt")
    rows = report_rows(seed_report, path=path)
    assert set(rows) == set(TABLES)
    for name, table_rows in rows.items():  # every row has exactly the table's columns, in order
        assert all(list(r) == list(COLUMNS[name]) for r in table_rows)
    (doc,) = rows["documents"]
    assert doc["doc_id"] == doc_id_for(path, seed_report.meta.sha256)
    assert doc["sha256"] == seed_report.meta.sha256 and doc["script"] == "traditional"
    assert doc["n_sentences"] == len(rows["sentences"]) == len(seed_report.sentences)
    assert [r["label"] for r in rows["sections"]] == [s.label for s in seed_report.sections]
    source = seed_report.original_text
    for r in rows["sections"]:  # offsets index the original text: a section starts with its first sentence
        first = seed_report.sentences[r["first_sentence"]]
        assert r["start"] == first.orig_start and source[r["start"] : r["end"]].startswith(rows["sentences"][first.index]["original"])
    for r, s in zip(rows["sentences"], seed_report.sentences):
        assert (r["index"], r["tag"], r["section"], r["text"]) == (s.index, s.tag, s.section, s.text)
        assert r["original"] == source[r["start"] : r["end"]]
    # the seed is in traditional characters: `original` keeps them, `text` is normalised
    assert any(r["original"] != r["text"] for r in rows["sentences"])
    assert rows["cells"] == rows["checks"] == rows["findings"] == rows["errors"] == []


def test_rows_of_tables_checks_and_findings(seed_report) -> None:
    rows = report_rows(_with_tables(seed_report), doc_id="d1")
    cells = {(r["row"], r["column"]): r for r in rows["cells"]}
    assert len(cells) == 3
    assert cells[("review", "upheld")]["value"] == 0.0 and cells[("review", "upheld")]["status"] == "ok"
    assert cells[("review", "upheld")]["template"] == "2021" and cells[("review", "upheld")]["line"] == 43
    assert (cells[("review", "total")]["source_table"], cells[("review", "total")]["source_col"]) == (0, 4)
    # "/" is not 0: no value, its raw string and status kept
    assert cells[("litigation_direct", "pending")]["value"] is None
    assert cells[("litigation_direct", "pending")]["raw"] == "/" and cells[("litigation_direct", "pending")]["status"] == "dash"
    (check,) = rows["checks"]
    assert (check["rule"], check["part"], check["status"], check["expected"]) == ("R1", "block:review", "pass", 0.0)
    assert check["cells"] == ["review.total", "review.upheld"]
    (finding,) = rows["findings"]
    assert json.loads(finding["candidates"]) == [[8, 0], [80]]
    assert rows["documents"][0]["template"] == "2021" and rows["documents"][0]["n_tables"] == 1


def test_error_row_keeps_type_and_message() -> None:
    row = error_row("x/a.pdf", xxgk.errors.ScannedPDFError("x/a.pdf", "No text layer.", "OCR it first."), sha256="ab" * 32)
    assert row == {"doc_id": doc_id_for("x/a.pdf", "ab" * 32), "path": "x/a.pdf", "sha256": "ab" * 32,
                   "error": "ScannedPDFError", "message": "x/a.pdf: No text layer. OCR it first."}


def test_doc_id_depends_on_path_and_content(tmp_path: Path) -> None:
    a = doc_id_for(tmp_path / "a.txt", "00" * 32)
    assert a == doc_id_for(str(tmp_path / "a.txt"), "00" * 32)
    assert a != doc_id_for(tmp_path / "b.txt", "00" * 32)  # a copy elsewhere is another input
    assert a != doc_id_for(tmp_path / "a.txt", "11" * 32)  # an edited file is another result


# -- files ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_tables_round_trip_through_files(tmp_path: Path, seed_report, fmt: str) -> None:
    rows = report_rows(_with_tables(seed_report), path="seed.txt")
    rows["errors"].append(error_row("bad.pdf", ValueError("bad.pdf: broken")))
    xio.write_tables(rows, tmp_path, format=fmt)
    xio.write_manifest(tmp_path, {"format": fmt})
    results = xxgk.load(tmp_path)
    assert list(results) == list(TABLES)
    for name in TABLES:
        frame = results[name]
        assert list(frame.columns) == list(COLUMNS[name])
        assert len(frame) == len(rows[name])
    # values survive: unicode text, nulls, lists, nullable ints
    assert results.sentences["original"].tolist() == [r["original"] for r in rows["sentences"]]
    assert results.sentences["index"].dtype == pd.Int64Dtype()
    assert pd.isna(results.cells.set_index(["row", "column"]).loc[("litigation_direct", "pending"), "value"])
    assert list(results.checks["cells"].iloc[0]) == ["review.total", "review.upheld"]
    assert results.errors["error"].tolist() == ["ValueError"]


def test_parquet_and_jsonl_load_to_the_same_frames(tmp_path: Path, seed_report) -> None:
    rows = report_rows(_with_tables(seed_report), path="seed.txt")
    for fmt in xio.FORMATS:
        xio.write_tables(rows, tmp_path / fmt, format=fmt)
        xio.write_manifest(tmp_path / fmt, {"format": fmt})
    a, b = xxgk.load(tmp_path / "parquet"), xxgk.load(tmp_path / "jsonl")
    for name in TABLES:
        left, right = a[name], b[name]
        for col in left.columns:  # list columns come back as arrays from Parquet and lists from JSONL
            if COLUMNS[name][col].startswith("list"):
                left, right = left.assign(**{col: left[col].map(_listify)}), right.assign(**{col: right[col].map(_listify)})
        pd.testing.assert_frame_equal(left, right, obj=name)


def _listify(value):
    return None if value is None or (not hasattr(value, "__len__") and pd.isna(value)) else list(value)


def test_switching_format_leaves_no_stale_tables(tmp_path: Path) -> None:
    xio.write_tables(empty_rows(), tmp_path, format="jsonl")
    xio.write_tables(empty_rows(), tmp_path, format="parquet")
    assert not list(tmp_path.glob("*.jsonl")) and len(list(tmp_path.glob("*.parquet"))) == len(TABLES)


def test_atomic_write_leaves_the_old_file_when_the_rename_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "documents.jsonl"
    target.write_text("old\n")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        xio.atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["documents.jsonl"]  # no temporary file left behind


def test_load_needs_a_finished_output(tmp_path: Path) -> None:
    xio.write_tables(empty_rows(), tmp_path)  # tables without a manifest: a run that never finished
    with pytest.raises(FileNotFoundError, match="not the output of a finished `xxgk tag` run"):
        xxgk.load(tmp_path)


def test_results_is_a_mapping_of_frames(tmp_path: Path) -> None:
    xio.write_tables(empty_rows(), tmp_path)
    xio.write_manifest(tmp_path, {"format": "parquet", "xxgk_version": xxgk.__version__})
    results = xxgk.load(tmp_path)
    assert dict(results).keys() == set(TABLES) and results.manifest["xxgk_version"] == xxgk.__version__
    assert results.get("cells") is results.cells and "sentences" in results
    with pytest.raises(KeyError, match="is not a table of an xxgk output"):
        results["tables"]


def test_load_dataset_gives_one_split_per_table(tmp_path: Path, seed_report) -> None:
    import datasets

    rows = report_rows(_with_tables(seed_report), path="seed.txt")
    xio.write_tables(rows, tmp_path)
    xio.write_manifest(tmp_path, {"format": "parquet"})
    ds = xxgk.load_dataset(tmp_path)
    assert isinstance(ds, datasets.DatasetDict) and list(ds) == list(TABLES)
    assert ds["sentences"].num_rows == len(seed_report.sentences)
    assert ds["sentences"].features["index"] == datasets.Value("int64")
    assert ds["checks"][0]["cells"] == ["review.total", "review.upheld"]
    assert ds["errors"].num_rows == 0 and ds["errors"].column_names == list(COLUMNS["errors"])
