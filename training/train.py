"""Train the section + tag model and write it, with its model card, to ``models/xxgk-sections-tags``.

    python -m training.train --config training/configs/default.toml

Stages: read the recipe → build the training set (:mod:`training.data`) →
build the model on the fetched m3e-small base (``xxgk models fetch-base``)
→ train (:func:`xxgk.neural.fit.train`) → save only what the base cannot
rebuild (:func:`xxgk.neural.store.save_model`) → write the model card
(:mod:`training.card`). Seeded throughout: the same recipe, data and base
give the same weights.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

__all__ = ["Arguments", "parse_args", "main"]


@dataclass
class Arguments:
    """The command's arguments (each field is a ``--flag``)."""

    config: str = field(default="training/configs/default.toml", metadata={"help": "The recipe (TOML)."})
    gold: str = field(default="../shared/gold", metadata={"help": "Folder of gold files; every *.json in it is used."})
    root: str | None = field(default=None, metadata={"help": "Folder the gold files' sources are relative to."})
    corpus: str | None = field(default=None, metadata={"help": "Folder of silver reports (default: the gold sources' folder)."})
    output: str = field(default="models/xxgk-sections-tags", metadata={"help": "Where the model is written."})
    base: str | None = field(default=None, metadata={"help": "The base model's folder (default: the fetched m3e-small)."})
    float16: bool = field(default=False, metadata={"help": "Store the weights as float16 (half the size)."})
    max_steps: int | None = field(default=None, metadata={"help": "Stop after this many steps (smoke runs)."})
    device: str = field(default="cpu", metadata={"help": "Where to train: cpu (default; the shipped weights are trained "
                                                          "there), auto, cuda or cuda:N."})


def parse_args(argv: Sequence[str] | None = None) -> Arguments:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in fields(Arguments):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        if f.type in (bool, "bool"):
            p.add_argument(flag, action="store_true", help=f.metadata.get("help"))
        elif f.name == "max_steps":
            p.add_argument(flag, type=int, default=default, help=f.metadata.get("help"))
        else:
            p.add_argument(flag, default=default, help=f.metadata.get("help"))
    return Arguments(**vars(p.parse_args(argv)))


def main(argv: Sequence[str] | None = None) -> int:
    import dataclasses

    import torch

    from training.card import write_card
    from training.data import build_dataset
    from xxgk.neural.fit import train
    from xxgk.neural.recipe import Recipe
    from xxgk.neural.store import save_model
    from xxgk.neural.system import new_model

    args = parse_args(argv)
    t0 = time.time()
    recipe = Recipe.from_toml(args.config)
    if args.max_steps is not None:
        recipe.train = dataclasses.replace(recipe.train, max_steps=args.max_steps)
    torch.set_num_threads(recipe.train.threads)
    dataset, counts = build_dataset(args.gold, recipe.data, root=args.root,
                                    corpus=[args.corpus] if args.corpus else None, log=print,
                                    feature_set=recipe.model.get("features", "v1"))
    print(f"data: {len(dataset)} examples, {sum(len(t) for t in dataset['texts'])} sentences ({time.time() - t0:.0f}s)")
    model = new_model(recipe, args.base)
    stats = train(model, dataset, recipe.train, log=print, device=args.device)
    info = {"data": counts, "recipe": recipe.to_dict(), "fit": stats, "seconds_total": round(time.time() - t0, 1),
            "torch": torch.__version__, "device": str(model.encoder.device)}
    out = save_model(model, args.output, info=info, dtype=torch.float16 if args.float16 else torch.float32)
    write_card(out)
    size = sum(p.stat().st_size for p in Path(out).iterdir() if p.is_file())
    print(f"wrote {out} ({size / 1e6:.1f} MB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
