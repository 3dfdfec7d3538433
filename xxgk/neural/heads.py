"""The document layer and the two heads: BiGRU over a document's sentences → section emissions (CRF) and tag logits."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from .crf import CRF
from .features import FEATURE_SETS, prior_columns

if TYPE_CHECKING:  # pragma: no cover
    from .model import ModelConfig

__all__ = ["DocumentHeads"]


class DocumentHeads(nn.Module):
    """Sentence vectors + features → BiGRU over the document → section emissions and tag logits."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c = config
        self.proj = nn.Sequential(nn.Dropout(c.dropout), nn.Linear(c.hidden_size, c.sent_dim), nn.GELU())
        self.gru = nn.GRU(
            c.sent_dim + c.n_features, c.doc_hidden, num_layers=c.doc_layers, batch_first=True,
            bidirectional=True, dropout=c.dropout if c.doc_layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(c.dropout)
        n_sec, n_tag = len(c.section_labels), len(c.tags)
        self.section = nn.Linear(2 * c.doc_hidden, n_sec)
        # a direct path from the form features (what the headings say) to the section scores
        self.section_feats = nn.Linear(c.n_features, n_sec, bias=False)
        self._init_heading_prior(c.heading_prior)
        self.crf = CRF(n_sec)
        self.tag = nn.Sequential(
            nn.Linear(2 * c.doc_hidden + c.sent_dim + n_sec, c.sent_dim), nn.GELU(), nn.Dropout(c.dropout),
            nn.Linear(c.sent_dim, n_tag),
        )

    @torch.no_grad()
    def _init_heading_prior(self, strength: float) -> None:
        """Start the feature path at "a heading naming section k, or the rules' state k, means k".

        Training moves these weights like any other; they only set where it
        starts, so that the model follows clear headings from the first step and
        learns from the copies without headings what to do when they are gone.
        The rules' ``preamble`` state is left at zero: before the first heading
        (or in a report without any) it says nothing. With the ``v2`` features,
        section 2.1's reading of the heading hierarchy starts at "means k" too
        (:func:`~xxgk.neural.features.prior_columns`).
        """
        sets = {n: name for name, n in FEATURE_SETS.items()}
        feature_set = sets.get(self.section_feats.in_features)
        if strength == 0 or feature_set is None:
            return
        w = self.section_feats.weight
        w.mul_(0.1)
        for k in range(self.section_feats.out_features):
            for col in prior_columns(feature_set, k):
                w[k, col] += strength

    def forward(self, vecs: torch.Tensor, feats: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``vecs`` (b, n, hidden), ``feats`` (b, n, F), ``mask`` (b, n) → emissions (b, n, S), tag logits (b, n, T)."""
        s = self.proj(vecs)
        lengths = mask.long().sum(1).clamp(min=1)
        packed = nn.utils.rnn.pack_padded_sequence(torch.cat([s, feats], -1), lengths, batch_first=True, enforce_sorted=False)
        h, _ = self.gru(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=vecs.shape[1])
        h = self.drop(h)
        em = self.section(h) + self.section_feats(feats)
        # the tag sees its section: the same words are a problem in 五 and an achievement in 一
        sec_ctx = torch.softmax(em, dim=-1)
        tags = self.tag(torch.cat([h, s, sec_ctx], -1))
        return em, tags
