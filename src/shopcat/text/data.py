"""From a catalog DataFrame to the training loop's Dataset: token ids for title and mall category, label ids.

Training labels are the observed `category` (noisy: what sellers and the platform's old system put there);
evaluation labels come from `shopcat.data.splits.eval_labels` (the human-labelled `true_category` on
simulated data). Tokenising is the slow step, so it is done once per catalog and the token lists reused.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def label_list(*label_columns) -> list[str]:
    """The leaves the classifier can answer: every leaf seen in any of the given label columns, sorted."""
    leaves: set[str] = set()
    for column in label_columns:
        leaves.update(str(x) for x in column if isinstance(x, str) and x)
    return sorted(leaves)


def encode_labels(labels, leaves: list[str]) -> np.ndarray:
    """Leaf paths -> ids into `leaves`; a leaf not in the list raises (it means a wrong label list)."""
    index = {leaf: i for i, leaf in enumerate(leaves)}
    return np.array([index[str(x)] for x in labels], dtype=np.int64)


def mall_text(path: str) -> str:
    """A seller's category path as plain words: '디지털/가전>MP3' -> '디지털 가전 MP3'."""
    return str(path or "").replace(">", " ").replace("/", " ")


def tokenize_catalog(df: pd.DataFrame, tokenizer, workers: int = 1) -> dict[str, list[list[str]]]:
    """Token lists for every row's title and mall category."""
    titles = df["title"].fillna("").astype(str).tolist()
    malls = [mall_text(m) for m in df["mall_category"].fillna("").astype(str)]
    return {
        "title": tokenizer.tokenize_many(titles, workers=workers),
        "mall": tokenizer.tokenize_many(malls, workers=workers),
    }


def encode_ids(token_lists: list[list[str]], vocab, max_len: int) -> np.ndarray:
    """(N, max_len) int64 ids, padded with 0 and truncated on the right."""
    return np.asarray(vocab.encode_many(token_lists, max_len), dtype=np.int64).reshape(len(token_lists), max_len)


def encode_inputs(tokens: dict, vocab, cfg, featurizer=None, texts: dict | None = None,
                  label_text=None) -> dict[str, np.ndarray]:
    """Every input array a TextClassifier with config `cfg` reads, for a batch of products.

    tokens: {"title": token lists, "mall": token lists}; texts: {"title": raw titles, "mall": raw mall
    categories}, needed by a bag branch (its character n-grams come from the raw, space-free text) and by
    label-text scores (`label_text`, a shopcat.text.label_text.LabelText over the model's leaves).
    Training and serving (`TextPredictor.preprocess`) both build their inputs here, so they cannot drift.
    """
    use_mall = cfg.use_mall
    arrays = {}
    if cfg.cnn:
        arrays["title"] = encode_ids(tokens["title"], vocab, cfg.title_len)
        if use_mall:
            arrays["mall"] = encode_ids(tokens["mall"], vocab, cfg.mall_len)
        if cfg.ngram_buckets:
            arrays["title_grams"] = featurizer.token_grams(tokens["title"], cfg.title_len)
            if use_mall:
                arrays["mall_grams"] = featurizer.token_grams(tokens["mall"], cfg.mall_len)
    if cfg.bag_buckets or getattr(cfg, "wide_buckets", 0):
        titles = list(texts["title"])
        malls = [mall_text(m) for m in texts["mall"]] if use_mall else None
        arrays["bag"] = featurizer.bags(titles, tokens["title"], malls, tokens["mall"] if use_mall else None)
    if getattr(cfg, "label_text_rows", 0):
        arrays["title_leaf"], arrays["title_leaf_w"] = label_text.encode(texts["title"], "title")
        if use_mall:
            arrays["mall_leaf"], arrays["mall_leaf_w"] = label_text.encode(texts["mall"], "mall")
    return arrays


def make_dataset(tokens: dict, vocab, label_ids: np.ndarray, title_len: int = 32, mall_len: int = 8,
                 use_mall: bool = True, cfg=None, featurizer=None, texts: dict | None = None, label_text=None):
    """The loop's Dataset: the model's input arrays, label, and idx = row position.

    With `cfg` (a TextCNNConfig) the inputs are whatever that model reads (`encode_inputs`); without it,
    title (and mall) ids as the plain TextCNN reads them."""
    from shopcat.train.loop import ArrayDataset  # here, so serving's preprocessing never imports torch

    if cfg is not None:
        arrays = encode_inputs(tokens, vocab, cfg, featurizer, texts, label_text)
    else:
        arrays = {"title": encode_ids(tokens["title"], vocab, title_len)}
        if use_mall:
            arrays["mall"] = encode_ids(tokens["mall"], vocab, mall_len)
    return ArrayDataset(**arrays, label=np.asarray(label_ids, dtype=np.int64), idx=np.arange(len(label_ids)))
