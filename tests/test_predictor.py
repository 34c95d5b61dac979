import subprocess
import sys

import numpy as np
import torch

from _text_catalog import tiny_catalog
from shopcat.text.data import encode_labels, label_list, make_dataset, tokenize_catalog
from shopcat.text.predictor import TextPredictor, cli_predict, save_text_model
from shopcat.text.textcnn import TextClassifier, TextCNNConfig
from shopcat.text.tokenizer import Tokenizer
from shopcat.text.vocab import Vocab


def saved_model(folder):
    df = tiny_catalog(120, seed=0)
    tokenizer = Tokenizer(kind="whitespace")
    tokens = tokenize_catalog(df, tokenizer)
    vocab = Vocab.build(tokens["title"] + tokens["mall"])
    leaves = label_list(df["category"])
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
