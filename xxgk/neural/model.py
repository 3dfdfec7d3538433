"""The section + tag model: one sentence encoder, a document layer, two heads.

::

    sentence text ──▶ m3e-small: frozen bottom layers ──▶ fine-tuned top layer(s) ──▶ mean pool
                                                                                        │
    heading-pattern and layout features ───────────────────────────────────────────▶ concat
                                                                                        │
                                                              BiGRU over the whole document
                                                               │                      │
                                   section emissions ──▶ CRF (learned transitions:   tag head, fed the
                                                        the usual order, skipping    document context and
                                                        and coming back allowed)     the section posterior

* The encoder's lower layers stay frozen, so their output for a sentence
  never changes: training computes it once per distinct sentence
  (:class:`SentenceEncoder.bottom_states`) and runs only the top layers,
  the part that learns, again at each step.
* The top layers are a plain re-implementation of the BERT layer
  (:class:`BertLayer`) that loads the base's weights for those layers, so the
  shipped files hold only what training changed: the top layers and the heads.
* Inference runs the whole encoder on batches of sentences bucketed by token
  length: no Python loop over sentences around the encoder.
* Headings help through :func:`sentence_features`, but the model is trained
  on copies with the headings removed, so it places sentences without them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..labels import SECTION_LABELS, TAGS

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Prepared

__all__ = [
    "ModelConfig",
    "BertLayer",
    "SentenceEncoder",
    "CRF",
    "DocumentHeads",
    "SectionTagModel",
    "sentence_features",
    "N_FEATURES",
]


# --------------------------------------------------------------------------
# configuration


@dataclass
class ModelConfig:
    """The architecture's settings (saved with the weights).

    Parameters
    ----------
    train_layers : int, default 1
        How many of the encoder's top layers are fine-tuned (0: the encoder
        stays frozen and only the document layer and heads learn).
    max_tokens : int, default 64
        Sentences are cut to this many tokens ([CLS] and [SEP] included).
    sent_dim : int, default 256
        Size of the projected sentence vector.
    doc_hidden : int, default 128
        Hidden size of each direction of the document BiGRU.
    doc_layers : int, default 1
        Layers of the document BiGRU.
    dropout : float, default 0.2
        Dropout in the document layer and heads.
    heading_prior : float, default 8.0
        Initial weight of the direct path from "the heading (or the rules'
        state) names section k" to section k's score (see
        :meth:`DocumentHeads._init_heading_prior`); 0 starts it at random.
    section_labels, tags : tuple of str
        The label maps (index → name).
    hidden_size, num_base_layers, num_heads, intermediate_size, layer_norm_eps : int or float
        The base encoder's shape, read from its config.
    """

    train_layers: int = 1
    max_tokens: int = 64
    sent_dim: int = 256
    doc_hidden: int = 128
    doc_layers: int = 1
    dropout: float = 0.2
    heading_prior: float = 8.0
    section_labels: tuple[str, ...] = SECTION_LABELS
    tags: tuple[str, ...] = TAGS
    hidden_size: int = 512
    num_base_layers: int = 4
    num_heads: int = 8
    intermediate_size: int = 2048
    layer_norm_eps: float = 1e-12
    n_features: int = field(default=0)

    def __post_init__(self) -> None:
        if not self.n_features:
            self.n_features = N_FEATURES
        self.section_labels = tuple(self.section_labels)
        self.tags = tuple(self.tags)
        for name in ("max_tokens", "sent_dim", "doc_hidden", "doc_layers", "hidden_size", "num_base_layers", "num_heads"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"The '{name}' parameter of ModelConfig must be a positive int. Got {value!r} instead.")
        if not isinstance(self.train_layers, int) or not 0 <= self.train_layers <= self.num_base_layers:
            raise ValueError(
                f"The 'train_layers' parameter of ModelConfig must be an int in [0, {self.num_base_layers}]. "
                f"Got {self.train_layers!r} instead."
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"The 'dropout' parameter of ModelConfig must be a float in [0, 1). Got {self.dropout!r} instead.")
        if self.max_tokens < 3:
            raise ValueError(f"The 'max_tokens' parameter of ModelConfig must be at least 3. Got {self.max_tokens} instead.")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["section_labels"] = list(self.section_labels)
        d["tags"] = list(self.tags)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown ModelConfig field(s): {sorted(unknown)}.")
        return cls(**data)


# --------------------------------------------------------------------------
# features from the sentence's form (headings, layout, position)

_CN_NUM = "一二三四五六七八九十"
_TOP = re.compile(rf"^\s*(?:第)?([{_CN_NUM}]{{1,2}})\s*(?:[、.,，:：]|部分)")
_SUB = re.compile(rf"^\s*[（(]\s*([{_CN_NUM}]{{1,2}})\s*[)）]")
_ARABIC = re.compile(r"^\s*\d{1,2}\s*[、.．](?!\d)")
_DIGIT = re.compile(r"\d")

#: Number of features :func:`sentence_features` returns per sentence.
N_FEATURES = 22 + 8 + len(SECTION_LABELS) + 2


def _cn_value(s: str) -> int:
    """一 → 1 … 十 → 10, 十一 → 11; 0 when unparsable."""
    if s == "十":
        return 10
    if len(s) == 1:
        return _CN_NUM.index(s) + 1
    if s[0] == "十":
        return 10 + _CN_NUM.index(s[1]) + 1
    if s[1] == "十":
        return (_CN_NUM.index(s[0]) + 1) * 10
    return 0


def sentence_features(texts: Sequence[str], headings: Sequence[bool], paragraphs: Sequence[int]) -> np.ndarray:
    """The form of each sentence as numbers: heading patterns, layout and position.

    Parameters
    ----------
    texts : sequence of str
        The document's sentences (normalised), in order.
    headings : sequence of bool
        Whether the reader marked the sentence's paragraph as a heading candidate.
    paragraphs : sequence of int
        The paragraph number of each sentence.

    Returns
    -------
    numpy.ndarray of shape (n_sentences, N_FEATURES), float32
        Columns 0-21: heading candidate; starts a paragraph; is a whole
        paragraph; top-level numbering 一 … 十 (one-hot, 10 columns); 十一 or
        more; （一）-style numbering; 1.-style numbering; relative position;
        log length; share of digits; ends with 。！？; ends with ：; short
        (< 16 characters). Columns 22-29: the section a top-level heading at
        the sentence's start names by its keywords
        (:func:`xxgk.segment.rules.find_headings`; one-hot over the seven
        labels, plus "numbered but unnamed"). Columns 30-36: the section the
        ``rules`` state machine is in (:func:`xxgk.segment.rules.segment_sentences`),
        one-hot. These say what the headings say; when headings are missing
        they say nothing, and the model, trained on copies without headings,
        falls back on the text and its context. Column 37: the number of a
        （一）-style sub-heading, divided by 10; column 38: that numbering
        starts again (（一） after （三）), a hint of a new section when its
        heading is lost.

    Examples
    --------
    >>> f = sentence_features(["一、总体情况", "2021年共受理申请6件。"], [True, False], [0, 1])
    >>> f.shape == (2, N_FEATURES), int(f[0, 3]), int(f[1, 3])
    (True, 1, 0)
    """
    from ..segment.rules import find_headings, segment_sentences

    n = len(texts)
    out = np.zeros((n, N_FEATURES), dtype=np.float32)
    sec_index = {s: i for i, s in enumerate(SECTION_LABELS)}
    states = segment_sentences(list(texts)) if n else []
    last_sub = 0
    for i, t in enumerate(texts):
        p = paragraphs[i]
        starts = i == 0 or paragraphs[i - 1] != p
        ends = i == n - 1 or paragraphs[i + 1] != p
        out[i, 0] = float(bool(headings[i]))
        out[i, 1] = float(starts)
        out[i, 2] = float(starts and ends)
        m = _TOP.match(t)
        if m:
            v = _cn_value(m.group(1))
            if 1 <= v <= 10:
                out[i, 2 + v] = 1.0
            elif v > 10:
                out[i, 13] = 1.0
        sub = _SUB.match(t)
        if sub:
            out[i, 14] = 1.0
            v = _cn_value(sub.group(1))
            out[i, 37] = v / 10.0
            out[i, 38] = float(0 < v <= last_sub)
            last_sub = v
        out[i, 15] = float(bool(_ARABIC.match(t)))
        out[i, 16] = i / max(n - 1, 1)
        out[i, 17] = math.log1p(len(t)) / 5.0
        out[i, 18] = len(_DIGIT.findall(t)) / max(len(t), 1)
        out[i, 19] = float(t[-1:] in "。！？!?")
        out[i, 20] = float(t[-1:] in "：:")
        out[i, 21] = float(len(t) < 16)
        hs = find_headings(t)
        if hs and hs[0].start == 0:
            label = hs[0].label
            out[i, 22 + (sec_index[label] if label in sec_index else 7)] = 1.0
        out[i, 30 + sec_index.get(states[i], 0)] = 1.0
    return out


def prepared_features(prepared: Prepared) -> np.ndarray:
    """:func:`sentence_features` of a :class:`~xxgk.pipeline.Prepared` document."""
    return sentence_features(prepared.texts, prepared.headings, [s.paragraph for s in prepared.sentences])


# --------------------------------------------------------------------------
# the encoder


class BertLayer(nn.Module):
    """One BERT encoder layer (post-LN), parameter names as in ``transformers``' ``BertLayer``.

    Written out here so that the fine-tuned top layers do not depend on the
    internals of any one ``transformers`` release; a test checks that it gives
    the same output as the library's layer on the base's weights.
    """

    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float, dropout: float = 0.1) -> None:
        super().__init__()
        if hidden % heads:
            raise ValueError(f"The hidden size {hidden} is not a multiple of the number of heads {heads}.")
        self.heads = heads
        self.dropout = dropout
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query = nn.Linear(hidden, hidden)
        self.attention.self.key = nn.Linear(hidden, hidden)
        self.attention.self.value = nn.Linear(hidden, hidden)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(hidden, hidden)
        self.attention.output.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(hidden, intermediate)
        self.output = nn.Module()
        self.output.dense = nn.Linear(intermediate, hidden)
        self.output.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, length, hidden); ``mask``: (batch, length), True on real tokens."""
        b, n, h = x.shape
        d = h // self.heads
        sa = self.attention.self

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, self.heads, d).transpose(1, 2)

        q, k, v = split(sa.query(x)), split(sa.key(x)), split(sa.value(x))
        p = self.dropout if self.training else 0.0
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :], dropout_p=p)
        ctx = ctx.transpose(1, 2).reshape(b, n, h)
        ao = self.attention.output
        a = ao.LayerNorm(F.dropout(ao.dense(ctx), p, self.training) + x)
        inter = F.gelu(self.intermediate.dense(a))
        out = self.output
        return out.LayerNorm(F.dropout(out.dense(inter), p, self.training) + a)


class SentenceEncoder(nn.Module):
    """m3e-small split in two: frozen bottom layers (``transformers``) and trainable top layers.

    Parameters
    ----------
    bert : transformers.PreTrainedModel
        The base model (a ``BertModel``), loaded from a local folder.
    tokenizer : transformers tokenizer
        Its tokenizer.
    config : ModelConfig
        ``train_layers`` top layers are taken out of ``bert`` into
        :class:`BertLayer` modules that training updates.
    """

    def __init__(self, bert: nn.Module, tokenizer: Any, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.tokenizer = tokenizer
        n_layers = len(bert.encoder.layer)
        if n_layers != config.num_base_layers:
            raise ValueError(f"The base has {n_layers} layers but the config says {config.num_base_layers}.")
        keep = n_layers - config.train_layers
        top_src = list(bert.encoder.layer[keep:])
        bert.encoder.layer = bert.encoder.layer[:keep]
        bert.config.num_hidden_layers = keep
        bert.pooler = None
        for p in bert.parameters():
            p.requires_grad_(False)
        bert.eval()
        # kept out of the module tree: its weights are the base's and are never saved
        self._bottom = [bert]
        self.top = nn.ModuleList(
            BertLayer(config.hidden_size, config.num_heads, config.intermediate_size, config.layer_norm_eps)
            for _ in range(config.train_layers)
        )
        for mine, theirs in zip(self.top, top_src):
            missing = mine.load_state_dict(theirs.state_dict(), strict=False)
            if missing.missing_keys:
                raise ValueError(f"The base's layer lacks weights {missing.missing_keys}.")

    @property
    def bottom(self) -> nn.Module:
        return self._bottom[0]

    def train(self, mode: bool = True) -> SentenceEncoder:
        super().train(mode)
        self.bottom.eval()  # frozen: no dropout, ever
        return self

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, cut to ``max_tokens`` (special tokens included)."""
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.config.max_tokens, add_special_tokens=True)
        return enc["input_ids"]

    @staticmethod
    def _buckets(lengths: Sequence[int], batch_tokens: int) -> list[list[int]]:
        """Indices sorted by length and cut into batches of at most ``batch_tokens`` padded tokens."""
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        batches: list[list[int]] = []
        cur: list[int] = []
        for i in order:
            if cur and (len(cur) + 1) * lengths[i] > batch_tokens:
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
        return batches

    @staticmethod
    def _pad(seqs: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(s) for s in seqs)
        ids = torch.zeros((len(seqs), width), dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.bool)
        for r, s in enumerate(seqs):
            ids[r, : len(s)] = torch.tensor(s, dtype=torch.long)
            mask[r, : len(s)] = True
        return ids, mask

    def _bottom_forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.bottom(input_ids=ids, attention_mask=mask.long(), token_type_ids=torch.zeros_like(ids))
        return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]

    def top_forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Run the trainable layers on bottom states (batch, length, hidden) and mean-pool: (batch, hidden)."""
        h = states
        for layer in self.top:
            h = layer(h, mask)
        m = mask.unsqueeze(-1).to(h.dtype)
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

    @torch.no_grad()
    def bottom_states(self, texts: Sequence[str], batch_tokens: int = 4096) -> list[torch.Tensor]:
        """The frozen layers' output for each text, unpadded, as float16 tensors (length, hidden)."""
        ids = self.tokenize(texts)
        out: list[torch.Tensor | None] = [None] * len(ids)
        for batch in self._buckets([len(s) for s in ids], batch_tokens):
            t, m = self._pad([ids[i] for i in batch])
            h = self._bottom_forward(t, m).to(torch.float16)
            for r, i in enumerate(batch):
                out[i] = h[r, : len(ids[i])].clone()
        return out  # type: ignore[return-value]

    @staticmethod
    def pad_states(states: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Pad unpadded bottom states into (batch, length, hidden) float32 and a mask."""
        width = max(s.shape[0] for s in states)
        hid = states[0].shape[1]
        x = torch.zeros((len(states), width, hid), dtype=torch.float32)
        mask = torch.zeros((len(states), width), dtype=torch.bool)
        for r, s in enumerate(states):
            x[r, : s.shape[0]] = s.float()
            mask[r, : s.shape[0]] = True
        return x, mask

    @torch.no_grad()
    def embed(self, texts: Sequence[str], batch_tokens: int = 4096) -> torch.Tensor:
        """Sentence vectors (n, hidden) for inference: whole encoder, batches bucketed by length."""
        ids = self.tokenize(texts)
        out = torch.zeros((len(ids), self.config.hidden_size), dtype=torch.float32)
        for batch in self._buckets([len(s) for s in ids], batch_tokens):
            t, m = self._pad([ids[i] for i in batch])
            out[batch] = self.top_forward(self._bottom_forward(t, m), m)
        return out


# --------------------------------------------------------------------------
# the CRF


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


# --------------------------------------------------------------------------
# document layer and heads


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
        (or in a report without any) it says nothing.
        """
        if strength == 0 or self.section_feats.in_features != N_FEATURES:
            return
        n_sec = self.section_feats.out_features
        w = self.section_feats.weight
        w.mul_(0.1)
        for k in range(n_sec):
            w[k, 22 + k] += strength
            if k > 0:
                w[k, 30 + k] += strength

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


class SectionTagModel(nn.Module):
    """The whole model: :class:`SentenceEncoder` + :class:`DocumentHeads`.

    Only :meth:`trainable_state_dict` (top layers + heads) is saved; the rest
    is the base model, rebuilt from the fetched m3e-small.
    """

    def __init__(self, encoder: SentenceEncoder, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = encoder
        self.heads = DocumentHeads(config)

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """The weights that differ from the base: ``encoder.top.*`` and ``heads.*``."""
        return {k: v.detach().clone().contiguous() for k, v in self.state_dict().items()}

    def load_trainable_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        mine = self.state_dict()
        missing = sorted(set(mine) - set(state))
        unexpected = sorted(set(state) - set(mine))
        if missing or unexpected:
            raise ValueError(f"The saved weights do not fit this architecture: missing {missing[:5]}, unexpected {unexpected[:5]}.")
        for k, v in state.items():
            if mine[k].shape != v.shape:
                raise ValueError(f"The saved weight {k} has shape {tuple(v.shape)}; this model needs {tuple(mine[k].shape)}.")
        self.load_state_dict({k: v.to(mine[k].dtype) for k, v in state.items()})

    def doc_forward(
        self, vec_list: Sequence[torch.Tensor], feat_list: Sequence[np.ndarray | torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pad per-document sentence vectors and features, run the heads: (emissions, tag logits, mask)."""
        b = len(vec_list)
        n = max(v.shape[0] for v in vec_list)
        hid = vec_list[0].shape[1]
        vecs = torch.zeros((b, n, hid))
        feats = torch.zeros((b, n, self.config.n_features))
        mask = torch.zeros((b, n), dtype=torch.bool)
        for d, (v, f) in enumerate(zip(vec_list, feat_list)):
            k = v.shape[0]
            vecs[d, :k] = v
            feats[d, :k] = torch.as_tensor(f, dtype=torch.float32)
            mask[d, :k] = True
        em, tags = self.heads(vecs, feats, mask)
        return em, tags, mask

    @torch.no_grad()
    def predict_docs(
        self, texts: Sequence[Sequence[str]], feats: Sequence[np.ndarray], batch_tokens: int = 4096, doc_batch: int = 8
    ) -> list[tuple[list[int], list[int], list[float], list[float]]]:
        """Sections, tags and their confidences for each document.

        All sentences of all documents are encoded together (bucketed by
        length); then the heads run on up to ``doc_batch`` documents at once.
        """
        self.eval()
        flat = [t for doc in texts for t in doc]
        out: list[tuple[list[int], list[int], list[float], list[float]]] = []
        if not flat:
            return [([], [], [], []) for _ in texts]
        vecs = self.encoder.embed(flat, batch_tokens=batch_tokens)
        bounds = np.cumsum([0] + [len(d) for d in texts])
        results: dict[int, tuple[list[int], list[int], list[float], list[float]]] = {}
        nonempty = [i for i, d in enumerate(texts) if len(d)]
        for start in range(0, len(nonempty), doc_batch):
            chunk = nonempty[start : start + doc_batch]
            em, tag_logits, mask = self.doc_forward([vecs[bounds[i] : bounds[i + 1]] for i in chunk], [feats[i] for i in chunk])
            paths = self.heads.crf.decode(em, mask)
            marg = self.heads.crf.marginals(em, mask)
            tprob = torch.softmax(tag_logits, -1)
            for r, i in enumerate(chunk):
                k = len(texts[i])
                path = paths[r]
                sconf = marg[r, torch.arange(k), torch.tensor(path)].tolist()
                tconf, tidx = tprob[r, :k].max(-1)
                results[i] = (path, tidx.tolist(), tconf.tolist(), sconf)
        for i in range(len(texts)):
            out.append(results.get(i, ([], [], [], [])))
        return out


# --------------------------------------------------------------------------
# building from a local base folder


def load_base(path: str | Any) -> tuple[nn.Module, Any]:
    """Load a BERT-style base model and its tokenizer from a local folder (never from a hub).

    ``HF_HUB_OFFLINE`` is set for the process, and ``local_files_only`` for the call.
    """
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        bert = AutoModel.from_pretrained(str(path), local_files_only=True, add_pooling_layer=False)
    finally:
        hf_logging.set_verbosity(verbosity)
    return bert, tokenizer


def config_for_base(bert: nn.Module, **settings: Any) -> ModelConfig:
    """A :class:`ModelConfig` whose encoder shape is read from ``bert``'s config."""
    bc = bert.config
    return ModelConfig(
        hidden_size=bc.hidden_size, num_base_layers=bc.num_hidden_layers, num_heads=bc.num_attention_heads,
        intermediate_size=bc.intermediate_size, layer_norm_eps=bc.layer_norm_eps, **settings,
    )


def build_model(base_dir: str | Any, config: ModelConfig | None = None, **settings: Any) -> SectionTagModel:
    """A :class:`SectionTagModel` on the base in ``base_dir``: base weights in the encoder, fresh heads.

    Parameters
    ----------
    base_dir : path
        A local folder with the base model (``config.json``, weights, tokenizer).
    config : ModelConfig, optional
        The architecture; default: :func:`config_for_base` with ``settings``.
    **settings
        :class:`ModelConfig` fields (``train_layers``, ``sent_dim`` …) when no ``config`` is given.
    """
    bert, tok = load_base(base_dir)
    if config is None:
        config = config_for_base(bert, **settings)
    elif settings:
        raise ValueError("Pass either a ModelConfig or settings, not both.")
    return SectionTagModel(SentenceEncoder(bert, tok, config), config)
