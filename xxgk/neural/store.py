"""Saving and loading a trained model: only what the base cannot rebuild.

A model folder holds:

``weights.safetensors``
    The fine-tuned top encoder layers and the document layer and heads
    (``encoder.top.*``, ``heads.*``); the frozen layers come from the base.
``config.json``
    The architecture (:class:`~xxgk.neural.model.ModelConfig`), the base it
    was trained on (package, version, wheel sha256) and the format version.
``labels.json``
    The label maps: section labels and tags by index.

:func:`load_model` refuses a folder whose base is not the one fetched, whose
format it does not know, or whose weights do not fit the architecture.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from .base import BASE_NAME, BASE_PACKAGE, BASE_SHA256, BASE_VERSION, require_base

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from .model import SectionTagModel

__all__ = ["FORMAT", "save_model", "load_model", "read_model_info", "DEFAULT_MODEL_DIR", "default_model_dir"]

#: Version of the folder's layout; bumped when it changes.
FORMAT = "xxgk-sections-tags/1"


def default_model_dir() -> Path:
    """The shipped model's folder.

    In order: ``$XXGK_MODEL_DIR`` when set; the repository's top-level
    ``models/xxgk-sections-tags`` in a checkout (an editable install
    included); the copy a built wheel carries as package data
    (``xxgk/_model``, found with :mod:`importlib.resources`). When none
    holds a model, the checkout's path (so an error names where it should be).
    """
    if os.environ.get("XXGK_MODEL_DIR"):
        return Path(os.environ["XXGK_MODEL_DIR"])
    from importlib.resources import files

    package = Path(str(files("xxgk"))).resolve()
    checkout = package.parent / "models" / "xxgk-sections-tags"
    if (checkout / "config.json").is_file():
        return checkout
    shipped = package / "_model"
    if (shipped / "config.json").is_file():
        return shipped
    return checkout


#: The shipped model (:func:`default_model_dir`, read when xxgk is imported).
DEFAULT_MODEL_DIR = default_model_dir()

_WEIGHTS = "weights.safetensors"


def save_model(model: SectionTagModel, folder: str | os.PathLike, *, info: dict[str, Any] | None = None,
               dtype: torch.dtype | None = None) -> Path:
    """Write ``model``'s trainable weights, config and label maps into ``folder``.

    Parameters
    ----------
    model : SectionTagModel
        A trained model.
    folder : path
        Created when missing; existing model files in it are replaced.
    info : dict, optional
        Extra facts kept in ``config.json`` under ``"training"`` (data counts, recipe, metrics).
    dtype : torch.dtype, optional
        The dtype floating-point weights are stored in (default float32; ``torch.float16`` halves the size).
    """
    import torch
    from safetensors.torch import save_file

    dtype = dtype or torch.float32
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: (v.to(dtype) if v.is_floating_point() else v).cpu() for k, v in model.trainable_state_dict().items()}
    save_file(state, str(out / _WEIGHTS), metadata={"format": FORMAT})
    cfg = model.config.to_dict()
    section_labels, tags = cfg.pop("section_labels"), cfg.pop("tags")
    config = {
        "format": FORMAT,
        "base": {"name": BASE_NAME, "package": BASE_PACKAGE, "version": BASE_VERSION, "wheel_sha256": BASE_SHA256},
        "model": cfg,
        "training": info or {},
    }
    (out / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    labels = {"section_labels": section_labels, "tags": tags}
    (out / "labels.json").write_text(json.dumps(labels, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def read_model_info(folder: str | os.PathLike) -> dict[str, Any]:
    """The ``config.json`` of a model folder, checked (with the label maps merged into ``model``)."""
    path = Path(folder)
    cfg_path, lab_path = path / "config.json", path / "labels.json"
    for p in (cfg_path, lab_path, path / _WEIGHTS):
        if not p.is_file():
            raise ModelError(f"{path}: the model folder lacks {p.name}. Train a model (`make train`), pass the right "
                             "folder, or point XXGK_MODEL_DIR at a copy of the repository's models/xxgk-sections-tags.")
    try:
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
        labels = json.loads(lab_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelError(f"{path}: config.json or labels.json cannot be read ({err}).") from err
    if config.get("format") != FORMAT:
        raise ModelError(f"{path}: model format {config.get('format')!r} is not {FORMAT!r}; this xxgk cannot load it.")
    base = config.get("base", {})
    if base.get("wheel_sha256") != BASE_SHA256:
        raise ModelError(
            f"{path}: the model was trained on base {base.get('package')}=={base.get('version')} "
            f"(sha256 {base.get('wheel_sha256')}), not on the pinned {BASE_PACKAGE}=={BASE_VERSION}."
        )
    config["model"] = {**config.get("model", {}), "section_labels": labels.get("section_labels"), "tags": labels.get("tags")}
    return config


def load_model(folder: str | os.PathLike | None = None, *, base_dir: str | os.PathLike | None = None) -> SectionTagModel:
    """Load a saved model on top of the fetched base.

    Parameters
    ----------
    folder : path, optional
        The model folder; default :data:`DEFAULT_MODEL_DIR`.
    base_dir : path, optional
        The base model's folder; default the fetched m3e-small
        (:func:`~xxgk.neural.base.require_base`).

    Raises
    ------
    xxgk.errors.BaseModelMissingError
        When the base is not fetched (the message says how to fetch it).
    xxgk.errors.ModelError
        When the folder is incomplete, of another format or base, or its
        weights do not fit.
    """
    from safetensors.torch import load_file

    from .model import ModelConfig, build_model

    folder = Path(folder) if folder is not None else DEFAULT_MODEL_DIR
    base = Path(base_dir) if base_dir is not None else require_base()  # the most likely thing to be missing: say so first
    info = read_model_info(folder)
    try:
        config = ModelConfig.from_dict(info["model"])
    except (TypeError, ValueError) as err:
        raise ModelError(f"{folder}: config.json describes no valid model ({err}).") from err
    model = build_model(base, config)
    try:
        model.load_trainable_state_dict(load_file(str(folder / _WEIGHTS)))
    except ValueError as err:
        raise ModelError(f"{folder}: {err}") from err
    model.eval()
    return model
