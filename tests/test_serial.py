"""One serialisation base (xxgk.serial) for every result type: strict, versioned, typed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import xxgk
from xxgk.document import Document, Provenance
from xxgk.errors import SchemaError
from xxgk.extract import ExtractedTable, Finding, TableValue
from xxgk.report import REPORT_SCHEMA_VERSION, Report
from xxgk.serial import Serial
from xxgk.validate import Check

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "000_hangzhou_emergency_2021.txt"


@pytest.fixture(scope="module")
def report() -> Report:
    return xxgk.analyze(EXAMPLE, system="rules")


@pytest.mark.parametrize("cls", [Document, Provenance, Report, ExtractedTable, TableValue, Finding, Check])
def test_every_result_type_uses_the_one_base(cls: type) -> None:
    assert issubclass(cls, Serial)
    assert "from_dict" not in vars(cls) and "_check_fields" not in vars(cls)  # no hand-written loader left


def test_report_loads_back_typed(report: Report) -> None:
    back = Report.from_json(report.to_json(include_text=True))
    assert back == report
    assert all(isinstance(t, ExtractedTable) for t in back.tables.values()) and back.tables
    assert all(isinstance(v, TableValue) for t in back.tables.values() for _, _, v in t.cells())
    assert back.checks and all(isinstance(c, Check) for c in back.checks)
    assert all(isinstance(f, Finding) for f in back.findings)
    assert json.loads(report.to_json())["schema_version"] == REPORT_SCHEMA_VERSION
    assert list(json.loads(report.to_json()))[0] == "schema_version"  # the version comes first


def test_report_is_strict_like_document(report: Report) -> None:
    data = json.loads(report.to_json())
    with pytest.raises(SchemaError, match=r"Unknown field\(s\) for Report: \['colour'\]"):
        Report.from_dict({**data, "colour": "red"})
    with pytest.raises(ValueError, match="Report schema 2.0 is not readable by this xxgk"):
        Report.from_dict({**data, "schema_version": "2.0"})
    del data["system"]
    with pytest.raises(SchemaError, match=r"the field 'system' \(str\) of Report is missing"):
        Report.from_dict(data)


def test_errors_say_where_and_what(report: Report) -> None:
    data = json.loads(report.to_json())
    name = next(iter(data["tables"]))
    row = next(iter(data["tables"][name]["rows"]))
    col = next(iter(data["tables"][name]["rows"][row]))
    data["tables"][name]["rows"][row][col]["status"] = "guessed"
    where = f"Report.tables['{name}'].rows['{row}']['{col}'].status"
    with pytest.raises(SchemaError, match=re.escape(where) + r": expected one of \['ok'"):
        Report.from_dict(data)

    data = json.loads(report.to_json())
    data["checks"][0]["cells"] = "a.b"
    with pytest.raises(SchemaError, match=r"Report.checks\[0\].cells: expected a list, got str"):
        Report.from_dict(data)

    data = json.loads(report.to_json())
    data["sentences"][0]["provenance"]["extra"] = 1
    with pytest.raises(SchemaError, match=r"Unknown field\(s\) for Provenance: \['extra'\] \(at Report.sentences\[0\]"):
        Report.from_dict(data)

    data = json.loads(report.to_json())
    data["sentences"][0]["index"] = True  # a bool is not an int here
    with pytest.raises(SchemaError, match=r"Report.sentences\[0\].index: expected int, got bool"):
        Report.from_dict(data)


def test_provenance_and_cells_write_only_what_is_set() -> None:
    assert Provenance(file="a.pdf", page=2, bbox=(0, 1, 2, 3)).to_dict() == {"file": "a.pdf", "page": 2,
                                                                             "bbox": [0.0, 1.0, 2.0, 3.0]}
    assert Provenance.from_dict({"file": "a.pdf", "page": 2, "bbox": [0, 1, 2, 3]}).bbox == (0.0, 1.0, 2.0, 3.0)
    with pytest.raises(SchemaError, match=r"Provenance.bbox: expected 4 items, got 3"):
        Provenance.from_dict({"page": 1, "bbox": [0, 1, 2]})
    doc = xxgk.read(EXAMPLE)
    assert Document.from_json(doc.to_json()) == doc


def test_table_value_keeps_null_and_numbers() -> None:
    for v in (TableValue(None, raw="/", status="dash"), TableValue(3), TableValue(1.5, provenance=Provenance(line=3))):
        assert TableValue.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    with pytest.raises(SchemaError, match=r"TableValue.value: expected int \| float \| None, got str"):
        TableValue.from_dict({"value": "3"})
