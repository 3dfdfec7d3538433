"""The training recipe: architecture, data and optimisation settings in one validated object.

``training/configs/default.toml`` holds the same values as :class:`Recipe`'s
defaults (a test checks it), so the command-line recipe
(``python -m training.train --config training/configs/default.toml``) and the
``model`` system's :meth:`~xxgk.neural.system.ModelSystem.fit`, which the
evaluation harness calls for each cross-validation fold, train the same way.

A TOML file has three tables, ``[model]`` (:class:`~xxgk.neural.model.ModelConfig`),
``[data]`` (:class:`DataArgs`) and ``[train]`` (:class:`~xxgk.neural.fit.TrainArgs`)::

    >>> r = Recipe.from_dict({"model": {"train_layers": 0}, "train": {"epochs": 2}})
    >>> r.model["train_layers"], r.train.epochs, r.data.silver
    (0, 2, True)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .data import VARIANTS
from .fit import TrainArgs
from .model import ModelConfig

__all__ = ["DataArgs", "Recipe", "MODEL_SETTINGS"]

#: The :class:`ModelConfig` fields a recipe may set (the rest is read from the base).
MODEL_SETTINGS = ("train_layers", "max_tokens", "sent_dim", "doc_hidden", "doc_layers", "dropout", "heading_prior",
                  "rule_features", "features", "headless_rules")


@dataclass
class DataArgs:
    """What the model learns from.

    Parameters
    ----------
    gold_variants : list of str
        The copies of each gold report trained on: ``clean`` and damaged ones
        (names of :data:`xxgk.neural.data.VARIANTS`, ``+`` to combine).
    silver : bool, default True
        Add the corpus reports without gold, labelled by the ``rules`` system
        where their headings are unambiguous.
    silver_variants : list of str
        The copies of each silver report trained on.
    silver_tag_weight : float, default 0.0
        Weight of the rules' tags in the tag loss (0: silver teaches sections only).
    silver_overlap : float, default 0.5
        A corpus report sharing this share of its text with a gold report is
        not used as silver (see :func:`xxgk.neural.data.overlaps`).
    seed : int, default 13
        Seed of the damage (hard-wrap widths).
    """

    gold_variants: list[str] = field(default_factory=lambda: [
        "clean", "no-headings", "hard-wrap", "flatten", "no-headings+flatten"])
    silver: bool = True
    silver_variants: list[str] = field(default_factory=lambda: ["clean", "no-headings", "hard-wrap"])
    silver_tag_weight: float = 0.0
    silver_overlap: float = 0.5
    seed: int = 13

    def __post_init__(self) -> None:
        for name in ("gold_variants", "silver_variants"):
            value = getattr(self, name)
            if not isinstance(value, list) or not value:
                raise ValueError(f"The '{name}' parameter of DataArgs must be a non-empty list of variant names. Got {value!r} instead.")
            for v in value:
                for part in str(v).split("+"):
                    if part not in VARIANTS:
                        raise ValueError(f"The '{name}' parameter of DataArgs has unknown variant {v!r}; "
                                         f"expected names of {', '.join(VARIANTS)} joined by '+'.")
        if not isinstance(self.silver_tag_weight, (int, float)) or self.silver_tag_weight < 0:
            raise ValueError(f"The 'silver_tag_weight' parameter of DataArgs must be a float >= 0. Got {self.silver_tag_weight!r} instead.")
        if not 0 < self.silver_overlap <= 1:
            raise ValueError(f"The 'silver_overlap' parameter of DataArgs must be a float in (0, 1]. Got {self.silver_overlap!r} instead.")


@dataclass
class Recipe:
    """Everything that decides how a model is trained."""

    model: dict[str, Any] = field(default_factory=lambda: {
        "train_layers": 1, "max_tokens": 64, "sent_dim": 256, "doc_hidden": 128, "doc_layers": 1, "dropout": 0.2,
        "heading_prior": 8.0, "features": "v2"})
    data: DataArgs = field(default_factory=DataArgs)
    train: TrainArgs = field(default_factory=TrainArgs)

    def __post_init__(self) -> None:
        unknown = set(self.model) - set(MODEL_SETTINGS)
        if unknown:
            raise ValueError(f"Unknown [model] setting(s) {sorted(unknown)}; a recipe may set {', '.join(MODEL_SETTINGS)}.")
        ModelConfig(**self.model)  # validates the values

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        unknown = set(data) - {"model", "data", "train"}
        if unknown:
            raise ValueError(f"Unknown recipe table(s) {sorted(unknown)}; expected [model], [data] and [train].")
        base = cls()
        model = {**base.model, **data.get("model", {})}
        return cls(model=model, data=_build(DataArgs, data.get("data", {})), train=_build(TrainArgs, data.get("train", {})))

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> Recipe:
        """Read a recipe; values missing from the file keep their defaults."""
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ValueError(f"{p}: cannot read the training recipe ({err}).") from err
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{p}: {err}") from err

    def to_dict(self) -> dict[str, Any]:
        return {"model": dict(self.model), "data": asdict(self.data), "train": self.train.to_dict()}


def _build(cls: type, values: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"Unknown {cls.__name__} setting(s) {sorted(unknown)}; expected some of {sorted(names)}.")
    return cls(**values)
