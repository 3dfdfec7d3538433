"""The linear-chain CRF of the section head."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CRF", "no_return_to"]


def no_return_to(n_labels: int, label: int = 0) -> torch.Tensor:
    """Allowed transitions (``allowed[i, j]``: i → j) where no label goes back to ``label`` once left.

    With ``label`` the index of ``preamble`` (0 in :data:`xxgk.spec.SECTION_LABELS`),
    this is ``report-format.md`` section 2: the preamble is what comes before
    the first part, so a report never returns to it; every other return (an
    old report that comes back to a part) stays possible.

    >>> no_return_to(3).int().tolist()
    [[1, 1, 1], [0, 1, 1], [0, 1, 1]]
    """
    allowed = torch.ones((n_labels, n_labels), dtype=torch.bool)
    allowed[:, label] = False
    allowed[label, label] = True
    return allowed


class CRF(nn.Module):
    """A linear-chain CRF over section labels with learned start, end and transition scores.

    Every transition is allowed: the scores learn the templates' usual order
    (一 → 二 → …) while skipping a section, or coming back to one, stays
    possible when the emissions say so.
    """

    def __init__(self, n_labels: int) -> None:
        super().__init__()
        self.n = n_labels
        self.start = nn.Parameter(torch.zeros(n_labels))
        self.end = nn.Parameter(torch.zeros(n_labels))
        self.trans = nn.Parameter(torch.zeros(n_labels, n_labels))  # trans[i, j]: score of i → j

    def _log_partition(self, em: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        alpha = self.start + em[:, 0]
        for t in range(1, em.shape[1]):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.trans.unsqueeze(0), dim=1) + em[:, t]
            alpha = torch.where(mask[:, t].unsqueeze(1), nxt, alpha)
        return torch.logsumexp(alpha + self.end, dim=1)

    def _score(self, em: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b = em.shape[0]
        idx = torch.arange(b)
        labels = labels.clamp(min=0)  # positions past a document's end carry no label
        m = mask.to(em.dtype)
        emit = em.gather(2, labels.unsqueeze(2)).squeeze(2)  # (b, n)
        trans = self.trans[labels[:, :-1], labels[:, 1:]]  # (b, n - 1)
        score = self.start[labels[:, 0]] + (emit * m).sum(1) + (trans * m[:, 1:]).sum(1)
        last = mask.long().sum(1) - 1
        return score + self.end[labels[idx, last]]

    def nll(self, em: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per document (batch,). Masks must start with True.

        A label below 0 means "unknown here" (a sentence the gold does not
        list, such as a table cell or page chrome): the likelihood then sums
        over every label at that position instead of guessing one.
        """
        if bool((labels[mask] >= 0).all()):
            return self._log_partition(em, mask) - self._score(em, labels, mask)
        known = labels >= 0
        allowed = F.one_hot(labels.clamp(min=0), self.n).bool() | ~known.unsqueeze(-1)
        constrained = em.masked_fill(~allowed, -1e4)
        return self._log_partition(em, mask) - self._log_partition(constrained, mask)

    @torch.no_grad()
    def decode(self, em: torch.Tensor, mask: torch.Tensor, trans: torch.Tensor | None = None) -> list[list[int]]:
        """Viterbi: the best label sequence of each document (``trans``: other transition scores than the learnt ones).

        Runs in numpy on the CPU, all documents of the batch at once: float32
        additions and maxima are exact operations, so the paths are those of
        the same recursion in torch (ties go to the lowest label, as
        ``torch.max`` does), a small loop per position instead of several
        torch calls and a Python step per label.
        """
        trans_np = (self.trans if trans is None else trans).detach().cpu().float().numpy()
        em_np = em.detach().cpu().float().numpy()
        live = mask.detach().cpu().numpy().astype(bool)
        b, n, k = em_np.shape
        score = self.start.detach().cpu().float().numpy() + em_np[:, 0]
        back = np.broadcast_to(np.arange(k), (b, n, k)).copy()  # a finished document stays where it is
        for t in range(1, n):
            cand = score[:, :, None] + trans_np[None]  # (b, from, to)
            arg = cand.argmax(1)
            nxt = np.take_along_axis(cand, arg[:, None, :], 1)[:, 0] + em_np[:, t]
            on = live[:, t]
            score = np.where(on[:, None], nxt, score)
            back[on, t] = arg[on]
        score = score + self.end.detach().cpu().float().numpy()
        lengths = live.sum(1)
        path = np.zeros((b, n), dtype=np.int64)
        cur = score.argmax(1)
        rows = np.arange(b)
        for t in range(n - 1, -1, -1):  # past a document's end ``back`` is the identity: its last label stays
            path[:, t] = cur
            cur = back[rows, t, cur]
        return [path[d, : max(int(lengths[d]), 1)].tolist() for d in range(b)]

    @torch.no_grad()
    def decode_legal(
        self, em: torch.Tensor, mask: torch.Tensor, allowed: torch.Tensor | None = None,
        labels_allowed: torch.Tensor | None = None,
    ) -> list[list[int]]:
        """Viterbi under hard constraints: the best *legal* label sequence of each document.

        Parameters
        ----------
        em : torch.Tensor
            Emissions, (batch, n, labels).
        mask : torch.Tensor
            True where a document has a sentence, (batch, n).
        allowed : torch.Tensor, optional
            Allowed transitions, (labels, labels) bool; default :func:`no_return_to`
            (no return to ``preamble``, label 0).
        labels_allowed : torch.Tensor, optional
            Allowed labels per position, (batch, n, labels) bool (e.g. a table's
            fragments held to their table's section); a position with none allowed
            is left free.

        The scores are those of :meth:`decode`; only the forbidden moves are
        removed, so where the best path is legal both return the same.
        """
        if allowed is None:
            allowed = no_return_to(self.n)
        if labels_allowed is not None:
            free = ~labels_allowed.any(-1, keepdim=True)
            em = em.masked_fill(~(labels_allowed | free), -1e4)
        return self.decode(em, mask, trans=self.trans.masked_fill(~allowed, -1e4))

    @torch.no_grad()
    def marginals(self, em: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Posterior probability of each label at each position (forward-backward): (batch, n, labels)."""
        b, n, k = em.shape
        alphas = [self.start + em[:, 0]]
        for t in range(1, n):
            nxt = torch.logsumexp(alphas[-1].unsqueeze(2) + self.trans.unsqueeze(0), dim=1) + em[:, t]
            alphas.append(torch.where(mask[:, t].unsqueeze(1), nxt, alphas[-1]))
        lengths = mask.long().sum(1)
        betas = [torch.zeros((b, k))] * n
        beta = self.end.expand(b, k).clone()
        for t in range(n - 1, -1, -1):
            at_end = (lengths - 1 == t).unsqueeze(1)
            inside = (t < lengths - 1).unsqueeze(1)
            if t < n - 1:
                prop = torch.logsumexp(self.trans.unsqueeze(0) + (em[:, t + 1] + beta).unsqueeze(1), dim=2)
                beta = torch.where(inside, prop, beta)
            beta = torch.where(at_end, self.end.expand(b, k), beta)
            betas[t] = beta
        a = torch.stack(alphas, 1)
        bt = torch.stack(betas, 1)
        return torch.softmax(a + bt, dim=-1)
