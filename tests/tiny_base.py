"""A tiny random BERT with a character vocabulary, written to a folder like the real base model's.

Shared by the tests of the neural model (``test_neural_model.py``) and of its
fast inference (``test_fast_inference.py``): a real ``from_pretrained`` folder,
built in a second, with no download.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def write_tiny_base(folder: Path, texts: Iterable[str]) -> Path:
    """Write a 2-layer, 32-wide BERT whose vocabulary is the characters of ``texts``; return ``folder``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    chars = sorted({c for text in texts for c in text})
    (folder / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n", encoding="utf-8")
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=5 + len(chars), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(folder)
    return folder
