"""The built wheel works where there is no checkout: the shipped model comes with it as package data.

The test builds the wheel from a copy of the package's sources, installs it into a fresh venv and runs that
venv's ``xxgk`` from a folder outside the repository, with neither ``PYTHONPATH`` nor ``XXGK_MODEL_DIR``, so
the only model it can find is the copy inside the wheel (``xxgk/_model``).

Installing the wheel's dependencies into the fresh venv would download or copy gigabytes (torch), so the
wheel goes in with ``--no-deps`` and the fresh venv sees the test venv's packages through a ``.pth`` file
that names the test venv's site-packages. A ``.pth`` line that is a folder only appends that folder to
``sys.path`` (the ``.pth`` files inside it are not run), so the editable install of the checkout stays
invisible, and the fresh venv's own site-packages, which holds the wheel, comes first. That the wheel
declares what it needs, and that the versions tested here satisfy it, is checked on its own
(:func:`test_wheel_requirements_are_met_by_the_tested_versions`) from the wheel's ``Requires-Dist``.

The base model (m3e-small) is the one ``make test`` fetched into ``XXGK_HOME``; ``xxgk models fetch-base``
in the fresh venv finds it there and fetches nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "000_hangzhou_emergency_2021.txt"
MODEL = "models/xxgk-sections-tags"


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built offline (no build isolation) from a copy of the sources, so the checkout stays clean."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(REPO / "xxgk", src / "xxgk", ignore=shutil.ignore_patterns("__pycache__", "_model"))
    shutil.copytree(REPO / MODEL, src / MODEL)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(dist), str(src)])
    (whl,) = dist.glob("xxgk-*.whl")
    return whl


def test_wheel_carries_the_model_and_only_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("config.json", "labels.json", "weights.safetensors"):
        assert f"xxgk/_model/{f}" in names
    assert "xxgk/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "training/", "models/", "benchmarks/"))]


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as z:
        (meta,) = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
        text = z.read(meta).decode("utf-8")
    return [Requirement(line.split(":", 1)[1].strip()) for line in text.splitlines() if line.startswith("Requires-Dist:")]


def test_wheel_requirements_are_met_by_the_tested_versions(wheel: Path) -> None:
    reqs = _requirements(wheel)
    names = {r.name.lower() for r in reqs}
    assert {"torch", "transformers", "scipy", "threadpoolctl", "safetensors", "pdfplumber"} <= names
    assert "charset-normalizer" not in names
    core = [r for r in reqs if r.marker is None]
    assert not {"spacy", "datasets"} & {r.name for r in core}  # optional: xxgk[spacy], xxgk[hf]
    for r in core:  # every core dependency bounded above where it is used past its public API
        if r.name in ("transformers", "pdfplumber", "torch"):
            assert any(s.operator in ("<", "==") for s in r.specifier), r
    unmet = []
    for extra in ("", "spacy", "hf", "dev"):
        for r in reqs:
            if r.name == "xxgk" or not (r.marker is None if not extra else r.marker and r.marker.evaluate({"extra": extra})):
                continue
            try:
                have = version(r.name)
            except PackageNotFoundError:
                unmet.append(f"{r} (not installed)")
                continue
            if not r.specifier.contains(have, prereleases=True):
                unmet.append(f"{r} (have {have})")
    assert not unmet, f"the wheel asks for versions the tests do not run with: {unmet}"


@pytest.mark.model
def test_wheel_in_a_fresh_venv_analyses_an_example(wheel: Path, tmp_path: Path, shipped_model: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "XXGK_MODEL_DIR", "VIRTUAL_ENV")}
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
         env=env)
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "_xxgk_test_deps.pth").write_text("".join(f"{p}\n" for p in deps), encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = {"cwd": elsewhere, "env": env, "timeout": 600}
    xxgk = str(venv / "bin" / "xxgk")

    # the package is the wheel's, and importing it loads neither spaCy nor datasets
    probe = ("import sys, xxgk; xxgk.analyze; print(xxgk.__file__); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'datasets', 'torch'}))")
    where, heavy = _run([str(python), "-c", probe], **run).stdout.splitlines()
    assert Path(where).is_relative_to(venv) and heavy == "[]"

    _run([xxgk, "models", "fetch-base"], **run)  # the base is in XXGK_HOME already: a no-op
    info = json.loads(_run([xxgk, "models", "info"], **run).stdout)
    assert info["model"]["present"], info
    assert Path(info["model"]["path"]).is_relative_to(venv)  # found as package data, not in the checkout

    report = json.loads(_run([xxgk, "analyze", str(EXAMPLE), "--json"], **run).stdout)
    assert report["system"] == "model"
    assert {s["label"] for s in report["sections"]} >= {"overview", "applications"}
    assert {s["tag"] for s in report["sentences"]} >= {"achievement", "plan"}
    assert set(report["tables"]) == {"active_disclosure", "applications", "review_litigation"}
