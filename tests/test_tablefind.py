"""Tables inside text inputs become Table blocks (xxgk.tablefind)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from xxgk import read
from xxgk.document import Document, Paragraph, Provenance, Table
from xxgk.normalize import match_key
from xxgk.readers.text import decode_text
from xxgk.tablefind import mark_text_tables

GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "gold"

#: What only a statistical table prints: none of it may reach a paragraph unless a gold sentence says it.
TABLE_MARKERS = ("第二十条第", "信息内容", "勾稽关系", "申请人情况", "本年新收政府信息公开申请数量", "结果维持", "尚未审结",
                 "指标名称")


def _text_gold_files(templated: bool = False) -> list[Path]:
    """Gold files of text sources; with ``templated``, only reports on the 2019/2021 templates."""
    if not GOLD.exists():
        return []
    out = []
    for p in sorted(GOLD.glob("*.json")):
        gold = json.loads(p.read_text(encoding="utf-8"))
        if gold["source"].endswith(".txt") and (not templated or gold["meta"].get("template") in ("2019", "2021")):
            out.append(p)
    return out


def _read(source, **kw) -> Document:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read(source, **kw)


def _table_key(t: Table) -> str:
    return match_key(t.text + "".join(c.text for c in t.cells))


# --- against the gold files ----------------------------------------------------------------------------


@pytest.mark.parametrize("gold_path", _text_gold_files(), ids=lambda p: p.stem)
def test_tables_hold_no_sentence_and_sentences_hold_no_table(gold_path, shared_dir):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    doc = _read(str(shared_dir / gold["source"]))
    sentences = [match_key(s["text"]) for s in gold["sentences"]]
    tables = [_table_key(t) for t in doc.tables]
    for s in sentences:
        if len(s) >= 6:
            assert not any(s in t for t in tables), f"{gold_path.name}: the gold sentence {s[:40]} went into a table"
    said = "".join(sentences)
    for p in doc.paragraphs:
        k = match_key(p.text)
        for marker in TABLE_MARKERS:
            assert marker not in k or marker in said, f"{gold_path.name}: table text left in a paragraph: {k[:60]}"
    if gold.get("tables"):
        assert len(doc.tables) >= len(gold["tables"])


@pytest.mark.parametrize("gold_path", _text_gold_files(templated=True), ids=lambda p: p.stem)
def test_section_headings_around_tables_stay_paragraphs(gold_path, shared_dir):
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    doc = _read(str(shared_dir / gold["source"]))
    paragraphs = {match_key(p.text) for p in doc.paragraphs}
    for s in gold["sentences"]:
        k = match_key(s["text"])
        bare = s["tag"] == "other" and s["section"] in ("active_disclosure", "applications", "review_litigation")
        if bare and k[:2] in ("二、", "三、", "四、") and len(k) <= 30:
            assert k in paragraphs, f"{gold_path.name}: heading {k} is not a paragraph of its own"


def test_crawler_runs_are_cut_out_with_their_span(corpus_dir):
    path = corpus_dir / "005_pingtan_2021.txt"
    doc = _read(str(path))
    runs = [t for t in doc.tables if t.source_form == "run"]
    assert len(runs) == 3  # sections 二, 三 and 四
    text, _ = decode_text(path.read_bytes(), str(path))
    for t in runs:
        assert text[t.provenance.char_start : t.provenance.char_end] == t.text
        assert t.provenance.line == 8
    assert runs[0].text.startswith("第二十条第（一）项") and runs[0].text.endswith("24252.311082")
    assert runs[1].text.startswith("（本列数据的勾稽关系") and runs[1].text.endswith("继续办理1000001")
    assert runs[2].text.endswith("10203120001200000")
    order = [b.text if isinstance(b, Paragraph) else "<table>" for b in doc.blocks]
    i = order.index("二、主动公开政府信息情况")
    assert order[i + 1] == "<table>" and order[i + 2] == "三、收到和处理政府信息公开申请情况"
    assert order[order.index("四、政府信息公开行政复议、行政诉讼情况") + 2].startswith("五、存在的主要问题及改进情况")


def test_old_statistics_table_run_is_a_table_and_its_caption_stays(corpus_dir):
    doc = _read(str(corpus_dir / "009_pingtan_county_2011.txt"))
    (t,) = doc.tables
    assert t.source_form == "run" and t.text.startswith("指标名称") and t.text.endswith("行政申诉数条00")
    assert any(p.text.startswith("附件1：") and p.text.endswith("统计表") for p in doc.paragraphs)


def test_seed_cell_per_line_tables(corpus_dir):
    doc = _read(str(corpus_dir / "000_hangzhou_emergency_2021.txt"))
    active, apps, review = doc.tables
    assert {t.source_form for t in doc.tables} == {"cell-per-line"}
    assert active.cells[0].text == "第二十條第(一)項" and active.cells[-1].text == "0"
    assert apps.cells[0].text.startswith("(本列數據的勾稽關係")  # the note belongs to the table
    texts = [c.text for c in apps.cells]
    assert "商業" in texts and "企業" in texts  # a vertical label, one word per line
    assert "四、結轉下年度繼續辦理" in texts  # a row label, not a section heading
    assert review.cells[0].text == "行政複議" and len(review.cells) == 45
    assert [c.row for c in apps.cells] == list(range(len(apps.cells)))
    lines = (corpus_dir / "000_hangzhou_emergency_2021.txt").read_text(encoding="utf-8").splitlines()
    for c in active.cells:
        assert lines[c.provenance.line - 1].strip() == c.text
        assert c.provenance.table == active.index and c.provenance.col == 0
    headings = [p.text for p in doc.paragraphs]
    assert "四、政府信息公開行政複議、行政訴訟情況" in headings and "三、收到和處理政府信息公開申請情況" in headings


# --- small documents, one variant each ----------------------------------------------------------------

_HEAD = "2021年政府信息公开工作年度报告\n一、总体情况\n本机关认真落实条例。\n"


def test_pipe_table_with_and_without_rule():
    for rule in ("|---|---|---|\n", ""):
        doc = _read(_HEAD + "二、主动公开政府信息情况\n| 信息内容 | 本年制发件数 | 本年废止件数 |\n" + rule
                    + "| 规章 | 0 | 1 |\n| 行政规范性文件 | 2 | 3 |\n五、存在的主要问题及改进情况\n", name="pipe.txt")
        (t,) = doc.tables
        assert t.source_form == "grid" and t.grid() == [["信息内容", "本年制发件数", "本年废止件数"],
                                                        ["规章", "0", "1"], ["行政规范性文件", "2", "3"]]
        assert t.cell_at(2, 2).provenance.line == (8 if rule else 7)
        assert doc.paragraphs[-1].text == "五、存在的主要问题及改进情况"


def test_whitespace_aligned_table():
    doc = _read(_HEAD + "信息内容      本年处理决定数量\n行政许可      644\n行政处罚\t188\n行政强制      0\n"
                "三、收到和处理政府信息公开申请情况\n", name="aligned.txt")
    (t,) = doc.tables
    assert t.source_form == "grid" and t.n_cols == 2 and t.grid()[2] == ["行政处罚", "188"]


def test_page_metadata_in_pipes_is_not_a_table():
    doc = _read("索引号: | /2015-26440 | 公开方式: | 主动公开 |\n文号: | 公开日期: | 2015-08-03 10:13 | |\n" + _HEAD,
                name="meta.txt")
    assert not doc.tables


def test_narrative_with_numbers_is_no_table():
    doc = _read(_HEAD + "二、主动公开政府信息情况\n2021年，共主动公开信息2550条，其中规范性文件12件。\n"
                "三、收到和处理政府信息公开申请情况\n本年度共收到申请6件，均按时办结。\n", name="prose.txt")
    assert not doc.tables and len(doc.paragraphs) == 7


def test_glued_run_keeps_the_narrative_around_it():
    text = (_HEAD + "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
            "行政规范性文件2 0 8三、收到和处理政府信息公开申请情况本年度未收到申请。\n")
    doc = _read(text, name="glued.txt")
    (t,) = doc.tables
    assert t.source_form == "run" and t.text == "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件2 0 8"
    assert text[t.provenance.char_start : t.provenance.char_end] == t.text
    after = [p.text for p in doc.paragraphs][-3:]
    assert after[0] == "二、主动公开政府信息情况" and "本年度未收到申请。" in after[-1]


def test_marking_twice_changes_nothing(corpus_dir):
    doc = _read(str(corpus_dir / "044_hebei_jyt_2021.txt"))
    before = doc.to_json()
    mark_text_tables(doc)
    assert doc.to_json() == before


def test_existing_tables_are_kept_in_place():
    t = Table(cells=[], source_form="run", text="123")
    doc = Document(blocks=[Paragraph("一、总体情况", Provenance(line=1)), t, Paragraph("好。", Provenance(line=3))])
    mark_text_tables(doc)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"] and doc.blocks[1] is t


def test_aligned_table_keeps_group_labels_and_aligns_a_short_header():
    doc = _read(_HEAD + "三、收到和处理政府信息公开申请情况\n"
                "        自然人   商业企业   科研机构   社会公益组织   法律服务机构   其他   总计\n"
                "一、本年新收政府信息公开申请数量   4   2   0   0   0   0   6\n三、本年度办理结果\n"
                "（一）予以公开   1   1   0   0   0   0   2\n四、政府信息公开行政复议、行政诉讼情况\n本年无。\n",
                name="aligned7.txt")
    (t,) = doc.tables
    grid = t.grid()
    assert grid[0][1] == "自然人" and grid[0][7] == "总计"  # over the number columns, not over the labels
    assert grid[2][0] == "三、本年度办理结果" and grid[3][:2] == ["（一）予以公开", "1"]
    assert [p.text for p in doc.paragraphs][-2:] == ["四、政府信息公开行政复议、行政诉讼情况", "本年无。"]


def test_a_sentence_that_cites_a_caption_is_no_table():
    doc = _read(_HEAD + "二、主动公开政府信息情况\n根据《条例》第二十条第（一）项规定，本年制发规范性文件12件。\n", name="cite.txt")
    assert not doc.tables and doc.paragraphs[-1].text.endswith("12件。")


def test_numbers_alone_on_their_lines_are_a_table():
    doc = _read(_HEAD + "四、政府信息公开行政复议、行政诉讼情况\n0\n0\n1\n0\n1\n五、存在的主要问题及改进情况\n无。\n", name="nums.txt")
    (t,) = doc.tables
    assert [c.text for c in t.cells] == ["0", "0", "1", "0", "1"]
