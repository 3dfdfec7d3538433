"""``xxgk tag --engine ray`` on a real local Ray (``ray.init(num_cpus=2)``): the local engine's tables, errors and resume.

One Ray session is shared by the module (it takes seconds to start); the
killed run is a driver subprocess that joins it with ``--address``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import crash_system
import pandas as pd
import pytest

import xxgk
from xxgk.batch import tag
from xxgk.errors import InputError, MissingExtraError

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray")

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
#: A slice of the corpus: short texts (one in traditional script), an HTML page and a table-heavy text.
SLICE = ["019_daoxian_culture_2013.txt", "028_meihekou_xinghuaxiang_2010.txt", "029_kaiping_nongyenongcunju_2020_trad.txt",
         "046_hebei_jyt_2018_stat_table.txt", "025_pingtan_2021.html", "053_hebei_rst_2022.txt"]


def _assert_same_tables(a: Path, b: Path) -> None:
    left, right = xxgk.load(a), xxgk.load(b)
    assert list(left) == list(right)
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_like=False, obj=name)


def _register_crash_system() -> None:
    from xxgk.pipeline import register_system

    register_system("crash-test", crash_system.CrashOnMarker)


@pytest.fixture(scope="module")
def ray_address():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'xxgk[ray]')")
    pytest.importorskip("ray.data", reason="Ray Data is not installed (pip install 'xxgk[ray]')")
    if not ray.is_initialized():
        # the actors' processes register the crash-test system too (this module travels by value)
        ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
        ray.cloudpickle.register_pickle_by_value(crash_system)
        ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False,
                 runtime_env={"worker_process_setup_hook": _register_crash_system})
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    """The corpus slice and two bad files (an empty text, a damaged PDF)."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "empty.txt").write_bytes(b"")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a PDF body")
    return [str(CORPUS / name) for name in SLICE] + [str(bad / "empty.txt"), str(bad / "broken.pdf")]


@pytest.fixture(scope="module")
def local_out(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    tag(inputs, out, system="rules", progress=False, batch_size=2)
    return out


def test_ray_writes_the_local_engines_tables_and_error_rows(ray_address, inputs, local_out, tmp_path) -> None:
    out = tmp_path / "ray"
    # file:// URIs for an input and the output: resolved with pyarrow.fs to the same paths
    uris = [f"file://{inputs[0]}", *inputs[1:]]
    summary = tag(uris, f"file://{out}", system="rules", progress=False, batch_size=2, engine="ray")
    assert (summary.inputs, summary.done, summary.failed) == (len(inputs), len(SLICE), 2)
    _assert_same_tables(local_out, out)
    errors = xxgk.load(out).errors
    assert sorted(Path(p).name for p in errors["path"]) == ["broken.pdf", "empty.txt"]
    assert errors["error"].str.len().gt(0).all()
    assert len(xxgk.load(out).documents) == len(SLICE)
    assert xxgk.load(out).manifest["runtime"]["engine"] == "ray"  # and "local" in the local run's
    assert xxgk.load(local_out).manifest["runtime"]["engine"] == "local"


def test_a_killed_ray_run_resumes_to_the_same_tables(ray_address, inputs, local_out, tmp_path) -> None:
    out = tmp_path / "ray"
    cmd = [sys.executable, "-m", "xxgk", "tag", *inputs, "--out", str(out), "--system", "rules", "--engine", "ray",
           "--address", ray_address, "--actors", "1", "--batch-size", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parts = out / "parts"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if sum(1 for _ in parts.rglob("*.json")) >= 2:
                break
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
    done_before = sum(1 for _ in parts.rglob("*.json"))
    assert done_before >= 2, err.decode(errors="replace")[-2000:]
    assert not (out / "manifest.json").exists()  # killed before the tables were gathered
    summary = tag(inputs, out, system="rules", progress=False, batch_size=2, engine="ray", address=ray_address)
    assert summary.complete and summary.skipped >= 2
    assert summary.skipped + summary.done + summary.failed == len(inputs)
    _assert_same_tables(local_out, out)
    # and the local engine finds everything done by Ray
    assert tag(inputs, out, system="rules", progress=False).skipped == len(inputs)


def test_without_ray_the_engine_names_the_extra(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'xxgk\[ray\]'"):
        tag([str(CORPUS / SLICE[0])], tmp_path / "out", system="rules", engine="ray")
    assert not (tmp_path / "out").exists()  # refused before any work
    from xxgk.cli import main

    assert main(["tag", str(CORPUS / SLICE[0]), "--out", str(tmp_path / "out"), "--engine", "ray"]) == 2


def test_other_filesystems_are_refused_by_name(tmp_path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'xxgk[ray]')")
    with pytest.raises(InputError, match="s3://"):
        tag(["s3://bucket/reports/"], tmp_path / "out", system="rules", engine="ray")


def test_an_input_that_kills_its_actor_costs_only_itself(ray_address, tmp_path) -> None:
    _register_crash_system()  # in the driver too: the run checks the system before any work
    files = [CORPUS / name for name in SLICE[:3]]
    killer = tmp_path / "killer.txt"
    killer.write_text("2021年政府信息公开工作年度报告\n一、总体情况\nCRASH-HERE。\n", encoding="utf-8")
    summary = tag([*map(str, files), str(killer)], tmp_path / "out", system="crash-test", progress=False,
                  batch_size=2, engine="ray")
    results = xxgk.load(tmp_path / "out")
    assert sorted(results.documents["path"]) == sorted(map(str, files))
    assert results.errors[["path", "error"]].values.tolist() == [[str(killer), "WorkerCrashError"]]
    assert (summary.done, summary.failed) == (3, 1)


def test_inputs_queued_behind_a_killer_on_one_actor_are_not_blamed(ray_address, tmp_path) -> None:
    """One actor: the inputs queued on it when the killer takes it down are retried alone, not recorded as crashes."""
    _register_crash_system()
    killer = tmp_path / "killer.txt"
    killer.write_text("2021年政府信息公开工作年度报告\n一、总体情况\nCRASH-HERE。\n", encoding="utf-8")
    files = [str(killer), *(str(CORPUS / name) for name in SLICE[:4])]
    summary = tag(files, tmp_path / "out", system="crash-test", progress=False, batch_size=1, engine="ray", actors=1)
    results = xxgk.load(tmp_path / "out")
    assert sorted(results.documents["path"]) == sorted(files[1:])
    assert results.errors[["path", "error"]].values.tolist() == [[str(killer), "WorkerCrashError"]]
    assert (summary.done, summary.failed) == (4, 1)


def test_the_review_threshold_and_precision_reach_the_actors(ray_address, shipped_model, tmp_path) -> None:
    """Ray was started before the run set ``review_below``: the actors get it (and the precision) from the driver."""
    files = [str(CORPUS / "019_daoxian_culture_2013.txt")]
    local = tag(files, tmp_path / "local", system="model", review_below=1.0, jobs=1, progress=False)
    ray_run = tag(files, tmp_path / "ray", system="model", review_below=1.0, engine="ray", address=ray_address,
                  actors=1, progress=False)
    assert local.failed == ray_run.failed == 0
    _assert_same_tables(tmp_path / "local", tmp_path / "ray")
    flagged = xxgk.load(tmp_path / "ray")["sentences"]["needs_review"]
    tag(files, tmp_path / "default", system="model", jobs=1, progress=False)
    default = xxgk.load(tmp_path / "default")["sentences"]
    assert flagged.sum() > default["needs_review"].sum()  # 1.0 flags every sentence not quite sure; 0.9 fewer
