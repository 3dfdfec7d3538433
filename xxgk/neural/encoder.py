"""The sentence encoder: m3e-small's frozen bottom layers and fine-tuned top layer(s), mean-pooled.

* The lower layers stay frozen, so their output for a sentence never changes:
  training computes it once per distinct sentence
  (:meth:`SentenceEncoder.bottom_states`) and runs only the top layers, the
  part that learns, again at each step.
* The layers are a plain re-implementation of the BERT layer
  (:class:`BertLayer`, in :class:`BaseEncoder` for the base) that loads the
  base's weights, so loading the model imports no ``transformers`` code and
  the shipped files hold only what training changed (the top layers).
* Inference runs the whole encoder on batches of sentences bucketed by token
  length (sentences of many documents together): no Python loop over
  sentences around the encoder. A text that occurs several times is encoded
  once, and a loaded model may keep the vectors of recent texts
  (:class:`VectorCache`): reports repeat their templates' sentences.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ModelError
from ..limits import out_of_memory

if TYPE_CHECKING:  # pragma: no cover
    from .model import ModelConfig

__all__ = ["BaseConfig", "BaseEncoder", "BaseTokenizer", "BertEmbeddings", "BertLayer", "SentenceEncoder", "VectorCache",
           "load_base", "pad_ids"]


# Containers that hold BertLayer's submodules under transformers' names; their annotations give the type
# checker what each holds (nn.Module types a submodule set as an attribute only as ``Tensor | Module``).
class _SelfAttention(nn.Module):
    query: nn.Linear
    key: nn.Linear
    value: nn.Linear


class _DenseNorm(nn.Module):
    dense: nn.Linear
    LayerNorm: nn.LayerNorm


class _Attention(nn.Module):
    self: _SelfAttention
    output: _DenseNorm


class _Dense(nn.Module):
    dense: nn.Linear


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
        self.attention = _Attention()
        self.attention.self = _SelfAttention()
        self.attention.self.query = nn.Linear(hidden, hidden)
        self.attention.self.key = nn.Linear(hidden, hidden)
        self.attention.self.value = nn.Linear(hidden, hidden)
        self.attention.output = _DenseNorm()
        self.attention.output.dense = nn.Linear(hidden, hidden)
        self.attention.output.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = _Dense()
        self.intermediate.dense = nn.Linear(hidden, intermediate)
        self.output = _DenseNorm()
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


class BertEmbeddings(nn.Module):
    """BERT's input embeddings: word + token type + position, then LayerNorm (names as in ``transformers``)."""

    def __init__(self, vocab_size: int, hidden: int, max_positions: int, type_vocab_size: int, eps: float,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.dropout = dropout
        self.word_embeddings = nn.Embedding(vocab_size, hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(max_positions, hidden)
        self.token_type_embeddings = nn.Embedding(type_vocab_size, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, ids: torch.Tensor, token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(ids)
        x = self.word_embeddings(ids) + self.token_type_embeddings(token_type_ids)  # the library's order of sums
        x = x + self.position_embeddings(torch.arange(ids.shape[1], device=ids.device)).unsqueeze(0)
        return F.dropout(self.LayerNorm(x), self.dropout if self.training else 0.0, self.training)


@dataclass
class BaseConfig:
    """The shape of a BERT base, read from its ``config.json`` (the fields the encoder needs)."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    layer_norm_eps: float = 1e-12
    max_position_embeddings: int = 512
    type_vocab_size: int = 2

    @classmethod
    def from_file(cls, path: Path) -> BaseConfig:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("model_type", "bert") != "bert" or data.get("position_embedding_type", "absolute") != "absolute" \
                or data.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{path}: not a BERT base with absolute positions and GELU; xxgk runs only those.")
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class _Layers(nn.Module):
    layer: nn.ModuleList


class BaseEncoder(nn.Module):
    """A BERT base without its pooler: embeddings, then the encoder's layers (parameter names as in ``transformers``).

    The model's frozen bottom layers run here, so that loading and running the
    model imports no ``transformers`` code (about 4 s of a CLI call); a test
    checks that it gives the library's ``BertModel`` output on the same weights.
    """

    def __init__(self, config: BaseConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config.vocab_size, config.hidden_size, config.max_position_embeddings,
                                         config.type_vocab_size, config.layer_norm_eps)
        self.encoder = _Layers()
        self.encoder.layer = nn.ModuleList(
            BertLayer(config.hidden_size, config.num_attention_heads, config.intermediate_size, config.layer_norm_eps)
            for _ in range(config.num_hidden_layers))
        self.pooler: nn.Module | None = None

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        """The last layer's states (batch, length, hidden); ``attention_mask`` is 1 (or True) on real tokens."""
        mask = torch.ones_like(input_ids, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
        h = self.embeddings(input_ids, token_type_ids)
        for layer in self.encoder.layer:
            h = layer(h, mask)
        return h


class BaseTokenizer:
    """A base folder's ``tokenizer.json`` run by the ``tokenizers`` library, which ``transformers``' fast BERT
    tokenizer runs too: the same token ids, without importing ``transformers``.

    Called like a ``transformers`` tokenizer for what the encoder asks of it
    (``texts``, ``truncation``, ``max_length``, ``add_special_tokens``; returns
    ``{"input_ids": [...]}``).
    """

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path))
        self._tok.no_padding()
        self._tok.no_truncation()
        self._lock = threading.Lock()  # truncation is a setting of the shared Rust tokenizer

    def __call__(self, texts: Sequence[str], truncation: bool = False, max_length: int | None = None,
                 add_special_tokens: bool = True) -> dict[str, list[list[int]]]:
        with self._lock:
            if truncation and max_length:
                self._tok.enable_truncation(max_length)
            else:
                self._tok.no_truncation()
            encodings = self._tok.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        return {"input_ids": [e.ids for e in encodings]}


class VectorCache:
    """The sentence vectors of the most recently seen texts, by precision and text, at most ``size`` of them.

    Reports repeat their templates' sentences (headings, the tables' row
    labels, stock phrases), so a model that tags a corpus meets most texts
    again; :meth:`SentenceEncoder.embed` takes a repeated text's vector from
    here instead of encoding it again. A vector is what the encoder gave for
    the text in the batch that first held it: in float32 that is the same
    vector to within about 1e-6 whatever else shared the batch (matrix
    products round a little differently with the batch's shape), the same
    amount by which a text's vector moves from one batching to another
    without the cache. The encoder empties it whenever its weights could
    change (loading weights, training mode, a move to another device).

    Parameters
    ----------
    size : int, default 16384
        Texts kept (2 KiB per text for a 512-wide encoder: 32 MiB at most).

    Examples
    --------
    >>> import torch
    >>> cache = VectorCache(size=2)
    >>> cache.put("fp32", "a", torch.zeros(2)); cache.put("fp32", "b", torch.ones(2))
    >>> cache.get("fp32", "a") is not None, cache.get("bf16", "a")
    (True, None)
    >>> cache.put("fp32", "c", torch.ones(2))  # "b" is the least recently used: it goes
    >>> sorted(t for _, t in cache.keys())
    ['a', 'c']
    """

    def __init__(self, size: int = 16384) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"The 'size' parameter of VectorCache must be a positive int. Got {size!r} instead.")
        self.size = size
        self._items: OrderedDict[tuple[str, str], torch.Tensor] = OrderedDict()
        #: texts answered from the cache and texts encoded, since it was made
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def keys(self) -> list[tuple[str, str]]:
        return list(self._items)

    def get(self, precision: str, text: str) -> torch.Tensor | None:
        vec = self._items.get((precision, text))
        if vec is not None:
            self._items.move_to_end((precision, text))
        return vec

    def put(self, precision: str, text: str, vec: torch.Tensor) -> None:
        self._items[(precision, text)] = vec
        self._items.move_to_end((precision, text))
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


def pad_ids(seqs: Sequence[list[int]], device: torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids padded (with 0) to the longest of ``seqs``, and their mask (True on real tokens), on ``device``.

    >>> ids, mask = pad_ids([[101, 7, 102], [101, 102]])
    >>> ids.tolist(), mask.tolist()
    ([[101, 7, 102], [101, 102, 0]], [[True, True, True], [True, True, False]])
    """
    width = max(len(s) for s in seqs)
    ids = torch.tensor([list(s) + [0] * (width - len(s)) for s in seqs], dtype=torch.long)
    lengths = torch.tensor([len(s) for s in seqs])
    mask = torch.arange(width).unsqueeze(0) < lengths.unsqueeze(1)
    if device is not None and device.type != "cpu":  # one copy per batch
        ids, mask = ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)
    return ids, mask


class SentenceEncoder(nn.Module):
    """m3e-small split in two: frozen bottom layers and trainable top layers.

    Parameters
    ----------
    bert : BaseEncoder
        The base model, loaded from a local folder by :func:`load_base`.
    tokenizer : BaseTokenizer or transformers tokenizer
        Its tokenizer.
    config : ModelConfig
        ``train_layers`` top layers are taken out of ``bert`` into
        :class:`BertLayer` modules that training updates.
    """

    def __init__(self, bert: BaseEncoder, tokenizer: Any, config: ModelConfig) -> None:
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
        #: text -> frozen layers' output, filled by training (:mod:`.fit`); it lives and dies with the encoder
        self.states_cache: dict[str, torch.Tensor] = {}
        #: recent texts' vectors at inference (:meth:`embed`); None (the default): none kept between calls
        self.vector_cache: VectorCache | None = None
        self._int8: list[nn.Module] = []  # [bottom, top] with int8 linear layers, made at the first int8 call
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

    @property
    def device(self) -> torch.device:
        """Where the encoder's weights are (moved with ``model.to(device)``)."""
        return next(self.bottom.parameters()).device

    def _apply(self, fn: Any, *args: Any, **kwargs: Any) -> SentenceEncoder:
        # the frozen base is kept out of the module tree (never saved), so .to()/.cuda() move it here
        super()._apply(fn, *args, **kwargs)
        self.bottom._apply(fn, *args, **kwargs)
        self._forget_vectors()
        return self

    def train(self, mode: bool = True) -> SentenceEncoder:
        super().train(mode)
        self.bottom.eval()  # frozen: no dropout, ever
        if mode:
            self._forget_vectors()
        return self

    def _load_from_state_dict(self, *args: Any, **kwargs: Any) -> None:
        self._forget_vectors()  # new weights: the kept vectors are another model's
        super()._load_from_state_dict(*args, **kwargs)

    def _forget_vectors(self) -> None:
        if getattr(self, "_int8", None):
            self._int8 = []  # the quantised copies hold the old weights
        cache = getattr(self, "vector_cache", None)
        if cache is not None:
            cache.clear()

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

    def _quantised(self) -> list[nn.Module]:
        """Copies of the bottom and top layers whose linear layers have int8 weights (dynamic quantisation, CPU)."""
        if not self._int8:
            import copy
            import warnings

            from torch.ao.quantization import quantize_dynamic

            with warnings.catch_warnings():  # torch 2.13 announces the quantised tensor API's deprecation
                warnings.simplefilter("ignore", UserWarning)
                self._int8 = [quantize_dynamic(copy.deepcopy(m), {nn.Linear}, dtype=torch.qint8)
                              for m in (self.bottom, self.top)]
        return self._int8

    def _bottom_forward(self, ids: torch.Tensor, mask: torch.Tensor, int8: bool = False) -> torch.Tensor:
        bottom = self._quantised()[0] if int8 else self.bottom
        return bottom(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))

    def top_forward(self, states: torch.Tensor, mask: torch.Tensor, int8: bool = False) -> torch.Tensor:
        """Run the trainable layers on bottom states (batch, length, hidden) and mean-pool: (batch, hidden)."""
        h = states
        top: Any = self._quantised()[1] if int8 else self.top  # a ModuleList either way
        for layer in top:
            h = layer(h, mask)
        h = h.float()  # pool in float32 whatever the autocast dtype
        m = mask.unsqueeze(-1).to(h.dtype)
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

    @torch.no_grad()
    def bottom_states(self, texts: Sequence[str], batch_tokens: int = 4096) -> list[torch.Tensor]:
        """The frozen layers' output for each text, unpadded, as float16 tensors (length, hidden)."""
        ids = self.tokenize(texts)
        out: list[torch.Tensor | None] = [None] * len(ids)
        for batch in self._buckets([len(s) for s in ids], batch_tokens):
            t, m = pad_ids([ids[i] for i in batch], self.device)
            h = self._bottom_forward(t, m).to(torch.float16).cpu()  # the cache lives in host memory
            for r, i in enumerate(batch):
                out[i] = h[r, : len(ids[i])].clone()
        return [s for s in out if s is not None]  # every text is in one batch: none is left None

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
    def embed(self, texts: Sequence[str], batch_tokens: int = 4096, precision: str = "fp32") -> torch.Tensor:
        """Sentence vectors (n, hidden) for inference: whole encoder, batches bucketed by length.

        The texts are sorted by token length and cut into batches of at most
        ``batch_tokens`` padded tokens (so short sentences are not padded to
        long ones); the vectors come back in the order of ``texts``, as
        float32 on the encoder's device. ``precision`` (``"fp32"``, ``"bf16"``,
        ``"fp16"``; see :mod:`.device`) is the dtype of the encoder's matrix
        products under ``torch.autocast``; ``"int8"`` runs copies of the
        encoder's layers whose linear layers are dynamically quantised.

        A text that occurs several times in ``texts`` is encoded once; with a
        :attr:`vector_cache`, a text it holds is not encoded at all (and the
        texts encoded here are added to it).
        """
        from .device import autocast

        device = self.device
        cache = self.vector_cache
        out = torch.zeros((len(texts), self.config.hidden_size), dtype=torch.float32, device=device)
        rows: dict[str, list[int]] = {}  # each distinct text -> its rows in texts
        for r, text in enumerate(texts):
            rows.setdefault(text, []).append(r)
        todo: list[str] = []
        for text, where in rows.items():
            known = cache.get(precision, text) if cache is not None else None
            if known is None:
                todo.append(text)
            else:
                out[where] = known
        if cache is not None:
            cache.hits += len(rows) - len(todo)
            cache.misses += len(todo)
        if not todo:
            return out
        ids = self.tokenize(todo)
        for batch in self._buckets([len(s) for s in ids], batch_tokens):
            t, m = pad_ids([ids[i] for i in batch], device)
            with autocast(device, precision):
                int8 = precision == "int8"
                vec = self.top_forward(self._bottom_forward(t, m, int8), m, int8).float()
            for r, i in enumerate(batch):
                where = rows[todo[i]]
                out[where] = vec[r]
                if cache is not None:
                    cache.put(precision, todo[i], vec[r].clone())
        return out


def load_base(path: str | Any) -> tuple[BaseEncoder, Any]:
    """Load a BERT base and its tokenizer from a local folder (never from a hub), without ``transformers``.

    The weights (``model.safetensors`` or ``pytorch_model.bin``) go into a
    :class:`BaseEncoder`; the tokenizer is :class:`BaseTokenizer` on the
    folder's ``tokenizer.json``, or, for a folder without one (a slow
    tokenizer's ``vocab.txt``), ``transformers``' ``AutoTokenizer`` with
    ``local_files_only=True``. The caller's environment is left as it was.

    Raises
    ------
    xxgk.errors.ModelError
        The folder's files cannot be read, or are damaged (it names the folder
        and ``xxgk models fetch-base``).
    """
    folder = Path(path)
    try:
        config = BaseConfig.from_file(folder / "config.json")
        bert = BaseEncoder(config)
        state = _base_state(folder)
        own = bert.state_dict()
        missing = sorted(set(own) - set(state))
        if missing:
            raise ValueError(f"the weights lack {missing[:3]}{' …' if len(missing) > 3 else ''}")
        bert.load_state_dict({k: v for k, v in state.items() if k in own})
        tokenizer = BaseTokenizer(folder / "tokenizer.json") if (folder / "tokenizer.json").is_file() \
            else _auto_tokenizer(folder)
    except Exception as err:  # noqa: BLE001  (torch, safetensors, json and tokenizers each fail their own way)
        if out_of_memory(err):
            raise
        # issue 15: an unreadable or damaged cache is named, with the way out, not a raw traceback
        detail = " ".join(str(err).split())
        detail = detail[:300] + ("…" if len(detail) > 300 else "")
        raise ModelError(
            f"{path}: the base model's files cannot be loaded ({type(err).__name__}: {detail}). "
            "They are unreadable or damaged: delete the folder and run `xxgk models fetch-base` again."
        ) from err
    bert.eval()
    return bert, tokenizer


def _base_state(folder: Path) -> dict[str, torch.Tensor]:
    """The base's weights by ``transformers``' names (a ``bert.`` prefix dropped)."""
    if (folder / "model.safetensors").is_file():
        from safetensors.torch import load_file

        state = load_file(str(folder / "model.safetensors"))
    else:
        state = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
    return {k.removeprefix("bert."): v for k, v in state.items()}


def _auto_tokenizer(folder: Path) -> Any:
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    finally:
        hf_logging.set_verbosity(verbosity)
