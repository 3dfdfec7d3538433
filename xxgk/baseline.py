"""The ``baseline`` system: TF-IDF character n-grams and logistic regression, for sections and for tags.

Two scikit-learn classifiers, one prediction per sentence, no decoding:

- sections: the sentence's character 1–3-grams (TF-IDF, sublinear) plus its
  relative position in the document (ten one-hot bins) and whether it looks
  like a heading (short, no final 。);
- tags: the sentence's character 1–3-grams plus its section (gold when
  fitting, predicted when predicting), one-hot.

It learns from gold files (:meth:`BaselineSystem.fit`, the
:class:`xxgk.pipeline.TrainableSystem` protocol). Sentences the gold
does not list (table cells) train the section classifier with the section of
the sentence before them and are left out of the tag classifier
(:func:`xxgk.align.gold_labels_for`).

Nothing is shipped and nothing is fitted behind the caller's back: fit it
with :meth:`BaselineSystem.fit`, or on a folder of gold files with
:meth:`BaselineSystem.fit_gold_dir` (or ``gold_dir=``, which does that before
the first prediction), or score it cross-validated
(``xxgk evaluate GOLD_DIR --system baseline --cv``). An unfitted system asked
to predict raises :class:`~xxgk.errors.NotFittedError`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import NotFittedError, XxgkError
from .pipeline import Prediction, Prepared
from .spec import SECTION_LABELS

__all__ = ["BaselineSystem"]

_POS_BINS = 10
_FORMAT = 1  # bumped when the pickled state changes shape


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
        A folder of gold files to fit on (:meth:`fit_gold_dir`) before the
        first prediction, when :meth:`fit` was not called. Without it an
        unfitted system raises :class:`~xxgk.errors.NotFittedError`.
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

    def __init__(self, gold_dir: str | os.PathLike | None = None, C: float = 4.0, max_features: int = 50000) -> None:
        if isinstance(C, bool) or not isinstance(C, (int, float)) or C <= 0:
            raise ValueError(f"The 'C' parameter of BaselineSystem must be a positive float. Got {C!r} instead.")
        if isinstance(max_features, bool) or not isinstance(max_features, int) or max_features < 1:
            raise ValueError(f"The 'max_features' parameter of BaselineSystem must be a positive int. Got {max_features!r} instead.")
        self.gold_dir = Path(gold_dir) if gold_dir is not None else None
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
        """One prediction per document.

        Raises
        ------
        xxgk.errors.NotFittedError
            When the system was never fitted and has no ``gold_dir`` to fit on.
        """
        from scipy.sparse import csr_matrix, hstack

        if self._state is None:
            if self.gold_dir is None:
                raise NotFittedError(
                    "The 'baseline' system is not fitted. Fit it first: BaselineSystem().fit(docs, golds), "
                    "get_system('baseline', gold_dir='path/to/gold') to fit it on a folder of gold files, "
                    "or score it cross-validated with `xxgk evaluate GOLD_DIR --system baseline --cv`."
                )
            self.fit_gold_dir(self.gold_dir)
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

    def fit_gold_dir(self, gold_dir: str | os.PathLike) -> BaselineSystem:
        """Fit on every gold file of a folder and its source (a source that cannot be read is left out).

        Raises
        ------
        xxgk.errors.GoldFileError
            When ``gold_dir`` is not a folder of gold files, or a gold file is malformed.
        """
        from .gold import gold_files, load_gold
        from .pipeline import prepare
        from .reading import read

        docs, kept = [], []
        for g in (load_gold(p) for p in gold_files(gold_dir)):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    docs.append(prepare(read(g.source_path)))
            except XxgkError:
                continue
            kept.append(g)
        return self.fit(docs, kept)


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
