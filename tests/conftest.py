"""Shared fixtures: where the shared corpus and gold files are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not here: these tests need the shared corpus beside the repository (../shared).")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _need(SHARED)


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return _need(SHARED / "corpus")


@pytest.fixture(scope="session")
def gold_dir() -> Path:
    return _need(SHARED / "gold")


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shipped_model() -> Path:
    """The shipped model's folder; skips when the base is not fetched or the weights are missing.

    ``make test`` fetches the base and the weights are in git, so these tests
    run in CI; the skip is for a bare ``pytest`` on a machine without the base.
    """
    from xxgk.neural.base import base_available
    from xxgk.neural.store import DEFAULT_MODEL_DIR

    if not base_available():
        pytest.skip("needs the base model: run `make fetch-base` (or `xxgk models fetch-base`)")
    if not (DEFAULT_MODEL_DIR / "weights.safetensors").is_file():
        pytest.skip(f"needs the shipped weights in {DEFAULT_MODEL_DIR} (`make train` rebuilds them)")
    return DEFAULT_MODEL_DIR
