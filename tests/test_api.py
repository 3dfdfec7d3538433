"""The public Python API: analyze, extract_sections, Report JSON, load, the analyze command."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import xxgk
from xxgk.cli import main
from xxgk.extract import ExtractedTable
from xxgk.pipeline import DEFAULT_SYSTEM
from xxgk.report import Report, Section
from xxgk.validate import Check

REPO = Path(__file__).resolve().parents[1]
SEED = "000_hangzhou_emergency_2021.txt"


@pytest.fixture(scope="module")
def seed(corpus_dir: Path) -> Path:
    return corpus_dir / SEED


@pytest.fixture(scope="module")
def seed_report(seed: Path) -> Report:
    return xxgk.analyze(seed)


def test_every_public_name_resolves() -> None:
    for name in xxgk.__all__:
        assert getattr(xxgk, name) is not None, name
    assert xxgk.load is xxgk.io.load and xxgk.load_dataset is xxgk.io.load_dataset


def test_analyze_takes_a_path_bytes_or_text(seed: Path, seed_report: Report) -> None:
    data = seed.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_bytes = xxgk.analyze(data)
        from_text = xxgk.analyze(data.decode("utf-8"))
    for other in (from_bytes, from_text):
        assert [(s.text, s.section, s.tag) for s in other.sentences] == [
            (s.text, s.section, s.tag) for s in seed_report.sentences
        ]
        assert other.meta.sha256 == seed_report.meta.sha256
    assert seed_report.meta.source == str(seed) and from_bytes.meta.source is None


def test_report_has_tables_and_checks(seed_report: Report) -> None:
    # the seed prints all three tables (report-format.md section 4)
    assert set(seed_report.tables) == {"active_disclosure", "applications", "review_litigation"}
    assert all(isinstance(t, ExtractedTable) for t in seed_report.tables.values())
    assert seed_report.checks and all(isinstance(c, Check) for c in seed_report.checks)
    assert {c.rule for c in seed_report.checks} >= {"A1", "A2", "A3", "R1"}


def test_analyze_without_tables(seed: Path) -> None:
    report = xxgk.analyze(seed, tables=False)
    assert report.tables == {} and report.checks == [] and report.sentences


@pytest.mark.parametrize("include_text", [False, True])
def test_report_json_round_trip(seed_report: Report, include_text: bool) -> None:
    text = seed_report.to_json(include_text=include_text)
    back = Report.from_json(text)
    assert back.to_dict(include_text=include_text) == seed_report.to_dict(include_text=include_text)
    assert back.tables["applications"].value("new_requests", "total") == seed_report.tables["applications"].value(
        "new_requests", "total")
    assert json.loads(text)["schema_version"] == seed_report.schema_version
    if include_text:
        assert back.original_text == seed_report.original_text and back.text == seed_report.text


def test_extract_sections_gives_text_sentences_offsets_and_provenance(seed: Path) -> None:
    report = xxgk.analyze(seed, tables=False)
    sections = xxgk.extract_sections(seed)
    assert list(sections) == list(dict.fromkeys(s.label for s in report.sections))
    assert list(sections) == [label for label in xxgk.SECTION_LABELS if label in sections]  # template order
    for label, sec in sections.items():
        assert isinstance(sec, Section) and sec.label == label
        assert sec.text == report.text[sec.start : sec.end]
        first = report.sentences[sec.sentences[0]]
        assert sec.text.startswith(first.text) and sec.orig_start == first.orig_start
        assert sec.provenance.line is not None and sec.provenance.line >= 1
        # original offsets point at the user's own characters (traditional in the seed)
        original = report.original_text[sec.orig_start : sec.orig_end]
        assert "".join(original.split()).startswith("".join(report.original_text[first.orig_start : first.orig_end].split()))
    assert sections["overview"].first_line == "一、总体情况"


def test_cli_analyze_json_is_a_report(seed: Path, capsys, shipped_model) -> None:
    assert main(["analyze", str(seed), "--json"]) == 0
    report = Report.from_json(capsys.readouterr().out)
    # the model is the default, as it is for xxgk.analyze
    assert report.sentences and report.system == "model" == DEFAULT_SYSTEM
    assert main(["analyze", str(seed), "--json", "--system", "rules"]) == 0
    assert Report.from_json(capsys.readouterr().out).system == "rules"


def test_cli_analyze_prints_sections_and_tags(seed: Path, seed_report: Report, capsys) -> None:
    assert main(["analyze", str(seed)]) == 0
    out = capsys.readouterr().out
    for sec in seed_report.sections:
        assert f"-- {sec.label} ({len(sec.sentences)} sentences)" in out
    assert "== table applications" in out and "== checks: " in out


def test_cli_analyze_names_the_file_it_cannot_read(tmp_path: Path, seed: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path / "missing.pdf")]) == 1
    assert str(tmp_path / "missing.pdf") in capsys.readouterr().err
    assert main(["analyze", str(seed), "--system", "nope"]) == 1
    assert "The 'system' parameter must be one of" in capsys.readouterr().err


def test_python_dash_m_runs_the_command() -> None:
    run = subprocess.run([sys.executable, "-m", "xxgk", "--version"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == f"xxgk {xxgk.__version__}"
