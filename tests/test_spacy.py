"""The spaCy component: sentence boundaries, section spans, tags and tables on a Doc."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from importlib.metadata import entry_points
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")
from spacy.tokens import DocBin  # noqa: E402

import xxgk  # noqa: E402
from xxgk.spacy import align_spans  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _squash(text: str) -> str:
    return "".join(text.split())


def _texts(corpus_dir: Path, names: list[str]) -> list[str]:
    return [(corpus_dir / n).read_text(encoding="utf-8") for n in names]


@pytest.fixture(scope="module")
def nlp(shipped_model):
    nlp = spacy.blank("zh")  # the default system: the shipped model
    nlp.add_pipe("xxgk")
    return nlp


@pytest.fixture(scope="module")
def seed_text(corpus_dir: Path) -> str:
    return (corpus_dir / "000_hangzhou_emergency_2021.txt").read_text(encoding="utf-8")


def _analyze(text: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xxgk.analyze(text)


def _view(doc) -> tuple:
    """What the component put on a Doc, as plain values."""
    return (
        [(s.text, s._.tag, s._.tag_confidence) for s in doc.sents],
        [(s.label_, s.start, s.end) for s in doc.spans["sections"]],
        doc._.xxgk_tables,
        doc._.xxgk_checks,
    )


def test_blank_zh_splits_characters_without_jieba_or_pkuseg() -> None:
    nlp = spacy.blank("zh")
    assert nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"
    assert [t.text for t in nlp("一、总体情况")] == ["一", "、", "总", "体", "情", "况"]


def test_factory_is_declared_as_an_entry_point() -> None:
    (ep,) = [ep for ep in entry_points(group="spacy_factories") if ep.name == "xxgk"]
    assert ep.value == "xxgk.spacy:make_xxgk_component"
    # a fresh interpreter finds the component by name alone, without importing xxgk
    code = "import spacy; nlp = spacy.blank('zh'); nlp.add_pipe('xxgk'); print(nlp.pipe_names)"
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['xxgk']"


def test_component_puts_the_report_on_the_doc(nlp, seed_text: str) -> None:
    doc = nlp(seed_text)
    report = _analyze(seed_text)
    sents = [s for s in doc.sents if s._.tag is not None]
    assert len(sents) == len(report.sentences) > 40
    # the rest is the tables' cells, each table a sentence of its own with no tag
    tables = [s for s in doc.sents if s._.tag is None]
    assert 0 < len(tables) <= len(doc._.xxgk_tables) + 2
    assert all("第二十条" in s.text or "申请" in s.text or "行政" in s.text for s in tables)
    for span, sent in zip(sents, report.sentences):
        # the span covers the sentence in the user's own characters (the seed is traditional script)
        assert _squash(span.text) == _squash(report.original_text[sent.orig_start : sent.orig_end])
        assert (span._.tag, span._.tag_confidence) == (sent.tag, sent.confidence)
        assert (span._.section, span._.section_confidence, span._.needs_review) == (
            sent.section, sent.section_confidence, sent.needs_review)
        assert span[0].is_sent_start and not any(t.is_sent_start for t in span[1:])
    assert [s.label_ for s in doc.spans["sections"]] == [s.label for s in report.sections]
    for span, sec in zip(doc.spans["sections"], report.sections):
        assert span.start == sents[sec.sentences[0]].start
        assert span.text.startswith(sents[sec.sentences[0]].text.strip())
    starts = [s.start for s in doc.spans["sections"]]
    assert starts == sorted(starts) and starts[0] == 0
    # tables and checks as plain data: what analyze() finds, ready for JSON and DocBin
    assert doc._.xxgk_tables == {name: t.to_dict() for name, t in report.tables.items()}
    assert doc._.xxgk_checks == [c.to_dict() for c in report.checks]
    json.dumps([doc._.xxgk_tables, doc._.xxgk_checks], ensure_ascii=False)


def test_sentences_and_sections_of_a_small_report(nlp) -> None:
    text = "一、总体情况\n\n  2021年，共受理申请6件。均按时办结。  \n五、存在的主要问题及改进情况\n主动公开意识有待增强；培训不足。"
    doc = nlp(text)
    # ； does not end a sentence; 。 and paragraph ends do
    assert [s.text.strip() for s in doc.sents] == [
        "一、总体情况", "2021年，共受理申请6件。", "均按时办结。", "五、存在的主要问题及改进情况", "主动公开意识有待增强；培训不足。",
    ]
    assert [(s.label_, s.text.split("\n")[0]) for s in doc.spans["sections"]] == [
        ("overview", "一、总体情况"), ("problems_improvements", "五、存在的主要问题及改进情况"),
    ]
    report = _analyze(text)
    assert [s._.tag for s in doc.sents] == [s.tag for s in report.sentences]


def test_pipe_over_many_texts_equals_one_at_a_time(nlp, corpus_dir: Path) -> None:
    texts = _texts(corpus_dir, ["005_pingtan_2021.txt", "023_city_earthquake_2010_trad.txt", "036_hebei_kjt_2020.txt",
                                "000_hangzhou_emergency_2021.txt"])
    texts.insert(2, "")  # an empty Doc passes through untouched
    texts.append("六、其他需要报告的事项\n无。")
    piped = list(nlp.pipe(texts, batch_size=2))
    assert [d.text for d in piped] == texts
    assert len(piped[2]) == 0 and "sections" not in piped[2].spans
    for doc, text in zip(piped, texts):
        if text:
            assert _view(doc) == _view(nlp(text))
    assert [s.label_ for s in piped[-1].spans["sections"]] == ["other_matters"]


def test_unknown_system_is_refused_when_the_component_is_added() -> None:
    nlp = spacy.blank("zh")
    with pytest.raises(ValueError, match=r"The 'system' parameter of the xxgk component must be one of .*'rules'"):
        nlp.add_pipe("xxgk", config={"system": "no-such-system"})


def test_pipeline_saves_and_loads(nlp, tmp_path: Path, seed_text: str) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == ["xxgk"]
    assert loaded.get_pipe("xxgk").system == "model"
    assert _view(loaded(seed_text)) == _view(nlp(seed_text))
    again = spacy.blank("zh").add_pipe("xxgk", config={"tables": False})
    again.from_bytes(nlp.get_pipe("xxgk").to_bytes())
    assert again.tables is True


def test_annotated_docs_survive_docbin(nlp, seed_text: str) -> None:
    doc = nlp(seed_text)
    data = DocBin(store_user_data=True, docs=[doc]).to_bytes()
    (back,) = DocBin().from_bytes(data).get_docs(spacy.blank("zh").vocab)
    as_json = lambda view: json.loads(json.dumps(view, ensure_ascii=False))  # noqa: E731  (msgpack gives tuples)
    assert as_json(_view(back)) == as_json(_view(doc))


def test_align_spans_skips_what_is_not_there() -> None:
    text = "甲乙。\n丙 丁。"
    assert align_spans(text, ["甲乙。", "不在", "丙丁。"]) == [(0, 3), None, (4, 8)]
