"""The ``baseline`` system: TF-IDF character n-grams and logistic regression, for sections and for tags.

Two scikit-learn classifiers, one prediction per sentence, no decoding:

- sections: the sentence's character 1–3-grams (TF-IDF, sublinear) plus its
  relative position in the document (ten one-hot bins) and whether it looks
  like a heading (short, no final 。);
- tags: the sentence's character 1–3-grams plus its section (gold when
  fitting, predicted when predicting), one-hot.

It learns from gold files (:meth:`BaselineSystem.fit`, the
:class:`xxgk.pipeline.TrainableSectionTagger` protocol). Sentences the gold
does not list (table cells) train the section classifier with the section of
the sentence before them and are left out of the tag classifier
(:func:`xxgk.align.gold_labels_for`).

Nothing is shipped: an unfitted system asked to predict fits itself on the
gold files of ``gold_dir`` (default: ``$XXGK_GOLD``, else ``../shared/gold``
beside the source tree) and caches the fitted state under
``$XXGK_HOME/baseline/`` (default home: the user cache folder), keyed by a
hash of the gold files and their sources, so later runs load it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ModelError
from .pipeline import Prediction, Prepared
from .spec import SECTION_LABELS

__all__ = ["BaselineSystem", "xxgk_home", "default_gold_dir"]

_POS_BINS = 10
_FORMAT = 1  # bumped when the pickled state changes shape


def xxgk_home() -> Path:
    """The folder xxgk caches into: ``$XXGK_HOME``, else the user cache folder."""
    env = os.environ.get("XXGK_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("xxgk"))


def default_gold_dir() -> Path | None:
    """``$XXGK_GOLD``, else ``../shared/gold`` beside the source tree, if it exists."""
    env = os.environ.get("XXGK_GOLD")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[1].parent / "shared" / "gold"
    return here if here.is_dir() else None


def _looks_heading(text: str) -> bool:
    return len(text) <= 30 and not text.rstrip().endswith(("。", "!", "?", ";"))


def _extra(prepared: Prepared) -> list[list[float]]:
    n = len(prepared.sentences)
    rows = []
    for i, text in enumerate(prepared.texts):
        pos = [0.0] * _POS_BINS
        pos[min(_POS_BINS - 1, int(_POS_BINS * i / max(n, 1)))] = 1.0
        rows.append(pos + [1.0 if _looks_heading(text) else 0.0])
    return rows


def _onehot(sections: Sequence[str]) -> list[list[float]]:
    return [[1.0 if s == lab else 0.0 for lab in SECTION_LABELS] for s in sections]


class BaselineSystem:
    """TF-IDF character n-grams + logistic regression for sections and tags.

    Parameters
    ----------
    gold_dir : path, optional
        Where to fit from when :meth:`predict` is called before :meth:`fit`
        (default: :func:`default_gold_dir`).
    cache : bool, default True
        Keep the state fitted on ``gold_dir`` under ``$XXGK_HOME/baseline/`` and reuse it.
    C : float, default 4.0
        Inverse regularisation strength of both classifiers.
    max_features : int, default 50000
        Size of the n-gram vocabulary.

    Examples
    --------
    >>> from xxgk.pipeline import get_system
    >>> get_system("baseline", C=2.0).fitted
    False
    """

    name = "baseline"

    def __init__(self, gold_dir: str | os.PathLike | None = None, cache: bool = True, C: float = 4.0,
                 max_features: int = 50000) -> None:
        if isinstance(C, bool) or not isinstance(C, (int, float)) or C <= 0:
            raise ValueError(f"The 'C' parameter of BaselineSystem must be a positive float. Got {C!r} instead.")
        if isinstance(max_features, bool) or not isinstance(max_features, int) or max_features < 1:
            raise ValueError(f"The 'max_features' parameter of BaselineSystem must be a positive int. Got {max_features!r} instead.")
        self.gold_dir = Path(gold_dir) if gold_dir is not None else None
        self.cache = cache
        self.C = float(C)
        self.max_features = max_features
        self._state: dict[str, Any] | None = None

    # -- fitting ---------------------------------------------------------

    def fit(self, docs: Sequence[Prepared], golds: Sequence[Any]) -> BaselineSystem:
        """Fit both classifiers on prepared documents and their gold files (replaces any state)."""
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from .align import gold_labels_for

        if len(docs) != len(golds):
            raise ValueError(f"fit needs one gold file per document. Got {len(docs)} documents and {len(golds)} gold files.")
        texts: list[str] = []
        extra: list[list[float]] = []
        sec_y: list[str] = []
        tag_rows: list[int] = []
        tag_y: list[str] = []
        for doc, gold in zip(docs, golds):
            sections, tags, mask = gold_labels_for(doc, gold)
            base = len(texts)
            texts += doc.texts
            extra += _extra(doc)
            sec_y += sections
            for j, (t, m) in enumerate(zip(tags, mask)):
                if m and t is not None:
                    tag_rows.append(base + j)
                    tag_y.append(t)
        if not texts or not tag_y:
            raise ValueError("fit got no labelled sentence: pass at least one document with its gold file.")
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, max_features=self.max_features)
        X = vec.fit_transform(texts)
        Xs = hstack([X, csr_matrix(extra)]).tocsr()
        Xt = hstack([X[tag_rows], csr_matrix(_onehot([sec_y[i] for i in tag_rows]))]).tocsr()
        # one BLAS thread: on a small sparse problem more threads only fight (20x slower on 2 busy cores)
        with _one_thread():
            sec_clf = _classifier(LogisticRegression, self.C).fit(Xs, sec_y) if len(set(sec_y)) > 1 else sec_y[0]
            tag_clf = _classifier(LogisticRegression, self.C).fit(Xt, tag_y) if len(set(tag_y)) > 1 else tag_y[0]
        self._state = {"format": _FORMAT, "vectorizer": vec, "sections": sec_clf, "tags": tag_clf}
        return self

    @property
    def fitted(self) -> bool:
        return self._state is not None

    # -- predicting --------------------------------------------------------

    def predict(self, docs: Sequence[Prepared]) -> list[Prediction]:
        """One prediction per document; fits on the default gold files first when not fitted."""
        from scipy.sparse import csr_matrix, hstack

        if self._state is None:
            self._fit_default()
        st = self._state
        assert st is not None
        out: list[Prediction] = []
        for doc in docs:
            if not doc.sentences:
                out.append(Prediction(sections=[], tags=[]))
                continue
            X = st["vectorizer"].transform(doc.texts)
            with _one_thread():
                sec, sec_conf = _apply(st["sections"], hstack([X, csr_matrix(_extra(doc))]).tocsr(), len(doc.texts))
                tag, tag_conf = _apply(st["tags"], hstack([X, csr_matrix(_onehot(sec))]).tocsr(), len(doc.texts))
            out.append(Prediction(sections=sec, tags=tag, tag_confidence=tag_conf, section_confidence=sec_conf))
        return out

    # -- default state and its cache ---------------------------------------------

    def _fit_default(self) -> None:
        from .gold import gold_files, load_gold
        from .pipeline import prepare
        from .reading import read

        gold_dir = self.gold_dir or default_gold_dir()
        if gold_dir is None or not Path(gold_dir).is_dir():
            raise ModelError(
                "The 'baseline' system has no fitted state and no gold files to fit on. "
                "Set XXGK_GOLD to a folder of gold files (e.g. ../shared/gold), or use --system rules."
            )
        files = gold_files(gold_dir)
        golds = [load_gold(p) for p in files]
        key = self._cache_key(files, golds)
        path = xxgk_home() / "baseline" / f"{key}.pkl"
        if self.cache and path.is_file():
            try:
                with path.open("rb") as fh:
                    state = pickle.load(fh)
                if isinstance(state, dict) and state.get("format") == _FORMAT:
                    self._state = state
                    return
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                pass  # a damaged or stale cache: fit again
        docs, kept = [], []
        for g in golds:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    docs.append(prepare(read(g.source_path)))
                kept.append(g)
            except Exception:  # noqa: BLE001 - a source this copy cannot read yet is left out of training
                continue
        self.fit(docs, kept)
        if self.cache:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                with tmp.open("wb") as fh:
                    pickle.dump(self._state, fh)
                tmp.replace(path)
            except OSError:
                pass  # a read-only home: keep the state in memory only

    def _cache_key(self, files: Sequence[Path], golds: Sequence[Any]) -> str:
        import sklearn

        from . import __version__

        h = hashlib.sha256(f"{__version__}|{sklearn.__version__}|{_FORMAT}|{self.C}|{self.max_features}".encode())
        for f, g in zip(files, golds):
            h.update(f.read_bytes())
            if g.source_path.is_file():
                h.update(hashlib.sha256(g.source_path.read_bytes()).digest())
        return h.hexdigest()[:16]


def _one_thread() -> Any:
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _classifier(cls: Any, C: float) -> Any:
    return cls(C=C, max_iter=2000, class_weight="balanced")


def _apply(clf: Any, X: Any, n: int) -> tuple[list[str], list[float]]:
    if isinstance(clf, str):  # one class only in training
        return [clf] * n, [1.0] * n
    proba = clf.predict_proba(X)
    idx = proba.argmax(axis=1)
    return [str(clf.classes_[i]) for i in idx], [float(proba[r, i]) for r, i in enumerate(idx)]
