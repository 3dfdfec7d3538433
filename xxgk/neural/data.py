"""Labelled examples for the model: gold files, silver labels and damaged copies of both.

Three sources of documents, one shape (see :mod:`xxgk.neural.fit`):

gold
    A report with a gold file: each sentence of the prepared document takes
    its gold section and tag through :func:`xxgk.align.gold_labels_for`,
    whatever the sentence boundaries.
silver
    The rest of the corpus, labelled by the ``rules`` system where its
    headings are unambiguous (:func:`silver_gold`): at least three sections,
    each opened by a sentence that starts with a numbered heading naming it.
    Reports whose text overlaps a gold report (the same report in another
    format, a near-copy of it) are left out, so that no held-out report is
    seen through its twin.
augmentation
    Copies damaged the way real copies are, with the labels carried through
    (:func:`variant_text`): headings removed, traditional characters, hard
    wraps, crawler flattening, full-width punctuation, and combinations
    (``no-headings+flatten``). The damage is done by the evaluation harness's
    own :mod:`xxgk.perturb` functions, on the normalised text, which
    is then read back as a plain-text report, exactly as the harness does.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..spec import SECTION_LABELS, TAGS
from .features import prepared_features
from .fit import IGNORE

__all__ = [
    "VARIANTS",
    "variant_text",
    "labelled_example",
    "gold_examples",
    "silver_gold",
    "corpus_files",
    "overlaps",
    "shingles",
    "shingle_share",
    "silver_examples",
]

log = logging.getLogger(__name__)

#: The damage each training copy may carry; ``a+b`` applies ``a`` then ``b``.
VARIANTS: tuple[str, ...] = ("clean", "no-headings", "traditional", "hard-wrap", "flatten", "fullwidth")

_FULLWIDTH = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？", ".": "．"})


def _check_variant(name: str) -> list[str]:
    parts = name.split("+")
    for p in parts:
        if p not in VARIANTS:
            raise ValueError(f"Unknown variant {p!r} in {name!r}; expected one of {', '.join(VARIANTS)}, joined by '+'.")
    return parts


def variant_text(text: str, gold: Any, name: str, seed: int = 0) -> tuple[str, Any]:
    """Damage a document's normalised ``text`` and return it with its gold, reduced to what is left.

    Parameters
    ----------
    text : str
        The normalised text of the document (``prepared.norm.text``).
    gold : xxgk.gold.GoldDoc
        Its gold (or silver) labels.
    name : str
        A name of :data:`VARIANTS`, or several joined by ``+``.
    seed : int, default 0
        Seed of the hard-wrap widths.

    Returns
    -------
    text : str
    gold : GoldDoc
        Without the sentences the damage removed (the headings, for ``no-headings``).
    """
    from .. import perturb as P

    for part in _check_variant(name):
        if part == "clean":
            continue
        if part == "no-headings":
            p = P.perturb(text, gold, "no-headings")
            text = p.text
            gold = dataclasses.replace(gold, sentences=[gold.sentences[i] for i in p.kept])
        elif part == "traditional":
            text = P.traditional(text)
        elif part == "hard-wrap":
            text = P.hard_wrap(text, seed=seed)
        elif part == "flatten":
            text = P.flatten(text)
        elif part == "fullwidth":
            text = text.translate(_FULLWIDTH)
    return text, gold


def labelled_example(
    prepared: Any,
    gold: Any,
    *,
    doc_id: str,
    variant: str = "clean",
    origin: str = "gold",
    tag_weight: float = 1.0,
    section_weight: float = 1.0,
    section_labels: Sequence[str] = SECTION_LABELS,
    tags: Sequence[str] = TAGS,
    feature_set: str = "v1",
) -> dict[str, Any] | None:
    """One labelled example from a prepared document and its gold (None when it has no sentence)."""
    from ..align import gold_labels_for

    if not prepared.sentences or not gold.sentences:
        return None
    sections, tag_names, mask = gold_labels_for(prepared, gold)
    sec_index = {s: i for i, s in enumerate(section_labels)}
    tag_index = {t: i for i, t in enumerate(tags)}
    return {
        "doc_id": doc_id,
        "variant": variant,
        "origin": origin,
        "texts": list(prepared.texts),
        "features": prepared_features(prepared, feature_set).tolist(),
        # a sentence the gold does not list (table cells, page chrome) has no known section: the CRF sums over it
        "sections": [sec_index[s] if m else IGNORE for s, m in zip(sections, mask)],
        "tags": [tag_index[t] if (m and t is not None) else IGNORE for t, m in zip(tag_names, mask)],
        "tag_weight": float(tag_weight),
        "section_weight": float(section_weight),
    }


def _prepare_text(text: str) -> Any:
    import warnings

    from ..pipeline import prepare
    from ..reading import read

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = read(text if "\n" in text or len(text) > 255 else text + "\n", format="text")
    return prepare(doc)


def gold_examples(
    prepared: Any,
    gold: Any,
    variants: Sequence[str] = ("clean",),
    *,
    origin: str = "gold",
    tag_weight: float = 1.0,
    section_weight: float = 1.0,
    seed: int = 0,
    feature_set: str = "v1",
) -> list[dict[str, Any]]:
    """Labelled examples of one document: the clean one as prepared, and each damaged copy.

    A damaged copy's text is read back as a plain-text report and prepared
    again, as the harness does with its perturbed copies.
    """
    out: list[dict[str, Any]] = []
    for k, name in enumerate(variants):
        _check_variant(name)
        if name == "clean":
            p, g = prepared, gold
        else:
            text, g = variant_text(prepared.norm.text, gold, name, seed=zlib.crc32(f"{seed}:{gold.id}:{k}".encode()))
            if not text.strip() or not g.sentences:
                continue
            p = _prepare_text(text)
        ex = labelled_example(p, g, doc_id=gold.id, variant=name, origin=origin, tag_weight=tag_weight,
                              section_weight=section_weight, feature_set=feature_set)
        if ex is not None:
            out.append(ex)
    return out


# --------------------------------------------------------------------------
# silver


def silver_gold(prepared: Any, doc_id: str, *, min_sections: int = 3) -> Any | None:
    """The ``rules`` system's labels of a document as a gold-like object, or None when they are not trustworthy.

    Trustworthy means: at least ``min_sections`` sections besides the
    preamble, and every change of section happens at a sentence that starts
    with a numbered top-level heading whose words name that section.
    """
    from ..gold import GoldDoc, GoldSection, GoldSentence
    from ..segment.rules import find_headings
    from ..systems import RulesSystem

    texts = prepared.texts
    if not texts:
        return None
    pred = RulesSystem().predict([prepared])[0]
    changes = [i for i in range(1, len(texts)) if pred.sections[i] != pred.sections[i - 1]]
    for i in changes:
        hs = find_headings(texts[i])
        if not hs or hs[0].start != 0 or hs[0].label != pred.sections[i]:
            return None
    if len({s for s in pred.sections if s != "preamble"}) < min_sections:
        return None
    sentences = [GoldSentence(text=t, tag=g, section=s) for t, g, s in zip(texts, pred.tags, pred.sections)]
    runs: list[GoldSection] = []
    for s in sentences:
        if not runs or runs[-1].label != s.section:
            runs.append(GoldSection(label=s.section, first_line=s.text))
    path = Path(prepared.document.meta.source or doc_id)
    return GoldDoc(id=doc_id, path=path, source=str(path), source_path=path, meta={}, sections=runs,
                   sentences=sentences, tables={})


def corpus_files(folders: Iterable[str | Path]) -> list[Path]:
    """Report files of corpus folders (and their ``excerpts/``), without ``bad/`` inputs or the manifest."""
    out: set[Path] = set()
    for folder in folders:
        folder = Path(folder)
        for sub in (folder, folder / "excerpts"):
            if not sub.is_dir():
                continue
            for p in sub.iterdir():
                if p.is_file() and p.suffix.lower() in (".txt", ".html", ".htm", ".pdf", ".docx"):
                    out.add(p.resolve())
    return sorted(out)


def shingles(text: str, k: int = 8) -> set[int]:
    """The hashed ``k``-character shingles of a text's match key (what :func:`overlaps` and the harness's near-copy guard compare)."""
    from ..normalize import match_key

    key = match_key(text)
    return {zlib.crc32(key[i : i + k].encode("utf-8")) for i in range(0, max(len(key) - k + 1, 0))}


_shingles = shingles


def shingle_share(a: set[int], b: set[int]) -> float:
    """The share of the smaller side's shingles that the other side has too (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def overlaps(text: str, others: Sequence[set[int]], threshold: float = 0.5) -> bool:
    """True when ``text`` shares at least ``threshold`` of its (or the other's) 8-character shingles with one of ``others``.

    Reports of one body reuse their boilerplate year after year, so the
    threshold is on the *smaller* side's share: a near-copy or an excerpt of a
    gold report is caught, a sister report with new text is not.
    """
    mine = _shingles(text)
    if not mine:
        return False
    for other in others:
        if not other:
            continue
        common = len(mine & other)
        if common / min(len(mine), len(other)) >= threshold:
            return True
    return False


def silver_examples(
    files: Sequence[Path],
    exclude_texts: Sequence[str],
    variants: Sequence[str] = ("clean",),
    *,
    tag_weight: float = 0.0,
    section_weight: float = 1.0,
    seed: int = 0,
    overlap_threshold: float = 0.5,
    on_skip: Callable[[Path, str], None] | None = None,
    feature_set: str = "v1",
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Silver-labelled examples of corpus files.

    Parameters
    ----------
    files : sequence of Path
        Candidate reports.
    exclude_texts : sequence of str
        Texts of the gold reports: a candidate that overlaps one of them
        (:func:`overlaps`) is left out.
    variants : sequence of str, default ("clean",)
        The copies of each report to make (see :func:`gold_examples`).
    tag_weight : float, default 0.0
        Weight of the rules' tags in the tag loss (0: silver teaches sections only).
    section_weight : float, default 1.0
        Weight of the silver sections in the section loss.
    seed : int, default 0
        Seed of the damage.
    overlap_threshold : float, default 0.5
        See :func:`overlaps`.
    on_skip : callable, optional
        Called with ``(path, reason)`` for each report left out.
    feature_set : str, default "v1"
        The model's feature set (:data:`xxgk.neural.features.FEATURE_SETS`).

    Returns
    -------
    examples : list of dict
    counts : dict
        ``files``, ``unreadable``, ``overlap_gold``, ``ambiguous``, ``used``, ``sentences``.
    """
    import warnings

    from ..errors import XxgkError
    from ..pipeline import prepare
    from ..reading import read

    skip = on_skip or (lambda _p, _why: None)
    gold_sh = [_shingles(t) for t in exclude_texts]
    counts = {"files": len(files), "unreadable": 0, "overlap_gold": 0, "ambiguous": 0, "used": 0, "sentences": 0}
    out: list[dict[str, Any]] = []
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                doc = read(path)
        except (XxgkError, ValueError, OSError) as err:
            counts["unreadable"] += 1
            skip(path, f"unreadable: {err}")
            continue
        prepared = prepare(doc)
        if overlaps(prepared.norm.text, gold_sh, overlap_threshold):
            counts["overlap_gold"] += 1
            skip(path, "overlaps a gold report")
            continue
        doc_id = f"silver:{path.name}"
        gold = silver_gold(prepared, doc_id)
        if gold is None:
            counts["ambiguous"] += 1
            skip(path, "headings not unambiguous")
            continue
        counts["used"] += 1
        counts["sentences"] += len(gold.sentences)
        out.extend(gold_examples(prepared, gold, variants, origin="silver", tag_weight=tag_weight,
                                 section_weight=section_weight, seed=seed, feature_set=feature_set))
    return out, counts


def shuffle_examples(examples: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """A seeded shuffle (the order the data set is stored in)."""
    rng = random.Random(seed)
    out = list(examples)
    rng.shuffle(out)
    return out


# --------------------------------------------------------------------------
# the whole training set

_SILVER_MEMO: dict[tuple[Any, ...], tuple[list[dict[str, Any]], dict[str, int]]] = {}
_GOLD_TEXT_MEMO: dict[Path, tuple[Path, str]] = {}


def _gold_sources(gold_folders: Iterable[Path]) -> list[tuple[Path, str]]:
    """(source path, normalised text) of every gold file in the folders (read once per process)."""
    import warnings

    from ..errors import XxgkError
    from ..gold import gold_files, load_gold
    from ..normalize import normalize
    from ..reading import read

    out: list[tuple[Path, str]] = []
    for folder in gold_folders:
        for path in gold_files(folder):
            key = path.resolve()
            if key not in _GOLD_TEXT_MEMO:
                gold = load_gold(path, root=folder.resolve().parent, check_source=False)
                text = ""
                if gold.source_path.is_file():
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            doc = read(gold.source_path)
                        text = normalize(doc.text, doc.meta.script).text
                    except (XxgkError, ValueError, OSError):
                        text = ""
                _GOLD_TEXT_MEMO[key] = (gold.source_path.resolve(), text)
            out.append(_GOLD_TEXT_MEMO[key])
    return out


def corpus_folders_of(golds: Sequence[Any]) -> list[Path]:
    """The corpus folders the gold files' sources live in (an ``excerpts/`` folder counts as its parent)."""
    out: set[Path] = set()
    for g in golds:
        parent = Path(g.source_path).resolve().parent
        out.add(parent.parent if parent.name == "excerpts" else parent)
    return sorted(out)


def training_examples(
    docs: Sequence[Any],
    golds: Sequence[Any],
    args: Any,
    *,
    corpus: Sequence[str | os.PathLike[str]] | None = None,
    log: Callable[[str], None] | None = None,
    feature_set: str = "v1",
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Gold, augmented and silver examples for training on ``docs`` / ``golds``.

    Parameters
    ----------
    docs : sequence of Prepared
        The training reports, prepared; ``docs[i]`` is the source of ``golds[i]``.
    golds : sequence of GoldDoc
        Their gold files.
    args : xxgk.neural.recipe.DataArgs
        Which copies to make and whether to add silver.
    corpus : sequence of path, optional
        Folders to take silver reports from; default: the folders of the gold
        files' sources. Every gold file in the gold files' folders, held-out
        ones included, and every report overlapping one of them is kept out
        of the silver.
    log : callable, optional
        Receives a progress line.
    feature_set : str, default "v1"
        The model's feature set (:data:`xxgk.neural.features.FEATURE_SETS`).

    Returns
    -------
    examples : list of dict
    counts : dict
        Documents and sentences of gold and silver, examples per variant.
    """
    say = log or (lambda _m: None)
    if len(docs) != len(golds):
        raise ValueError(f"training_examples needs one gold per document; got {len(docs)} documents and {len(golds)} golds.")
    examples: list[dict[str, Any]] = []
    for prepared, gold in zip(docs, golds):
        examples.extend(gold_examples(prepared, gold, args.gold_variants, seed=args.seed, feature_set=feature_set))
    counts: dict[str, Any] = {"gold_reports": len(golds), "gold_sentences": sum(len(g.sentences) for g in golds)}
    if args.silver:
        folders = [Path(c) for c in corpus] if corpus is not None else corpus_folders_of(golds)
        gold_folders = sorted({Path(g.path).resolve().parent for g in golds})
        sources = _gold_sources(gold_folders)
        exclude_paths = {p for p, _ in sources} | {Path(g.source_path).resolve() for g in golds}
        exclude_texts = [t for _, t in sources if t] + [p.norm.text for p in docs]
        files = [f for f in corpus_files(folders) if f not in exclude_paths]
        key = (tuple(files), tuple(sorted(exclude_paths)), tuple(args.silver_variants), args.silver_tag_weight,
               args.silver_overlap, args.seed, feature_set, zlib.crc32("\x00".join(sorted(exclude_texts)).encode("utf-8")))
        if key not in _SILVER_MEMO:
            _SILVER_MEMO[key] = silver_examples(files, exclude_texts, args.silver_variants, tag_weight=args.silver_tag_weight,
                                                seed=args.seed, overlap_threshold=args.silver_overlap,
                                                feature_set=feature_set)
        silver, scount = _SILVER_MEMO[key]
        examples.extend(silver)
        counts.update({"silver_candidates": scount["files"], "silver_reports": scount["used"],
                       "silver_sentences": scount["sentences"], "silver_overlap_gold": scount["overlap_gold"],
                       "silver_ambiguous": scount["ambiguous"], "silver_unreadable": scount["unreadable"]})
    variants: dict[str, int] = {}
    for ex in examples:
        k = f"{ex['origin']}:{ex['variant']}"
        variants[k] = variants.get(k, 0) + 1
    counts["examples"] = variants
    say(f"training set: {len(examples)} examples ({counts.get('gold_reports')} gold reports, "
        f"{counts.get('silver_reports', 0)} silver reports)")
    return examples, counts
