"""Where the model runs and in what precision (issue 13): device and precision settings, bf16, length buckets.

The CUDA path cannot run on a machine without a GPU; there, asking for it
must raise :class:`~xxgk.errors.DeviceError` everywhere the setting exists
(API, CLI, spaCy component, ``xxgk tag``), which these tests check.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from xxgk.errors import DeviceError
from xxgk.neural.device import check_device, check_precision, cpu_has_bf16, resolve_device, resolve_precision

torch = pytest.importorskip("torch")
no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: 'cuda' is not an error here")
TEXT = "2021年政府信息公开工作年度报告\n一、总体情况\n2021年，共受理申请6件。\n五、存在的主要问题及改进情况\n主动公开意识有待增强。"


@pytest.mark.parametrize("good", ["auto", "cpu", "cuda", "cuda:0", "cuda:12"])
def test_device_spellings_are_accepted(good):
    assert check_device(good) == good


@pytest.mark.parametrize("bad", ["gpu", "CUDA", "cpu:0", "cuda:", "cuda:x", "", None, 0])
def test_a_device_that_names_nothing_is_a_value_error(bad):
    with pytest.raises(ValueError, match="'device' parameter"):
        check_device(bad)


def test_precision_values():
    assert [check_precision(p) for p in ("auto", "fp32", "bf16", "fp16")] == ["auto", "fp32", "bf16", "fp16"]
    with pytest.raises(ValueError, match="'precision' parameter"):
        check_precision("int4")


def test_cpu_precision_follows_the_cpu():
    cpu = resolve_device("cpu")
    assert cpu == torch.device("cpu")
    assert resolve_precision("auto", cpu) == "fp32"  # bf16 on the CPU is opt-in: batching-dependent confidences
    assert resolve_precision("fp32", cpu) == "fp32"
    assert resolve_precision("bf16", cpu) == "bf16"
    with pytest.raises(ValueError, match="fp16"):
        resolve_precision("fp16", cpu)


def test_cpu_bf16_flag_agrees_with_proc_cpuinfo():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = fh.read()
    except OSError:
        pytest.skip("no /proc/cpuinfo on this platform")
    assert cpu_has_bf16() == ("avx512_bf16" in flags or "amx_bf16" in flags)


@no_gpu
@pytest.mark.parametrize("name", ["cuda", "cuda:0", "cuda:3"])
def test_cuda_without_a_gpu_is_a_device_error(name):
    with pytest.raises(DeviceError, match="no CUDA GPU"):
        resolve_device(name)
    assert resolve_device("auto") == torch.device("cpu")


@no_gpu
def test_model_system_reports_the_missing_gpu():
    from xxgk.neural.system import ModelSystem

    with pytest.raises(ValueError, match="'device' parameter"):
        ModelSystem(device="gpu")
    with pytest.raises(ValueError, match="'precision' parameter"):
        ModelSystem(precision="half")
    system = ModelSystem(device="cuda")  # the spelling is fine: the machine lacks it, which the first use says
    with pytest.raises(DeviceError):
        _ = system.runtime
    runtime = ModelSystem(device="cpu", precision="fp32").runtime
    assert (runtime["device"], runtime["precision"]) == ("cpu", "fp32")


def test_rules_system_checks_the_spelling_but_runs_on_the_cpu():
    import xxgk

    with pytest.raises(ValueError, match="'device' parameter"):
        xxgk.analyze(TEXT, system="rules", tables=False, device="gpu")
    report = xxgk.analyze(TEXT, system="rules", tables=False, device="cuda")  # rules need no device
    assert report.sentences[-1].tag == "problem"


@no_gpu
def test_analyze_with_cuda_and_no_gpu_raises(shipped_model):
    import xxgk

    with pytest.raises(DeviceError):
        xxgk.analyze(TEXT, device="cuda", tables=False)


@no_gpu
def test_cli_device_errors(shipped_model, tmp_path):
    env_cmd = [sys.executable, "-m", "xxgk"]
    run = subprocess.run([*env_cmd, "analyze", "--text", TEXT, "--device", "cuda"], capture_output=True, text=True)
    assert run.returncode == 1 and "no CUDA GPU" in run.stderr
    run = subprocess.run([*env_cmd, "models", "info", "--device", "cpu", "--precision", "fp32"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    runtime = json.loads(run.stdout)["runtime"]
    assert (runtime["device"], runtime["precision"]) == ("cpu", "fp32")
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    run = subprocess.run([*env_cmd, "tag", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "--device", "cuda"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "no CUDA GPU" in run.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_tag_manifest_records_where_the_model_ran(shipped_model, tmp_path):
    from xxgk.batch import tag

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(TEXT, encoding="utf-8")
    summary = tag([tmp_path / "in"], tmp_path / "out", progress=False, device="cpu", precision="fp32")
    assert summary.ok
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runtime"]["device"] == "cpu"
    assert manifest["runtime"]["precision"] == "fp32"
    assert manifest["runtime"]["jobs"] == 1


@pytest.fixture(scope="module")
def corpus_sentences(corpus_dir):
    from xxgk.pipeline import prepare
    from xxgk.reading import read

    docs = [prepare(read(corpus_dir / name)) for name in ("000_hangzhou_emergency_2021.txt", "004_pingtan_2019.txt")]
    return docs


def test_length_buckets_give_each_sentence_its_own_vector(shipped_model, corpus_sentences):
    """Many small buckets (sorted by length, padded per bucket) give the vectors of one sentence at a time, in order."""
    from xxgk.pipeline import get_system

    enc = get_system("model", device="cpu").model.encoder
    texts = [t for d in corpus_sentences for t in d.texts][:40]
    lengths = [len(ids) for ids in enc.tokenize(texts)]
    assert len(set(lengths)) > 5  # sentences of many lengths, so the buckets reorder them
    batches = enc._buckets(lengths, 256)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    assert all(len(b) * max(lengths[i] for i in b) <= 256 or len(b) == 1 for b in batches)
    together = enc.embed(texts, batch_tokens=256, precision="fp32")
    alone = torch.stack([enc.embed([t], precision="fp32")[0] for t in texts[:8]])
    torch.testing.assert_close(together[:8], alone, atol=2e-4, rtol=1e-3)


def test_bf16_places_real_reports_as_fp32_does(shipped_model, corpus_sentences):
    from xxgk.pipeline import get_system

    fp32 = get_system("model", device="cpu", precision="fp32").predict(corpus_sentences)
    bf16 = get_system("model", device="cpu", precision="bf16").predict(corpus_sentences)
    n = sum(len(p.sections) for p in fp32)
    same_sections = sum(a == b for p, q in zip(fp32, bf16) for a, b in zip(p.sections, q.sections))
    same_tags = sum(a == b for p, q in zip(fp32, bf16) for a, b in zip(p.tags, q.tags))
    assert n > 50
    assert same_sections / n >= 0.98 and same_tags / n >= 0.98
    conf = [(a, b) for p, q in zip(fp32, bf16) for a, b in zip(p.tag_confidence, q.tag_confidence)]
    assert max(abs(a - b) for a, b in conf) < 0.1


def test_spacy_component_takes_the_device():
    spacy = pytest.importorskip("spacy")
    import xxgk.spacy  # noqa: F401  (registers the factory)

    nlp = spacy.blank("zh")
    with pytest.raises(ValueError, match="'device' parameter"):
        nlp.add_pipe("xxgk", config={"system": "rules", "device": "gpu"})
    comp = nlp.add_pipe("xxgk", config={"system": "rules", "device": "cpu", "precision": "fp32"})
    assert json.loads(comp.to_bytes()) == {"system": "rules", "tables": True, "spans_key": "sections", "device": "cpu",
                                                 "precision": "fp32"}
    doc = nlp(TEXT)
    assert [s._.tag for s in doc.sents][-1] == "problem"
