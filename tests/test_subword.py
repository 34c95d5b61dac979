"""Hashed character n-grams: stable ids in every process, spacing-proof title grams, a saved model's round trip."""

import os
import subprocess
import sys
import zlib

import numpy as np
import pytest
import torch

from _text_catalog import tiny_catalog
from shopcat.text.data import encode_inputs, encode_labels, label_list, make_dataset, tokenize_catalog
from shopcat.text.predictor import TextPredictor, save_text_model
from shopcat.text.subword import SubwordConfig, SubwordFeaturizer, char_ngrams, stable_id
from shopcat.text.textcnn import TextClassifier, TextCNNConfig
from shopcat.text.tokenizer import Tokenizer
from shopcat.text.vocab import Vocab
from shopcat.train.loop import TrainConfig, fit

TITLES = ["보온 텀블러 500ml 2개입", "갤럭시S24울트라 SM-S928N 256GB", "[무료배송] 스탠리 텀블러"]


def ids_here(titles):
    featurizer = SubwordFeaturizer(SubwordConfig(buckets=2**16))
    tokens = [t.split() for t in titles]
    return featurizer.token_grams(tokens, 6).tolist(), featurizer.bags(titles, tokens).tolist()


def test_ids_are_the_same_in_another_process_with_another_hash_seed():
    code = ("import json, sys; sys.path.insert(0, 'tests'); from test_subword import ids_here, TITLES; "
            "print(json.dumps(ids_here(TITLES)))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    import json

    assert json.loads(out.stdout) == list(ids_here(TITLES))


def test_hash_is_crc32_into_buckets_and_zero_is_padding():
    assert stable_id("w:<텀블러>", 2**18) == 1 + zlib.crc32("w:<텀블러>".encode()) % (2**18 - 1)
    featurizer = SubwordFeaturizer(SubwordConfig(buckets=97, grams_per_token=5))
    grams = featurizer.token_grams([["텀블러", "a"], []], 3)
    assert grams.shape == (2, 3, 5)
    assert grams[0, 0].min() >= 1 and grams[0, 0].max() < 97  # 5 grams of '<텀블러>', none padding
    assert (grams[0, 1, :3] >= 1).all() and (grams[0, 1, 3:] == 0).all()  # '<a>', '<a', 'a>', then padding
    assert (grams[0, 2] == 0).all() and (grams[1] == 0).all()  # padded tokens and an empty title
    assert char_ngrams("<ab>", 2, 3) == ["<a", "ab", "b>", "<ab", "ab>"]


def test_title_grams_ignore_spacing_and_promo_words():
    featurizer = SubwordFeaturizer(SubwordConfig(buckets=2**16, raw_words=False, word_grams=False))
    a = featurizer.bag_ids("보온 텀블러 500ml", [])
    b = featurizer.bag_ids("[무료배송] 보온텀블러 500ML 정품", [])
    assert a == b and len(a) > 10
    c = featurizer.bag_ids("보온병 500ml", [])
    assert a != c


def saved_subword_model(folder):
    """A trained TextCNN with token n-grams and a bag branch, non-default tokenizer and featurizer settings."""
    df = tiny_catalog(200, seed=0)
    tokenizer = Tokenizer(kind="whitespace", user_words=("mp3플레이어",), drop_promo=False)
    featurizer = SubwordFeaturizer(SubwordConfig(buckets=2**12, minn=1, maxn=3, grams_per_token=6,
                                                 title_minn=2, title_maxn=3, bag_len=40))
    tokens = tokenize_catalog(df, tokenizer)
    vocab = Vocab.build(tokens["title"] + tokens["mall"])
    leaves = label_list(df["category"])
    cfg = TextCNNConfig(vocab_size=len(vocab), n_classes=len(leaves), embed_dim=8, n_maps=4, fcl_dim=8,
                        mall_maps=4, title_len=10, mall_len=5, ngram_buckets=2**12, bag_buckets=2**12, bag_dim=8)
    texts = {"title": df["title"].tolist(), "mall": df["mall_category"].tolist()}
    ds = make_dataset(tokens, vocab, encode_labels(df["category"], leaves), cfg=cfg, featurizer=featurizer,
                      texts=texts)
    torch.manual_seed(0)
    model = fit(TextClassifier(cfg), ds, None, TrainConfig(epochs=2, lr=1e-2, num_threads=1, progress=False)).model
    save_text_model(folder, model.eval(), vocab, leaves, cfg, tokenizer, featurizer)
    return df, model, ds


def test_saved_settings_round_trip_to_identical_ids_and_predictions(tmp_path):
    df, model, ds = saved_subword_model(tmp_path / "m")
    predictor = TextPredictor.load(tmp_path / "m")
    assert predictor.tokenizer.settings() == Tokenizer(kind="whitespace", user_words=("mp3플레이어",),
                                                       drop_promo=False).settings()
    assert predictor.featurizer.cfg.minn == 1 and predictor.featurizer.cfg.buckets == 2**12
    items = [predictor.preprocess(t, m) for t, m in zip(df["title"][:8], df["mall_category"][:8], strict=True)]
    assert set(items[0]) == {"title", "mall", "title_grams", "mall_grams", "bag"}
    for key in items[0]:  # the served ids are the training ids
        assert np.array_equal(np.stack([item[key] for item in items]), ds.tensors[key][:8].numpy()), key
    with torch.no_grad():
        expected = torch.softmax(model(**{k: v[:8] for k, v in ds.tensors.items() if k not in ("label", "idx")}), 1)
    assert torch.allclose(predictor.forward(predictor.collate(items)), expected, atol=1e-6)
    top = predictor.predict(list(df["title"][:3]), list(df["mall_category"][:3]), k=2)
    assert len(top) == 3 and len(top[0]) == 2


def test_bag_only_model_learns_and_saving_needs_the_featurizer(tmp_path):
    df = tiny_catalog(300, seed=1, noise=0.0)
    tokens = tokenize_catalog(df, Tokenizer(kind="whitespace"))
    leaves = label_list(df["category"])
    featurizer = SubwordFeaturizer(SubwordConfig(buckets=2**12))
    cfg = TextCNNConfig(vocab_size=2, n_classes=len(leaves), cnn=False, bag_buckets=2**12, bag_dim=16)
    texts = {"title": df["title"].tolist(), "mall": df["mall_category"].tolist()}
    ds = make_dataset(tokens, Vocab([]), encode_labels(df["category"], leaves), cfg=cfg, featurizer=featurizer,
                      texts=texts)
    assert set(ds.tensors) == {"bag", "label", "idx"}
    result = fit(TextClassifier(cfg), ds, ds, TrainConfig(epochs=15, lr=2e-2, num_threads=1, progress=False,
                                                           monitor="val_acc", patience=15))
    assert max(row["val_acc"] for row in result.history) > 0.9
    with pytest.raises(ValueError, match="featurizer"):
        save_text_model(tmp_path / "m", result.model, Vocab([]), leaves, cfg, "whitespace")
    arrays = encode_inputs({"title": [["mp3"]], "mall": [[]]}, Vocab([]), cfg, featurizer,
                           {"title": ["mp3"], "mall": [""]})
    assert set(arrays) == {"bag"} and arrays["bag"].shape == (1, featurizer.cfg.bag_len)


def test_run_textcnn_with_a_bag_reports_training_and_serves_its_own_predictions(tmp_path):
    """End to end: run_textcnn's test predictions are what the saved, reloaded model answers from raw text."""
    from shopcat.text import experiments as ex

    tokenizer = Tokenizer(kind="whitespace")
    df, tokens = ex.prepare_corpus(tiny_catalog(400, seed=2), tokenizer)
    corpus = ex.split_corpus(df, tokens, seed=0)
    run = ex.run_textcnn(corpus, bag=True, token_ngrams=True, subword={"buckets": 2**12, "bag_len": 64},
                         embed_dim=8, n_maps=8, fcl_dim=16, title_len=10, mall_len=5, epochs=6, patience=3,
                         lr=5e-3, num_threads=1)
    training = run["training"]
    assert training["monitor"] == "val_acc" and 1 <= run["best_epoch"] <= run["epochs_run"] <= 6
    assert len(training["curves"]["val_acc"]) == run["epochs_run"] and run["seconds_per_epoch"] > 0
    assert run["levels"]["L1"] > 0.5
    folder = save_text_model(tmp_path / "m", run["model"], run["vocab"], corpus.leaves, run["cfg"], tokenizer,
                             run["featurizer"])
    predictor = TextPredictor.load(folder)
    served = predictor.predict(corpus.test["title"].tolist(), corpus.test["mall_category"].tolist(), k=1)
    assert [top[0][0] for top in served] == run["pred"]
