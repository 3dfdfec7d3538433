"""The text reader: encodings, paragraphs with provenance, crawler copies, bad input."""

from __future__ import annotations

import json
import random
import unicodedata
import warnings
from pathlib import Path

import pytest

from xxgk.errors import EmptyFileError, EncodingError, NotAReportError, NotAReportWarning, UnsupportedFormatError
from xxgk.normalize import match_key, normalize, to_simplified
from xxgk.readers.text import decode_text, is_heading, read_text
from xxgk.reading import read, read_bytes
from xxgk.sentences import split_sentences

FIXTURES = Path(__file__).parent / "fixtures" / "text"


def _corpus_text(corpus_dir: Path, pattern: str) -> tuple[str, str]:
    """(name, text) of the first corpus text file matching ``pattern``."""
    matches = sorted(corpus_dir.glob(pattern))
    if not matches:
        pytest.skip(f"No corpus file matches {pattern!r}.")
    return matches[0].name, matches[0].read_text(encoding="utf-8")


def _paragraph_texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


# ---------------------------------------------------------------- encodings


def test_utf8_bom_reads_like_utf8(corpus_dir):
    # the seed, a traditional-character page copy
    name, text = _corpus_text(corpus_dir, "000_*.txt")
    plain = read_text(text.encode("utf-8"), name)
    with_bom = read_text(b"\xef\xbb\xbf" + text.encode("utf-8"), name)
    assert with_bom.meta.encoding == "utf-8-sig"
    assert plain.meta.encoding == "utf-8"
    assert _paragraph_texts(with_bom) == _paragraph_texts(plain)
    # offsets are in the decoded text, which has no BOM
    assert [p.provenance.char_start for p in with_bom.paragraphs] == [p.provenance.char_start for p in plain.paragraphs]


def test_gb18030_simplified_excerpt(corpus_dir):
    name, text = _corpus_text(corpus_dir, "020_*.txt")
    data = text.encode("gb18030")
    doc = read_text(data, name)
    assert doc.meta.encoding == "gb18030"
    assert _paragraph_texts(doc) == _paragraph_texts(read_text(text.encode("utf-8"), name))


def test_gbk_bytes_read_as_gb18030(corpus_dir):
    # GBK is a subset of GB18030: a GBK file must read the same
    name, text = _corpus_text(corpus_dir, "021_*.txt")
    doc = read_text(text.encode("gbk"), name)
    assert doc.meta.encoding == "gb18030"
    assert "金乡县水务局2009年政府信息公开工作年度报告" in _paragraph_texts(doc)


def test_big5_traditional_excerpt_is_not_taken_for_gb18030(corpus_dir):
    name, text = _corpus_text(corpus_dir, "024_*_trad.txt")
    data = text.encode("big5")
    # the trap: these Big5 bytes also decode as GB18030, into garbage
    garbage = data.decode("gb18030")
    assert garbage != text
    doc = read_text(data, name)
    assert doc.meta.encoding == "big5"
    assert _paragraph_texts(doc) == _paragraph_texts(read_text(text.encode("utf-8"), name))
    assert "2010年度政府信息公開年度報告" in _paragraph_texts(doc)


def test_big5_through_read_bytes_gives_simplified_metadata(corpus_dir):
    name, text = _corpus_text(corpus_dir, "024_*_trad.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotAReportWarning)
        doc = read_bytes(text.encode("big5"), name)
    assert doc.meta.script == "traditional"
    assert doc.meta.year == 2010


def test_a_damaged_byte_does_not_turn_utf8_into_mojibake(corpus_dir):
    name, text = _corpus_text(corpus_dir, "020_*.txt")
    data = bytearray(text.encode("utf-8"))
    data[400] = 0xFF  # one byte lost in transfer
    decoded, encoding = decode_text(bytes(data), name)
    assert encoding == "utf-8"
    assert 1 <= decoded.count("\ufffd") <= 3  # the broken character, not the whole text
    assert "蓬莱市统计局2010年政府信息公开工作年度报告" in decoded


def test_undecodable_bytes_raise_encoding_error_naming_the_file():
    rng = random.Random(7)
    junk = bytes(rng.randrange(0x80, 0x100) for _ in range(3000))  # high bytes only: looks like text to detection
    with pytest.raises(EncodingError, match=r"junk\.txt: .*UTF-8, GB18030/GBK or Big5.*save it as UTF-8"):
        read_bytes(junk, "junk.txt")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "data",
    [
        b"",  # no bytes
        b" \r\n\t\n",  # white space only
        b"\xef\xbb\xbf",  # a BOM and nothing else
        "\u3000\u3000\n".encode(),  # full-width spaces only
    ],
)
def test_empty_file(data):
    with pytest.raises(EmptyFileError, match=r"empty\.txt: "):
        read_bytes(data, "empty.txt")


@pytest.mark.parametrize(
    "data",
    [
        random.Random(3).randbytes(4000),  # random binary: many control bytes
        b"\x7fELF\x02\x01\x01" + b"\x00" * 200,  # an executable
    ],
)
def test_binary_junk_is_unsupported(data):
    with pytest.raises(UnsupportedFormatError, match=r"junk\.bin: This is not a file type xxgk reads"):
        read_bytes(data, "junk.bin")


def test_a_broken_image_is_an_image_that_cannot_be_read():
    # PNG magic then junk: read as a page image (OCR), which fails naming the file, not as text
    from xxgk.errors import InputError

    with pytest.raises(InputError, match=r"junk\.png: ") as err:
        read_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "junk.png")
    assert not isinstance(err.value, UnsupportedFormatError)


@pytest.mark.parametrize("name", ["news_weather.txt", "news_mentions_disclosure.txt", "recipe.txt"])
def test_not_a_report_warns_by_default_and_raises_when_strict(name):
    path = FIXTURES / name
    with pytest.warns(NotAReportWarning, match="no sign of an open government information annual report"):
        doc = read(str(path))
    assert doc.paragraphs and any("no sign" in w for w in doc.warnings)
    with pytest.raises(NotAReportError, match=name):
        read(str(path), strict=True)


def test_every_corpus_text_reads_as_a_report(corpus_dir):
    files = sorted(corpus_dir.rglob("*.txt"))
    assert files
    for path in files:
        with warnings.catch_warnings():
            warnings.simplefilter("error", NotAReportWarning)
            doc = read(str(path))
        assert doc.meta.format == "text" and doc.blocks, path.name


# ---------------------------------------------------------------- provenance


def test_provenance_points_back_to_the_decoded_text(corpus_dir):
    for path in sorted(corpus_dir.rglob("*.txt")):
        data = path.read_bytes()
        text, _ = decode_text(data, path.name)
        doc = read_text(data, str(path))
        last = -1
        for p in doc.paragraphs:
            prov = p.provenance
            assert prov.file == str(path)
            assert prov.char_start > last, "paragraphs are in source order"
            last = prov.char_start
            assert prov.line == text.count("\n", 0, prov.char_start) + 1
            source = text[prov.char_start : prov.char_end]
            # a paragraph is its source span, less the line breaks of joined lines
            assert source[:1] == p.text[:1] and source[-1:] == p.text[-1:]
            assert "".join(source.split()) == "".join(p.text.split()), (path.name, prov.line)


def test_in_memory_bytes_have_no_file_in_provenance():
    doc = read_text("一、总体情况\n2021年，共受理申请6件。".encode(), "<bytes>")
    assert all(p.provenance.file is None for p in doc.paragraphs)


def test_crlf_and_cr_line_ends():
    doc = read_text("一、总体情况\r\n正文第一段。\r\r二、主动公开\r".encode(), "a.txt")
    assert [(p.text, p.provenance.line) for p in doc.paragraphs] == [
        ("一、总体情况", 1),
        ("正文第一段。", 2),
        ("二、主动公开", 4),
    ]


# ---------------------------------------------------------------- crawler copies against gold


def _gold_text_reports(shared_dir: Path, gold_dir: Path):
    out = []
    for g in sorted(gold_dir.glob("*.json")):
        gold = json.loads(g.read_text(encoding="utf-8"))
        src = shared_dir / gold["source"]
        if src.suffix == ".txt" and src.exists():
            out.append((g.name, gold, src))
    if not out:
        pytest.skip("No gold file annotates a text source.")
    return out


def _missed_breaks(doc, source_text: str, sentences: list[str]) -> list[str]:
    """Gold sentences that start inside a paragraph right after white space or a line break of the source.

    Such a sentence shows a paragraph break the reader should have made.
    """
    missed = []
    for p in doc.paragraphs:
        a, b = p.provenance.char_start, p.provenance.char_end
        key, where = [], []
        for off in range(a, b):
            for ch in unicodedata.normalize("NFKC", source_text[off]):
                if not ch.isspace():
                    key.append(ch)
                    where.append(off)
        k = to_simplified("".join(key))
        if len(k) != len(where):
            continue
        for s in sentences:
            i = k.find(s, 1)
            while i > 0:
                if source_text[where[i] - 1].isspace() and where[i] - 1 >= a:
                    missed.append(s)
                    break
                i = k.find(s, i + 1)
    return missed


def test_crawler_text_paragraphs_against_gold(shared_dir, gold_dir):
    """Gold sentences lie within one paragraph, and every white-space break they imply is made.

    Crawler copies (pingtan page.txt, hebei CSV cells) hold the body in one
    long line; a wrong split cuts a gold sentence in two, a missed split
    leaves a sentence starting after white space inside a paragraph.
    """
    total = inside = 0
    missed_all = []
    for name, gold, src in _gold_text_reports(shared_dir, gold_dir):
        text = src.read_text(encoding="utf-8")
        doc = read_text(src.read_bytes(), str(src))
        keys = [match_key(p.text) for p in doc.paragraphs]
        sentences = [match_key(s["text"]) for s in gold["sentences"]]
        found = sum(1 for s in sentences if any(s in k for k in keys))
        assert found >= 0.95 * len(sentences), (
            f"{name}: only {found}/{len(sentences)} gold sentences within a paragraph"
        )
        total += len(sentences)
        inside += found
        # title repeated in a header field (标题: …) is not a missed break: drop sentences seen twice
        once = [s for s in sentences if sum(s in k for k in keys) == 1]
        missed_all += [(name, s) for s in _missed_breaks(doc, text, once)]
    assert inside / total >= 0.99
    assert len(missed_all) <= 0.01 * total, missed_all[:10]


def test_gold_sentences_come_out_whole(shared_dir, gold_dir):
    """Reader, normalisation and splitter together give the gold sentences of text reports.

    What is left is where the copy lost a break with no trace (a sub-heading
    glued to its paragraph: （一）基本情况今年，…).
    """
    total = found = 0
    for _name, gold, src in _gold_text_reports(shared_dir, gold_dir):
        doc = read_text(src.read_bytes(), str(src))
        predicted = {match_key(s.text) for s in split_sentences(normalize(doc.text).text)}
        total += len(gold["sentences"])
        found += sum(match_key(s["text"]) in predicted for s in gold["sentences"])
    assert found / total >= 0.93


def test_template_headings_glued_to_their_text_are_cut_out(corpus_dir):
    # hebei kjt 2021: the whole report on one line with no white space left at all
    name, text = _corpus_text(corpus_dir, "035_hebei_kjt_2021.txt")
    paras = _paragraph_texts(read_text(text.encode(), name))
    for heading in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "六、其他需要报告的事项",
    ):
        assert heading in paras
    assert paras[paras.index("一、总体情况") + 1].startswith("2021年，河北省科学技术厅坚持")
    # but a numbered list item inside a paragraph is left alone
    run = "（二）改进措施：一是丰富政策解读形式。二、加强重点政务信息管理，及时优化调整完善公开内容。" * 8
    assert _paragraph_texts(read_text(run.encode(), "r.txt")) == [run]


def test_table_rows_are_neither_joined_nor_split():
    rows = [
        "| 信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |",
        "| 规章 | 121 | 327 | 514 |",
        "| 规范性文件 | 524 | 662 | 880 |",
        "| 信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |",
        "| 行政许可 | 105 | 3 | 615 |",
        "|  | （二）部分公开（区分处理的，只计这一情形，不计其他情形） |  | 13 | 25 | 16 | 22 | 22 | 24 | 122 |" * 3,
        "规章            121        327        514",
        "规范性文件      524        662        880",
        "行政许可        105          3        615",
    ]
    doc = read_text("\n".join(rows).encode(), "t.txt")
    assert _paragraph_texts(doc) == rows


def test_crawler_run_is_split_where_the_gold_splits(corpus_dir):
    # pingtan 2021 page.txt: header lines, separator, then the whole page on one line
    name, text = _corpus_text(corpus_dir, "005_pingtan_2021.txt")
    doc = read_text(text.encode(), name)
    paras = _paragraph_texts(doc)
    assert not any("=====" in p for p in paras), "the crawler's separator line is dropped"
    # space after a colon and between the digits of a time are not breaks
    assert "当前位置： 首页政务公开政府信息公开政府信息公开年报" in paras
    assert "时间：2022-02-08 16:34" in paras
    for item in (
        "来源：平潭县人民政府",
        "微信",
        "QQ空间",
        "相关链接：",
        "-->",
        "四、政府信息公开行政复议、行政诉讼情况",
        "附件下载",
    ):
        assert item in paras
    assert all(p.provenance.line == 8 for p in doc.paragraphs[6:])


def test_full_width_space_runs_are_breaks(corpus_dir):
    # hebei CSV cell: paragraphs joined by runs of full-width spaces, all on one line
    name, text = _corpus_text(corpus_dir, "033_hebei_kjt_2023.txt")
    doc = read_text(text.encode(), name)
    paras = _paragraph_texts(doc)
    assert len({p.provenance.line for p in doc.paragraphs}) == 1
    assert "一、总体情况" in paras and "六、其他需要报告的事项" in paras
    assert "下一步，我厅将继续坚持党建引领" in "".join(p for p in paras if p.startswith("下一步"))
    assert paras[-1] == "2、河北省科学技术厅2023年政府信息公开工作年度报告.pdf"


def test_sentence_internal_white_space_is_not_a_break():
    # forms seen in the pingtan crawler copies, strung into one run-on line
    expected = [
        "（地址：平潭县翠园南路10号 ；邮编：350400）。",  # space inside brackets
        "一、 概述",  # space after 一、; a template heading glued after a sentence is cut out
        "推进政府信息公开工作是平潭县贯彻实施《条例》的重要举措。",
        "二、主动公开政府信息情况",
        "（一）主动公开政府信息的数量",
        "全年主动公开政府信息425条，聚焦新中国成立 70 周年平潭专场新闻发布会，“双随机、一公开” 抽查工作实施方案已公开。",
        "2.公众查阅点",
        "指定县档案馆、图书馆为全县政府公开信息公众查阅场所。",
        "当前位置： 首页政务公开",  # space after a colon
        "时间：2022-02-08 16:34",  # space between digits
        "微信",
        "微博",
        "相关链接：",
        "-->",  # a colon before a token with no word: a break
        "附件下载",
    ]
    line = " ".join(expected).replace("。 一、 概述", "。一、 概述")
    assert len(line) >= 200  # long enough to be taken for a run-on line
    doc = read_text(("标题: 测试\n" + line + "\n").encode(), "run.txt")
    assert _paragraph_texts(doc) == ["标题: 测试"] + expected
    offset = len("标题: 测试\n")
    spans = [(p.provenance.char_start - offset, p.provenance.char_end - offset) for p in doc.paragraphs[1:]]
    assert [line[a:b] for a, b in spans] == expected


def test_a_long_ordinary_paragraph_is_not_split():
    # one paragraph of a page copy with spaces around a URL and a spaced date: no sign of a run-on line
    line = (
        "根据《中华人民共和国政府信息公开条例》(国务院令第492号,以下简称《条例》),特向社会公布2010年度蓬莱市统计局政府信息公开工作年度报告。"
        "本报告在 “蓬莱市人民政府门户网站”(http://www.penglai.gov.cn) 上全文公开,文中所列数据的统计期限自 2010 年 1 月 1 日起至2010  年 12 月 31 日止。"
        "本报告由总体情况,主动公开政府信息情况,依申请公开政府信息办理情况,因政府信息公开申请行政复议提起行政诉讼的情况,存在的问题及改进措施共五个部分组成。"
    )
    assert len(line) >= 200
    doc = read_text(f"一、总体情况\n{line}\n二、主动公开政府信息情况\n".encode(), "p.txt")
    assert _paragraph_texts(doc) == ["一、总体情况", line, "二、主动公开政府信息情况"]


def test_short_page_header_lines_are_not_split(corpus_dir):
    # the seed's header: fields separated by runs of spaces on short lines stay one paragraph each
    name, text = _corpus_text(corpus_dir, "000_*.txt")
    doc = read_text(text.encode(), name)
    header = doc.paragraphs[4].text
    assert (
        header.startswith("時間:2022-01-27")
        and "來源:杭州市人民政府門戶網站" in header
        and header.endswith("瀏覽次數:")
    )


def test_table_cells_stay_one_per_line(corpus_dir):
    # cell-per-line tables (the seed) are left to xxgk.tablefind: one paragraph per cell
    name, text = _corpus_text(corpus_dir, "000_*.txt")
    doc = read_text(text.encode(), name)
    cells = [line.strip() for line in text.splitlines() if line.strip()]
    assert _paragraph_texts(doc) == cells


# ---------------------------------------------------------------- joining lines


def test_labels_written_one_character_per_line_are_rejoined():
    text = "统计表\n三\n、\n本\n年\n度\n办\n理\n结\n果\n0\n0\n1\n"
    doc = read_text(text.encode(), "v.txt")
    assert _paragraph_texts(doc) == ["统计表", "三、本年度办理结果", "0", "0", "1"]
    joined = doc.paragraphs[1].provenance
    assert (joined.line, joined.char_start, joined.char_end) == (2, 4, text.index("果") + 1)


def test_hard_wrapped_text_is_rejoined(corpus_dir):
    # a PDF copied to text: wrap real paragraphs at 30 characters, keep headings on their own lines
    name, text = _corpus_text(corpus_dir, "021_*.txt")
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    wrapped = []
    for p in paragraphs:
        wrapped += [p[i : i + 30] for i in range(0, len(p), 30)]
    doc = read_text("\n".join(wrapped).encode(), "wrapped.txt")
    assert _paragraph_texts(doc) == paragraphs


def test_wrapped_paragraph_ends_at_a_short_line(corpus_dir):
    # the bilingual excerpt copied from a PDF keeps its hard wraps; the contact line ends its paragraph
    name, text = _corpus_text(corpus_dir, "excerpts/044_*.txt")
    doc = read_text(text.encode(), name)
    paras = _paragraph_texts(doc)
    assert (
        "本报告是根据《中华人民共和国政府信息公开条例》(以下简称《条例》)要求,由石景山区司法局编制的2010年度政府信息公开年度报告。"
        in paras
    )
    assert any(p.startswith("本报告中所列数据") and p.endswith("sjssfjbgs@126.com)") for p in paras)
    assert any(p.startswith("This report is prepared") and "Government Information Openness" in p for p in paras)


def test_paragraph_per_line_files_are_not_joined(corpus_dir):
    # lines of ordinary copies vary in length: no line is joined to the next
    for pattern in ("020_*.txt", "022_*.txt", "030_*.txt", "000_*.txt"):
        name, text = _corpus_text(corpus_dir, pattern)
        doc = read_text(text.encode(), name)
        assert _paragraph_texts(doc) == [line.strip() for line in text.splitlines() if line.strip()], name


def test_title_broken_over_two_lines(corpus_dir):
    name, text = _corpus_text(corpus_dir, "019_*.txt")
    doc = read_text(text.encode(), name)
    assert doc.paragraphs[0].text == "道县文广新局2013年度信息公开工作年度报告"
    assert doc.paragraphs[1].text.startswith("一、")


# ---------------------------------------------------------------- headings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、总体情况", True),
        ("一. 总体情况", True),
        ("（一）抓好内容建设，强化主动公开", True),
        ("(二)公开形式", True),
        ("1.门户网站", True),
        ("2、规范政府信息公开行为，切实履行公开责任。", True),  # short, one sentence
        ("第一部分 总体情况", True),
        ("（一）主动公开方面。", True),
        (
            "（一）大力推动政务信息主动公开。2023年，标准化规范化做好政府信息公开专栏建设。",
            False,
        ),  # heading glued to text
        ("1.5万条信息已公开", False),  # a decimal, not numbering
        ("2021年，局门户网站发布信息2550条。", False),
        ("二○一二年二月二十日", False),
        ("一是加强组织领导。", False),
        ("四、结转下年度继续办理" + "，" * 40, False),  # too long
    ],
)
def test_is_heading(text, expected):
    assert is_heading(text) is expected


def test_gold_section_headings_are_heading_candidates(shared_dir, gold_dir):
    seen = marked = 0
    for _name, gold, src in _gold_text_reports(shared_dir, gold_dir):
        doc = read_text(src.read_bytes(), str(src))
        by_key = {match_key(p.text): p for p in doc.paragraphs}
        for section in gold["sections"]:
            p = by_key.get(match_key(section["first_line"]))
            if p is None or section["label"] == "preamble":
                continue  # heading glued to its paragraph, or no heading
            seen += 1
            marked += p.heading
    assert seen >= 50
    assert marked / seen >= 0.9


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_bom_reads_like_utf8(corpus_dir, encoding):
    # Windows "Unicode" text files are UTF-16 with a byte-order mark.
    raw = (corpus_dir / "019_daoxian_culture_2013.txt").read_text(encoding="utf-8")
    data = raw.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    doc = read(data, name="utf16.txt")
    assert doc.meta.encoding == "utf-16"
    assert doc.text == read(raw.encode("utf-8"), name="utf8.txt").text
