"""Table cells that no reader recognised are kept out of the sentences (report-format.md sections 2.1 and 5)."""

from __future__ import annotations

import warnings

import pytest

from xxgk.document import Document, DocumentMeta, Paragraph, Provenance, Table
from xxgk.gold import load_gold
from xxgk.normalize import match_key
from xxgk.pipeline import prepare
from xxgk.reading import read
from xxgk.sentences import split_sentences
from xxgk.tablecells import line_kind, table_cell_lines


def _doc(lines: list[str], fmt: str = "pdf") -> Document:
    return Document(meta=DocumentMeta(source="t", format=fmt),
                    blocks=[Paragraph(text=t, provenance=Provenance(line=i + 1)) for i, t in enumerate(lines)])


# A 2021-template report whose tables a PDF reader without rulings left as lines, in three shapes.
_NARRATIVE = ["某局2021年政府信息公开工作年度报告", "一、总体情况", "2021年，我局主动公开政府信息120条。",
              "二、主动公开政府信息情况"]
_ACTIVE_CELL_PER_LINE = ["第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数", "规章", "0", "0",
                         "0", "行政规范性文件", "3", "0", "12", "第二十条第（五）项", "信息内容", "本年处理决定数量", "行政许可",
                         "1,234"]
_APPLICATIONS_ROWS = ["三、收到和处理政府信息公开申请情况", "表二", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                      "申请人情况", "自然人  法人或其他组织  总计", "商业企业  科研机构  社会公益组织  法律服务机构  其他",
                      "一、本年新收政府信息公开申请数量  6  0  0  0  0  0  6",
                      "（二）部分公开（区分处理的，只计这一情形，不计其他情形）  1  0  0  0  0  0  1",
                      "3.其他 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "四、结转下年度继续办理  0  0  0  0  0  0  0"]
_REVIEW = ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结",
           "总计", "未经复议直接起诉", "复议后起诉", "0", "0", "0", "0", "0"]
_CLOSING = ["五、存在的主要问题及改进情况", "主动公开意识有待增强。", "六、其他需要报告的事项", "无。"]


def test_cells_of_an_unrecognised_table_give_no_sentence() -> None:
    lines = _NARRATIVE + _ACTIVE_CELL_PER_LINE + _APPLICATIONS_ROWS + _REVIEW + _CLOSING
    p = prepare(_doc(lines))
    narrative = [match_key(t) for t in _NARRATIVE + [_APPLICATIONS_ROWS[0], _REVIEW[0]] + _CLOSING]
    assert [match_key(t) for t in p.texts] == narrative
    # every cell line is recorded with its kind, and no narrative line is
    assert len(p.table_lines) == len(lines) - len(narrative)
    assert {i for i, t in enumerate(lines) if match_key(t) in narrative}.isdisjoint(p.table_lines)


@pytest.mark.parametrize("line", ["2021年，我局主动公开政府信息120条。", "四、行政复议、行政诉讼情况", "（三）行政复议、行政诉讼",
                                  "二、主动公开政府信息情况", "索引号: | 0001/2016 | 发布机构: | 某局 |",
                                  "附件1：某县人民政府2011年政府信息公开情况统计表", "规章和规范性文件均按要求公开，行政许可12件。"])
def test_narrative_headings_and_metadata_are_no_cells(line: str) -> None:
    assert line_kind(line) in (None, "context")
    # alone, between sentences, a context line stays a sentence
    assert 1 not in table_cell_lines(["共受理申请6件。", line, "均按时办结。"])


def test_context_lines_need_cells_beside_them() -> None:
    # a sub-heading of the overview followed by narrative stays; followed by cells it is the table's caption
    assert table_cell_lines(["（一）主动公开情况", "2021年，主动公开信息120条。"]) == {}
    assert table_cell_lines(["（一）主动公开情况", "第二十条第（一）项"]) == {0: "context", 1: "caption"}
    # a broken header word counts only between cells (or found tables, None)
    assert table_cell_lines([None, "商业", "企业", "0"]) == {1: "context", 2: "label", 3: "number"}
    assert table_cell_lines(["附件下载", None]) == {}


def test_split_sentences_skips_paragraphs_and_keeps_offsets() -> None:
    text = "一、总体情况\n0\n共受理申请6件。"
    kept = split_sentences(text, skip={1})
    assert [(s.text, s.paragraph) for s in kept] == [("一、总体情况", 0), ("共受理申请6件。", 2)]
    assert text[kept[1].start : kept[1].end] == "共受理申请6件。"


def test_corpus_tables_laid_back_as_lines_keep_every_gold_sentence(gold_dir, shared_dir) -> None:
    """Real reports: with their tables laid back as one cell per line (what a reader that recognises no
    table gives), the template tables' cells leave the sentences and every gold sentence is still there."""
    from xxgk.align import align_sentences

    leaked = cells = 0
    for path in sorted(gold_dir.glob("*.json")):
        gold = load_gold(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            doc = read(shared_dir / gold.source)
        if not any(t.cells for t in doc.tables):
            continue
        blocks: list = []
        cell_blocks: set[int] = set()
        for b in doc.blocks:
            if isinstance(b, Table) and b.cells:
                for c in sorted(b.cells, key=lambda c: (c.row, c.col)):
                    if c.text.strip():
                        cell_blocks.add(len(blocks))
                        blocks.append(Paragraph(text=c.text, provenance=b.provenance))
            else:
                blocks.append(b)
        p = prepare(Document(meta=doc.meta, blocks=blocks))
        cells += len(cell_blocks)
        leaked += sum(p.paragraph_of[i] in cell_blocks for i in range(len(p.sentences)))
        gold_texts = [s.text for s in gold.sentences]
        as_read = align_sentences(prepare(doc).texts, gold_texts).coverage
        assert align_sentences(p.texts, gold_texts).coverage == pytest.approx(as_read), gold.id
    assert cells > 500
    assert leaked <= 0.02 * cells, f"{leaked} of {cells} table cells read as sentences"
