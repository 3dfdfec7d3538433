"""Shared set-up of the research notebooks: where the data is, one cached ``xxgk tag`` run, plot settings.

The notebooks run from ``notebooks/`` with the shared corpus beside the
repository (``../shared``). The corpus is analysed once with ``xxgk tag``
into a cache folder under the system's temporary directory (or
``$XXGK_NOTEBOOK_CACHE``), keyed by a hash of xxgk's source code, the model's weights and the corpus's
files, so the three notebooks reuse one run and a change to any gives a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

import xxgk
from xxgk.pipeline import DEFAULT_SYSTEM

NOTEBOOKS = Path(__file__).resolve().parent
REPO = NOTEBOOKS.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
EXAMPLES = REPO / "examples"

#: Short English names of the corpus's issuing bodies, by file slug (labels only).
ENGLISH = {
    "pingtan": "Pingtan",
    "pingtan_county": "Pingtan County",
    "hebei_kjt": "Hebei Science & Technology Dept",
    "hebei_jyt": "Hebei Education Dept",
    "hebei_rst": "Hebei Human Resources Dept",
    "hangzhou_emergency": "Hangzhou Emergency Bureau",
    "huaian_hongze": "Huai'an Hongze District",
    "huaian_city": "Huai'an City",
    "shanghai_office": "Shanghai Govt Office",
}

_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
    "STHeiti", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback",
)


def require_shared() -> Path:
    """The shared corpus folder; raises with what to do when it is not beside the repository."""
    if not (CORPUS / "MANIFEST.tsv").is_file():
        raise FileNotFoundError(
            f"{CORPUS}: the shared corpus is not here. The notebooks read ../shared/corpus beside the "
            "repository; put the shared folder there and run them again."
        )
    return CORPUS


def _cache_key(system: str) -> str:
    """A hash of everything the cached output depends on: the system and its weights, xxgk's code, this file, the corpus."""
    from xxgk.pipeline import get_system

    h = hashlib.sha256(system.encode())
    h.update(str(getattr(get_system(system), "version", "")).encode())  # the model's weights
    for path in [*sorted(Path(xxgk.__file__).parent.rglob("*.py")), Path(__file__)]:
        h.update(path.read_bytes())
    h.update(str(CORPUS.resolve()).encode())
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file():
            st = path.stat()
            h.update(f"{path.relative_to(CORPUS)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:12]


def cache_dir(system: str = DEFAULT_SYSTEM) -> Path:
    """The folder the corpus's ``xxgk tag`` output is cached in."""
    root = Path(os.environ.get("XXGK_NOTEBOOK_CACHE", Path(tempfile.gettempdir()) / "xxgk-notebooks"))
    return root / f"{system}-{_cache_key(system)}"


def slug(file: str) -> str:
    """The file name without its number, year and suffixes: ``033_hebei_kjt_2023.txt`` → ``hebei_kjt``."""
    stem = Path(file).stem
    m = re.match(r"^\d+_(.+?)_(\d{4})(?:_.*)?$", stem)
    return m.group(1) if m else stem


def body_key(body: str) -> str:
    """An issuing body's name without notes in brackets and the office suffix (管委会办公室 → the body)."""
    body = re.sub(r"[（(].*?[）)]", "", str(body)).strip()
    return re.sub(r"(?:管委会办公室|管委会|办公室)$", "", body) or body


def manifest() -> pd.DataFrame:
    """``MANIFEST.tsv`` of the shared corpus: file, source, year, body, template, complete, notes."""
    return pd.read_csv(require_shared() / "MANIFEST.tsv", sep="\t", dtype=str, keep_default_na=False)


def _finished(out: Path) -> bool:
    """Whether ``out`` holds a finished ``xxgk tag`` run (its manifest says so)."""
    try:
        return bool(json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("complete"))
    except (OSError, ValueError):
        return False


def corpus(system: str = DEFAULT_SYSTEM) -> tuple[xxgk.io.Results, pd.DataFrame]:
    """Analyse the shared corpus once (cached) and load it.

    Returns
    -------
    results : xxgk.io.Results
        The tidy frames of ``xxgk tag`` (documents, sections, sentences, cells, checks, findings, errors).
    docs : pandas.DataFrame
        One row per analysed report, indexed by ``doc_id``: ``file`` (relative
        to the corpus), the manifest's ``body``, ``year``, ``template`` and
        ``complete``; ``series`` (the body, one name across the years) and
        ``label`` (a short English name of the series); and xxgk's own
        ``n_sentences`` and ``n_tables``.
    """
    from xxgk.batch import tag

    root = require_shared()
    out = cache_dir(system) / "tag"
    if not _finished(out):
        # Tag into a folder of this process's own, then move it into place in one step: notebooks run
        # side by side (pytest -n 2) must never read each other's half-written output.
        tmp = out.with_name(f"tag.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tag([root], tmp, system=system, progress=False)
        try:
            if out.exists() and not _finished(out):
                shutil.rmtree(out, ignore_errors=True)  # an unfinished run (e.g. killed): replace it
            os.replace(tmp, out)
        except OSError:  # another process finished first: use its output
            shutil.rmtree(tmp, ignore_errors=True)
    results = xxgk.load(out)
    docs = results.documents.set_index("doc_id")
    real_root = root.resolve()
    docs["file"] = [Path(os.path.relpath(Path(p).resolve(), real_root)).as_posix() for p in docs["path"]]
    man = manifest().set_index("file")
    unknown = sorted(set(docs["file"]) - set(man.index))
    if len(unknown) == len(docs):
        raise RuntimeError(
            f"{out}: none of its {len(docs)} reports is in {root / 'MANIFEST.tsv'} (e.g. {unknown[:3]}). "
            f"Delete {out.parent} and run the notebook again."
        )
    docs = docs.drop(columns=["body", "year", "template"]).join(man[["body", "year", "template", "complete"]], on="file")
    docs["year"] = pd.to_numeric(docs["year"], errors="coerce").astype("Int64")
    docs["series"] = docs["body"].map(body_key)
    docs["slug"] = docs["file"].map(slug)
    latest = docs.sort_values("year").groupby("series")["slug"].last()
    docs["label"] = docs["series"].map(latest).map(lambda s: ENGLISH.get(s, s))
    keep = ["file", "body", "year", "template", "complete", "series", "label", "format", "n_sentences", "n_tables"]
    return results, docs[keep]


def one_per_year(docs: pd.DataFrame, score: pd.Series) -> pd.DataFrame:
    """Keep one report per series and year (the corpus holds some twice): the one with the highest ``score``."""
    ranked = docs.assign(_score=score.reindex(docs.index).fillna(0)).sort_values(["_score", "file"], ascending=[False, True])
    return ranked[~ranked.duplicated(["series", "year"])].drop(columns="_score").sort_values(["series", "year"])


def setup_plots() -> str | None:
    """Readable matplotlib defaults; returns the CJK font family in use, or None when none is installed."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    matplotlib.rcParams.update({"figure.dpi": 80, "savefig.dpi": 80, "figure.figsize": (8, 4),
                                "axes.spines.top": False, "axes.spines.right": False, "font.size": 10})
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in _CJK_FAMILIES if f in names), None)
    if found:
        plt.rcParams["font.sans-serif"] = [found, *plt.rcParams["font.sans-serif"]]
        plt.rcParams["axes.unicode_minus"] = False
    return found


def label(en: str, zh: str, cjk: str | None) -> str:
    """An English label, with its Chinese form added when a CJK font is installed."""
    return f"{en} ({zh})" if cjk else en
