"""The fine-tuned section + tag model (the ``model`` system).

- :mod:`.base`: fetch m3e-small once into the xxgk cache (``xxgk models fetch-base``); load it from there only.
- :mod:`.model`: the architecture and its configuration, in parts: :mod:`.features` (form features),
  :mod:`.encoder` (sentence encoder, loading the base), :mod:`.crf`, :mod:`.heads` (document BiGRU, section and tag heads).
- :mod:`.fit`, :mod:`.data`, :mod:`.recipe`: training: the loop, the labelled examples, the recipe.
- :mod:`.store`: save and load only what the base cannot rebuild.
- :mod:`.system`: :class:`~xxgk.neural.system.ModelSystem`, registered as ``model``.

Importing this package loads neither torch nor transformers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["status"]


def status(device: str = "auto", precision: str = "auto") -> dict[str, Any]:
    """Where the base and the shipped model are, whether they are usable, and where the model runs (``xxgk models info``).

    ``runtime`` says which device and precision ``device`` and ``precision``
    resolve to on this machine (see :mod:`.device`), or the problem (a GPU
    asked for and missing).
    """
    from ..errors import DeviceError, ModelError
    from .base import BASE_PACKAGE, BASE_SHA256, BASE_VERSION, base_available, base_path
    from .store import DEFAULT_MODEL_DIR, read_model_info
    from .system import ModelSystem

    out: dict[str, Any] = {
        "base": {"path": str(base_path()), "fetched": base_available(), "package": f"{BASE_PACKAGE}=={BASE_VERSION}",
                 "wheel_sha256": BASE_SHA256},
        "model": {"path": str(DEFAULT_MODEL_DIR), "present": False},
    }
    try:
        info = read_model_info(DEFAULT_MODEL_DIR)
    except ModelError as err:
        out["model"]["problem"] = str(err)
        return out
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file())
    model = info["model"]
    out["model"].update({
        "present": True, "version": ModelSystem().version, "format": info["format"], "megabytes": round(size / 1e6, 1),
        "train_layers": model.get("train_layers"), "sections": model.get("section_labels"), "tags": model.get("tags"),
        "data": info.get("training", {}).get("data", {}),
    })
    try:
        out["runtime"] = ModelSystem(device=device, precision=precision).runtime
    except DeviceError as err:
        out["runtime"] = {"device": device, "precision": precision, "problem": str(err)}
    return out
