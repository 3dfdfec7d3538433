"""The linear-chain CRF of the section head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CRF"]


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
    def decode(self, em: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """Viterbi: the best label sequence of each document."""
        b, n, k = em.shape
        score = self.start + em[:, 0]
        back = torch.zeros((b, n, k), dtype=torch.long)
        for t in range(1, n):
            cand = score.unsqueeze(2) + self.trans.unsqueeze(0)
            best, arg = cand.max(dim=1)
            nxt = best + em[:, t]
            m = mask[:, t].unsqueeze(1)
            score = torch.where(m, nxt, score)
            back[:, t] = torch.where(m, arg, torch.arange(k).expand(b, k))
        score = score + self.end
        lengths = mask.long().sum(1).tolist()
        paths: list[list[int]] = []
        for d in range(b):
            last = int(score[d].argmax())
            path = [last]
            for t in range(lengths[d] - 1, 0, -1):
                last = int(back[d, t, last])
                path.append(last)
            paths.append(path[::-1])
        return paths

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
