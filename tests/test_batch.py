"""The tag command's engine: inputs, workers, errors, atomic parts, resume after a kill."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import crash_system
import pandas as pd
import pytest

import xxgk
from xxgk import batch
from xxgk.batch import TagOptions, expand_inputs, tag
from xxgk.cli import main
from xxgk.errors import InputError
from xxgk.errors import __all__ as ERROR_NAMES
from xxgk.pipeline import register_system
from xxgk.tidy import TABLES

REPO = Path(__file__).resolve().parents[1]

# Ten real reports of every kind the readers take: crawler text, the
# traditional-script seed, PDF, HTML, short old reports and an excerpt.
SUBSET = [
    "000_hangzhou_emergency_2021.txt",
    "001_huaian_hongze_2023.pdf",
    "003_shanghai_office_2019.html",
    "005_pingtan_2021.txt",
    "009_pingtan_county_2011.txt",
    "023_city_earthquake_2010_trad.txt",
    "025_pingtan_2021.html",
    "036_hebei_kjt_2020.txt",
    "046_hebei_jyt_2018_stat_table.txt",
    "excerpts/024_shanghai_2012_trad_excerpt.txt",
]


def _subset(corpus_dir: Path, dest: Path, copies: int = 1, pdf: bool = True) -> list[Path]:
    """Copy the subset into ``dest`` (``copies`` folders of it), so that tests never write beside the corpus."""
    out = []
    for k in range(copies):
        for name in SUBSET:
            if not pdf and name.endswith(".pdf"):
                continue
            src = corpus_dir / name
            if not src.exists():
                pytest.skip(f"{src} is not in the shared corpus any more; update SUBSET.")
            target = dest / f"copy{k}" / Path(name).name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            out.append(target)
    return out


def _frames_equal(a: xxgk.io.Results, b: xxgk.io.Results) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_like=False, obj=name)


# -- inputs --------------------------------------------------------------------


def test_expand_inputs_takes_files_folders_recursively_and_globs(tmp_path: Path) -> None:
    for name in ("b.txt", "a.pdf", "sub/deep/c.html", "sub/d.docx", "notes.tsv", ".hidden.txt", "sub/e.TXT"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    rel = lambda paths: [p.relative_to(tmp_path).as_posix() for p in paths]  # noqa: E731
    # a folder: report files only, sorted, hidden files and the .tsv left out, case of the suffix ignored
    assert rel(expand_inputs([tmp_path])) == ["a.pdf", "b.txt", "sub/d.docx", "sub/e.TXT", "sub/deep/c.html"]
    # a file named explicitly is taken whatever its suffix; repeats are dropped
    assert rel(expand_inputs([tmp_path / "notes.tsv", tmp_path / "b.txt", tmp_path / "b.txt"])) == ["notes.tsv", "b.txt"]
    # a recursive glob
    assert rel(expand_inputs([str(tmp_path / "**" / "*.html")])) == ["sub/deep/c.html"]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda d: d / "missing.pdf", "No such file or folder"),  # a typo must stop the run before any work
        (lambda d: str(d / "*.nothing"), "This glob matches no file"),  # a glob that matches nothing
        (lambda d: (d / "empty").mkdir() or d / "empty", "holds no report file"),  # an empty folder
    ],
)
def test_expand_inputs_refuses_inputs_that_name_nothing(tmp_path: Path, make, match: str) -> None:
    with pytest.raises(InputError, match=match):
        expand_inputs([make(tmp_path)])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"jobs": 0}, "The 'jobs' parameter of tag must be a positive int. Got 0 instead."),
        ({"jobs": -1}, "Got -1 instead"),
        ({"jobs": "2"}, "Got '2' instead"),  # a string from a config file is not silently accepted
        ({"jobs": True}, "Got True instead"),
        ({"format": "csv"}, "The 'format' parameter of tag must be one of"),
        ({"system": ""}, "The 'system' parameter of tag"),
    ],
)
def test_tag_options_reject_bad_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TagOptions(**kwargs)


def test_unknown_system_fails_before_any_work(tmp_path: Path, corpus_dir: Path) -> None:
    with pytest.raises(ValueError, match="'system' parameter must be one of"):
        tag([corpus_dir / SUBSET[0]], tmp_path / "out", system="no-such-system", progress=False)
    assert not (tmp_path / "out" / "manifest.json").exists()


# -- the whole corpus, bad files included ---------------------------------------------


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path):
    """The whole shared corpus plus inputs made bad on purpose, tagged with two workers."""
    extra = tmp_path_factory.mktemp("extra")
    (extra / "noise.txt").write_bytes(bytes(range(256)) * 40)  # binary: not a format xxgk reads
    (extra / "empty.html").write_bytes(b"")
    os.symlink(extra / "gone.pdf.target", extra / "gone.pdf")  # a link to nothing: cannot be read
    made_bad = {"noise.txt": "UnsupportedFormatError", "empty.html": "EmptyFileError", "gone.pdf": "InputError"}
    if os.geteuid() != 0:  # root reads files whatever their mode
        locked = extra / "locked.txt"
        shutil.copyfile(corpus_dir / SUBSET[0], locked)
        locked.chmod(0)
        made_bad["locked.txt"] = "InputError"
    out = tmp_path_factory.mktemp("out")
    summary = tag([corpus_dir, extra], out, jobs=2, progress=False)
    return summary, xxgk.load(out), made_bad, extra


def test_corpus_batch_has_every_good_file_and_one_error_per_bad_one(corpus_run, corpus_dir: Path) -> None:
    summary, results, made_bad, extra = corpus_run
    good = sorted(str(p) for p in expand_inputs([corpus_dir]) if "bad" not in p.relative_to(corpus_dir).parts)
    bad_in_corpus = sorted(str(p) for p in (corpus_dir / "bad").iterdir())
    bad = sorted(bad_in_corpus + [str(extra / name) for name in made_bad])

    assert sorted(results.documents["path"]) == good
    assert sorted(results.errors["path"]) == bad  # one row per bad file, none for a good one
    assert results.documents["doc_id"].is_unique and results.errors["doc_id"].is_unique
    by_path = results.errors.set_index("path")
    for name, error in made_bad.items():
        assert by_path.loc[str(extra / name), "error"] == error
        assert str(extra / name) in by_path.loc[str(extra / name), "message"]  # the message names the file
    # every error is one of xxgk's typed errors, with its message
    assert set(results.errors["error"]) <= set(ERROR_NAMES)
    assert results.errors["message"].str.len().min() > 20
    # the corpus's bad files were readable: their sha256 is kept
    assert by_path.loc[bad_in_corpus, "sha256"].str.len().eq(64).all()
    assert pd.isna(by_path.loc[str(extra / "gone.pdf"), "sha256"])

    # broken rules are counted from the checks table; the Hongze PDF's own review totals break R1 (MANIFEST.tsv)
    failed_checks = results.checks[results.checks["status"] == "fail"]
    assert summary.broken_rules == len(failed_checks) and summary.documents_with_broken_rules == failed_checks["doc_id"].nunique()
    hongze = results.documents.set_index("path").loc[str(corpus_dir / "001_huaian_hongze_2023.pdf"), "doc_id"]
    assert "R1" in set(failed_checks[failed_checks["doc_id"] == hongze]["rule"])
    assert (summary.done, summary.failed, summary.skipped) == (len(good), len(bad), 0)
    assert not summary.ok and summary.errors == len(bad)
    assert results.manifest["complete"] is True and results.manifest["format"] == "parquet"


def test_corpus_batch_rows_agree_with_each_other(corpus_run) -> None:
    _, results, _, _ = corpus_run
    docs = results.documents.set_index("doc_id")
    # every document has its sentences and sections, and the counts in documents match them
    n_sent = results.sentences.groupby("doc_id").size()
    n_sec = results.sections.groupby("doc_id").size()
    assert (n_sent.reindex(docs.index).fillna(0) == docs["n_sentences"]).all()
    assert (n_sec.reindex(docs.index).fillna(0) == docs["n_sections"]).all()
    # no duplicate rows
    assert not results.sentences.duplicated(["doc_id", "index"]).any()
    assert not results.sections.duplicated(["doc_id", "order"]).any()
    # labels and tags are the spec's names
    assert set(results.sentences["tag"]) <= set(xxgk.TAGS)
    assert set(results.sections["label"]) <= set(xxgk.SECTION_LABELS)
    # offsets are half-open spans of the original text, in order
    s = results.sentences
    assert (s["start"] < s["end"]).all()
    assert (s.groupby("doc_id")["start"].diff().dropna() > 0).all()


def test_batch_rows_equal_the_single_file_api(corpus_run, corpus_dir: Path) -> None:
    """The batch reuses analyze(): one file's rows are what analyze() says of it."""
    _, results, _, _ = corpus_run
    path = corpus_dir / SUBSET[0]
    report = xxgk.analyze(path, tables=False)
    doc_id = results.documents.set_index("path").loc[str(path), "doc_id"]
    rows = results.sentences[results.sentences["doc_id"] == doc_id]
    assert rows["text"].tolist() == [s.text for s in report.sentences]
    assert rows["tag"].tolist() == [s.tag for s in report.sentences]
    assert rows["section"].tolist() == [s.section for s in report.sentences]
    # `original` is the source's own characters (the seed is in traditional script)
    source = path.read_text(encoding="utf-8")
    assert "".join(rows["original"].iloc[3].split()) in "".join(source.split())


# -- resume --------------------------------------------------------------------------


def test_resume_skips_done_inputs_and_redoes_changed_ones(tmp_path: Path, corpus_dir: Path) -> None:
    files = _subset(corpus_dir, tmp_path / "in")[:4]
    out = tmp_path / "out"
    first = tag(files, out, format="jsonl", progress=False)
    assert (first.done, first.skipped) == (4, 0)
    again = tag(files, out, format="jsonl", progress=False)
    assert (again.done, again.skipped) == (0, 4)
    before = xxgk.load(out)

    # a part damaged on disk (a power cut after the rename) is done again, not trusted
    part = next(out.glob("parts/*/*.json"))
    part.write_text(part.read_text(encoding="utf-8")[:50], encoding="utf-8")
    repaired = tag(files, out, format="jsonl", progress=False)
    assert (repaired.done, repaired.skipped) == (1, 3)
    _frames_equal(before, xxgk.load(out))

    files[1].write_text("2021年政府信息公开工作年度报告\n一、总体情况\n本年度共受理申请3件。\n", encoding="utf-8")
    changed = tag(files, out, format="jsonl", progress=False)
    assert (changed.done, changed.skipped) == (1, 3)
    after = xxgk.load(out)
    assert len(after.documents) == 4 and after.documents["doc_id"].is_unique  # the old version's rows are gone
    new_id = after.documents.set_index("path").loc[str(files[1]), "doc_id"]
    assert after.sentences[after.sentences["doc_id"] == new_id]["text"].iloc[-1] == "本年度共受理申请3件。"
    kept = before.documents["doc_id"] != before.documents.set_index("path").loc[str(files[1]), "doc_id"]
    assert set(before.documents["doc_id"][kept]) < set(after.documents["doc_id"])

    redo = tag(files, out, format="jsonl", resume=False, progress=False)
    assert (redo.done, redo.skipped) == (4, 0)
    _frames_equal(after, xxgk.load(out))


def test_killed_run_resumes_to_the_output_of_an_uninterrupted_run(tmp_path: Path, corpus_dir: Path) -> None:
    # 36 quick inputs: enough for the run to be killed mid-way, few enough to keep the test short
    files = _subset(corpus_dir, tmp_path / "in", copies=4, pdf=False)
    whole = tmp_path / "whole"
    tag([tmp_path / "in"], whole, jobs=1, progress=False)

    out = tmp_path / "killed"
    # small batches: parts are written a batch at a time, and the run must be caught mid-way
    cmd = [sys.executable, "-m", "xxgk", "tag", str(tmp_path / "in"), "--out", str(out), "--jobs", "2", "--batch-size", "3",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    parts: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None:
        parts = list(out.glob("parts/*/*.json"))
        if len(parts) >= 3:
            os.killpg(proc.pid, signal.SIGKILL)  # the main process and its workers, mid-way
            break
        time.sleep(0.005)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the run ended before it could be killed: {proc.stderr.read()!r}"
    done_at_kill = len(list(out.glob("parts/*/*.json")))
    assert 3 <= done_at_kill < len(files)
    assert not (out / "manifest.json").exists()  # a killed run publishes no tables
    for part in out.glob("parts/*/*.json"):  # every part on disk is whole
        assert part.read_text(encoding="utf-8").endswith("}")

    resumed = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(files)} inputs: {len(files) - done_at_kill} done, 0 failed, {done_at_kill} skipped" in resumed.stdout

    a, b = xxgk.load(whole), xxgk.load(out)
    _frames_equal(a, b)
    assert len(b.documents) == len(files) and b.documents["doc_id"].is_unique
    assert not b.sentences.duplicated(["doc_id", "index"]).any()


# -- workers -------------------------------------------------------------------------


def test_a_dying_worker_costs_only_its_file(tmp_path: Path, corpus_dir: Path, monkeypatch) -> None:
    # fork, so that the workers inherit the system registered here
    monkeypatch.setattr(batch, "_START_METHOD", "fork")
    register_system("crash-test", crash_system.CrashOnMarker)
    files = _subset(corpus_dir, tmp_path / "in")[:5]
    killer = tmp_path / "in" / "killer.txt"
    killer.write_text("2021年政府信息公开工作年度报告\n一、总体情况\nCRASH-HERE。\n", encoding="utf-8")
    summary = tag([*files, killer], tmp_path / "out", jobs=2, system="crash-test", progress=False)
    results = xxgk.load(tmp_path / "out")
    assert sorted(results.documents["path"]) == sorted(map(str, files))
    assert results.errors[["path", "error"]].values.tolist() == [[str(killer), "WorkerCrashError"]]
    assert (summary.done, summary.failed) == (5, 1)


# -- the command -----------------------------------------------------------------------


def test_cli_tag_exit_status_and_summary(tmp_path: Path, corpus_dir: Path, capsys) -> None:
    files = _subset(corpus_dir, tmp_path / "in")[:3]
    assert main(["tag", *map(str, files), "--out", str(tmp_path / "ok"), "--format", "jsonl", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "3 inputs: 3 done, 0 failed, 0 skipped as already done." in out
    assert "consistency rules broken" in out and "reports/s" in out
    assert sorted(p.name for p in (tmp_path / "ok").glob("*.jsonl")) == sorted(f"{t}.jsonl" for t in TABLES)

    (tmp_path / "in" / "bad.txt").write_bytes(b"\x00\x01\x02" * 100)
    assert main(["tag", str(tmp_path / "in"), "--out", str(tmp_path / "ok"), "--format", "jsonl", "--no-progress"]) == 1
    assert "1 inputs failed" in capsys.readouterr().out

    assert main(["tag", str(tmp_path / "nope"), "--out", str(tmp_path / "x")]) == 2
    assert str(tmp_path / "nope") in capsys.readouterr().err
    assert main(["tag", str(files[0]), "--out", str(tmp_path / "x"), "--jobs", "0"]) == 2
    assert "The 'jobs' parameter of tag must be a positive int. Got 0 instead." in capsys.readouterr().err


def test_workers_share_the_cores(monkeypatch) -> None:
    # what a worker process does first, run here without touching this process's signals or torch threads
    monkeypatch.setattr(signal, "signal", lambda *a: None)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(batch, "_WORKER", {})
    batch._init_worker("rules", False, "", "", 1)
    assert os.environ["OMP_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
    assert batch._WORKER["error"] is None and batch._WORKER["system"].name == "rules"
