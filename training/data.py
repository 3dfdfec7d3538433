"""The training set of the section + tag model as a ``datasets.Dataset``.

Gold reports (every ``*.json`` of the gold folder, however many there are),
each as prepared and in damaged copies, plus silver reports from the corpus
labelled by the ``rules`` system where their headings are unambiguous; see
:mod:`xxgk.neural.data` for how each part is made and why.

    python -m training.data --gold ../shared/gold --out /tmp/xxgk-train-set

builds the set and saves it with ``Dataset.save_to_disk``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xxgk.gold import iter_gold
from xxgk.neural.data import training_examples
from xxgk.neural.recipe import DataArgs
from xxgk.pipeline import prepare
from xxgk.reading import read

__all__ = ["load_gold_reports", "build_dataset", "FEATURES"]


def _features():
    from datasets import Features, Value
    from datasets import Sequence as Seq

    return Features({
        "doc_id": Value("string"),
        "variant": Value("string"),
        "origin": Value("string"),
        "texts": Seq(Value("string")),
        "features": Seq(Seq(Value("float32"))),
        "sections": Seq(Value("int64")),
        "tags": Seq(Value("int64")),
        "tag_weight": Value("float32"),
        "section_weight": Value("float32"),
    })


FEATURES = _features


def load_gold_reports(gold_dir: str | Path, root: str | Path | None = None,
                      log: Callable[[str], None] = print) -> tuple[list[Any], list[Any]]:
    """Every gold file of ``gold_dir`` that can be read, and its prepared source: ``(prepared, golds)``."""
    from xxgk.errors import XxgkError

    preps, golds = [], []
    for gold in iter_gold(gold_dir, root=root):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                doc = read(gold.source_path)
        except XxgkError as err:
            log(f"skipped {gold.id}: {err}")
            continue
        preps.append(prepare(doc))
        golds.append(gold)
    return preps, golds


def build_dataset(gold_dir: str | Path, args: DataArgs | None = None, *, root: str | Path | None = None,
                  corpus: Sequence[str | Path] | None = None, log: Callable[[str], None] = print,
                  feature_set: str = "v1"):
    """The training set: ``(datasets.Dataset, counts)``; rows in a seeded order (features of ``feature_set``)."""
    from datasets import Dataset

    from xxgk.neural.data import shuffle_examples

    args = args or DataArgs()
    preps, golds = load_gold_reports(gold_dir, root=root, log=log)
    if not golds:
        raise ValueError(f"{gold_dir}: no readable gold report to train on.")
    examples, counts = training_examples(preps, golds, args, corpus=corpus, log=log, feature_set=feature_set)
    examples = shuffle_examples(examples, args.seed)
    return Dataset.from_list(examples, features=_features()), counts


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gold", default="../shared/gold", help="Folder of gold files.")
    p.add_argument("--root", default=None, help="Folder the gold files' sources are relative to.")
    p.add_argument("--out", required=True, help="Where to save the dataset.")
    a = p.parse_args(argv)
    ds, counts = build_dataset(a.gold, root=a.root)
    ds.save_to_disk(a.out)
    print(json.dumps(counts, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
