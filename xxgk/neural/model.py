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

The parts live in their own modules: :mod:`.features` (the form features),
:mod:`.encoder` (the sentence encoder and loading the base), :mod:`.crf` and
:mod:`.heads` (the document layer and the section and tag heads); this module
holds the configuration and the whole model.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ..spec import SECTION_LABELS, TAGS
from .encoder import BaseEncoder, SentenceEncoder, load_base
from .features import feature_count, headless, keep_part_headings, rule_columns, rule_parts, silent_rule_values
from .heads import DocumentHeads

#: The ``v1`` feature columns that are ``rules`` outputs (:func:`~xxgk.neural.features.sentence_features`: 22–29 the
#: section a heading names by the rules' word lists or "numbered but unnamed", 30–36 the rules' state machine);
#: :func:`~xxgk.neural.features.rule_columns` gives them for every feature set.
RULE_FEATURES = slice(22, 37)

#: The values of :attr:`ModelConfig.headless_rules`.
HEADLESS_RULES: tuple[str, ...] = ("keep", "silence", "silence-sub")

__all__ = ["ModelConfig", "SectionTagModel", "HEADLESS_RULES", "config_for_base", "build_model"]

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
    #: False: the feature columns that are the ``rules`` system's outputs (the section a heading names by the
    #: rules' word lists, the rules' state; :func:`~.features.rule_columns`) are zeroed, so the model learns without them.
    rule_features: bool = True
    #: The feature set (:data:`~xxgk.neural.features.FEATURE_SETS`): ``v1`` (the shipped weights', legacy word
    #: lists) or ``v2`` (the spec's word lists and the heading hierarchy).
    features: str = "v1"
    #: ``"keep"``: every report's sections read the rule columns. ``"silence"`` (``v2`` only): a report whose parts
    #: neither headings' form nor the ``rules`` found (no top-level part headings, :func:`~.features.headless`,
    #: and the rules' state machine in at most one part, :func:`~.features.rule_parts`) has its sections read
    #: with those columns set to what they say where no heading is found
    #: (:func:`~.features.silent_rule_values`): there the word lists can only follow stray sub-headings and key
    #: words. Its tags still read the columns as they are; training does the same (:func:`~.fit.train`), so the
    #: model learns both readings. ``"silence-sub"``: the same reports, the same way, except that what a top-level
    #: part heading names is kept (:func:`~.features.keep_part_headings`): only sub-headings', unnumbered headings'
    #: and the state machine's key words are silenced.
    headless_rules: str = "keep"
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
            self.n_features = feature_count(self.features)
        if self.n_features != feature_count(self.features):
            raise ValueError(f"ModelConfig: feature set {self.features!r} has {feature_count(self.features)} columns, "
                             f"not {self.n_features}.")
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
        if self.headless_rules not in HEADLESS_RULES:
            raise ValueError(f"The 'headless_rules' parameter of ModelConfig must be one of {', '.join(map(repr, HEADLESS_RULES))}. "
                             f"Got {self.headless_rules!r} instead.")
        if self.headless_rules != "keep" and self.features != "v2":
            raise ValueError(f"ModelConfig: headless_rules={self.headless_rules!r} reads the heading hierarchy of feature set 'v2'; "
                             f"this config has features={self.features!r}.")

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




class SectionTagModel(nn.Module):
    """The whole model: :class:`SentenceEncoder` + :class:`DocumentHeads`.

    Only :meth:`trainable_state_dict` (top layers + heads) is saved; the rest
    is the base model, rebuilt from the fetched m3e-small.
    """

    #: Decode sections under the hard constraints of :meth:`CRF.decode_legal` (never back to ``preamble``).
    legal_decoding: bool = True

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
        device = vec_list[0].device
        vecs = torch.zeros((b, n, hid), device=device)
        feats = torch.zeros((b, n, self.config.n_features))
        mask = torch.zeros((b, n), dtype=torch.bool)
        for d, (v, f) in enumerate(zip(vec_list, feat_list)):
            k = v.shape[0]
            vecs[d, :k] = v
            feats[d, :k] = torch.as_tensor(f, dtype=torch.float32)
            mask[d, :k] = True
        if not self.config.rule_features:
            feats[:, :, rule_columns(self.config.features)] = 0.0
        feats, mask = feats.to(device), mask.to(device)
        em, tags = self.heads(vecs, feats, mask)
        return em, tags, mask

    def without_rules(self, feats: np.ndarray | torch.Tensor) -> torch.Tensor:
        """A copy of one document's feature rows whose rule columns say nothing (:func:`~.features.silent_rule_values`).

        With ``headless_rules="silence-sub"``, what top-level part headings name
        is kept (:func:`~.features.keep_part_headings`).
        """
        rows = torch.as_tensor(feats, dtype=torch.float32)
        out = rows.clone()
        cols = rule_columns(self.config.features)
        out[:, cols] = torch.as_tensor(silent_rule_values(self.config.features), dtype=out.dtype, device=out.device)
        if self.config.headless_rules == "silence-sub":
            keep_part_headings(out, rows, self.config.features)
        return out

    def sections_without_rules(self, feats: np.ndarray | torch.Tensor) -> bool:
        """Whether this document's sections are read with the rule columns silenced (:attr:`ModelConfig.headless_rules`)."""
        if self.config.headless_rules == "keep":
            return False
        rows = feats.detach().cpu().numpy() if isinstance(feats, torch.Tensor) else np.asarray(feats)
        return len(rows) > 0 and headless(rows, self.config.features) and rule_parts(rows) <= 1

    def heads_forward(
        self, vec_list: Sequence[torch.Tensor], feat_list: Sequence[np.ndarray | torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """:meth:`doc_forward`, with the section emissions of each document that :meth:`sections_without_rules`
        picks read without the rule columns.

        The tag logits always come from the features as they are (a second pass
        of the heads when some document is silenced).
        """
        silenced = [self.sections_without_rules(f) for f in feat_list]
        em, tags, mask = self.doc_forward(vec_list, feat_list)
        if any(silenced):
            em, _, _ = self.doc_forward(vec_list, [self.without_rules(f) if s else f for f, s in zip(feat_list, silenced)])
        return em, tags, mask

    @torch.no_grad()
    def predict_docs(
        self, texts: Sequence[Sequence[str]], feats: Sequence[np.ndarray], batch_tokens: int = 4096, doc_batch: int = 8,
        precision: str = "fp32",
    ) -> list[tuple[list[int], list[int], list[float], list[float], np.ndarray, np.ndarray]]:
        """Sections, tags, their confidences and the full distributions (section marginals, tag probabilities) for each document.

        All sentences of all documents are encoded together (bucketed by
        length, on the model's device, the encoder's products in
        ``precision``: see :mod:`.device`); then the heads run in float32 on
        up to ``doc_batch`` documents at once, and the CRF decodes on the CPU.
        """
        self.eval()
        flat = [t for doc in texts for t in doc]
        out: list[tuple[list[int], list[int], list[float], list[float], np.ndarray, np.ndarray]] = []
        if not flat:
            return [([], [], [], [], np.zeros((0, 0)), np.zeros((0, 0))) for _ in texts]
        vecs = self.encoder.embed(flat, batch_tokens=batch_tokens, precision=precision)
        bounds = np.cumsum([0] + [len(d) for d in texts])
        results: dict[int, tuple[list[int], list[int], list[float], list[float], np.ndarray, np.ndarray]] = {}
        nonempty = [i for i, d in enumerate(texts) if len(d)]
        crf = self.heads.crf
        if crf.trans.device.type != "cpu":  # Viterbi and forward-backward loop over positions: faster on the CPU
            crf = copy.deepcopy(crf).cpu()
        for start in range(0, len(nonempty), doc_batch):
            chunk = nonempty[start : start + doc_batch]
            em, tag_logits, mask = self.heads_forward([vecs[bounds[i] : bounds[i + 1]] for i in chunk], [feats[i] for i in chunk])
            em, tag_logits, mask = em.float().cpu(), tag_logits.float().cpu(), mask.cpu()  # the CRF's loops: on the CPU
            paths = crf.decode_legal(em, mask) if self.legal_decoding else crf.decode(em, mask)
            marg = crf.marginals(em, mask)
            tprob = torch.softmax(tag_logits, -1)
            for r, i in enumerate(chunk):
                k = len(texts[i])
                path = paths[r]
                sconf = marg[r, torch.arange(k), torch.tensor(path)].tolist()
                tconf, tidx = tprob[r, :k].max(-1)
                # the full distributions too: calibration (xxgk.neural.calibrate) rescales them
                results[i] = (path, tidx.tolist(), tconf.tolist(), sconf, marg[r, :k].numpy(), tprob[r, :k].numpy())
        for i in range(len(texts)):
            out.append(results.get(i, ([], [], [], [], np.zeros((0, 0)), np.zeros((0, 0)))))
        return out


# --------------------------------------------------------------------------
# building from a local base folder


def config_for_base(bert: BaseEncoder, **settings: Any) -> ModelConfig:
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
