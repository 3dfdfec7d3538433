"""The PDF reader: corpus PDFs against their gold, layout variants pinned by small PDFs, bad input.

The small PDFs in ``tests/fixtures/pdf/`` are written by
``tests/fixtures/pdf/make_fixtures.py``; the layout tests compare what is read
with the texts those builders typeset, not with earlier output.
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest

from xxgk.document import Document, Table
from xxgk.errors import CorruptFileError, EncryptedFileError, GarbledTextError, ScannedPDFError
from xxgk.normalize import match_key
from xxgk.readers._pdf_layout import Char, Line, PageContent, build_lines, drop_furniture, ends_sentence
from xxgk.readers.garble import garble_score, looks_garbled
from xxgk.readers.pdf import ENGINES, _check_text_layer, read_pdf
from xxgk.reading import read

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"


def _builders():
    spec = importlib.util.spec_from_file_location("pdf_fixture_builders", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


mk = _builders()


def _fixture(name: str) -> tuple[bytes, str]:
    path = FIXTURES / name
    return path.read_bytes(), str(path)


# --- the corpus PDFs ----------------------------------------------------------------

_AD_ROWS = {  # spec 4.1: canonical row key -> the row's label in the report
    "regulations": "规章",
    "normative_documents": "行政规范性文件",
    "licensing": "行政许可",
    "punishment": "行政处罚",
    "coercion": "行政强制",
    "fees": "行政事业性收费",
}
_AD_COLS = ["made", "repealed", "in_force", "decisions", "amount"]
_APP_COLS = ["natural_person", "commercial_enterprise", "research_institution", "social_welfare_org",
             "legal_service_org", "other_org", "total"]
_RL_BLOCKS = ["review", "litigation_direct", "litigation_after_review"]
_RL_COLS = ["upheld", "corrected", "other", "pending", "total"]
_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")


def _pdf_golds(gold_dir: Path) -> list[dict]:
    golds = []
    for f in sorted(gold_dir.glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        if g.get("source", "").lower().endswith(".pdf"):
            golds.append(g)
    return golds


@pytest.fixture(scope="module")
def pdf_docs(gold_dir: Path, shared_dir: Path) -> list[tuple[dict, Document]]:
    golds = _pdf_golds(gold_dir)
    if not golds:
        pytest.skip("no gold file in ../shared/gold has a PDF source")
    out = []
    for g in golds:
        path = shared_dir / g["source"]
        out.append((g, read_pdf(path.read_bytes(), str(path))))
    return out


def _row_numbers(table: Table) -> list[tuple[str, list[float]]]:
    """Each grid row as (its label text, its numeric cells left to right, merged cells once)."""
    rows = []
    for r in range(table.n_rows):
        cells = sorted((c for c in table.cells if c.row == r), key=lambda c: c.col)
        label = "".join(c.text for c in cells if not _NUM.match(c.text))
        rows.append((label, [float(c.text) for c in cells if _NUM.match(c.text)]))
    return rows


def test_corpus_paragraphs_end_at_sentence_ends(pdf_docs):
    for g, doc in pdf_docs:
        paras = doc.paragraphs
        ok = [p for p in paras if ends_sentence(p.text) or p.heading]
        rate = len(ok) / len(paras)
        print(f"{g['id']}: {rate:.1%} of {len(paras)} paragraphs end at 。！？ or are headings")
        assert rate >= 0.95, [p.text[-20:] for p in paras if p not in ok]


def test_corpus_gold_sentences_are_in_paragraphs(pdf_docs):
    for g, doc in pdf_docs:
        keys = [match_key(p.text) for p in doc.paragraphs]
        missing = [s["text"] for s in g["sentences"] if not any(match_key(s["text"]) in k for k in keys)]
        share = 1 - len(missing) / len(g["sentences"])
        print(f"{g['id']}: {share:.1%} of {len(g['sentences'])} gold sentences found in paragraphs")
        assert share >= 0.95, missing


def test_corpus_provenance_is_on_the_page(pdf_docs):
    for g, doc in pdf_docs:
        assert doc.meta.pages and doc.meta.pages >= 2
        for p in doc.paragraphs:
            prov = p.provenance
            assert prov.file and prov.page and prov.line and prov.bbox
            x0, top, x1, bottom = prov.bbox
            assert 0 <= x0 < x1 <= 595 and 0 <= top < bottom <= 842
        # a paragraph continued on the next page says so
        assert any(p.provenance.page_end == p.provenance.page + 1 for p in doc.paragraphs), g["id"]
        for t in doc.tables:
            for c in t.cells:
                assert c.provenance.table == t.index and (c.provenance.row, c.provenance.col) == (c.row, c.col)
                assert c.provenance.page and c.provenance.bbox


def test_corpus_drops_page_numbers(pdf_docs):
    for _, doc in pdf_docs:
        assert not any(re.fullmatch(r"-\s*\d+\s*-", p.text) for p in doc.paragraphs)


def test_corpus_tables_hold_the_gold_numbers(pdf_docs):
    for g, doc in pdf_docs:
        tables = g["tables"]
        rows_by_table = [_row_numbers(t) for t in doc.tables]
        # section 2: each row label with its numbers, in the spec's column order
        for key, label in _AD_ROWS.items():
            want = [float(tables["active_disclosure"][key][c]) for c in _AD_COLS if c in tables["active_disclosure"][key]]
            assert any(lab.endswith(label) and nums == want for rows in rows_by_table for lab, nums in rows), (g["id"], key)
        # section 3: every gold row, in order, as consecutive numbers of one table's rows
        app = [[float(v[c]) for c in _APP_COLS] for v in tables["applications"].values()]
        hits = [t for t, rows in zip(doc.tables, rows_by_table) if _in_order(app, [n for _, n in rows if len(n) == 7])]
        assert len(hits) == 1, g["id"]
        assert hits[0].provenance.page_end == hits[0].provenance.page + 1  # split across two pages, one table
        # section 4: the fifteen numbers exactly as printed (001 prints a total of 0 after 10 + 1)
        rl = [float(tables["review_litigation"][b][c]) for b in _RL_BLOCKS for c in _RL_COLS]
        assert any(nums == rl for rows in rows_by_table for _, nums in rows), g["id"]


def _in_order(want: list[list[float]], rows: list[list[float]]) -> bool:
    it = iter(rows)
    return all(any(r == w for r in it) for w in want)


def test_corpus_table_text_is_not_also_a_paragraph(pdf_docs):
    for g, doc in pdf_docs:
        cells = [c for t in doc.tables for c in t.cells]
        keys = [match_key(p.text) for p in doc.paragraphs]
        for c in cells:
            if len(c.text) >= 8 and not _NUM.match(c.text):
                assert not any(match_key(c.text) in k for k in keys), (g["id"], c.text)
        for p in doc.paragraphs:
            x0, top, x1, bottom = p.provenance.bbox
            cx, cy = (x0 + x1) / 2, (top + bottom) / 2
            for c in cells:
                if c.provenance.page == p.provenance.page:
                    a, b, d, e = c.provenance.bbox
                    assert not (a < cx < d and b < cy < e), (g["id"], p.text[:20], c.text)


def test_corpus_vertical_label_and_wrapped_cells_rejoined(pdf_docs):
    for g, doc in pdf_docs:
        texts = {match_key(c.text) for t in doc.tables for c in t.cells}
        # printed one character per line in the first column of section 3
        assert match_key("三、本年度办理结果") in texts, g["id"]
        # printed on two lines inside its cell
        assert match_key("（二）部分公开（区分处理的，只计这一情形，不计其他情形）") in texts, g["id"]
        assert {"商业企业", "科研机构", "法律服务机构"} <= texts, g["id"]


@pytest.mark.parametrize("engine", ENGINES)
def test_corpus_engines_agree(engine, pdf_docs, shared_dir: Path):
    # pypdfium2 reads the same paragraphs and grids as pdfplumber on the corpus
    for g, doc in pdf_docs:
        path = shared_dir / g["source"]
        other = read_pdf(path.read_bytes(), str(path), engine=engine)
        assert [p.text for p in other.paragraphs] == [p.text for p in doc.paragraphs]
        assert [t.grid() for t in other.tables] == [t.grid() for t in doc.tables]


def test_read_dispatches_pdf_and_round_trips(corpus_dir: Path):
    path = next(iter(sorted(corpus_dir.glob("*.pdf"))))
    doc = read(path)
    assert doc.meta.format == "pdf" and doc.meta.pages and doc.meta.year
    assert Document.from_json(doc.to_json()) == doc


# --- layout variants (small PDFs) ------------------------------------------------------


def test_wrapped_paragraphs_are_rejoined():
    doc = read_pdf(*_fixture("wrapped_paragraphs.pdf"))
    texts = [p.text for p in doc.paragraphs]
    # the two centred title lines are one heading
    assert texts[0] == "某县人民政府年度政府信息公开工作年度报告" and doc.paragraphs[0].heading
    assert texts[1] == mk.P1
    assert texts[2] == "一、总体情况" and doc.paragraphs[2].heading
    assert texts[3] == mk.P2
    assert texts[4] == "（一）主动公开情况。" + mk.P3
    # a full line ending with 。 and an unindented next line: one paragraph
    assert texts[5] == "（二）依申请公开情况。全年受理公开申请共计二十一件。依申请公开办理情况良好，均在法定期限内答复。"
    # the paragraph that runs from page 1 on to page 2
    spanning = [p for p in doc.paragraphs if p.provenance.page_end]
    assert [p.text for p in spanning] == [mk.P2 + mk.P2]
    assert spanning[0].provenance.page == 1 and spanning[0].provenance.page_end == 2
    assert texts[-2:] == ["二、存在的主要问题及改进情况", "工作中还存在一些不足，下一步将加强培训。"]
    # running header and page numbers gone; white boxes behind the lines are not tables
    assert not any("办公室文件" in t or re.fullmatch(r"-\s*\d\s*-", t) for t in texts)
    assert doc.tables == []


def test_split_table_is_one_grid_with_rejoined_cells():
    doc = read_pdf(*_fixture("split_table.pdf"))
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.provenance.page == 1 and t.provenance.page_end == 2
    grid = t.grid()
    assert [row[2:] for row in grid] == [["自然人", "商业企业", "总计"], ["5", "1", "6"], ["2", "0", "2"],
                                         ["1", "0", "1"], ["3", "0", "3"], ["11", "1", "12"]]
    # the label written one character per line, in a merged cell cut by the page break
    label = t.cell_at(1, 0)
    assert label.text == "办理结果" and label.rowspan == 5
    # a row label wrapped on two lines is one cell
    assert grid[2][1] == "（二）部分公开（区分处理的，只计这一情形）"
    assert {c.provenance.page for c in t.cells} == {1, 2}
    # text before and after the table stays text, in body order
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert doc.blocks[-1].text == "四、" + mk.P3


def test_unruled_table_from_text_alignment():
    doc = read_pdf(*_fixture("unruled_table.pdf"))
    assert len(doc.tables) == 1
    assert doc.tables[0].grid() == [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                                    ["规章", "0", "0", "3"], ["行政规范性文件", "12", "4", "56"]]
    assert doc.paragraphs[-1].text == mk.P2


def test_heading_number_at_left_margin_starts_a_paragraph(tmp_path):
    w = mk.Writer()
    w.paragraph("一" * 24 + "。")  # first line full (26 chars with the indent), ends a sentence
    w._line(mk.LEFT, "（二）" + "二" * 25)  # unindented heading number after a sentence end: new paragraph
    w._line(mk.LEFT, "项规定办理。")
    w.paragraph("三" * 25 + "第")  # a full line that breaks inside "第（一）项": no new paragraph
    w._line(mk.LEFT, "（一）项规定办理。")
    doc = read_pdf(mk.build_pdf(w.pages), "variant.pdf")
    assert [p.text for p in doc.paragraphs] == [
        "一" * 24 + "。",
        "（二）" + "二" * 25 + "项规定办理。",
        "三" * 25 + "第（一）项规定办理。",
    ]


# --- lines and page furniture (records) --------------------------------------------------


def _c(text: str, x0: float, top: float, size: float = 16.0, font: str = "F") -> Char:
    return Char(text, x0, top, x0 + size * (0.5 if text.isascii() else 1.0), top + size, size, font)


def test_build_lines_groups_offset_fonts_and_drops_fake_bold():
    chars = [_c("年", 90, 100), _c("2", 74, 101.5, font="Times"), _c("0", 82, 101.5, font="Times"),
             _c("年", 90.2, 100.1),  # overprinted duplicate ("fake bold")
             _c("下", 74, 127)]
    lines = build_lines(chars, page=1)
    assert [ln.text for ln in lines] == ["20年", "下"]


def test_build_lines_spaces_only_between_latin_words():
    chars = [_c("Open", 74, 100), _c("Data", 114, 100), _c("数", 150, 100), _c("据", 170, 100)]
    chars = [Char(c.text, c.x0, c.top, c.x0 + 4 * 8 if c.text.isascii() else c.x1, c.bottom, c.size, c.font) for c in chars]
    assert build_lines(chars)[0].text == "Open Data数据"


def _line(text: str, top: float, page: int, x0: float = 200.0) -> Line:
    return Line(page=page, chars=[], x0=x0, top=top, x1=x0 + 10 * len(text), bottom=top + 12, size=12, text=text,
                segments=[(x0, x0 + 10, text)])


@pytest.mark.parametrize("label", ["- 3 -", "第3页", "第 3 页 共 9 页", "3/9", "3", "—3—"])
def test_page_number_forms_are_dropped(label):
    pages = [[_line("正文第一行。", 100, 1), _line(label, 800, 1)]]
    out = drop_furniture(pages, [842.0])
    assert [ln.text for ln in out[0]] == ["正文第一行。"]


def test_a_year_alone_at_the_top_is_not_a_page_number():
    pages = [[_line("2023", 40, 1), _line("正文第一行。", 100, 1)]]
    assert [ln.text for ln in drop_furniture(pages, [842.0])[0]] == ["2023", "正文第一行。"]


def test_running_header_dropped_but_body_repeat_kept():
    pages = []
    for n in range(1, 5):
        lines = [_line("某县人民政府信息公开年报", 40, n), _line("信息内容", 300, n), _line(f"正文{n}。", 400, n)]
        if n == 4:
            lines[0] = _line("另一行", 40, n)
        pages.append(lines)
    out = drop_furniture(pages, [842.0] * 4)
    assert [ln.text for ln in out[0]] == ["信息内容", "正文1。"]  # the header (3 of 4 pages) goes, body repeats stay
    assert [ln.text for ln in out[3]] == ["另一行", "信息内容", "正文4。"]


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_scanned_pdf_needs_ocr(engine):
    data, path = _fixture("scanned_image_only.pdf")
    with pytest.raises(ScannedPDFError, match=r"scanned_image_only\.pdf: .*no text layer.*OCR"):
        read_pdf(data, path, engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_garbled_text_layer_is_refused(engine, corpus_dir: Path):
    path = corpus_dir / "bad" / "garbled_text_layer.pdf"
    with pytest.raises(GarbledTextError, match=r"garbled_text_layer\.pdf: .*garbled.*OCR"):
        read_pdf(path.read_bytes(), str(path), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.999])
def test_truncated_pdf_is_corrupt(engine, keep, corpus_dir: Path):
    path = next(iter(sorted(corpus_dir.glob("*.pdf"))))
    data = path.read_bytes()
    with pytest.raises(CorruptFileError, match=re.escape(path.name) + ".*(truncated|damaged)"):
        read_pdf(data[: int(len(data) * keep)], str(path), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_damaged_pdf_is_corrupt(engine):
    data = b"%PDF-1.7\n" + bytes(random.Random(0).randrange(256) for _ in range(3000)) + b"\n%%EOF\n"
    with pytest.raises(CorruptFileError, match=r"noise\.pdf"):
        read_pdf(data, "noise.pdf", engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_encrypted_pdf_asks_for_password(engine):
    data, path = _fixture("encrypted_user_password.pdf")
    with pytest.raises(EncryptedFileError, match=r"encrypted_user_password\.pdf: .*password"):
        read_pdf(data, path, engine=engine)


def test_owner_password_only_still_reads():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_encryption(owner_password="owner")  # opens without a password: permissions only
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Annual report 2023 on open government information")
    doc = read_pdf(bytes(pdf.output()), "owner_only.pdf")
    assert doc.paragraphs[0].text == "Annual report 2023 on open government information"


def test_bad_engine_parameter():
    with pytest.raises(ValueError, match="The 'engine' parameter of read_pdf must be one of"):
        read_pdf(b"%PDF-1.4\n%%EOF", "x.pdf", engine="fitz")


def _page(chars: list[Char]) -> PageContent:
    return PageContent(number=1, width=595, height=842, chars=chars)


def test_a_small_garbled_font_is_dropped_with_a_warning():
    good = [_c(ch, 74 + 16 * i, 100, font="Song") for i, ch in enumerate("本报告由县人民政府办公室根据条例编制" * 20)]
    soup = [_c(ch, 74 + 16 * i, 200, font="Broken") for i, ch in enumerate("æ”¿åºœä¿¡æ¯å…¬å¼€å·¥ä½œ")]  # 6 % of the text
    pages = [_page(good + soup)]
    warnings: list[str] = []
    _check_text_layer(pages, "mixed.pdf", warnings)
    assert all(c.font == "Song" for c in pages[0].chars)
    assert warnings and "Broken" in warnings[0] and warnings[0].startswith("mixed.pdf")


def test_a_large_garbled_font_is_refused():
    good = [_c(ch, 74 + 16 * i, 100, font="Song") for i, ch in enumerate("本报告由县人民政府办公室根据条例编制" * 20)]
    soup = [_c(ch, 74 + 16 * i, 200, font="Broken") for i, ch in enumerate("æ”¿åºœä¿¡æ¯å…¬å¼€å·¥ä½œ" * 3)]
    with pytest.raises(GarbledTextError, match=r"mixed\.pdf: .*Broken"):
        _check_text_layer([_page(good + soup)], "mixed.pdf", [])


# --- the mojibake detector (shared with the other readers) -----------------------------------


def _mojibake(text: str) -> dict[str, str]:
    rnd = random.Random(0)
    return {
        "utf8 read as latin-1": text.encode("utf-8").decode("latin-1"),
        "utf8 read as cp1252": text.encode("utf-8").decode("cp1252", errors="replace"),
        "utf8 read as gbk": text.encode("utf-8").decode("gbk", errors="replace"),
        "gbk read as latin-1": text.encode("gbk", errors="ignore").decode("latin-1"),
        "gbk read as big5": text.encode("gbk", errors="ignore").decode("big5", errors="replace"),
        "gbk read as shift-jis": text.encode("gbk", errors="ignore").decode("shift_jis", errors="replace"),
        "utf8 read as mac-roman": text.encode("utf-8").decode("mac_roman"),
        "random ideographs": "".join(chr(rnd.randint(0x4E00, 0x9FA5)) if "\u4e00" <= c <= "\u9fff" else c for c in text),
        "shifted code points": "".join(chr(ord(c) + 1) if "\u4e00" <= c <= "\u9fff" else c for c in text),
        "private use": "".join(chr(0xE000 + ord(c) % 6000) if "\u4e00" <= c <= "\u9fff" else c for c in text),
        "cid markers": "".join(f"(cid:{ord(c) % 500})" if "\u4e00" <= c <= "\u9fff" else c for c in text),
    }


def test_corpus_texts_are_not_garbled(corpus_dir: Path):
    texts = [f.read_text(encoding="utf-8") for f in sorted(corpus_dir.glob("*.txt")) + sorted(corpus_dir.glob("*.html"))]
    assert texts
    scores = [garble_score(t) for t in texts]
    assert max(scores) < 0.05  # pinyin with tone marks (029) is the highest, about 0.015
    assert not any(looks_garbled(t) for t in texts)


def test_mojibake_of_corpus_text_is_garbled(corpus_dir: Path):
    for name in ("005_pingtan_2021.txt", "000_hangzhou_emergency_2021.txt"):  # simplified and traditional
        path = corpus_dir / name
        if not path.exists():
            pytest.skip(f"{path} is missing")
        text = path.read_text(encoding="utf-8")[:2000]
        for kind, soup in _mojibake(text).items():
            assert looks_garbled(soup), (name, kind, garble_score(soup))


def test_looks_garbled_edges():
    assert not looks_garbled("æ”¿å")  # too short to judge
    assert not looks_garbled("Annual report on open government information, 2023.")
    assert looks_garbled("".join(chr(0xE000 + k) for k in range(40)))
    with pytest.raises(ValueError, match="The 'threshold' parameter of looks_garbled"):
        looks_garbled("文本", threshold=1.5)


def test_ragged_right_lines_join_where_the_next_word_did_not_fit():
    # web pages printed to PDF are not justified: a line ends where the next word did not fit
    w = mk.Writer()
    x = mk.LEFT
    w._line(x + 2 * mk.BODY, "甲" * 26)  # full, indented first line
    w._line(x, "乙" * 25 + "第")  # two characters short: the number 20231231 (4 em) did not fit
    w._line(x, "20231231号文件" + "丙" * 20)  # one character short; 丁 is 1 em + the comma after it
    w._line(x, "丁，" + "戊" * 20 + "。")  # five characters short, then an unindented line: a hard break
    w._line(x, "己" * 24)
    w._line(x, "庚" * 28)
    w._line(x, "辛。")
    doc = read_pdf(mk.build_pdf(w.pages), "ragged.pdf")
    assert [p.text for p in doc.paragraphs] == [
        "甲" * 26 + "乙" * 25 + "第20231231号文件" + "丙" * 20 + "丁，" + "戊" * 20 + "。",
        "己" * 24,
        "庚" * 28 + "辛。",
    ]


def test_a_page_frame_with_a_margin_rule_is_not_a_table():
    w = mk.Writer()
    w.paragraph(mk.P2)
    w.paragraph(mk.P1)
    page = w.pages[0]
    page.lines += [(40, 30, 555, 30), (40, 810, 555, 810), (40, 30, 40, 810), (555, 30, 555, 810),  # frame
                   (60, 30, 60, 810)]  # a rule down the left margin
    doc = read_pdf(mk.build_pdf(w.pages), "framed.pdf")
    assert doc.tables == [] and [p.text for p in doc.paragraphs] == [mk.P2, mk.P1]
