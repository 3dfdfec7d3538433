"""`xxgk tables FILE... [--json]` and the tables' JSON round trip through a Report."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from xxgk.cli import main
from xxgk.extract import ExtractedTable, Finding
from xxgk.validate import Check


def test_tables_json(corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(corpus_dir / "001_huaian_hongze_2023.pdf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["tables", path, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["file"] == path
    assert list(out["tables"]) == ["active_disclosure", "applications", "review_litigation"]
    review = out["tables"]["review_litigation"]["rows"]["review"]
    assert (review["upheld"]["value"], review["corrected"]["value"], review["total"]["value"]) == (10, 1, 0)
    assert review["upheld"]["provenance"]["page"] >= 1
    r1 = [c for c in out["checks"] if c["rule"] == "R1" and c["part"] == "block:review"]
    assert r1[0]["status"] == "fail" and (r1[0]["expected"], r1[0]["found"]) == (11, 0)
    # the JSON reads back into the typed objects
    assert ExtractedTable.from_dict(out["tables"]["review_litigation"]).value("review", "upheld") == 10
    assert [Check.from_dict(c).to_dict() for c in out["checks"]] == out["checks"]
    assert [Finding.from_dict(f).to_dict() for f in out["findings"]] == out["findings"]


def test_tables_text(corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", str(corpus_dir / "000_hangzhou_emergency_2021.txt")]) == 0
    out = capsys.readouterr().out
    assert "licensing" in out and "decisions=644" in out
    assert "checks:" in out and " 0 fail" in out


def test_tables_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["tables", str(empty)]) == 1
    assert "empty.txt" in capsys.readouterr().err


def test_report_json_round_trip_keeps_tables_and_checks(corpus_dir: Path) -> None:
    from xxgk import analyze
    from xxgk.report import Report

    report = analyze(str(corpus_dir / "003_shanghai_office_2019.html"))
    back = Report.from_json(report.to_json())
    assert back.tables["active_disclosure"].to_dict() == report.tables["active_disclosure"].to_dict()
    assert [c.to_dict() for c in back.checks] == [c.to_dict() for c in report.checks]
    assert any(c.rule == "A3" and c.status == "fail" for c in back.checks)
