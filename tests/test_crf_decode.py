"""Legal section sequences: Viterbi under hard constraints (issue 10, item 2)."""

from __future__ import annotations

import itertools

import torch

from xxgk.neural.crf import CRF, no_return_to


def _brute(crf: CRF, em: torch.Tensor, allowed: torch.Tensor) -> list[int]:
    """The best legal path by enumeration (small n only)."""
    n, k = em.shape
    best, arg = None, None
    for path in itertools.product(range(k), repeat=n):
        if any(not allowed[a, b] for a, b in zip(path, path[1:])):
            continue
        s = crf.start[path[0]] + em[0, path[0]] + crf.end[path[-1]]
        s = s + sum(crf.trans[a, b] + em[t + 1, b] for t, (a, b) in enumerate(zip(path, path[1:])))
        if best is None or s > best:
            best, arg = s, list(path)
    assert arg is not None
    return arg


def test_no_return_to_preamble_even_when_emissions_ask_for_it() -> None:
    crf = CRF(3)
    # emissions: preamble, overview, preamble (a table fragment the model put in preamble), overview
    em = torch.tensor([[[5.0, 0, 0], [0, 5.0, 0], [3.0, 1.0, 0], [0, 5.0, 0]]])
    mask = torch.ones((1, 4), dtype=torch.bool)
    assert crf.decode(em, mask) == [[0, 1, 0, 1]]
    assert crf.decode_legal(em, mask) == [[0, 1, 1, 1]]


def test_legal_decoding_is_the_best_legal_path() -> None:
    torch.manual_seed(0)
    crf = CRF(4)
    with torch.no_grad():
        crf.trans.normal_()
        crf.start.normal_()
        crf.end.normal_()
    allowed = no_return_to(4)
    for _ in range(20):
        em = torch.randn(1, 5, 4) * 3
        mask = torch.ones((1, 5), dtype=torch.bool)
        assert crf.decode_legal(em, mask)[0] == _brute(crf, em[0], allowed)


def test_padding_and_unconstrained_paths_are_unchanged() -> None:
    torch.manual_seed(1)
    crf = CRF(4)
    em = torch.randn(3, 6, 4)
    mask = torch.tensor([[1] * 6, [1] * 4 + [0] * 2, [1] * 1 + [0] * 5], dtype=torch.bool)
    everything = torch.ones((4, 4), dtype=torch.bool)
    assert crf.decode_legal(em, mask, allowed=everything) == crf.decode(em, mask)
    assert [len(p) for p in crf.decode_legal(em, mask)] == [6, 4, 1]


def test_labels_held_per_position() -> None:
    crf = CRF(3)
    em = torch.tensor([[[0, 5.0, 0], [0, 5.0, 0], [0, 0, 1.0]]])
    mask = torch.ones((1, 3), dtype=torch.bool)
    hold = torch.zeros((1, 3, 3), dtype=torch.bool)
    hold[0, 1, 2] = True  # a table fragment held to its table's section; the other positions free
    assert crf.decode_legal(em, mask, labels_allowed=hold) == [[1, 2, 2]]
