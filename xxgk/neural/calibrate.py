"""Calibration of the model's two heads: confidences that mean what they say.

The section head's confidence is the CRF marginal of the decoded label
(forward-backward over the document); the tag head's is the softmax of its
logits. Both are over-confident as trained. Both are recalibrated on
*out-of-fold* predictions (the harness's cross-validation,
``python -m training.card --evaluate``, then ``--calibrate``).

Tags: one temperature ``T`` flattens or sharpens the distribution::

    p_T(k) = p(k) ** (1 / T) / sum_j p(j) ** (1 / T)

which is exactly ``softmax(logits / T)``.

Sections: the marginals are near 1 on most sentences, right or wrong, and
how often they are wrong depends on the document: a report whose parts
carry no heading, or whose lines were hard-wrapped, is read from its wording
alone and errs in whole runs. One temperature cannot say that, so the
decoded label's marginal ``p`` may also be mapped by a logistic regression
on its log-odds and the document's covariates (:func:`section_covariates`),
for example::

    confidence = sigmoid(b + w . [logit p, headless, fragments, headless * logit p, fragments * logit p])

(Platt scaling with covariates, :class:`SectionCalibrator`), fitted on the
top label's correctness, which is what the expected calibration error
measures. Which map ships (none, one temperature, or a calibrator over one
of :data:`SECTION_FEATURE_SETS`) is chosen on out-of-fold predictions by
``training.card.calibrate``.

The decoded labels never change; only the confidences do. The fitted
parameters live in the model folder as ``calibration.json``::

    {"format": "xxgk-calibration/2", "section_temperature": 1.0, "tag_temperature": 1.3,
     "section_calibrator": {"features": [...], "intercept": ..., "coef": [...]}, "fitted_on": {...}}

A folder without it is uncalibrated; one in the older format
(``xxgk-calibration/1``: temperatures only) still loads.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

__all__ = ["CALIBRATION_FILE", "CALIBRATION_FORMAT", "Calibration", "SectionCalibrator", "temper", "fit_temperature",
           "fit_section_calibrator", "load_calibration", "save_calibration", "SECTION_COVARIATES", "SECTION_FEATURES",
           "SECTION_FEATURE_SETS", "section_covariates"]

CALIBRATION_FILE = "calibration.json"
CALIBRATION_FORMAT = "xxgk-calibration/2"
_READABLE_FORMATS = ("xxgk-calibration/1", CALIBRATION_FORMAT)


#: What a document says about how far its section marginals can be trusted: the covariates of the section
#: calibration, computed by :func:`section_covariates` from the sentences and their decoded marginals.
SECTION_COVARIATES: tuple[str, ...] = ("headless", "fragments", "unsure")

#: What a :class:`SectionCalibrator` may take as inputs: the log-odds of the decoded section's marginal
#: (``logit``), a covariate, or a covariate times ``logit`` (a layout may flatten the map as well as shift it).
SECTION_FEATURES: tuple[str, ...] = ("logit", *SECTION_COVARIATES, *(f"{c}*logit" for c in SECTION_COVARIATES))

#: The input sets ``python -m training.card --calibrate`` chooses among (by an inner split), besides the
#: uncalibrated marginals and one temperature.
SECTION_FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "platt": ("logit",),
    "layout": ("logit", "headless", "fragments", "headless*logit", "fragments*logit"),
    "layout+unsure": ("logit", "headless", "fragments", "unsure", "headless*logit", "fragments*logit", "unsure*logit"),
}

#: Marginals are clipped to [_EPS, 1 - _EPS] before their log-odds are taken (a CRF marginal is often 1.0).
_EPS = 1e-6

#: A decoded marginal below this counts the sentence as one the model is unsure of (covariate ``unsure``).
_UNSURE_BELOW = 0.9

_ENDED = re.compile(r"[。!?！？;；:：]$")


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, _EPS, 1 - _EPS)
    return np.log(q) - np.log1p(-q)


def _section_design(p: np.ndarray, covariates: dict[str, float], features: Sequence[str]) -> np.ndarray:
    """One row per marginal in ``p`` (all of one document), one column per feature."""
    z = _logit(p)
    cols = []
    for name in features:
        cov, _, times = name.partition("*")
        if cov == "logit":
            cols.append(z)
        else:
            v = float(covariates[cov])
            cols.append(v * z if times else np.full_like(z, v))
    return np.stack(cols, axis=-1)


def section_covariates(texts: Sequence[str], marginals: Sequence[float] | np.ndarray | None = None,
                       headings: Sequence[bool] | None = None) -> dict[str, float]:
    """The covariates of one document (:data:`SECTION_COVARIATES`) from its sentences and decoded marginals.

    ``headless`` is 1.0 when fewer than two sentences have the form of a
    top-level heading (一、… as a short title): the national layout's parts are
    not marked, and the sections must be read from the wording alone.
    ``fragments`` is the share of sentences that neither end a sentence nor
    have a heading's form: lines of a hard-wrapped paragraph, cut where the
    page ended rather than where the sentence did. ``unsure`` is the share of
    sentences whose decoded section has a marginal below 0.9: how unsure the
    model is of the document as a whole (0.0 without ``marginals``). The
    heading forms are :func:`xxgk.segment.hierarchy.parse_hierarchy`'s
    (``headings``: the lines the reader marked, as there).

    >>> section_covariates(["一、总体情况", "全年共受理申请6件。", "二、主动公开政府信息情况", "本机关全年"])
    {'headless': 0.0, 'fragments': 0.25, 'unsure': 0.0}
    >>> section_covariates(["全年共受理申请6件。", "依申请公开工作有序开展。"], [0.95, 0.6])
    {'headless': 1.0, 'fragments': 0.0, 'unsure': 0.5}
    """
    from ..segment.hierarchy import parse_hierarchy

    forms = [c.form for c in parse_hierarchy(texts, headings)]
    top = sum(1 for f in forms if f is not None and f.level == 1 and f.title_like)
    frag = sum(1 for t, f in zip(texts, forms) if f is None and not _ENDED.search(t.strip()))
    n = len(texts)
    unsure = float(np.mean(np.asarray(marginals, dtype=np.float64) < _UNSURE_BELOW)) if marginals is not None and n else 0.0
    return {"headless": 1.0 if top < 2 else 0.0, "fragments": round(frag / n, 6) if n else 0.0,
            "unsure": round(unsure, 6)}


@dataclass(frozen=True)
class SectionCalibrator:
    """Platt scaling of the decoded section's marginal, with covariates: ``sigmoid(intercept + coef . x)``.

    ``x`` holds ``features`` (names from :data:`SECTION_FEATURES`) for each
    sentence. Within one document the confidence is monotone in the marginal:
    increasing as a rule, decreasing where the fit found that a layout makes
    the surest marginals the least reliable (a model that locks onto the
    wrong section does so with marginals of 1.0).

    >>> c = SectionCalibrator(intercept=0.0, coef=(1.0,), features=("logit",))   # the identity
    >>> round(c.confidence([0.8], {"headless": 1.0, "fragments": 0.0, "unsure": 0.0})[0], 6)
    0.8
    """

    intercept: float
    coef: tuple[float, ...]
    features: tuple[str, ...] = SECTION_FEATURE_SETS["layout"]

    def __post_init__(self) -> None:
        unknown = [f for f in self.features if f not in SECTION_FEATURES]
        if unknown or not self.features:
            raise ValueError(f"A section calibrator's features are names from {', '.join(SECTION_FEATURES)}; "
                             f"got {list(self.features)!r}.")
        if len(self.coef) != len(self.features):
            raise ValueError(f"A section calibrator needs one coefficient per feature ({len(self.features)}); "
                             f"got {len(self.coef)}.")

    def confidence(self, p: Sequence[float] | np.ndarray, covariates: dict[str, float]) -> list[float]:
        """The calibrated confidence of each marginal ``p`` of one document with these covariates."""
        z = _section_design(np.asarray(p, dtype=np.float64), covariates, self.features) @ np.asarray(self.coef)
        return (1.0 / (1.0 + np.exp(-(z + self.intercept)))).tolist()

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "intercept": self.intercept, "coef": list(self.coef)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SectionCalibrator:
        return cls(float(d["intercept"]), tuple(float(c) for c in d["coef"]), tuple(d["features"]))


def fit_section_calibrator(p: Sequence[float], correct: Sequence[bool], covariates: Sequence[dict[str, float]],
                           features: Sequence[str] = SECTION_FEATURE_SETS["layout"]) -> SectionCalibrator:
    """Fit :class:`SectionCalibrator` on out-of-fold rows: each sentence's decoded marginal, whether it was right, and its document's covariates.

    A logistic regression (L2, ``C = 1``: the rows of one document are not
    independent, so the fit is kept from chasing a few documents).

    Raises
    ------
    ValueError
        When the rows are empty or all right (or all wrong): there is nothing to fit.
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(correct, dtype=bool)
    if len(y) == 0 or y.all() or not y.any():
        raise ValueError("A section calibrator needs rows that are right and rows that are wrong.")
    if not (len(p) == len(y) == len(covariates)):
        raise ValueError(f"Got {len(p)} marginals, {len(y)} outcomes and {len(covariates)} covariate rows.")
    features = tuple(features)
    X = np.concatenate([_section_design(np.asarray([pi], dtype=np.float64), c, features) for pi, c in zip(p, covariates)])
    lr = LogisticRegression(C=1.0, max_iter=5000).fit(X, y)
    return SectionCalibrator(round(float(lr.intercept_[0]), 6), tuple(round(float(c), 6) for c in lr.coef_[0]), features)


@dataclass(frozen=True)
class Calibration:
    """The calibration of the two heads: temperatures (1.0: as trained) and the section calibrator, if fitted."""

    section_temperature: float = 1.0
    tag_temperature: float = 1.0
    fitted_on: dict[str, Any] = field(default_factory=dict, compare=False)
    section_calibrator: SectionCalibrator | None = None

    @property
    def calibrated(self) -> bool:
        return bool(self.fitted_on)

    def section_confidence(self, probs: Any, labels: Sequence[int], covariates: dict[str, float] | None = None) -> list[float]:
        """The calibrated confidence of each sentence's decoded section (``labels``) from its marginals ``probs``.

        ``covariates`` (:func:`section_covariates` of the document) are needed when a section calibrator is fitted.
        """
        p = temper(probs, self.section_temperature)
        top = p[np.arange(len(labels)), np.asarray(labels, dtype=np.int64)] if len(labels) else np.zeros(0)
        if self.section_calibrator is None:
            return [float(x) for x in top]
        if covariates is None:
            raise ValueError("This calibration rescales the section marginals by the document's layout: "
                             "pass covariates=section_covariates(texts).")
        return self.section_calibrator.confidence(top, covariates)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"format": CALIBRATION_FORMAT, "section_temperature": self.section_temperature,
                             "tag_temperature": self.tag_temperature}
        if self.section_calibrator is not None:
            d["section_calibrator"] = self.section_calibrator.to_dict()
        d["fitted_on"] = self.fitted_on
        return d


def temper(probs: Any, temperature: float) -> np.ndarray:
    """Rescale probability rows by a temperature: ``p ** (1/T)``, renormalised (rows of shape ``(n, k)``)."""
    p = np.asarray(probs, dtype=np.float64)
    if p.size == 0 or temperature == 1.0:
        return p
    if not temperature > 0:
        raise ValueError(f"A temperature must be > 0. Got {temperature!r} instead.")
    logp = np.log(np.clip(p, 1e-12, 1.0)) / temperature
    logp -= logp.max(axis=-1, keepdims=True)
    e = np.exp(logp)
    return e / e.sum(axis=-1, keepdims=True)


def _nll(logp: np.ndarray, y: np.ndarray, t: float) -> float:
    z = logp / t
    z = z - z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(y)), y]))


def fit_temperature(probs: Sequence[Sequence[float]] | np.ndarray, labels: Sequence[int],
                    bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` under :func:`temper` (golden-section search on ``log T``).

    Parameters
    ----------
    probs : array of shape (n, k)
        Out-of-fold probability rows (uncalibrated).
    labels : sequence of int
        The true label of each row.
    bounds : (float, float), default (0.05, 20.0)
        The range searched.

    Returns
    -------
    float
        ``T`` (1.0 when there is nothing to fit).

    >>> p = np.array([[0.99, 0.01], [0.99, 0.01], [0.99, 0.01], [0.01, 0.99]])
    >>> fit_temperature(p, [0, 1, 0, 1]) > 1.0   # right 3 times out of 4 at 0.99: flatten
    True
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    if p.ndim != 2 or len(p) == 0 or len(p) != len(y):
        return 1.0
    logp = np.log(np.clip(p, 1e-12, 1.0))
    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = _nll(logp, y, math.exp(c)), _nll(logp, y, math.exp(d))
    for _ in range(80):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = _nll(logp, y, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = _nll(logp, y, math.exp(d))
    return round(math.exp((a + b) / 2), 4)


def load_calibration(folder: str | os.PathLike) -> Calibration:
    """The model folder's ``calibration.json``; an uncalibrated :class:`Calibration` when there is none.

    Raises
    ------
    xxgk.errors.ModelError
        When the file exists but cannot be read or holds no valid temperatures.
    """
    path = Path(folder) / CALIBRATION_FILE
    if not path.is_file():
        return Calibration()
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("format") not in _READABLE_FORMATS:
            raise ValueError(f"format {d.get('format')!r} is not one of {', '.join(_READABLE_FORMATS)}")
        sc = d.get("section_calibrator")
        cal = Calibration(float(d["section_temperature"]), float(d["tag_temperature"]), dict(d.get("fitted_on") or {}),
                          SectionCalibrator.from_dict(sc) if sc is not None else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ModelError(f"{path}: cannot read the calibration ({err}). Refit it with "
                         "`python -m training.card --calibrate` or delete the file.") from err
    if not (cal.section_temperature > 0 and cal.tag_temperature > 0):
        raise ModelError(f"{path}: temperatures must be > 0; got {cal.section_temperature} and {cal.tag_temperature}.")
    return cal


def save_calibration(folder: str | os.PathLike, calibration: Calibration) -> Path:
    """Write ``calibration.json`` into a model folder."""
    path = Path(folder) / CALIBRATION_FILE
    path.write_text(json.dumps(calibration.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
