"""The ``model`` system: the fine-tuned transformer behind :class:`xxgk.pipeline.System`.

``get_system("model")`` gives a :class:`ModelSystem`. Its :meth:`~ModelSystem.predict`
loads the shipped model (``models/xxgk-sections-tags``) on top of the fetched
m3e-small base the first time it is needed; :meth:`~ModelSystem.fit` trains a
fresh one with the default recipe, which is what the evaluation harness does
for each cross-validation fold (``xxgk evaluate --system model --cv``).

Without the base, the system fails with
:class:`~xxgk.errors.BaseModelMissingError`, whose message names the command
that fetches it; it never falls back to another system silently.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..pipeline import Prediction, Prepared
from .recipe import Recipe

__all__ = ["ModelSystem", "train_on_gold", "new_model"]

# loaded shipped models, by (model folder, base folder, device): analyze() builds a system per call
_LOADED: dict[tuple[str, str, str], Any] = {}


class ModelSystem:
    """Sections and tags by the fine-tuned model.

    Parameters
    ----------
    model_dir : path, optional
        A trained model's folder; default the shipped ``models/xxgk-sections-tags``.
    base_dir : path, optional
        The base model's folder; default the fetched m3e-small (``xxgk models fetch-base``).
    recipe : Recipe or path, optional
        How :meth:`fit` trains (a :class:`~xxgk.neural.recipe.Recipe` or a TOML
        file); default the built-in recipe, the same as
        ``training/configs/default.toml``.
    corpus : sequence of path, optional
        Where :meth:`fit` takes silver reports from; default the folders of
        the gold files' sources.
    batch_tokens : int, optional
        Padded tokens per encoder batch at prediction time; default 4096 on
        the CPU and 65536 on a GPU.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
        Where the model predicts and trains: ``"auto"`` is the first GPU when
        torch sees one, else the CPU (see :mod:`xxgk.neural.device`).
    precision : {"auto", "fp32", "bf16", "fp16", "int8"}, default "auto"
        The dtype of the encoder's matrix products at prediction time:
        ``"auto"`` is ``bf16`` on a CPU with bfloat16 instructions and on a
        GPU that has it, ``fp16`` on an older GPU, else ``fp32``; ``"int8"``
        (CPU only) quantises the encoder's linear layers. The heads and the
        CRF run in float32 whatever it is.
    log : callable, optional
        Receives progress lines while fitting.

    Raises
    ------
    ValueError
        For a bad parameter (an unknown device spelling or precision included).

    Notes
    -----
    A device that the machine lacks (``"cuda"`` without a GPU) raises
    :class:`~xxgk.errors.DeviceError` from :meth:`check`, :attr:`runtime` and
    the first prediction.
    """

    name = "model"

    def __init__(
        self,
        model_dir: str | os.PathLike | None = None,
        base_dir: str | os.PathLike | None = None,
        recipe: Recipe | str | os.PathLike | None = None,
        corpus: Sequence[str | os.PathLike] | None = None,
        batch_tokens: int | None = None,
        log: Callable[[str], None] | None = None,
        device: str = "auto",
        precision: str = "auto",
    ) -> None:
        from .device import check_device, check_precision

        if batch_tokens is not None and (not isinstance(batch_tokens, int) or isinstance(batch_tokens, bool) or batch_tokens < 64):
            raise ValueError(f"The 'batch_tokens' parameter of ModelSystem must be an int >= 64. Got {batch_tokens!r} instead.")
        self.device = check_device(device)
        self.precision = check_precision(precision)
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self.base_dir = Path(base_dir) if base_dir is not None else None
        if recipe is None or isinstance(recipe, Recipe):
            self.recipe = recipe or Recipe()
        else:
            self.recipe = Recipe.from_toml(recipe)
        self.corpus = [Path(c) for c in corpus] if corpus is not None else None
        self.batch_tokens = batch_tokens
        self.log = log
        self.training_info: dict[str, Any] = {}
        self._model: Any = None
        self._runtime: tuple[Any, str] | None = None

    # -- loading -------------------------------------------------------------

    @property
    def version(self) -> str:
        """Which weights predict: ``fitted`` after :meth:`fit`, else a short hash of the model folder's files (calibration included).

        Batch runs key their results on it, so new weights make ``xxgk tag``
        analyse every input again.
        """
        if self.training_info:
            return "fitted"
        from .base import sha256_file
        from .store import DEFAULT_MODEL_DIR, read_model_info

        folder = Path(self.model_dir or DEFAULT_MODEL_DIR)
        read_model_info(folder)  # a clear ModelError when a file is missing
        h = hashlib.sha256()
        for name in ("config.json", "labels.json", "weights.safetensors"):
            h.update(sha256_file(folder / name).encode())
        if (folder / "calibration.json").is_file():  # a new calibration changes the confidences a batch recorded
            h.update(sha256_file(folder / "calibration.json").encode())
        return h.hexdigest()[:12]

    def check(self) -> None:
        """Raise now, not at the first report, when the base or the model folder is missing or damaged.

        Raises
        ------
        xxgk.errors.BaseModelMissingError
            When the base model is not fetched (the message names the command that fetches it).
        xxgk.errors.ModelError
            When the model folder lacks a file or was trained on another base.
        """
        from .base import require_base
        from .store import DEFAULT_MODEL_DIR, read_model_info

        if self.base_dir is None:
            require_base()
        if self._model is None:
            read_model_info(self.model_dir or DEFAULT_MODEL_DIR)
        self._resolve()

    def _resolve(self) -> tuple[Any, str]:
        """The torch device and the precision this system runs in (resolved once)."""
        if self._runtime is None:
            from .device import resolve_device, resolve_precision

            dev = resolve_device(self.device)
            self._runtime = (dev, resolve_precision(self.precision, dev))
        return self._runtime

    @property
    def runtime(self) -> dict[str, str]:
        """Where and how it predicts: ``{"device": "cpu", "precision": "bf16", "device_name": …, "batch_tokens": …}``.

        ``xxgk models info`` shows it and ``xxgk tag`` records it in the manifest.
        """
        from .device import describe

        dev, precision = self._resolve()
        return {"device": str(dev), "precision": precision, "device_name": describe(dev),
                "batch_tokens": str(self._batch_tokens(dev))}

    def _batch_tokens(self, dev: Any) -> int:
        return self.batch_tokens or (65536 if dev.type == "cuda" else 4096)

    @property
    def model(self) -> Any:
        """The :class:`~xxgk.neural.model.SectionTagModel` (loaded on first use, once per process and folder)."""
        if self._model is None:
            from .base import require_base
            from .encoder import VectorCache
            from .store import DEFAULT_MODEL_DIR, load_model

            base = self.base_dir if self.base_dir is not None else require_base()
            dev, _ = self._resolve()
            key = (str(Path(self.model_dir or DEFAULT_MODEL_DIR).resolve()), str(Path(base).resolve()), str(dev))
            if key not in _LOADED:
                _LOADED[key] = load_model(self.model_dir, base_dir=base).to(dev)
                _LOADED[key].encoder.vector_cache = VectorCache()  # reports repeat sentences: encode each once
            self._model = _LOADED[key]
        return self._model

    # -- System -------------------------------------------------------

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        """One :class:`~xxgk.pipeline.Prediction` per document (all sentences encoded in length-bucketed batches).

        Raises
        ------
        xxgk.errors.BaseModelMissingError
            When the base model is not fetched.
        xxgk.errors.ModelError
            When the model folder is missing or damaged.
        """
        from .calibrate import section_covariates, temper
        from .features import prepared_features

        model = self.model
        dev, precision = self._resolve()
        cal = self.calibration
        secs, tags = model.config.section_labels, model.config.tags
        raw = model.predict_docs([d.texts for d in docs], [prepared_features(d, model.config.features) for d in docs],
                                 batch_tokens=self._batch_tokens(dev), precision=precision)
        out = []
        for doc, (s, t, _tc, _sc, sp, tp) in zip(docs, raw):
            # calibrated confidences of the chosen labels (calibration leaves the labels as they are)
            cov = section_covariates(doc.texts, sp[range(len(s)), s] if s else None, doc.headings)
            sc = cal.section_confidence(sp, s, cov) if s else []
            tc = temper(tp, cal.tag_temperature)[range(len(t)), t].tolist() if t else []
            out.append(Prediction(sections=[secs[i] for i in s], tags=[tags[i] for i in t], tag_confidence=tc,
                                  section_confidence=sc, section_probs=sp, tag_probs=tp, covariates=cov))
        return out

    @property
    def calibration(self) -> Any:
        """The model folder's ``calibration.json`` (:mod:`xxgk.neural.calibrate`); none after :meth:`fit`."""
        from .calibrate import Calibration, load_calibration
        from .store import DEFAULT_MODEL_DIR

        if self.training_info:
            return Calibration()
        return load_calibration(self.model_dir or DEFAULT_MODEL_DIR)

    # -- TrainableSystem ----------------------------------------------

    def fit(self, docs: Sequence[Prepared], golds: Sequence[Any]) -> ModelSystem:
        """Train a fresh model from the base on ``docs`` and their gold files (plus silver and damaged copies).

        Replaces whatever model the object had, the shipped one included.
        """
        model, info = train_on_gold(docs, golds, self.recipe, base_dir=self.base_dir, corpus=self.corpus, log=self.log,
                                    device=self._resolve()[0])
        self._model = model
        self.training_info = info
        return self


def train_on_gold(
    docs: Sequence[Prepared],
    golds: Sequence[Any],
    recipe: Recipe | None = None,
    *,
    base_dir: str | os.PathLike | None = None,
    corpus: Sequence[str | os.PathLike] | None = None,
    log: Callable[[str], None] | None = None,
    device: Any = None,
) -> tuple[Any, dict[str, Any]]:
    """Build the training set and train a model with ``recipe``: ``(model, info)``.

    ``info`` holds the data counts, the recipe and the training's figures.
    ``device`` (``"cpu"``, ``"cuda"`` … or a ``torch.device``) is where it
    trains; default the CPU.
    """
    from .base import require_base
    from .data import training_examples
    from .fit import train

    recipe = recipe or Recipe()
    base = Path(base_dir) if base_dir is not None else require_base()
    examples, counts = training_examples(docs, golds, recipe.data, corpus=corpus, log=log,
                                         feature_set=recipe.model.get("features", "v1"))
    model = new_model(recipe, base)
    stats = train(model, examples, recipe.train, log=log, device=device)
    return model, {"data": counts, "recipe": recipe.to_dict(), "fit": stats}


def new_model(recipe: Recipe, base_dir: str | os.PathLike | None = None) -> Any:
    """A model with the base's weights and freshly initialised heads, seeded by the recipe (so training is repeatable)."""
    import torch

    from .base import require_base
    from .model import build_model

    base = Path(base_dir) if base_dir is not None else require_base()
    torch.manual_seed(recipe.train.seed)
    return build_model(base, **recipe.model)
