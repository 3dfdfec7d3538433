"""The evaluation harness: score sections, sentence tags and tables against gold files.

Modules: :mod:`.metrics` (the figures), :mod:`.runner` (:func:`evaluate`),
:mod:`.summary` (readable tables), :mod:`.accuracy` (the README's "Accuracy"
section). The training data the harness shares with the trainable systems
lives below both and is re-exported here: :mod:`xxgk.gold` (load and check
gold files), :mod:`xxgk.align` (predicted ↔ gold sentences, tolerant of
different boundaries), :mod:`xxgk.perturb` (harder copies with the gold
carried through).

From the shell: ``xxgk evaluate GOLD_DIR [--root DIR] [--system NAME]
[--perturb NAME|all] [--cv [K]] [--json FILE] [--by-report]``.

Plugging in a system
--------------------
A system implements :class:`xxgk.pipeline.System` (``name``,
``predict(docs) -> list[Prediction]``) and is registered with
:func:`xxgk.pipeline.register_system`. To be cross-validated (``--cv``) it
also implements :class:`xxgk.pipeline.TrainableSystem`:
``fit(docs, golds) -> self``, where ``golds`` are :class:`GoldDoc` and
:func:`gold_labels_for` gives each of a document's sentences its gold
section, tag and a mask. The harness builds a fresh system per fold with
``get_system(name)``, fits it on the other folds' clean documents and
predicts the held-out fold, clean and perturbed. Nothing else is needed.

JSON schema (``xxgk-evaluation/1``)
-----------------------------------
Every figure is a number in [0, 1] unless it is a count; ``None`` (``null``)
where there is nothing to measure::

    {
      "schema": "xxgk-evaluation/1",
      "system": "rules",
      "cv": null | {"folds": 31, "scheme": "leave-one-report-out" | "5-fold", "grouped_by": "report"},
      "trainable": false,             # true: the system has fit (scores without cv may be on its training data)
      "gold_dir": "...", "root": "...", "xxgk_version": "0.1.0", "commit": "abc1234" | "abc1234-dirty" | null,
      "reports": 32,                  # gold files found
      "scored": 32,                   # whose source could be read
      "errors": {"<id>": "<why it was not scored>"},
      "runs": {                       # "clean" first, then each perturbation asked for
        "<run>": {
          "overall": {
            "reports": 32, "sentences": 1316, "matched": 1312, "coverage": 0.997,
            "sections": {
              "n": 1316, "correct": 1259, "accuracy": 0.957,
              "boundary": {"precision", "recall", "f1", "tp", "fp", "fn"},   # summed over reports
              "pk": 0.036, "windowdiff": 0.05,                               # means over reports
              "per_label": {"<label>": {"precision", "recall", "f1", "support", "tp", "fp", "fn"}},
              "macro_f1": 0.9
            },
            "tags": {
              "n", "correct", "accuracy",
              "per_tag": {"<tag>": {"precision", "recall", "f1", "support", "tp", "fp", "fn"}},
              "macro_f1": 0.86,                                              # over tags in gold or prediction
              "confusion": {"<gold tag>": {"<predicted tag>": n, ..., "unmatched": n}}
            }
          },
          "reports": [
            {"id", "source", "group", "error": null,
             "sentences", "predicted_sentences", "matched", "coverage",
             "sections": {... as overall, plus "k" (the Pk / WindowDiff window)},
             "tags": {... as overall}}
            # or {"id", "source", "group", "error": "<why>"} for a report not scored
          ]
        }
      },
      "tables": {
        "status": "scored" | "skipped", "reason": "..." (when skipped),
        "gold_reports": 10,           # gold files with tables
        "all" | "cells_in_source" | "cells_lost": {
          "reports", "cells", "correct", "accuracy", "all_right_reports", "all_right_share",
          "per_table": {"<table>": {"cells", "correct", "accuracy", "tables", "all_right"}}
        },
        "rules": {"assessed", "agree", "agreement",
                  "per_rule": {"A1" | "A2" | "A3" | "R1" | "N1": {"assessed", "agree", "agreement"}}},
        "reports": [
          {"id", "cells_in_source", "error": null | "<the extractor's exception: its cells count as wrong>",
           "cells", "correct", "accuracy", "all_right",
           "per_table": {"<table>": {"cells", "correct", "accuracy", "all_right", "extracted", "wrong": ["row.col"]}},
           "rules": {"gold": {"A1": "pass" | "fail" | "not_assessable"}, "xxgk": {...}, "agree": {"A1": true}}}
        ]
      },
      "seconds": {"total": 2.4, "predict": 0.3}
    }

How figures are counted: sections and tags on the gold sentences, each taking
the label of the predicted sentence aligned with it (an unmatched one is
wrong); see :mod:`.metrics`. Tables on the clean documents only; a cell of a
source that lost its cells (``meta.cells_in_source`` false) is right when it
is the gold number or null with an ``ambiguous`` status or finding. A rule
verdict is compared only where the rule can be assessed on the gold numbers;
the gold verdicts come from :mod:`xxgk.validate` itself, run on the gold
numbers (a gold ``null`` is a cell the report leaves empty, counted as 0 as in
an extracted table).
"""

from __future__ import annotations

from ..align import Alignment, align, align_sentences, gold_labels_for
from ..gold import GoldDoc, GoldSection, GoldSentence, gold_files, iter_gold, load_gold
from ..perturb import PERTURBATIONS
from .runner import SCHEMA, evaluate
from .summary import format_summary

__all__ = [
    "SCHEMA",
    "PERTURBATIONS",
    "GoldDoc",
    "GoldSection",
    "GoldSentence",
    "Alignment",
    "load_gold",
    "iter_gold",
    "gold_files",
    "align",
    "align_sentences",
    "gold_labels_for",
    "evaluate",
    "format_summary",
]
