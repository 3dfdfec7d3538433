"""The training loop: labelled documents in, a trained :class:`~xxgk.neural.model.SectionTagModel` out.

A *labelled example* is one document as the model sees it::

    {"doc_id": "pingtan-2021", "variant": "no-headings", "origin": "gold",
     "texts": [...], "features": [[...], ...],        # one row per sentence
     "sections": [0, -100, 1, ...],                    # index into config.section_labels; -100: unknown
     "tags": [3, -100, 0, ...],                        # index into config.tags; -100: no tag to learn
     "section_weight": 1.0, "tag_weight": 1.0}

(:mod:`xxgk.neural.data` builds them from gold files, silver labels and
augmented copies; ``training/data.py`` wraps them in a ``datasets.Dataset``.)

The encoder's frozen bottom layers give the same output for a sentence at
every step, so :func:`train` computes them once per distinct sentence text
and keeps them (float16) in a cache shared by every model trained in the
process on the same base; each step then runs only the top layers, the
document layer and the heads. Cross-validation folds reuse the cache.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .model import SectionTagModel

__all__ = ["TrainArgs", "train", "IGNORE"]

#: Tag index meaning "no tag to learn here".
IGNORE = -100


@dataclass
class TrainArgs:
    """Settings of :func:`train`.

    Parameters
    ----------
    epochs : int, default 8
        Passes over the examples.
    batch_docs : int, default 4
        Documents per optimisation step.
    lr_top : float, default 5e-5
        Learning rate of the fine-tuned encoder layers.
    lr_heads : float, default 2e-3
        Learning rate of the document layer and the heads.
    weight_decay : float, default 0.01
    warmup : float, default 0.1
        Share of the steps with a linearly rising learning rate (then linear decay).
    tag_loss_weight : float, default 1.0
        Weight of the tag loss against the section (CRF) loss.
    tag_class_balance : float, default 0.5
        Tag classes are weighted by ``(max_count / count) ** tag_class_balance``
        (0: no balancing; 1: inverse frequency).
    grad_clip : float, default 1.0
    seed : int, default 13
    threads : int, default 2
        ``torch.set_num_threads`` during training.
    max_steps : int or None, default None
        Stop after this many steps (smoke tests).
    blind_docs : float, default 0.2
        Share of the documents of each step whose sentence vectors are zeroed,
        so that the model also learns to place sentences by their form
        (headings, layout) alone and follows the headings where they are clear.
    rule_dropout : float, default 0.0
        Share of the documents of each step whose rule columns
        (:func:`~xxgk.neural.features.rule_columns`: the sections that headings
        name by word lists) are set to what they say where no heading is found
        (:func:`~xxgk.neural.features.silent_rule_values`), so that the model
        learns to place sentences by their text and the headings' form where
        the word lists are silent (lost headings, wording the lists lack); the
        columns stay as they are for the other documents and at inference
        (except in a report without part headings under
        ``ModelConfig.headless_rules = "silence"`` or ``"silence-sub"``,
        silenced in every step and at inference alike; :meth:`~xxgk.neural.model.SectionTagModel.without_rules`).
        Only the section loss sees the silenced columns: the tags of the step
        come from a second pass of the heads over the intact features, since
        the tag layer reads the section scores and would otherwise learn from
        scores it never meets at inference.
    """

    epochs: int = 8
    batch_docs: int = 4
    lr_top: float = 5e-5
    lr_heads: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.1
    tag_loss_weight: float = 1.0
    tag_class_balance: float = 0.5
    grad_clip: float = 1.0
    seed: int = 13
    threads: int = 2
    max_steps: int | None = None
    blind_docs: float = 0.2
    rule_dropout: float = 0.0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_docs", "threads"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"The '{name}' parameter of TrainArgs must be a positive int. Got {v!r} instead.")
        for name in ("lr_top", "lr_heads", "weight_decay", "tag_loss_weight", "tag_class_balance", "grad_clip"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"The '{name}' parameter of TrainArgs must be a float >= 0. Got {v!r} instead.")
        for name in ("blind_docs", "rule_dropout"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0.0 <= v < 1.0:
                raise ValueError(f"The '{name}' parameter of TrainArgs must be a float in [0, 1). Got {v!r} instead.")
        if not 0.0 <= self.warmup < 1.0:
            raise ValueError(f"The 'warmup' parameter of TrainArgs must be a float in [0, 1). Got {self.warmup!r} instead.")
        if self.max_steps is not None and (not isinstance(self.max_steps, int) or self.max_steps < 1):
            raise ValueError(f"The 'max_steps' parameter of TrainArgs must be a positive int or None. Got {self.max_steps!r} instead.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cached_states(model: SectionTagModel, texts: Iterable[str], log: Callable[[str], None]) -> dict[str, torch.Tensor]:
    """The frozen layers' output for each text, computed once per text and model.

    The cache lives on the encoder (``states_cache``), so it goes with the
    model: a model with other frozen layers never sees another's states.
    """
    enc = model.encoder
    cache = enc.states_cache
    todo = sorted({t for t in texts if t not in cache})
    if todo:
        t0 = time.time()
        if enc.config.train_layers > 0:
            states = enc.bottom_states(todo)
        else:  # frozen encoder: the pooled vector is all there is to cache
            enc.eval()
            states = list(enc.embed(todo).cpu())
        cache.update(zip(todo, states))
        log(f"encoded {len(todo)} new sentences with the frozen layers in {time.time() - t0:.0f}s")
    return cache


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _tag_weights(examples: Sequence[dict[str, Any]], n_tags: int, balance: float) -> torch.Tensor:
    counts = np.zeros(n_tags)
    for ex in examples:
        for t in ex["tags"]:
            if t != IGNORE:
                counts[t] += 1
    counts = np.maximum(counts, 1)
    return torch.tensor((counts.max() / counts) ** balance, dtype=torch.float32)


def _check_example(ex: dict[str, Any], n_sec: int, n_tag: int, n_feat: int) -> None:
    n = len(ex["texts"])
    name = f"{ex.get('doc_id', '?')}/{ex.get('variant', '?')}"
    if n == 0:
        raise ValueError(f"Example {name} has no sentence.")
    if len(ex["sections"]) != n or len(ex["tags"]) != n or len(ex["features"]) != n:
        raise ValueError(f"Example {name}: texts, features, sections and tags must have one entry per sentence.")
    if any(s != IGNORE and not 0 <= s < n_sec for s in ex["sections"]):
        raise ValueError(f"Example {name}: a section index is outside [0, {n_sec}) and is not {IGNORE}.")
    if any(t != IGNORE and not 0 <= t < n_tag for t in ex["tags"]):
        raise ValueError(f"Example {name}: a tag index is outside [0, {n_tag}) and is not {IGNORE}.")
    if len(ex["features"][0]) != n_feat:
        raise ValueError(f"Example {name}: {len(ex['features'][0])} features per sentence; the model takes {n_feat}.")


def train(
    model: SectionTagModel,
    examples: Sequence[dict[str, Any]],
    args: TrainArgs | None = None,
    *,
    log: Callable[[str], None] | None = None,
    device: str | torch.device | None = None,
) -> dict[str, Any]:
    """Train ``model`` in place on labelled examples.

    Parameters
    ----------
    model : SectionTagModel
        A model built with :func:`~xxgk.neural.model.build_model` (heads fresh or not).
    examples : sequence of dict
        Labelled examples (see the module's docstring); a ``datasets.Dataset``
        works too.
    args : TrainArgs, optional
        The settings; default ``TrainArgs()``.
    log : callable, optional
        Receives progress lines.
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, optional
        Where to train (see :mod:`xxgk.neural.device`); the model is moved
        there and stays. Default: where the model is.

    Returns
    -------
    dict
        ``steps``, ``seconds``, ``sentences_per_second`` and the mean loss of each epoch.
    """
    args = args or TrainArgs()
    log = log or (lambda _msg: None)
    exs = [dict(e) for e in examples]
    if not exs:
        raise ValueError("train needs at least one labelled example; got none.")
    cfg = model.config
    for ex in exs:
        _check_example(ex, len(cfg.section_labels), len(cfg.tags), cfg.n_features)
    if device is not None:
        from .device import resolve_device

        model.to(device if isinstance(device, torch.device) else resolve_device(device))
    old_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    _seed_everything(args.seed)
    try:
        return _train(model, exs, args, log)
    finally:
        torch.set_num_threads(old_threads)


def _train(model: SectionTagModel, exs: list[dict[str, Any]], args: TrainArgs, log: Callable[[str], None]) -> dict[str, Any]:
    cache = _cached_states(model, (t for ex in exs for t in ex["texts"]), log)
    frozen = model.config.train_layers == 0
    feats = [torch.tensor(np.asarray(ex["features"], dtype=np.float32)) for ex in exs]
    secs = [torch.tensor(ex["sections"], dtype=torch.long) for ex in exs]
    tags = [torch.tensor(ex["tags"], dtype=torch.long) for ex in exs]
    sec_w = [float(ex.get("section_weight", 1.0)) for ex in exs]
    tag_w = [float(ex.get("tag_weight", 1.0)) for ex in exs]
    dev = model.encoder.device
    # documents whose sections are always read without the rule columns (ModelConfig.headless_rules), as inference does
    always = [model.sections_without_rules(f) for f in feats]
    class_w = _tag_weights(exs, len(model.config.tags), args.tag_class_balance).to(dev)

    top_params = list(model.encoder.top.parameters())
    head_params = list(model.heads.parameters())
    groups = [{"params": head_params, "lr": args.lr_heads}]
    if top_params:
        groups.append({"params": top_params, "lr": args.lr_top})
    opt = torch.optim.AdamW(groups, weight_decay=args.weight_decay)
    steps_per_epoch = math.ceil(len(exs) / args.batch_docs)
    total = steps_per_epoch * args.epochs
    if args.max_steps is not None:
        total = min(total, args.max_steps)
    warm = max(1, int(args.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    gen = torch.Generator().manual_seed(args.seed)
    model.train()
    step, seen, t0 = 0, 0, time.time()
    history: list[float] = []
    for epoch in range(args.epochs):
        order = torch.randperm(len(exs), generator=gen).tolist()
        losses: list[float] = []
        for b0 in range(0, len(order), args.batch_docs):
            if step >= total:
                break
            batch = order[b0 : b0 + args.batch_docs]
            uniq = sorted({t for i in batch for t in exs[i]["texts"]})
            pos = {t: k for k, t in enumerate(uniq)}
            if frozen:
                vecs = torch.stack([cache[t] for t in uniq]).to(dev)
            else:
                x, m = model.encoder.pad_states([cache[t] for t in uniq])
                vecs = model.encoder.top_forward(x.to(dev), m.to(dev))
            doc_vecs = [vecs[torch.tensor([pos[t] for t in exs[i]["texts"]], device=dev)] for i in batch]
            if args.blind_docs:
                blind = (torch.rand(len(batch), generator=gen) < args.blind_docs).tolist()
                doc_vecs = [v * 0.0 if b else v for v, b in zip(doc_vecs, blind)]
            doc_feats = [feats[i] for i in batch]
            hide = [always[i] for i in batch]
            if args.rule_dropout:
                drop = (torch.rand(len(batch), generator=gen) < args.rule_dropout).tolist()
                hide = [h or d for h, d in zip(hide, drop)]
            if any(hide):
                # the sections are learnt with the columns silenced, the tags with them as inference has them
                em, _, mask = model.doc_forward(doc_vecs, [model.without_rules(f) if h else f
                                                           for f, h in zip(doc_feats, hide)])
                _, tag_logits, _ = model.doc_forward(doc_vecs, doc_feats)
            else:
                em, tag_logits, mask = model.doc_forward(doc_vecs, doc_feats)
            n = em.shape[1]
            sec_t = torch.full((len(batch), n), IGNORE, dtype=torch.long)
            tag_t = torch.full((len(batch), n), IGNORE, dtype=torch.long)
            for r, i in enumerate(batch):
                sec_t[r, : len(secs[i])] = secs[i]
                tag_t[r, : len(tags[i])] = tags[i]
            sec_t, tag_t = sec_t.to(dev), tag_t.to(dev)
            lengths = mask.sum(1).float()
            nll = model.heads.crf.nll(em, sec_t, mask) / lengths
            sw = torch.tensor([sec_w[i] for i in batch], device=dev)
            sec_loss = (nll * sw).sum() / sw.sum().clamp(min=1e-6)
            tw = torch.tensor([tag_w[i] for i in batch], device=dev).unsqueeze(1).expand(-1, n)
            ce = F.cross_entropy(tag_logits.reshape(-1, tag_logits.shape[-1]), tag_t.reshape(-1), weight=class_w,
                                 ignore_index=IGNORE, reduction="none")
            valid = (tag_t.reshape(-1) != IGNORE).float() * tw.reshape(-1)
            cls = class_w[tag_t.reshape(-1).clamp(min=0)]
            tag_loss = (ce * valid).sum() / (valid * cls).sum().clamp(min=1e-6)
            loss = sec_loss + args.tag_loss_weight * tag_loss
            opt.zero_grad()
            loss.backward()
            if args.grad_clip:
                torch.nn.utils.clip_grad_norm_(top_params + head_params, args.grad_clip)
            opt.step()
            sched.step()
            step += 1
            seen += int(mask.sum())
            losses.append(float(loss.detach()))
        if losses:
            history.append(float(np.mean(losses)))
            log(f"epoch {epoch + 1}/{args.epochs}: loss {history[-1]:.4f} ({step} steps, {time.time() - t0:.0f}s)")
        if step >= total:
            break
    model.eval()
    secs_taken = time.time() - t0
    return {"steps": step, "seconds": round(secs_taken, 1), "sentences_per_second": round(seen / max(secs_taken, 1e-9), 1),
            "epoch_loss": history}
