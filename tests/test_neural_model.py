"""The model's architecture on a tiny randomly initialised base: CRF, encoder split, training, save/load.

Everything here runs without the real m3e-small: the base is a 2-layer BERT
with hidden size 32 and a vocabulary of the characters the tests use, written
to a temporary folder with ``save_pretrained`` and loaded through the same
local-folder path as the real base.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from tiny_base import write_tiny_base

from xxgk.errors import ModelError
from xxgk.neural.crf import CRF
from xxgk.neural.features import N_FEATURES, sentence_features
from xxgk.neural.fit import IGNORE, TrainArgs, train
from xxgk.neural.model import ModelConfig, build_model
from xxgk.neural.store import load_model, read_model_info, save_model
from xxgk.spec import SECTION_LABELS, TAGS

DOC = [
    ("平潭综合实验区2021年度政府信息公开工作年度报告", "preamble", "other"),
    ("本报告由区政府办公室编制。", "preamble", "other"),
    ("一、总体情况", "overview", "other"),
    ("2021年共受理申请6件。", "overview", "achievement"),
    ("均按时办结。", "overview", "achievement"),
    ("二、主动公开政府信息情况", "active_disclosure", "other"),
    ("全年主动公开信息2645条。", "active_disclosure", "achievement"),
    ("五、存在的主要问题及改进情况", "problems_improvements", "other"),
    ("主动公开意识有待增强。", "problems_improvements", "problem"),
    ("下一步将加强培训。", "problems_improvements", "plan"),
    ("六、其他需要报告的事项", "other_matters", "other"),
    ("无其他需要报告的事项。", "other_matters", "other"),
]


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    return write_tiny_base(tmp_path_factory.mktemp("tiny-base"), [text for text, _, _ in DOC])


SMALL = {"train_layers": 1, "sent_dim": 16, "doc_hidden": 8, "max_tokens": 24, "dropout": 0.1}


def _example(texts, sections, tags, variant="clean"):
    return {
        "doc_id": "tiny", "variant": variant, "origin": "gold", "texts": list(texts),
        "features": sentence_features(texts, [False] * len(texts), list(range(len(texts)))).tolist(),
        "sections": [SECTION_LABELS.index(s) for s in sections],
        "tags": [TAGS.index(t) if t else IGNORE for t in tags],
        "tag_weight": 1.0, "section_weight": 1.0,
    }


def _examples():
    texts, secs, tags = zip(*DOC)
    keep = [i for i, t in enumerate(texts) if t[0] not in "一二五六"]  # the same report without its headings
    return [
        _example(texts, secs, tags),
        _example([texts[i] for i in keep], [secs[i] for i in keep], [tags[i] for i in keep], "no-headings"),
        _example(texts[:6], secs[:6], [None] * 6, "part"),  # a document without tags to learn
    ]


# -- the CRF, against brute force -------------------------------------------------


@torch.no_grad()
def _brute(crf: CRF, em: torch.Tensor) -> tuple[list[int], torch.Tensor, torch.Tensor]:
    n, k = em.shape
    scores = {}
    for path in itertools.product(range(k), repeat=n):
        s = crf.start[path[0]] + em[0, path[0]] + crf.end[path[-1]]
        for t in range(1, n):
            s = s + crf.trans[path[t - 1], path[t]] + em[t, path[t]]
        scores[path] = s
    best = max(scores, key=lambda p: float(scores[p]))
    all_scores = torch.stack(list(scores.values()))
    logz = torch.logsumexp(all_scores, 0)
    marg = torch.zeros(n, k)
    for path, s in scores.items():
        for t, lab in enumerate(path):
            marg[t, lab] += torch.exp(s - logz)
    return list(best), logz, marg


def test_crf_decode_nll_and_marginals_match_brute_force():
    torch.manual_seed(1)
    crf = CRF(3)
    with torch.no_grad():
        crf.trans.normal_()
        crf.start.normal_()
        crf.end.normal_()
    em = torch.randn(2, 4, 3)
    mask = torch.tensor([[True] * 4, [True, True, True, False]])  # the second document is shorter
    labels = torch.tensor([[0, 1, 1, 2], [2, 0, 1, 0]])
    paths = crf.decode(em, mask)
    nll = crf.nll(em, labels, mask)
    marg = crf.marginals(em, mask)
    for d, n in enumerate([4, 3]):
        best, logz, bmarg = _brute(crf, em[d, :n])
        assert paths[d] == best
        gold = crf.start[labels[d, 0]] + em[d, 0, labels[d, 0]] + crf.end[labels[d, n - 1]]
        for t in range(1, n):
            gold = gold + crf.trans[labels[d, t - 1], labels[d, t]] + em[d, t, labels[d, t]]
        assert float(nll[d].detach()) == pytest.approx(float(logz - gold.detach()), abs=1e-4)
        assert torch.allclose(marg[d, :n], bmarg, atol=1e-5)


def test_crf_sums_over_sentences_without_a_known_section():
    torch.manual_seed(2)
    crf = CRF(3)
    with torch.no_grad():
        crf.trans.normal_()
    em = torch.randn(1, 4, 3)
    mask = torch.ones(1, 4, dtype=torch.bool)
    labels = torch.tensor([[0, -100, 1, 1]])  # the second sentence is, e.g., a table cell the gold leaves out
    nll = crf.nll(em, labels, mask)
    _, logz, _ = _brute(crf, em[0])
    consistent = []
    for middle in range(3):
        path = [0, middle, 1, 1]
        s = crf.start[0] + crf.end[1] + sum(em[0, t, path[t]] for t in range(4))
        consistent.append(s + sum(crf.trans[path[t - 1], path[t]] for t in range(1, 4)))
    expected = logz - torch.logsumexp(torch.stack(consistent), 0)
    assert float(nll[0]) == pytest.approx(float(expected), abs=1e-4)


def test_crf_can_skip_and_come_back():
    # emissions that clearly say 0, 2, 0: a path the learned order alone would not take is still decoded
    crf = CRF(3)
    em = torch.tensor([[[5.0, 0, 0], [0, 0, 5.0], [5.0, 0, 0]]])
    assert crf.decode(em, torch.ones(1, 3, dtype=torch.bool)) == [[0, 2, 0]]


# -- features -----------------------------------------------------------------------


def test_features_see_heading_numbers_and_names_and_nothing_without_them():
    texts = ["一、总体情况", "2021年共受理申请6件。", "五、存在的主要问题及改进情况", "（一）进一步推进主动公开。"]
    f = sentence_features(texts, [True, False, True, False], [0, 1, 2, 3])
    assert f.shape == (4, N_FEATURES)
    assert f[0, 3] == 1 and f[2, 7] == 1  # 一 and 五
    assert f[3, 14] == 1  # （一）
    assert f[0, 22 + SECTION_LABELS.index("overview")] == 1
    assert f[2, 22 + SECTION_LABELS.index("problems_improvements")] == 1
    assert f[3, 30 + SECTION_LABELS.index("problems_improvements")] == 1  # the rules' state carries on
    bare = sentence_features(texts[1:2] + texts[3:], [False, False], [0, 1])
    assert bare[:, 3:14].sum() == 0 and bare[:, 22:30].sum() == 0


# -- encoder, training, save/load --------------------------------------------------


def test_top_layers_reproduce_the_base_encoder(tiny_base):
    from transformers import AutoModel, AutoTokenizer

    texts = [t for t, _, _ in DOC]
    tok = AutoTokenizer.from_pretrained(str(tiny_base))
    bert = AutoModel.from_pretrained(str(tiny_base)).eval()
    enc = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        h = bert(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    ref = (h * m).sum(1) / m.sum(1)
    model = build_model(tiny_base, **SMALL).eval()
    assert torch.allclose(model.encoder.embed(texts, batch_tokens=64), ref, atol=1e-5)
    # the cached route of training (float16 bottom states, then the top layer) agrees closely
    x, mask = model.encoder.pad_states(model.encoder.bottom_states(texts))
    with torch.no_grad():
        assert torch.allclose(model.encoder.top_forward(x, mask), ref, atol=1e-2)
    # only the top layer and the heads are trainable state
    names = model.trainable_state_dict().keys()
    assert all(k.startswith(("encoder.top.0.", "heads.")) for k in names)


def test_the_model_loads_and_runs_without_importing_transformers(tiny_base):
    """The base runs in xxgk's own modules (BaseEncoder, BaseTokenizer): no ~4 s transformers import per process."""
    code = (
        "import sys\n"
        "from xxgk.neural.model import build_model\n"
        f"model = build_model({str(tiny_base)!r}, train_layers=1, sent_dim=16, doc_hidden=8, max_tokens=24).eval()\n"
        "assert model.encoder.embed(['一、总体情况'], batch_tokens=64).shape == (1, 32)\n"
        "assert 'transformers' not in sys.modules, 'transformers was imported'\n"
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_real_base_gives_the_librarys_token_ids_and_states_exactly(shipped_model, corpus_dir):
    """m3e-small through xxgk's BaseEncoder/BaseTokenizer and through transformers: the same ids and states
    (bit-identical with torch 2.13 and transformers 5.25; asserted to 1e-5, what kernels may differ by elsewhere)."""
    from transformers import AutoModel, AutoTokenizer

    from xxgk.neural.base import base_path
    from xxgk.neural.encoder import load_base

    texts = [part for f in sorted(corpus_dir.glob("*.txt"))[:6] for line in f.read_text(encoding="utf-8").splitlines()
             for part in line.split("。") if part.strip()][:400]
    ours, our_tok = load_base(base_path())
    theirs = AutoModel.from_pretrained(str(base_path()), local_files_only=True, add_pooling_layer=False).eval()
    their_tok = AutoTokenizer.from_pretrained(str(base_path()), local_files_only=True)
    ids = our_tok(texts, truncation=True, max_length=64)["input_ids"]
    assert len(texts) > 200 and ids == their_tok(texts, truncation=True, max_length=64)["input_ids"]
    ids = ids[:120]
    width = max(map(len, ids))
    t = torch.tensor([i + [0] * (width - len(i)) for i in ids])
    m = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in ids])
    with torch.no_grad():
        a = ours(input_ids=t, attention_mask=m, token_type_ids=torch.zeros_like(t))
        b = theirs(input_ids=t, attention_mask=m, token_type_ids=torch.zeros_like(t)).last_hidden_state
    assert torch.allclose(a[m.bool()], b[m.bool()], atol=1e-5, rtol=0)


def test_a_base_without_tokenizer_json_gets_the_librarys_tokenizer_and_the_same_ids(tiny_base, tmp_path):
    from xxgk.neural.encoder import BaseTokenizer, load_base

    for f in tiny_base.iterdir():
        if f.name != "tokenizer.json":
            shutil.copy(f, tmp_path / f.name)
    _, ours = load_base(tiny_base)
    _, theirs = load_base(tmp_path)  # vocab.txt only: transformers' AutoTokenizer
    assert isinstance(ours, BaseTokenizer) and not isinstance(theirs, BaseTokenizer)
    texts = [t for t, _, _ in DOC] + ["", "  ", "ＡＢＣ abc\t①", "未知字符𠀀", "一二三" * 40]
    assert ours(texts, truncation=True, max_length=24)["input_ids"] \
        == theirs(texts, truncation=True, max_length=24, add_special_tokens=True)["input_ids"]


def test_tiny_model_trains_and_round_trips(tiny_base, tmp_path):
    torch.manual_seed(0)
    model = build_model(tiny_base, **SMALL)
    before = {k: v.clone() for k, v in model.trainable_state_dict().items()}
    stats = train(model, _examples(), TrainArgs(epochs=30, batch_docs=2, lr_top=1e-3, lr_heads=1e-2, threads=1))
    assert stats["steps"] == 60
    assert stats["epoch_loss"][-1] < stats["epoch_loss"][0] / 2
    after = model.trainable_state_dict()
    assert not torch.equal(before["encoder.top.0.attention.self.query.weight"], after["encoder.top.0.attention.self.query.weight"])
    texts = [t for t, _, _ in DOC]
    feats = [sentence_features(texts, [False] * len(texts), list(range(len(texts))))]
    (secs, tags, tconf, sconf, sprobs, tprobs), = model.predict_docs([texts], feats)
    assert [SECTION_LABELS[i] for i in secs] == [s for _, s, _ in DOC]  # it learned its one document
    assert all(0.0 <= c <= 1.0 for c in tconf + sconf)
    # the full distributions: rows sum to 1, and the confidences are their entries at the chosen labels
    assert sprobs.shape == (len(texts), len(SECTION_LABELS)) and tprobs.shape == (len(texts), len(TAGS))
    assert np.allclose(sprobs.sum(1), 1.0, atol=1e-5) and np.allclose(tprobs.sum(1), 1.0, atol=1e-5)
    assert np.allclose(sprobs[np.arange(len(texts)), secs], sconf) and np.allclose(tprobs.max(1), tconf)

    folder = save_model(model, tmp_path / "model", info={"note": "tiny"})
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "labels.json", "weights.safetensors"]
    info = read_model_info(folder)
    assert info["training"] == {"note": "tiny"} and info["model"]["tags"] == list(TAGS)
    loaded = load_model(folder, base_dir=tiny_base)
    again = loaded.predict_docs([texts], feats)[0]
    assert again[0] == secs and again[1] == tags
    assert np.allclose(again[2], tconf, atol=1e-6)


def test_training_is_deterministic(tiny_base):
    def run():
        torch.manual_seed(123)  # heads are initialised from the global generator
        model = build_model(tiny_base, **SMALL)
        train(model, _examples(), TrainArgs(epochs=2, batch_docs=2, seed=7, threads=1))
        return model.trainable_state_dict()

    a, b = run(), run()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_bad_inputs_are_refused(tiny_base, tmp_path):
    with pytest.raises(ValueError, match="'train_layers' parameter of ModelConfig must be an int in \\[0, 4\\]"):
        ModelConfig(train_layers=5)
    with pytest.raises(ValueError, match="'epochs' parameter of TrainArgs must be a positive int. Got 0"):
        TrainArgs(epochs=0)
    model = build_model(tiny_base, **SMALL)
    bad = _examples()[0] | {"sections": [99] * len(DOC)}
    with pytest.raises(ValueError, match="section index is outside"):
        train(model, [bad], TrainArgs(max_steps=1))
    folder = save_model(model, tmp_path / "m")
    cfg = json.loads((folder / "config.json").read_text())
    cfg["base"]["wheel_sha256"] = "0" * 64
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="trained on base"):
        load_model(folder, base_dir=tiny_base)
    (folder / "weights.safetensors").unlink()
    with pytest.raises(ModelError, match="lacks weights.safetensors"):
        load_model(folder, base_dir=tiny_base)


# -- the system, as the harness drives it ---------------------------------------------


def test_model_system_fits_and_predicts_like_the_harness_asks(tiny_base, gold_dir):
    from xxgk.gold import iter_gold
    from xxgk.neural.recipe import Recipe
    from xxgk.neural.system import ModelSystem
    from xxgk.pipeline import Prediction, TrainableSystem, get_system, prepare
    from xxgk.reading import read

    assert isinstance(get_system("model"), ModelSystem)  # registered; nothing loaded yet
    golds = [g for g in iter_gold(gold_dir) if g.source_path.suffix == ".txt"][:3]
    docs = [prepare(read(g.source_path)) for g in golds]
    recipe = Recipe.from_dict({"model": SMALL, "data": {"gold_variants": ["clean", "no-headings"], "silver": False},
                               "train": {"epochs": 2, "threads": 1}})
    system = ModelSystem(base_dir=tiny_base, recipe=recipe)
    assert isinstance(system, TrainableSystem)
    assert system.fit(docs[:2], golds[:2]) is system
    assert system.training_info["data"]["gold_reports"] == 2
    preds = system.predict(docs[2:] + docs[:1])
    assert len(preds) == 2 and all(isinstance(p, Prediction) for p in preds)
    for p, d in zip(preds, docs[2:] + docs[:1]):
        assert len(p.sections) == len(p.tags) == len(d.sentences)
        assert set(p.sections) <= set(SECTION_LABELS) and set(p.tags) <= set(TAGS)


def test_feature_set_v2_trains_round_trips_and_can_drop_the_rule_columns(tiny_base, tmp_path):
    from xxgk.neural.features import feature_count, rule_columns

    texts, secs, tags = zip(*DOC)
    feats = sentence_features(list(texts), [False] * len(texts), list(range(len(texts))), feature_set="v2")
    ex = {**_example(texts, secs, tags), "features": feats.tolist()}
    torch.manual_seed(0)
    model = build_model(tiny_base, **SMALL, features="v2")
    assert model.config.n_features == feature_count("v2") == feats.shape[1]
    with pytest.raises(ValueError, match="features per sentence"):
        train(model, [_example(texts, secs, tags)], TrainArgs(epochs=1, threads=1))  # v1 rows do not fit a v2 model
    train(model, [ex], TrainArgs(epochs=20, batch_docs=1, lr_top=1e-3, lr_heads=1e-2, threads=1))
    out = model.predict_docs([list(texts)], [feats])[0]
    assert [SECTION_LABELS[i] for i in out[0]] == list(secs)
    folder = save_model(model, tmp_path / "v2", info={})
    assert read_model_info(folder)["model"]["features"] == "v2"
    loaded = load_model(folder, base_dir=tiny_base)
    assert loaded.config.features == "v2" and loaded.predict_docs([list(texts)], [feats])[0][0] == out[0]
    # without rule features the word-list columns cannot move the scores
    blind = build_model(tiny_base, **SMALL, features="v2", rule_features=False).eval()
    scrambled = feats.copy()
    scrambled[:, rule_columns("v2")] = np.random.default_rng(0).random((len(texts), len(rule_columns("v2"))))
    vecs = [torch.randn(len(texts), 32)]
    with torch.no_grad():
        a = blind.doc_forward(vecs, [feats])[0]
        b = blind.doc_forward(vecs, [scrambled])[0]
    assert torch.allclose(a, b)


def _spy_doc_forward(model, monkeypatch) -> list[list[torch.Tensor]]:
    """Record the feature rows of every call of ``model.doc_forward`` (a copy per call) in the list returned."""
    seen: list[list[torch.Tensor]] = []
    forward = model.doc_forward

    def spy(vecs, feat_list):
        seen.append([torch.as_tensor(f).clone() for f in feat_list])
        return forward(vecs, feat_list)

    monkeypatch.setattr(model, "doc_forward", spy)
    return seen


def test_rule_dropout_silences_the_rule_columns_of_some_documents_for_the_sections_only(tiny_base, monkeypatch):
    from xxgk.neural.features import rule_columns, silent_rule_values

    texts, secs, tags = zip(*DOC)
    feats = sentence_features(list(texts), [True] + [False] * (len(texts) - 1), list(range(len(texts))),
                              feature_set="v2")
    cols = rule_columns("v2")
    # the first line's heading names a section: there is something to hide
    assert not np.array_equal(feats[:, cols], np.tile(silent_rule_values("v2"), (len(texts), 1)))
    exs = [{**_example(texts, secs, tags), "features": feats.tolist()} for _ in range(4)]
    with pytest.raises(ValueError, match="'rule_dropout' parameter of TrainArgs must be a float in \\[0, 1\\)"):
        TrainArgs(rule_dropout=1.0)

    def calls(rule_dropout: float) -> list[list[torch.Tensor]]:
        """The features of each call of doc_forward during training."""
        torch.manual_seed(0)
        model = build_model(tiny_base, **SMALL, features="v2")
        seen = _spy_doc_forward(model, monkeypatch)
        train(model, exs, TrainArgs(epochs=5, batch_docs=2, threads=1, rule_dropout=rule_dropout))
        return seen

    original = torch.tensor(feats)
    others = [c for c in range(feats.shape[1]) if c not in cols]
    silent = torch.tensor(silent_rule_values("v2")).expand(len(texts), -1)
    seen = calls(0.5)
    assert all(torch.equal(f[:, others], original[:, others]) for call in seen for f in call)
    silenced = [[torch.equal(f[:, cols], silent) for f in call] for call in seen]
    # some documents lose the word lists, the others keep them intact
    assert 0 < sum(map(sum, silenced)) < sum(map(len, silenced))
    assert all(torch.equal(f, original) for call, s in zip(seen, silenced) for f, b in zip(call, s) if not b)
    # a step with a silenced document runs the heads again on the intact features, for the tags
    steps = 0
    k = 0
    while k < len(seen):
        if any(silenced[k]):
            assert k + 1 < len(seen) and not any(silenced[k + 1]) and len(seen[k + 1]) == len(seen[k])
            k += 1
        steps += 1
        k += 1
    assert steps == 10  # 5 epochs of 2 steps
    plain = calls(0.0)
    assert len(plain) == 10 and all(torch.equal(f, original) for call in plain for f in call)  # 0 changes nothing
    assert torch.equal(torch.tensor(exs[0]["features"]), original)  # the examples themselves are left alone


def test_headless_rules_silences_the_rule_columns_of_reports_without_part_headings(tiny_base, monkeypatch, gold_dir,
                                                                                   shared_dir):
    """``headless_rules="silence"``: a report whose parts neither heading lines nor the rules found has its sections
    read without the word lists, in every training step and at inference alike; other reports, and the tags, keep
    the columns."""
    import warnings

    from xxgk.gold import load_gold
    from xxgk.neural.calibrate import section_covariates
    from xxgk.neural.data import _prepare_text
    from xxgk.neural.features import headless, prepared_features, rule_columns, rule_parts, silent_rule_values
    from xxgk.perturb import perturb
    from xxgk.pipeline import prepare
    from xxgk.reading import read

    # the test is the calibration's covariate, read from the features: on real reports, clean and without headings
    found = {True: 0, False: 0}
    for path in sorted(gold_dir.glob("*.json")):
        gold = load_gold(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean = prepare(read(shared_dir / gold.source))
        for p in (clean, _prepare_text(perturb(clean.norm.text, gold, "no-headings").text)):
            h = headless(prepared_features(p, "v2"), "v2")
            assert h == bool(section_covariates(p.texts, None, p.headings)["headless"]), gold.id
            found[h] += 1
    assert found[True] >= 20 and found[False] >= 20
    with pytest.raises(ValueError, match="feature set 'v2'"):
        ModelConfig(features="v1", headless_rules="silence")
    with pytest.raises(ValueError, match="'headless_rules' parameter of ModelConfig must be one of"):
        ModelConfig(features="v2", headless_rules="drop")

    texts, secs, tags = zip(*DOC)
    keep = [i for i, t in enumerate(texts) if t[0] not in "一二五六"]
    bare = [texts[i] for i in keep]
    full_f = sentence_features(list(texts), [False] * len(texts), list(range(len(texts))), "v2")
    bare_f = sentence_features(bare, [False] * len(bare), list(range(len(bare))), "v2")
    assert not headless(full_f, "v2") and headless(bare_f, "v2")
    exs = [{**_example(texts, secs, tags), "features": full_f.tolist()},
           {**_example(bare, [secs[i] for i in keep], [tags[i] for i in keep], "no-headings"), "features": bare_f.tolist()}]
    cols = rule_columns("v2")
    silent = torch.tensor(silent_rule_values("v2"))

    torch.manual_seed(0)
    model = build_model(tiny_base, **SMALL, features="v2", headless_rules="silence")
    # headings run into their first sentence: no heading by form, but the rules follow the parts, so they stay
    glued = ["某局2021年政府信息公开工作年度报告", "一、总体情况：2021年，我局全面推进政务公开。", "全年受理申请6件。",
             "二、主动公开政府信息情况：全年主动公开信息2645条。", "三、收到和处理政府信息公开申请情况：本年度共收到申请6件。"]
    glued_f = sentence_features(glued, [False] * len(glued), list(range(len(glued))), "v2")
    assert headless(glued_f, "v2") and rule_parts(glued_f) >= 2 and not model.sections_without_rules(glued_f)
    assert model.sections_without_rules(bare_f) and not model.sections_without_rules(full_f)
    seen = _spy_doc_forward(model, monkeypatch)
    train(model, exs, TrainArgs(epochs=3, batch_docs=2, threads=1, blind_docs=0.0))
    # each step: the sections with the heading-less report silenced, then the tags on the features as they are
    assert len(seen) == 6
    for sec_call, tag_call in zip(seen[::2], seen[1::2]):
        assert torch.equal(sec_call[0], torch.tensor(full_f))
        assert torch.equal(sec_call[1][:, cols], silent.expand(len(bare), -1))
        others = [c for c in range(full_f.shape[1]) if c not in cols]
        assert torch.equal(sec_call[1][:, others], torch.tensor(bare_f)[:, others])
        assert torch.equal(tag_call[1], torch.tensor(bare_f)) and torch.equal(tag_call[0], torch.tensor(full_f))

    # inference does the same: the heading-less report's sections are those of its silenced rows
    seen.clear()
    with torch.no_grad():
        out = model.predict_docs([bare, list(texts)], [bare_f, full_f])
    assert len(seen) == 2 and torch.equal(seen[1][0][:, cols], silent.expand(len(bare), -1))
    assert torch.equal(seen[1][1], torch.tensor(full_f))
    monkeypatch.undo()
    vecs = [model.encoder.embed(bare)]
    with torch.no_grad():
        em_silenced = model.doc_forward(vecs, [model.without_rules(bare_f)])[0][0]
        tags_intact = model.doc_forward(vecs, [bare_f])[1][0]
    assert out[0][0] == model.heads.crf.decode_legal(em_silenced.unsqueeze(0), torch.ones(1, len(bare), dtype=torch.bool))[0]
    assert out[0][1] == tags_intact.argmax(-1).tolist()
    # "keep", the default, reads every report as it is: one pass
    plain = build_model(tiny_base, **SMALL, features="v2")
    seen = _spy_doc_forward(plain, monkeypatch)
    with torch.no_grad():
        plain.predict_docs([bare], [bare_f])
    assert len(seen) == 1 and torch.equal(seen[0][0], torch.tensor(bare_f))
    assert ModelConfig.from_dict({k: v for k, v in plain.config.to_dict().items() if k != "headless_rules"}).headless_rules == "keep"


def test_headless_rules_silence_sub_keeps_what_a_part_heading_names(tiny_base, monkeypatch):
    """``headless_rules="silence-sub"``: the same reports as ``"silence"`` are read without the word lists, except
    what a top-level part heading names, which stays (a one-part snippet keeps its only heading)."""
    from xxgk.neural.features import FEATURE_SETS, headless, rule_columns, rule_parts, silent_rule_values

    snippet = ["六、其他需要报告的事项", "无。"]
    rows = sentence_features(snippet, [False] * 2, [0, 1], "v2")
    assert headless(rows, "v2") and rule_parts(rows) == 1
    sub = build_model(tiny_base, **SMALL, features="v2", headless_rules="silence-sub")
    whole = build_model(tiny_base, **SMALL, features="v2", headless_rules="silence")
    assert sub.sections_without_rules(rows) and whole.sections_without_rules(rows)  # one gate for both

    cols = rule_columns("v2")
    silent = torch.tensor(silent_rule_values("v2"))
    everything = whole.without_rules(rows)
    assert torch.equal(everything[:, cols], silent.expand(2, -1))
    kept = sub.without_rules(rows)
    names = SECTION_LABELS.index("other_matters")
    # the heading line still names its part, and the part's heading is in force over its text ...
    assert torch.equal(kept[:, 22:30], torch.tensor(rows[:, 22:30])) and kept[0, 22 + names] == 1
    assert not everything[:, 22:30].any()
    resolved = FEATURE_SETS["v2"] - len(SECTION_LABELS)
    assert kept[1, resolved:].argmax() == names and kept[1, resolved:].sum() == 1
    # ... while the rules' state machine (the key words) is silenced, and nothing outside the rule columns moves
    state = [cols.index(c) for c in range(30, 37)]
    assert torch.equal(kept[:, 30:37], silent[state].expand(2, -1)) and kept[:, 30].all()
    others = [c for c in range(rows.shape[1]) if c not in cols]
    assert torch.equal(kept[:, others], torch.tensor(rows[:, others]))

    # inference reads those rows for the sections and the intact ones for the tags
    seen = _spy_doc_forward(sub, monkeypatch)
    with torch.no_grad():
        sub.predict_docs([snippet], [rows])
    assert len(seen) == 2 and torch.equal(seen[0][0], torch.tensor(rows)) and torch.equal(seen[1][0], kept)
    # a report with part headings is read as it is
    texts = [t for t, _, _ in DOC]
    full = sentence_features(texts, [False] * len(texts), list(range(len(texts))), "v2")
    assert not sub.sections_without_rules(full)
    with pytest.raises(ValueError, match="feature set 'v2'"):
        ModelConfig(features="v1", headless_rules="silence-sub")
