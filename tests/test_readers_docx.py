"""The DOCX reader: body order, headings, merged cells, provenance, damaged and encrypted files."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from xxgk.document import Paragraph, Table
from xxgk.errors import CorruptFileError, EncryptedFileError, GarbledTextError, UnsupportedFormatError
from xxgk.readers import detect_format
from xxgk.readers.docx import read_docx
from xxgk.reading import read

FIXTURES = Path(__file__).parent / "fixtures" / "docx"


def _save(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _report() -> bytes:
    """A short report: title, headings, paragraphs around a table with merged cells."""
    d = docx.Document()
    d.add_heading("某局2021年政府信息公开工作年度报告", level=0)  # style "Title"
    d.add_paragraph("本报告依据《中华人民共和国政府信息公开条例》编制。")
    d.add_heading("总体情况", level=1)  # style "Heading 1", no numbering
    d.add_paragraph("")  # an empty paragraph still counts as a paragraph of the body
    p = d.add_paragraph("2021年，本局主动公开信息120条。")
    p.add_run().add_break()  # a manual line break (Shift+Enter)
    p.add_run("共受理申请6件。")
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=4, cols=4)
    for r in range(4):
        for c in range(4):
            t.cell(r, c).text = f"r{r}c{c}"
    t.cell(0, 0).merge(t.cell(0, 1)).text = "信息内容"  # horizontal: gridSpan 2
    t.cell(1, 0).merge(t.cell(3, 0)).text = "行政许可"  # vertical: vMerge restart + 2 continue
    block = t.cell(1, 2).merge(t.cell(2, 3))  # both ways at once
    block.text = "合计"
    block.add_paragraph("12")  # two paragraphs in one cell
    zh = d.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    assert zh.name == "标题 2"
    d.add_paragraph("其他事项", style="标题 2")
    d.add_paragraph("无。")
    return _save(d)


def test_body_order_paragraphs_then_table_then_paragraphs():
    doc = read_docx(_report(), "r.docx")
    kinds = ["T" if isinstance(b, Table) else b.text for b in doc.blocks]
    assert kinds == [
        "某局2021年政府信息公开工作年度报告",
        "本报告依据《中华人民共和国政府信息公开条例》编制。",
        "总体情况",
        "2021年，本局主动公开信息120条。",
        "共受理申请6件。",
        "二、主动公开政府信息情况",
        "T",
        "其他事项",
        "无。",
    ]


def test_headings_from_styles_and_form():
    doc = read_docx(_report(), "r.docx")
    heads = {b.text: b.heading for b in doc.paragraphs}
    assert heads == {
        "某局2021年政府信息公开工作年度报告": True,  # Title style
        "本报告依据《中华人民共和国政府信息公开条例》编制。": False,
        "总体情况": True,  # Heading 1
        "2021年，本局主动公开信息120条。": False,
        "共受理申请6件。": False,
        "二、主动公开政府信息情况": True,  # by form, style Normal
        "其他事项": True,  # a style named 标题 2
        "无。": False,
    }


def test_paragraph_line_is_its_1_based_index_in_the_body():
    doc = read_docx(_report(), "r.docx")
    lines = {b.text: b.provenance.line for b in doc.paragraphs}
    # 1 title, 2 basis, 3 heading, 4 empty, 5 the paragraph with a line break (two blocks), 6 二、,
    # then the table, 7 其他事项, 8 无。
    assert lines == {
        "某局2021年政府信息公开工作年度报告": 1,
        "本报告依据《中华人民共和国政府信息公开条例》编制。": 2,
        "总体情况": 3,
        "2021年，本局主动公开信息120条。": 5,
        "共受理申请6件。": 5,
        "二、主动公开政府信息情况": 6,
        "其他事项": 7,
        "无。": 8,
    }
    assert all(b.provenance.file == "r.docx" for b in doc.blocks)


def test_merged_cells_come_out_once_with_their_spans():
    (table,) = read_docx(_report(), "r.docx").tables
    got = [(c.text, c.row, c.col, c.rowspan, c.colspan) for c in table.cells]
    # the 4x4 grid of the test: (0,0)-(0,1) merged, (1,0)-(3,0) merged, (1,2)-(2,3) merged
    assert got == [
        ("信息内容", 0, 0, 1, 2), ("r0c2", 0, 2, 1, 1), ("r0c3", 0, 3, 1, 1),
        ("行政许可", 1, 0, 3, 1), ("r1c1", 1, 1, 1, 1), ("合计 12", 1, 2, 2, 2),
        ("r2c1", 2, 1, 1, 1),
        ("r3c1", 3, 1, 1, 1), ("r3c2", 3, 2, 1, 1), ("r3c3", 3, 3, 1, 1),
    ]
    assert table.grid() == [
        ["信息内容", "信息内容", "r0c2", "r0c3"],
        ["行政许可", "r1c1", "合计 12", "合计 12"],
        ["行政许可", "r2c1", "合计 12", "合计 12"],
        ["行政许可", "r3c1", "r3c2", "r3c3"],
    ]
    assert table.source_form == "grid"
    for c in table.cells:
        assert (c.provenance.table, c.provenance.row, c.provenance.col) == (0, c.row, c.col)


def test_cjk_cell_paragraphs_join_without_a_space():
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "本年新"
    t.cell(0, 0).add_paragraph("制作数量")
    t.cell(0, 1).text = "规章"
    t.cell(1, 0).text = "3"
    t.cell(1, 1).text = "5"
    (table,) = read_docx(_save(d), "c.docx").tables
    assert table.grid() == [["本年新制作数量", "规章"], ["3", "5"]]


def test_single_cell_table_is_read_as_paragraphs():
    d = docx.Document()
    box = d.add_table(rows=1, cols=1)
    box.cell(0, 0).text = "一、总体情况"
    box.cell(0, 0).add_paragraph("本年度主动公开信息100条。")
    doc = read_docx(_save(d), "box.docx")
    assert doc.tables == []
    assert [(b.text, b.heading) for b in doc.paragraphs] == [("一、总体情况", True), ("本年度主动公开信息100条。", False)]


def test_mojibake_text_raises_garbled_text_error():
    # UTF-8 read as GBK: 鏀垮簻淇℃伅鍏紑…
    soup = "本报告由某局根据《中华人民共和国政府信息公开条例》编制。".encode().decode("gbk", errors="replace")
    d = docx.Document()
    d.add_paragraph(soup)
    with pytest.raises(GarbledTextError, match="soup.docx"):
        read_docx(_save(d), "soup.docx")


def test_read_dispatches_docx_and_fills_meta(tmp_path: Path):
    path = tmp_path / "report.docx"
    path.write_bytes(_report())
    doc = read(path)
    assert doc.meta.format == "docx" and doc.meta.year == 2021
    assert isinstance(doc.blocks[0], Paragraph)


def test_truncated_docx_raises_corrupt_file_error(tmp_path: Path):
    data = _report()
    cut = data[: len(data) // 2]  # the ZIP's central directory is at the end: gone
    with pytest.raises(CorruptFileError, match="cut.docx"):
        read_docx(cut, "cut.docx")
    path = tmp_path / "cut.docx"
    path.write_bytes(cut)
    with pytest.raises(CorruptFileError, match="cut.docx"):
        read(path)  # detected as docx by its name, then refused by the reader


def test_zip_without_word_document_is_corrupt():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a word file")
    with pytest.raises(CorruptFileError, match="word/document.xml"):
        read_docx(buf.getvalue(), "z.docx")


def test_encrypted_docx_raises_encrypted_file_error():
    path = FIXTURES / "encrypted_password_xxgk-test.docx"
    data = path.read_bytes()
    assert detect_format(data, path.name) == "docx"
    with pytest.raises(EncryptedFileError, match="encrypted_password_xxgk-test.docx.*password"):
        read(path)


def test_legacy_doc_is_refused_with_a_hint():
    # an OLE container without an EncryptedPackage stream: a Word 97-2003 .doc
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument".encode("utf-16-le") + b"\x00" * 512
    assert detect_format(data, "old.doc") is None
    with pytest.raises(UnsupportedFormatError, match=r"\.docx"):
        read(data, name="old.doc")
    with pytest.raises(UnsupportedFormatError, match="legacy Word"):
        read_docx(data, "old.doc")
