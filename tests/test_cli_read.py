"""`xxgk read`: every file prints, a bad one prints its error, and the exit status says so."""

from __future__ import annotations

import json
import shutil

import pytest

from xxgk.cli import main
from xxgk.document import Document
from xxgk.errors import NotAReportWarning


@pytest.fixture()
def files(tmp_path, corpus_dir):
    good_txt = tmp_path / "seed.txt"
    shutil.copy(corpus_dir / "000_hangzhou_emergency_2021.txt", good_txt)
    good_pdf = tmp_path / "hongze.pdf"
    shutil.copy(corpus_dir / "001_huaian_hongze_2023.pdf", good_pdf)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    garbled = tmp_path / "garbled.pdf"
    shutil.copy(corpus_dir / "bad" / "garbled_text_layer.pdf", garbled)
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    return good_txt, empty, garbled, image, good_pdf


def test_read_prints_good_files_and_fails_on_bad_ones(files, capsys):
    good_txt, empty, garbled, image, good_pdf = files
    status = main(["read", str(good_txt), str(empty), str(garbled), str(image), str(good_pdf)])
    out, err = capsys.readouterr()
    assert status == 1
    # both good files printed, around the bad ones
    assert f"== {good_txt}" in out and f"== {good_pdf}" in out
    assert "杭州市应急管理局" in out  # body found in the traditional seed (normalised to simplified)
    # one error line per bad file, each naming the file and the problem
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 3
    assert any(str(empty) in line and "empty" in line for line in lines)
    assert any(str(garbled) in line and ("garbled" in line.lower() or "mojibake" in line.lower()) for line in lines)
    assert any(str(image) in line and "The image cannot be read" in line for line in lines)  # a broken PNG: OCRError


def test_read_json_round_trips(files, capsys):
    good_txt, *_, good_pdf = files
    assert main(["read", "--json", str(good_txt), str(good_pdf)]) == 0
    docs = [Document.from_json(line) for line in capsys.readouterr().out.splitlines()]
    assert [d.meta.format for d in docs] == ["text", "pdf"]
    # PDF blocks carry page and bounding box
    pdf_para = docs[1].paragraphs[0]
    assert pdf_para.provenance.page == 1 and pdf_para.provenance.bbox is not None
    assert json.loads(docs[1].to_json())["meta"]["pages"] == docs[1].meta.pages


def test_read_strict_fails_on_a_non_report(tmp_path, capsys):
    news = tmp_path / "news.txt"
    news.write_text("今天天气晴朗，气温二十度。\n市民纷纷外出踏青。\n", encoding="utf-8")
    with pytest.warns(NotAReportWarning, match="no sign of an open government information annual report"):
        assert main(["read", str(news)]) == 0
    assert main(["read", "--strict", str(news)]) == 1
    assert str(news) in capsys.readouterr().err
