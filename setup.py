"""Build hook: a built wheel carries the shipped model as package data.

The weights live in the repository's top-level ``models/xxgk-sections-tags``
(next to their card and the training recipe). A wheel has no top-level
folders, so ``build_py`` copies them into ``xxgk/_model`` inside the build;
:func:`xxgk.neural.store.default_model_dir` finds them there with
:mod:`importlib.resources`. An editable install (``pip install -e .``) copies
nothing: it runs from the checkout, which finds ``models/`` directly.
Everything else about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODEL_SRC = Path(__file__).resolve().parent / "models" / "xxgk-sections-tags"
MODEL_FILES = ("config.json", "labels.json", "weights.safetensors", "metrics.json", "README.md")


class BuildPyWithModel(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        missing = [name for name in MODEL_FILES[:3] if not (MODEL_SRC / name).is_file()]
        if missing:
            raise SystemExit(f"{MODEL_SRC}: the shipped model lacks {missing}; a wheel without it would not work.")
        target = Path(self.build_lib) / "xxgk" / "_model"
        target.mkdir(parents=True, exist_ok=True)
        for name in MODEL_FILES:
            if (MODEL_SRC / name).is_file():
                shutil.copy2(MODEL_SRC / name, target / name)


setup(cmdclass={"build_py": BuildPyWithModel})
