"""The faster inference paths give what the plain ones give: numpy Viterbi, repeated texts encoded once, the vector cache.

The encoder tests use a tiny randomly initialised base (as ``test_neural_model.py``)
so they need no fetched m3e-small.
"""

from __future__ import annotations

import pytest
import torch
from tiny_base import write_tiny_base

from xxgk.neural.crf import CRF, no_return_to
from xxgk.neural.encoder import VectorCache
from xxgk.neural.model import build_model

TEXTS = ["一、总体情况", "2021年共受理申请6件。", "均按时办结。", "二、主动公开政府信息情况", "全年主动公开信息2645条。",
         "主动公开意识有待增强。", "下一步将加强培训。", "无其他需要报告的事项。"]


def _loop_decode(crf: CRF, em: torch.Tensor, mask: torch.Tensor, trans: torch.Tensor) -> list[list[int]]:
    """The Viterbi of the previous release, a torch step per position and a Python step per label back."""
    b, n, k = em.shape
    score = crf.start + em[:, 0]
    back = torch.zeros((b, n, k), dtype=torch.long)
    for t in range(1, n):
        cand = score.unsqueeze(2) + trans.unsqueeze(0)
        best, arg = cand.max(dim=1)
        nxt = best + em[:, t]
        m = mask[:, t].unsqueeze(1)
        score = torch.where(m, nxt, score)
        back[:, t] = torch.where(m, arg, torch.arange(k).expand(b, k))
    score = score + crf.end
    paths = []
    for d, length in enumerate(mask.long().sum(1).tolist()):
        last = int(score[d].argmax())
        path = [last]
        for t in range(length - 1, 0, -1):
            last = int(back[d, t, last])
            path.append(last)
        paths.append(path[::-1])
    return paths


@pytest.mark.parametrize("seed", range(6))
def test_numpy_viterbi_gives_the_paths_of_the_torch_loop(seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    k = 7
    crf = CRF(k)
    with torch.no_grad():
        crf.start.normal_(generator=g)
        crf.end.normal_(generator=g)
        crf.trans.normal_(generator=g)
    lengths = [int(x) for x in torch.randint(1, 40, (5,), generator=g)]
    n = max(lengths)
    em = torch.randn((5, n, k), generator=g) * 3
    if seed % 2:  # integer scores: many ties, which must go to the same label
        em = em.round()
        with torch.no_grad():
            crf.trans.copy_(crf.trans.round())
    mask = torch.arange(n)[None] < torch.tensor(lengths)[:, None]
    legal = crf.trans.masked_fill(~no_return_to(k), -1e4)
    assert crf.decode(em, mask) == _loop_decode(crf, em, mask, crf.trans.detach())
    assert crf.decode_legal(em, mask) == _loop_decode(crf, em, mask, legal.detach())
    assert [len(p) for p in crf.decode(em, mask)] == lengths


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = write_tiny_base(tmp_path_factory.mktemp("tiny-base"), TEXTS)
    model = build_model(folder, train_layers=1, sent_dim=16, doc_hidden=8, max_tokens=24)
    return model.eval()


def test_repeated_texts_get_the_vector_of_their_first_occurrence(tiny_model) -> None:
    enc = tiny_model.encoder
    assert enc.vector_cache is None  # a model built for training keeps nothing between calls
    once = enc.embed(TEXTS)
    texts = TEXTS + TEXTS[::-1] + TEXTS[:3]
    many = enc.embed(texts)
    for r, text in enumerate(texts):
        assert torch.equal(many[r], many[texts.index(text)])
        # float32: a text's vector moves by rounding only with the other texts of its batch
        assert torch.allclose(many[r], once[TEXTS.index(text)], atol=1e-5, rtol=0)
    assert enc.embed([]).shape == (0, once.shape[1])


def test_the_vector_cache_answers_repeats_and_forgets_on_new_weights(tiny_model) -> None:
    enc = tiny_model.encoder
    enc.vector_cache = VectorCache(size=5)
    try:
        first = enc.embed(TEXTS[:4])
        assert (enc.vector_cache.hits, enc.vector_cache.misses, len(enc.vector_cache)) == (0, 4, 4)
        again = enc.embed(TEXTS[2:6])  # two texts known, two new; the cache holds 5: the oldest goes
        assert (enc.vector_cache.hits, enc.vector_cache.misses, len(enc.vector_cache)) == (2, 6, 5)
        assert torch.equal(again[0], first[2]) and torch.equal(again[1], first[3])
        assert ("fp32", TEXTS[0]) not in enc.vector_cache.keys()
        assert enc.vector_cache.get("bf16", TEXTS[2]) is None  # another precision, another vector

        # new weights (what fit or loading does): the kept vectors are dropped, the new ones differ
        state = tiny_model.trainable_state_dict()
        changed = {k: (v * 2 if k == "encoder.top.0.output.LayerNorm.weight" else v) for k, v in state.items()}
        tiny_model.load_trainable_state_dict(changed)
        assert len(enc.vector_cache) == 0
        moved = enc.embed(TEXTS[2:3])
        assert not torch.allclose(moved[0], first[2])
        tiny_model.load_trainable_state_dict(state)
        assert len(enc.vector_cache) == 0
        enc.embed(TEXTS[:2])
        tiny_model.train()
        assert len(enc.vector_cache) == 0
        tiny_model.eval()
        enc.embed(TEXTS[:2])
        tiny_model.to("cpu")
        assert len(enc.vector_cache) == 0
    finally:
        enc.vector_cache = None


def test_vector_cache_refuses_a_bad_size() -> None:
    with pytest.raises(ValueError, match="'size' parameter of VectorCache"):
        VectorCache(size=0)


def test_the_manifest_names_the_engine(tmp_path) -> None:
    import json

    from xxgk.batch import tag

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_text("一、总体情况\n2021年，共受理申请6件。\n", encoding="utf-8")
    tag([tmp_path / "in"], tmp_path / "out", system="rules", progress=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runtime"]["engine"] == "local"


def test_int8_precision_is_the_cpus_and_runs_quantised_copies(tiny_model) -> None:
    from xxgk.neural.device import check_precision, resolve_precision

    assert check_precision("int8") == "int8"
    assert resolve_precision("int8", torch.device("cpu")) == "int8"
    with pytest.raises(ValueError, match="'int8' runs on the CPU only"):
        resolve_precision("int8", torch.device("cuda", 0))
    with pytest.raises(ValueError, match="'precision' parameter"):
        check_precision("int4")
    enc = tiny_model.encoder
    fp32 = enc.embed(TEXTS)
    int8 = enc.embed(TEXTS, precision="int8")
    assert not torch.equal(fp32, int8)  # other arithmetic …
    assert torch.nn.functional.cosine_similarity(fp32, int8).min() > 0.9  # … near the same vectors
    assert enc.bottom.encoder.layer[0].attention.self.query.weight.dtype == torch.float32  # the model itself untouched
    assert torch.equal(enc.embed(TEXTS), fp32)


def test_the_cli_takes_int8() -> None:
    from xxgk.cli import parse_args

    args = parse_args(["tag", "x", "--out", "y", "--precision", "int8"])
    assert args.precision == "int8"
