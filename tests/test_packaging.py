"""Optional extras and where the shipped model is found (the built wheel itself: test_wheel.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs in a child process in which spaCy and datasets cannot be imported, as after `pip install xxgk`.
_WITHOUT_EXTRAS = """
import sys, tempfile

class _Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("spacy", "datasets"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, _Absent())
import xxgk
from xxgk.errors import MissingExtraError
from xxgk.io import write_manifest, write_tables
from xxgk.tidy import empty_rows

report = xxgk.analyze("examples/000_hangzhou_emergency_2021.txt", system="rules")
print("analyze", len(report.sentences) > 0)
try:
    import xxgk.spacy
except MissingExtraError as err:
    print("spacy", isinstance(err, ImportError), err)
out = tempfile.mkdtemp()
write_tables(empty_rows(), out)
write_manifest(out, {"format": "parquet"})
try:
    xxgk.load_dataset(out)
except MissingExtraError as err:
    print("hf", err)
"""


def test_core_works_without_the_extras_and_names_them_when_needed() -> None:
    out = subprocess.run([sys.executable, "-c", _WITHOUT_EXTRAS], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "analyze True"
    assert lines[1].startswith("spacy True xxgk.spacy") and "pip install 'xxgk[spacy]'" in lines[1]
    assert lines[2].startswith("hf xxgk.load_dataset needs datasets") and "pip install 'xxgk[hf]'" in lines[2]


def _model_dir(env: dict[str, str]) -> str:
    code = "from xxgk.neural.store import default_model_dir; print(default_model_dir())"
    full = {**{k: v for k, v in os.environ.items() if k != "XXGK_MODEL_DIR"}, **env}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=full, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_model_dir_is_the_checkout_unless_overridden(tmp_path: Path) -> None:
    import xxgk

    checkout = Path(xxgk.__file__).resolve().parents[1] / "models" / "xxgk-sections-tags"
    assert Path(_model_dir({})) == checkout
    assert Path(_model_dir({"XXGK_MODEL_DIR": str(tmp_path)})) == tmp_path
    assert (checkout / "weights.safetensors").is_file()


def test_extras_are_declared() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = " ".join(project["dependencies"])
    assert "spacy" not in core and "datasets" not in core and "charset-normalizer" not in core
    extras = project["optional-dependencies"]
    assert extras["spacy"][0].startswith("spacy") and extras["hf"][0].startswith("datasets")
    assert "xxgk[spacy,hf]" in extras["dev"] and any(d.startswith("mypy") for d in extras["dev"])
