"""``analyze_many``: the one batched pipeline behind ``analyze``, ``xxgk tag``, the spaCy component and the harness."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pytest

import xxgk
from xxgk.api import AnalysisResult, analyze, analyze_many
from xxgk.errors import BaseModelMissingError, EmptyFileError, NotAReportWarning
from xxgk.pipeline import Prediction, Prepared, get_system, prepare
from xxgk.reading import read

pytestmark = pytest.mark.filterwarnings("ignore::xxgk.errors.NotAReportWarning")

SMALL = "一、总体情况\n2021年，共受理申请6件。\n五、存在的主要问题及改进情况\n主动公开意识有待增强。"


def _corpus_docs(corpus_dir, n: int) -> list:
    """The first ``n`` text and HTML reports of the corpus, read (short and long ones, simplified and traditional)."""
    paths = sorted(p for p in corpus_dir.iterdir() if p.suffix in (".txt", ".html"))[:n]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotAReportWarning)
        return [read(p) for p in paths]


def _labels(report) -> list[tuple[str, str, str]]:
    return [(s.text, s.section, s.tag) for s in report.sentences]


def test_is_exported():
    assert "analyze_many" in xxgk.__all__ and xxgk.analyze_many is analyze_many
    assert "AnalysisResult" in xxgk.__all__ and xxgk.AnalysisResult is AnalysisResult


def test_model_batched_across_documents_gives_what_one_at_a_time_gives(shipped_model, corpus_dir):
    docs = _corpus_docs(corpus_dir, 12)
    system = get_system("model")
    alone = [analyze(d, system=system, tables=False) for d in docs]
    together = list(analyze_many(docs, system=system, batch_size=len(docs), tables=False))
    odd_batches = list(analyze_many(docs, system=system, batch_size=5, tables=False))
    assert all(r.ok for r in together + odd_batches)
    assert sum(len(r.sentences) for r in alone) > 500  # enough sentences for length buckets that mix documents
    for one, many, odd in zip(alone, together, odd_batches):
        assert _labels(many.report) == _labels(one) == _labels(odd.report)
        # the numerics are the same; padding in another bucket moves a confidence by float rounding at most
        for a, b in zip(one.sentences, many.report.sentences):
            assert abs(a.confidence - b.confidence) <= 1e-3


def test_rules_reports_equal_analyze_and_keep_the_input_order(corpus_dir):
    docs = _corpus_docs(corpus_dir, 6)
    many = list(analyze_many(docs, system="rules", batch_size=4))
    assert [r.source for r in many] == docs
    for d, r in zip(docs, many):
        assert r.report.to_dict() == analyze(d, system="rules").to_dict()


def test_a_bad_source_costs_only_itself(tmp_path):
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7\n not really")
    sources = [SMALL, "", damaged, tmp_path / "absent.txt", SMALL]
    results = list(analyze_many(sources, system="rules", batch_size=2))
    assert [r.ok for r in results] == [True, False, False, False, True]
    assert isinstance(results[1].error, EmptyFileError)
    assert str(damaged) in str(results[2].error)
    assert results[0].report.to_dict() == results[4].report.to_dict() == analyze(SMALL, system="rules").to_dict()
    assert all(r.report is None for r in results[1:4])


def test_raises_on_error_raises_the_typed_error():
    with pytest.raises(EmptyFileError):
        list(analyze_many([SMALL, ""], system="rules", raises_on_error=True))
    with pytest.raises(EmptyFileError):  # analyze is analyze_many of one source, raising
        analyze("", system="rules")


class _Picky:
    """A system that fails on any batch holding a document with 拒绝 in it."""

    name = "picky"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        self.calls.append(len(docs))
        if any("拒绝" in d.norm.text for d in docs):
            raise RuntimeError("cannot place 拒绝")
        return get_system("rules").predict(docs)


def test_a_document_the_system_fails_on_costs_only_itself():
    system = _Picky()
    results = list(analyze_many([SMALL, SMALL + "\n拒绝。", SMALL], system=system, batch_size=3, tables=False))
    assert [r.ok for r in results] == [True, False, True]
    assert str(results[1].error) == "cannot place 拒绝"
    assert system.calls == [3, 1, 1, 1]  # the batch, then each document alone


class _Short:
    name = "short"

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        return [Prediction(sections=["overview"], tags=["other"]) for _ in docs]


def test_a_system_that_returns_the_wrong_labels_is_a_bug_not_a_bad_input():
    with pytest.raises(ValueError, match="returned 1 labels for a document of 4 sentences"):
        list(analyze_many([SMALL], system=_Short()))


def test_a_system_that_cannot_run_stops_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "empty-home"))
    with pytest.raises(BaseModelMissingError, match="xxgk models fetch-base"):
        list(analyze_many([SMALL, SMALL], system="model"))


def test_prepared_documents_are_taken_as_they_are():
    prep = prepare(read(SMALL))
    (result,) = analyze_many([prep], system="rules", tables=False)
    assert result.source is prep and _labels(result.report) == _labels(analyze(SMALL, system="rules", tables=False))


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True])
def test_bad_batch_size(batch_size):
    with pytest.raises(ValueError, match="'batch_size' parameter of analyze_many"):
        list(analyze_many([SMALL], system="rules", batch_size=batch_size))
