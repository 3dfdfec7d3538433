"""What `xxgk.read` takes as its source: a path, bytes, or the report's text."""

from __future__ import annotations

import pytest

from xxgk import read
from xxgk.errors import InputError

LONG_LINE = "平潭综合实验区2021年度政府信息公开工作年度报告，共受理申请6件，均按时办结，未引起行政复议和诉讼，进一步推进主动公开再深化。" * 2


def test_a_long_single_line_of_text_is_text_not_a_path():
    # more than 255 bytes of UTF-8 but no newline: once failed with "File name too long"
    assert len(LONG_LINE.encode()) > 255
    doc = read(LONG_LINE)
    assert doc.meta.format == "text" and doc.paragraphs[0].text == LONG_LINE


def test_a_missing_path_is_an_error_naming_it():
    with pytest.raises(InputError, match=r"^missing/report\.pdf: No such file"):
        read("missing/report.pdf")


def test_a_folder_is_an_error(tmp_path):
    with pytest.raises(InputError, match="Is a folder"):
        read(str(tmp_path))


def test_path_bytes_and_text_give_the_same_paragraphs(corpus_dir):
    path = corpus_dir / "019_daoxian_culture_2013.txt"
    data = path.read_bytes()
    by_path, by_bytes, by_text = read(path), read(data), read(data.decode("utf-8"))
    assert [p.text for p in by_path.paragraphs] == [p.text for p in by_bytes.paragraphs] == [p.text for p in by_text.paragraphs]
    assert by_path.meta.sha256 == by_bytes.meta.sha256
