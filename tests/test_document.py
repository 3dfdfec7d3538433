"""The document model: JSON round-trip, offsets, and provenance that refuses to mix coordinates."""

from __future__ import annotations

import json

import pytest

from xxgk.document import SCHEMA_VERSION, Cell, Document, DocumentMeta, Paragraph, Provenance, Table
from xxgk.readers.text import read_text


def _sample() -> Document:
    table = Table(
        cells=[
            Cell(
                "申请人情况",
                0,
                0,
                colspan=2,
                provenance=Provenance(file="a.pdf", page=3, bbox=(10, 20, 200, 40), table=0, row=0, col=0),
            ),
            Cell("自然人", 1, 0, rowspan=2, provenance=Provenance(file="a.pdf", page=3, table=0, row=1, col=0)),
            Cell("6", 1, 1, provenance=Provenance(file="a.pdf", page=3, table=0, row=1, col=1)),
            Cell("", 2, 1, provenance=Provenance(file="a.pdf", page=3, table=0, row=2, col=1)),
        ],
        provenance=Provenance(file="a.pdf", page=3, bbox=(10.5, 20, 400, 300)),
        source_form="grid",
    )
    return Document(
        meta=DocumentMeta(
            source="a.pdf",
            sha256="ab" * 32,
            format="pdf",
            script="traditional",
            encoding=None,
            title="某局2021年政府信息公开工作年度报告",
            body="某局",
            year=2021,
            published="2022-01-20",
            pages=5,
        ),
        blocks=[
            Paragraph(
                text="一、总体情况",
                heading=True,
                provenance=Provenance(file="a.pdf", page=1, line=3, char_start=10, char_end=16),
            ),
            table,
            Paragraph(
                text="2021年，共受理申请6件。",
                provenance=Provenance(file="a.pdf", page=3, page_end=4, bbox=(1, 2, 3, 4)),
            ),
        ],
        warnings=["something to know"],
    )


def test_json_round_trip():
    doc = _sample()
    text = doc.to_json()
    back = Document.from_json(text)
    assert back == doc
    assert back.to_json() == text
    data = json.loads(text)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["blocks"][1]["cells"][0]["colspan"] == 2
    assert isinstance(back.blocks[1].cells[0].provenance.bbox, tuple)


def test_round_trip_of_a_read_report(corpus_dir):
    matches = sorted(corpus_dir.glob("005_*.txt"))
    if not matches:
        pytest.skip("No crawler copy in the corpus.")
    doc = read_text(matches[0].read_bytes(), matches[0].name)
    assert Document.from_json(doc.to_json()) == doc


def test_text_and_offsets():
    doc = _sample()
    assert doc.text == "一、总体情况\n\n2021年，共受理申请6件。"
    assert [b.start for b in doc.blocks] == [0, 7, 8]
    assert doc.tables[0].index == 0
    assert doc.block_at(9) is doc.blocks[2]
    assert doc.text[doc.blocks[2].start :].startswith("2021年")


def test_table_grid_expands_merged_cells():
    table = _sample().tables[0]
    assert (table.n_rows, table.n_cols) == (3, 2)
    assert table.grid() == [["申请人情况", "申请人情况"], ["自然人", "6"], ["自然人", ""]]
    assert table.cell_at(2, 0).text == "自然人"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bbox": (0, 0, 1, 1)}, "bbox is in PDF points and needs a page"),  # bbox without page
        ({"page": 1, "bbox": (0, 0, 1)}, "must have 4 numbers"),
        ({"row": 1, "col": 2}, "need a table index"),  # grid position outside a table
        ({"line": 0}, "1-based"),
        ({"page": 0}, "1-based"),
    ],
)
def test_invalid_provenance_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Provenance(**kwargs)


def test_invalid_provenance_in_json_raises():
    data = json.loads(_sample().to_json())
    del data["blocks"][0]["provenance"]["page"]
    data["blocks"][0]["provenance"]["bbox"] = [0, 0, 1, 1]
    with pytest.raises(ValueError, match="needs a page"):
        Document.from_dict(data)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["blocks"][0].update(colour="red"), r"Unknown field\(s\) for Paragraph"),
        (lambda d: d["meta"].update(author="x"), r"Unknown field\(s\) for DocumentMeta"),
        (lambda d: d["blocks"][0].update(kind="figure"), "Unknown kind 'figure'"),
        (lambda d: d.update(schema_version="99.0"), "not readable by this xxgk"),
    ],
)
def test_bad_json_is_refused(edit, message):
    data = json.loads(_sample().to_json())
    edit(data)
    with pytest.raises(ValueError, match=message):
        Document.from_dict(data)
