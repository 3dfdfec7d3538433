"""Helpers for studying many reports at once: the tidy frames of :func:`xxgk.load` in, small frames out.

The research notebooks (``notebooks/``) are built on these; each helper is a
plain function of texts or of the ``sentences`` / ``cells`` / ``checks``
frames that ``xxgk tag`` writes, so it works on any corpus.

Language
--------
- :func:`problem_specificity`: does a problem sentence name an area, a number
  or a unit, or is it generic (主动公开意识有待增强)?
- :func:`split_items`: cut an enumeration (一是…；二是…) into its items.
- :func:`themes_of`: which of a lexicon's themes a text touches.
- :func:`shingle_similarity`, :func:`similarity_matrix`: character n-gram
  Jaccard similarity, the measure of copied text.
- :func:`reused_sentences`: which sentences of a report repeat one of an
  earlier report's.
- :func:`recurring_items`: groups of near-identical texts that come back in
  several years.
- :func:`sentence_vectors`, :func:`best_matches`: sentence embeddings (the
  model's base encoder when it is fetched, TF-IDF character n-grams otherwise)
  and nearest neighbours, for matching plans of year *t* with achievements of
  year *t + 1*; :func:`strip_scaffolding` removes the words sentences open
  with (the year, 一是, 下一步) before matching.

Tables
------
- :func:`application_values`: the ``applications`` table of every report as
  numbers, empties as 0, unknown cells as NaN.
- :func:`request_metrics`: per report, 实质公开率, the 本机关不掌握 rate,
  backlog and the outcome groups.
- :func:`review_metrics`: per report, disputes (复议 + 诉讼) and correction rates.
- :func:`check_failure_rates`: how often each consistency rule fails.
- :func:`carry_over_continuity`: 结转下年度 of year *t* against 上年结转 of *t + 1*.
- :func:`narrative_request_counts`, :func:`narrative_vs_table`: the number of
  applications a report states in words against its table.
"""

from __future__ import annotations

from .language import (
    AREAS,
    THEMES,
    Embeddings,
    Specificity,
    best_matches,
    problem_specificity,
    recurring_items,
    reused_sentences,
    sentence_vectors,
    shingle_similarity,
    shingles,
    similarity_matrix,
    split_items,
    strip_scaffolding,
    themes_of,
)
from .tables import (
    APPLICANTS,
    NarrativeCount,
    application_values,
    carry_over_continuity,
    check_failure_rates,
    narrative_request_counts,
    narrative_vs_table,
    request_metrics,
    review_metrics,
)

__all__ = [
    "AREAS",
    "THEMES",
    "Specificity",
    "problem_specificity",
    "split_items",
    "themes_of",
    "shingles",
    "shingle_similarity",
    "similarity_matrix",
    "reused_sentences",
    "recurring_items",
    "Embeddings",
    "sentence_vectors",
    "best_matches",
    "strip_scaffolding",
    "APPLICANTS",
    "application_values",
    "request_metrics",
    "review_metrics",
    "check_failure_rates",
    "carry_over_continuity",
    "NarrativeCount",
    "narrative_request_counts",
    "narrative_vs_table",
]
