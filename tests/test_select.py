"""Recipe choice by nested cross-validation (training/select.py): the reported folds never take part in the choice."""

from __future__ import annotations

from xxgk.baseline import BaselineSystem
from xxgk.pipeline import register_system


class _Watched(BaselineSystem):
    """The baseline, remembering the gold ids of every fit."""

    name = "watched-baseline"
    fits: list[set[str]] = []

    def fit(self, docs, golds):
        _Watched.fits.append({g.id for g in golds})
        return super().fit(docs, golds)


def test_the_held_out_fold_is_never_seen_while_choosing(gold_dir):
    from training.select import select

    register_system("watched-baseline", _Watched)
    _Watched.fits.clear()
    cands = {"weak": {"C": 0.01}, "default": {"C": 4.0}}
    res = select(gold_dir, cands, system="watched-baseline", outer=2, inner=2, perturb=(), log=lambda _m: None)
    assert res["outer_folds"] == 2 and len(res["choices"]) == 2
    per_fold = len(cands) * 2 + 1  # inner fits of each candidate, then the chosen one on all the training folds
    assert len(_Watched.fits) == 2 * per_fold
    for o, choice in enumerate(res["choices"]):
        held = set(choice["held_out"])
        for seen in _Watched.fits[o * per_fold : (o + 1) * per_fold]:
            assert not seen & held
        assert choice["chosen"] == max(choice["inner_scores"], key=choice["inner_scores"].get)
    # a heavily regularised baseline loses on the inner split; the outer figure is of the procedure
    assert all(c["chosen"] == "default" for c in res["choices"])
    assert 0.5 < res["outer"]["clean"]["section_accuracy"] < 1.0
