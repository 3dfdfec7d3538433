r"""Harder copies of a gold document, with the gold carried through.

Each perturbation rewrites the document's normalised text the way real copies
damage it, and says which gold sentences still exist:

``no-headings``
    The section headings are removed (lost in PDF extraction, or a report
    that never had them). A heading is the first gold sentence of a section
    that looks like one (see :func:`gold_headings`); it is cut out of the text
    and out of the gold.
``traditional``
    The text is converted to traditional characters (OpenCC ``s2t``), as on
    Taiwanese and Hong Kong mirrors. The gold is unchanged: texts are
    compared after t2s.
``hard-wrap``
    Every paragraph is broken into lines of 20 to 40 characters (the widths
    drawn from a generator seeded by the document), as PDF text layers do.
``flatten``
    All paragraphs are joined into one line by spaces, as crawler copies do.

The harness reads the perturbed text back as a plain-text report and runs the
system on it; tables are not scored on perturbed copies.

Examples
--------
>>> flatten("一、总体情况\n共受理申请6件。")
'一、总体情况 共受理申请6件。'
>>> hard_wrap("一二三四五六七八九十" * 5, seed=0).count("\n") >= 1
True
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from .gold import GoldDoc
from .normalize import match_key, to_simplified, to_traditional
from .segment.rules import LEGACY_HEADING_KEYWORDS, find_headings

__all__ = ["PERTURBATIONS", "Perturbed", "perturb", "gold_headings", "no_headings", "traditional", "hard_wrap", "flatten"]

#: The perturbations, in the order the harness reports them.
PERTURBATIONS: tuple[str, ...] = ("no-headings", "traditional", "hard-wrap", "flatten")

_END = re.compile(r"[。!?！？]$")


@dataclass(frozen=True)
class Perturbed:
    """A perturbed text and the gold sentences (indexes into the gold) that remain in it."""

    name: str
    text: str
    kept: list[int]


def gold_headings(gold: GoldDoc) -> list[int]:
    """Indexes of the gold sentences that are section headings.

    The first sentence of each section but the preamble counts when it starts
    with a top-level heading number (一、, 第一部分, 附件…) or is short (at most
    30 characters) and does not end like a sentence (。！？).
    """
    out: list[int] = []
    prev = None
    for i, s in enumerate(gold.sentences):
        if s.section != prev and s.section != "preamble":
            key = match_key(s.text)
            hs = find_headings(key, LEGACY_HEADING_KEYWORDS)  # the harness's headings stay those it always removed
            if (hs and hs[0].start == 0) or (len(key) <= 30 and not _END.search(key)):
                out.append(i)
        prev = s.section
    return out


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(r"\s*".join(re.escape(c) for c in match_key(text)))


def no_headings(text: str, headings: Sequence[str]) -> tuple[str, list[bool]]:
    """Cut each heading (in order) out of ``text``; return the text and which headings were found."""
    search_in = to_simplified(text)
    if len(search_in) != len(text):
        search_in = text
    found: list[bool] = []
    cuts: list[tuple[int, int]] = []
    pos = 0
    for h in headings:
        m = _pattern(h).search(search_in, pos)
        found.append(m is not None)
        if m:
            cuts.append((m.start(), m.end()))
            pos = m.end()
    out = []
    last = 0
    for a, b in cuts:
        out.append(text[last:a])
        last = b
    out.append(text[last:])
    return "".join(out), found


def traditional(text: str) -> str:
    """Simplified → traditional characters (OpenCC ``s2t``)."""
    return to_traditional(text)


def hard_wrap(text: str, seed: int = 0, min_width: int = 20, max_width: int = 40) -> str:
    """Break every line into lines of ``min_width`` to ``max_width`` characters."""
    if not 0 < min_width <= max_width:
        raise ValueError(f"hard_wrap needs 0 < min_width <= max_width. Got {min_width} and {max_width} instead.")
    rng = random.Random(seed)
    lines: list[str] = []
    for line in text.split("\n"):
        while len(line) > max_width:
            w = rng.randint(min_width, max_width)
            lines.append(line[:w])
            line = line[w:]
        lines.append(line)
    return "\n".join(lines)


def flatten(text: str) -> str:
    """All non-empty lines joined by single spaces into one line."""
    return " ".join(line.strip() for line in text.split("\n") if line.strip())


def perturb(text: str, gold: GoldDoc, name: str) -> Perturbed:
    """Apply the perturbation ``name`` to a document's (normalised) ``text``.

    Parameters
    ----------
    text : str
        The document's text (normally :attr:`xxgk.pipeline.Prepared.norm` ``.text``).
    gold : GoldDoc
        Its gold file (the headings to cut, the seed of ``hard-wrap``).
    name : str
        One of :data:`PERTURBATIONS`.

    Returns
    -------
    Perturbed
    """
    n = len(gold.sentences)
    if name == "no-headings":
        idx = gold_headings(gold)
        new, found = no_headings(text, [gold.sentences[i].text for i in idx])
        dropped = {i for i, f in zip(idx, found) if f}
        return Perturbed(name, new, [i for i in range(n) if i not in dropped])
    if name == "traditional":
        return Perturbed(name, traditional(text), list(range(n)))
    if name == "hard-wrap":
        return Perturbed(name, hard_wrap(text, seed=zlib.crc32(gold.id.encode("utf-8"))), list(range(n)))
    if name == "flatten":
        return Perturbed(name, flatten(text), list(range(n)))
    raise ValueError(f"The 'perturb' parameter must be one of {', '.join(PERTURBATIONS)} or 'all'. Got {name!r} instead.")
