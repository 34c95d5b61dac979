import subprocess
import sys

import numpy as np
import torch

from _text_catalog import tiny_catalog
from shopcat.models.predict import cli_predict
from shopcat.models.saved import load_model, read_meta
from shopcat.text.data import encode_labels, label_list, make_dataset, tokenize_catalog
from shopcat.text.predictor import TextPredictor, save_text_model
from shopcat.text.textcnn import TextClassifier, TextCNNConfig
from shopcat.text.tokenizer import Tokenizer
from shopcat.text.vocab import Vocab


def tiny_corpus():
    """A small catalog tokenised by whitespace: (catalog, tokens, vocabulary, leaves)."""
    df = tiny_catalog(120, seed=0)
    tokens = tokenize_catalog(df, Tokenizer(kind="whitespace"))
    return df, tokens, Vocab.build(tokens["title"] + tokens["mall"]), label_list(df["category"])


def saved_model(folder):
    df, tokens, vocab, leaves = tiny_corpus()
    cfg = TextCNNConfig(vocab_size=len(vocab), n_classes=len(leaves), embed_dim=8, n_maps=4, fcl_dim=8,
                        mall_maps=4, title_len=12, mall_len=6)
    torch.manual_seed(0)
    model = TextClassifier(cfg).eval()
    save_text_model(folder, model, vocab, leaves, cfg, "whitespace")
    ds = make_dataset(tokens, vocab, encode_labels(df["category"], leaves), 12, 6)
    with torch.no_grad():
        expected = torch.softmax(model(ds.tensors["title"][:5], ds.tensors["mall"][:5]), 1)
    return df, expected


def test_save_load_round_trip_gives_same_probabilities(tmp_path):
    df, expected = saved_model(tmp_path / "m")
    predictor = TextPredictor.load(tmp_path / "m")
    items = [predictor.preprocess(t, m) for t, m in zip(df["title"][:5], df["mall_category"][:5], strict=True)]
    probs = predictor.forward(predictor.collate(items))
    assert torch.allclose(probs, expected, atol=1e-6)
    top = predictor.topk(probs, 3)
    assert len(top) == 5 and len(top[0]) == 3
    assert top[0][0][1] >= top[0][1][1] and top[0][0][0] in predictor.labels
    assert predictor.version


def test_preprocess_is_numpy_only(tmp_path):
    saved_model(tmp_path / "m")
    item = TextPredictor.load(tmp_path / "m").preprocess("블루투스스피커 정품", "디지털/가전>스피커")
    assert set(item) == {"title", "mall"}
    assert all(isinstance(v, np.ndarray) and v.dtype == np.int64 for v in item.values())
    assert item["title"].shape == (12,) and item["mall"].shape == (6,)
    code = ("import sys, shopcat.text.data, shopcat.text.tokenizer, shopcat.text.vocab; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # the preprocessing path never imports torch


def test_cli_predict_prints_k_lines(tmp_path, capsys):
    saved_model(tmp_path / "m")
    assert cli_predict(["블루투스스피커 정품", "--mall", "디지털/가전>스피커", "--model", str(tmp_path / "m"), "-k", "4"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    probs = [float(line.split()[0]) for line in lines]
    assert probs == sorted(probs, reverse=True)
    assert cli_predict(["x", "--model", str(tmp_path / "missing")]) == 1
    assert "no saved model" in capsys.readouterr().err  # errors go to stderr


def test_one_format_and_one_loader_for_text_and_fused_models(tmp_path):
    from shopcat.models.fused import FusedClassifier, FusedConfig
    from shopcat.models.predictor import FusedPredictor, save_fused_model

    df, expected = saved_model(tmp_path / "text")
    fused_cfg = FusedConfig(vocab_size=30, n_classes=4, embed_dim=8, n_maps=4, title_len=12, mall_len=6,
                            branch_dim=8, fcl_dim=8, image_size=16, image_channels=(4, 8))
    torch.manual_seed(0)
    tokenizer = Tokenizer(kind="whitespace", user_words=["텀블러"], drop_promo=False)
    save_fused_model(tmp_path / "fused", FusedClassifier(fused_cfg), Vocab.build([["a"]]), list("abcd"), tokenizer)
    for folder, kind, cls in (("text", "text", TextPredictor), ("fused", "fused", FusedPredictor)):
        meta = read_meta(tmp_path / folder)
        assert meta["kind"] == kind and {"model", "tokenizer", "labels", "version"} <= set(meta)
        assert sorted(p.name for p in (tmp_path / folder).iterdir()) == ["model.json", "model.pt", "vocab.json"]
        assert isinstance(load_model(tmp_path / folder), cls)
    restored = load_model(tmp_path / "fused").tokenizer  # every tokenizer setting comes back, not only its kind
    assert restored.settings() == tokenizer.settings()


def test_folders_of_the_older_format_still_load(tmp_path):
    import json

    df, expected = saved_model(tmp_path / "m")
    meta = read_meta(tmp_path / "m")
    (tmp_path / "m" / "model.json").unlink()  # rewrite as the older layout: config.json + labels.json
    old = {k: meta[k] for k in ("model", "version", "git_commit")} | {"tokenizer": "whitespace"}
    (tmp_path / "m" / "config.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "m" / "labels.json").write_text(json.dumps(meta["labels"]), encoding="utf-8")
    predictor = load_model(tmp_path / "m")
    items = [predictor.preprocess(t, m) for t, m in zip(df["title"][:5], df["mall_category"][:5], strict=True)]
    assert torch.allclose(predictor.forward(predictor.collate(items)), expected, atol=1e-6)


def test_predict_a_file_writes_top_k_with_probabilities(tmp_path, capsys):
    import pandas as pd

    saved_model(tmp_path / "m")
    products = tmp_path / "products.csv"
    pd.DataFrame({"product_id": ["a", "b", "c"], "title": ["블루투스스피커 정품", "스텐 텀블러", "원피스"],
                  "mall_category": ["디지털/가전>스피커", "", "여성의류"]}).to_csv(products, index=False)
    out = tmp_path / "pred.parquet"
    assert cli_predict(["--input", str(products), "--out", str(out), "--model", str(tmp_path / "m"), "-k", "2"]) == 0
    table = pd.read_parquet(out)
    assert list(table.columns) == ["product_id", "category_1", "probability_1", "category_2", "probability_2"]
    assert list(table["product_id"]) == ["a", "b", "c"]
    assert (table["probability_1"] >= table["probability_2"]).all()
    single = TextPredictor.load(tmp_path / "m").predict(["스텐 텀블러"], [""], k=1)[0][0]
    assert table["category_1"].iat[1] == single[0]  # the file path gives what one title gives


def test_predict_a_bad_file_says_row_and_field_on_stderr(tmp_path, capsys):
    saved_model(tmp_path / "m")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,mall_category\n텀블러,주방\n,주방\n", encoding="utf-8")
    assert cli_predict(["--input", str(bad), "--model", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert "row 3" in err and "'title'" in err
    none = tmp_path / "none.csv"
    none.write_text("name\n텀블러\n", encoding="utf-8")
    assert cli_predict(["--input", str(none), "--model", str(tmp_path / "m")]) == 1
    assert "no 'title' column" in capsys.readouterr().err


def test_a_wide_model_is_served_with_its_idf_weights(tmp_path):
    from shopcat.text.subword import SubwordConfig, SubwordFeaturizer

    df, tokens, vocab, leaves = tiny_corpus()
    featurizer = SubwordFeaturizer(SubwordConfig(buckets=2**12, kiwi_tokens=False, title_maxn=0))
    cfg = TextCNNConfig(vocab_size=len(vocab), n_classes=len(leaves), cnn=False, wide_buckets=2**10, wide_l2=1e-3)
    texts = {"title": df["title"].tolist(), "mall": df["mall_category"].tolist()}
    ds = make_dataset(tokens, vocab, encode_labels(df["category"], leaves), cfg=cfg, featurizer=featurizer, texts=texts)
    torch.manual_seed(0)
    model = TextClassifier(cfg)
    model.fit_idf(ds.tensors["bag"].numpy())
    with torch.no_grad():
        model.wide.weight.normal_()
    model.eval()
    save_text_model(tmp_path / "w", model, vocab, leaves, cfg, "whitespace", featurizer)
    predictor = TextPredictor.load(tmp_path / "w")
    assert torch.equal(predictor.model.wide_idf, model.wide_idf) and predictor.model.wide_idf.max() > 1
    items = [predictor.preprocess(t, m) for t, m in zip(df["title"][:5], df["mall_category"][:5], strict=True)]
    with torch.no_grad():
        expected = torch.softmax(model(bag=ds.tensors["bag"][:5]), 1)
    assert torch.allclose(predictor.forward(predictor.collate(items)), expected, atol=1e-6)
