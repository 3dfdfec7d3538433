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
