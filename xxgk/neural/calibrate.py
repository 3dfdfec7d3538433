"""Temperature scaling of the model's two heads: confidences that mean what they say.

The section head's confidence is the CRF marginal of the decoded label
(forward-backward over the document); the tag head's is the softmax of its
logits. Both are over-confident as trained. One temperature per head, fitted
on *out-of-fold* predictions (the harness's cross-validation,
``python -m training.card --evaluate``), sharpens or flattens each
distribution::

    p_T(k) = p(k) ** (1 / T) / sum_j p(j) ** (1 / T)

which, for the tag head, is exactly ``softmax(logits / T)``, and for the
section head the same map on the log-marginals. The decoded labels never
change (the argmax is the same for every ``T > 0``); only the confidences do.

The temperatures live in the model folder as ``calibration.json``::

    {"format": "xxgk-calibration/1", "section_temperature": 1.7, "tag_temperature": 1.3,
     "fitted_on": {...}}

A folder without it is uncalibrated (``T = 1``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

__all__ = ["CALIBRATION_FILE", "CALIBRATION_FORMAT", "Calibration", "temper", "fit_temperature", "load_calibration",
           "save_calibration"]

CALIBRATION_FILE = "calibration.json"
CALIBRATION_FORMAT = "xxgk-calibration/1"


@dataclass(frozen=True)
class Calibration:
    """The temperatures of the two heads (1.0: uncalibrated)."""

    section_temperature: float = 1.0
    tag_temperature: float = 1.0
    fitted_on: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def calibrated(self) -> bool:
        return bool(self.fitted_on)

    def to_dict(self) -> dict[str, Any]:
        return {"format": CALIBRATION_FORMAT, "section_temperature": self.section_temperature,
                "tag_temperature": self.tag_temperature, "fitted_on": self.fitted_on}


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
        if d.get("format") != CALIBRATION_FORMAT:
            raise ValueError(f"format {d.get('format')!r} is not {CALIBRATION_FORMAT!r}")
        cal = Calibration(float(d["section_temperature"]), float(d["tag_temperature"]), dict(d.get("fitted_on") or {}))
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
