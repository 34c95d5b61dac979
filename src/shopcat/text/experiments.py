"""What the three text notebooks run: prepare a tokenised catalog once, then train and score one variant.

`prepare_corpus` tokenises every title and mall category once (the slow step) and `split_corpus` cuts it
per seed. `run_textcnn` trains one text model variant (vocabulary size, mall encoder on/off, random or
Word2Vec embedding, hashed character n-grams: token n-grams, a fastText-style bag branch, or the bag
alone) with the one training loop and scores it per tree level on the human-labelled test labels;
`run_baselines` scores the rule system, the TF-IDF peer, the fastText peer (`run_fasttext`) and the
simulated annotator on the same test rows; `ensemble_levels` scores averaged probabilities of several
runs. Notebooks loop over seeds and variants and only plot and judge.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shopcat import config
from shopcat.data.splits import eval_labels, split_catalog
from shopcat.text.baselines import (
    FastTextPeer,
    RuleBaseline,
    annotator_predictions,
    make_tfidf_peer,
    tfidf_text,
)
from shopcat.text.data import encode_labels, label_list, make_dataset, tokenize_catalog
from shopcat.text.label_text import LabelText
from shopcat.text.textcnn import TextClassifier, TextCNNConfig
from shopcat.text.vocab import Vocab
from shopcat.text.word2vec import W2VConfig, geometry, word2vec_matrix
from shopcat.train.loop import TrainConfig, fit, predict
from shopcat.train.metrics import accuracy_ci, level_accuracy


@dataclass
class Corpus:
    """One seed's split of a tokenised catalog. Train/val labels are the observed (noisy) `category`."""

    train: pd.DataFrame
    val: pd.DataFrame
    test: pd.DataFrame
    tokens: dict  # split name -> {"title": [[tok, ...], ...], "mall": [...]}
    leaves: list[str]
    y_train: np.ndarray
    y_val: np.ndarray
    test_truth: list[str]  # evaluation labels (true_category on simulated data)
    seed: int


def make_tokenizer(kind: str = "kiwi"):
    """Kiwi when installed, else the whitespace fallback (said in the run's notes)."""
    from shopcat.text.tokenizer import Tokenizer

    try:
        return Tokenizer(kind=kind)
    except ImportError:
        return Tokenizer(kind="whitespace")


def prepare_corpus(df: pd.DataFrame, tokenizer, workers: int = 1) -> tuple[pd.DataFrame, dict]:
    """Tokenise the whole catalog once; rows keep their position as index."""
    df = df.reset_index(drop=True)
    return df, tokenize_catalog(df, tokenizer, workers=workers)


def split_corpus(df: pd.DataFrame, tokens: dict, seed: int, val_frac: float = 0.1, test_frac: float = 0.2,
                 by: str = "random") -> Corpus:
    position = pd.Series(np.arange(len(df)), index=df["product_id"].values)
    parts = split_catalog(df, val_frac=val_frac, test_frac=test_frac, seed=seed, by=by)
    names = ("train", "val", "test")
    split_tokens = {}
    for name, part in zip(names, parts, strict=True):
        rows = position.loc[part["product_id"].values].to_numpy()
        split_tokens[name] = {k: [tokens[k][i] for i in rows] for k in tokens}
    train, val, test = parts
    test_truth = [str(x) for x in eval_labels(test)]
    leaves = label_list(train["category"], val["category"], test_truth)
    return Corpus(train, val, test, split_tokens, leaves, encode_labels(train["category"], leaves),
                  encode_labels(val["category"], leaves), test_truth, seed)


def run_textcnn(corpus: Corpus, *, use_mall: bool = True, vocab_size: int | None = None, min_count: int = 1,
                embedding: str = "random", w2v: dict | None = None, w2v_extra: dict | None = None,
                w2v_epochs: int = 5, embedding_geometry: bool = False,
                embed_dim: int = 100, n_maps: int = 100, fcl_dim: int = 256, dropout: float = 0.5,
                widths: tuple[int, ...] = (3, 4, 5), word_dropout: float = 0.0,
                title_len: int = 32, mall_len: int = 8, epochs: int = 30, batch_size: int = 64,
                lr: float = 1e-3, patience: int = 5, seed: int = 0, progress: bool = False,
                num_threads: int | None = None, cnn: bool = True, token_ngrams: bool = False, bag: bool = False,
                subword: dict | None = None, bag_dim: int = 100, bag_dropout: float = 0.3,
                wide: bool = False, wide_buckets: int = 2**16, wide_l2: float = 2e-4,
                embed_dropout: float = 0.0, monitor: str = "val_acc", schedule: str = "cosine",
                warmup_frac: float = 0.05, label_smoothing: float = 0.1, weight_decay: float = 0.01,
                sparse_lr: float | None = 0.01, loss: str = "softmax", fit_kwargs: dict | None = None,
                logits: bool = False, select_from: int = 1, label_text: bool = False,
                label_text_gain: float = 1.0) -> dict:
    """Train one TextCNN variant and score it. embedding: 'random' | 'w2v-frozen' | 'w2v-tuned'.

    Word2Vec settings: `w2v` holds W2VConfig fields (window, joint sentences, fastText, post-processing;
    its epochs default to `w2v_epochs`); `w2v_extra` ({"title": token lists, "mall": ...}) are unlabelled
    products it also trains on when w2v["unlabelled"]. The result holds "val_acc" (the best epoch's
    validation accuracy, for choosing among variants without the test split) and, with
    embedding_geometry=True, "geometry": `word2vec.geometry` of the starting table (random init included).

    Training converges by default: up to `epochs` with a cosine schedule after a 5% warm-up, label
    smoothing 0.1, and early stopping on validation ACCURACY with `patience`, the best epoch's weights
    kept. Accuracy, not loss, because the validation labels are as noisy as the training ones (20% wrong
    on the simulator): the model's confidence on the wrong rows makes the validation loss turn up while its
    accuracy (what every report scores) still climbs (issue 12: a 30-epoch run's best validation loss came at
    epoch 19 while its accuracy kept rising).

    Subword options (`shopcat.text.subword`, settings in `subword`, a dict of SubwordConfig fields):
    token_ngrams adds each token's hashed character n-grams to its embedding; bag adds a fastText-style
    linear branch over hashed words, bigrams and character n-grams (its table learns at `sparse_lr`);
    cnn=False keeps that branch alone. The returned "training" holds epochs run, best epoch, per-epoch
    curves, seconds per epoch and products/s.

    widths are the title's convolution widths (Kim's 3, 4, 5 by default; notebook 01 uses 1 and 2) and
    word_dropout the share of a product's tokens hidden while training (`TextCNNConfig.word_dropout`).

    label_text=True adds the leaf paths' own words (`shopcat.text.label_text`): the title's and the mall
    category's cosine with every leaf path, each times a learned gain (starting at `label_text_gain`).

    fit_kwargs go to `fit` as they are (sample_weight, sampler, logit_offset: notebooks 08 and 09);
    logits=True adds "val_logits" (rows in the corpus's order, columns corpus.leaves) beside "test_logits",
    for a prediction-time adjustment.
    """
    from shopcat.text.subword import SubwordConfig, SubwordFeaturizer

    t0 = time.time()
    train_lists = corpus.tokens["train"]["title"] + (corpus.tokens["train"]["mall"] if use_mall else [])
    vocab = Vocab.build(train_lists, max_size=vocab_size, min_count=min_count)
    matrix, coverage, w2v_seconds = None, None, 0.0
    if embedding != "random":
        t_w2v = time.time()
        w2v_cfg = W2VConfig(**{"epochs": w2v_epochs, **(w2v or {})})
        matrix, coverage = word2vec_matrix(vocab, corpus.tokens["train"]["title"],
                                           corpus.tokens["train"]["mall"] if use_mall else None, w2v_cfg,
                                           dim=embed_dim, seed=seed, extra=w2v_extra)
        w2v_seconds = time.time() - t_w2v
    featurizer = SubwordFeaturizer(SubwordConfig(**(subword or {}))) if (token_ngrams or bag or wide) else None
    buckets = featurizer.cfg.buckets if featurizer else 0
    leaf_text = LabelText(corpus.leaves) if label_text else None
    cfg = TextCNNConfig(vocab_size=len(vocab), n_classes=len(corpus.leaves), embed_dim=embed_dim, n_maps=n_maps,
                        fcl_dim=fcl_dim, dropout=dropout, widths=tuple(widths), word_dropout=word_dropout,
                        use_mall=use_mall, title_len=title_len, mall_len=mall_len,
                        freeze_embedding=embedding == "w2v-frozen", cnn=cnn,
                        ngram_buckets=buckets if (token_ngrams and cnn) else 0, bag_buckets=buckets if bag else 0,
                        bag_dim=bag_dim, bag_dropout=bag_dropout, embed_dropout=embed_dropout,
                        wide_buckets=wide_buckets if wide else 0, wide_l2=wide_l2,
                        label_text_rows=leaf_text.rows if leaf_text else 0, label_text_gain=label_text_gain)
    config.seed_everything(seed)
    model = TextClassifier(cfg, embedding=matrix)
    if leaf_text is not None:
        model.set_label_table(leaf_text.table())
    start_geometry = (geometry(model.embedding.weight.detach().cpu().numpy(), vocab, corpus.leaves, seed=seed)
                      if embedding_geometry and cnn else None)

    def dataset(split, labels):
        part = getattr(corpus, split)
        texts = {"title": part["title"].fillna("").astype(str).tolist(),
                 "mall": part["mall_category"].fillna("").astype(str).tolist()}
        return make_dataset(corpus.tokens[split], vocab, labels, cfg=cfg, featurizer=featurizer, texts=texts,
                            label_text=leaf_text)

    train_ds, val_ds = dataset("train", corpus.y_train), dataset("val", corpus.y_val)
    if wide:
        model.fit_idf(train_ds.tensors["bag"].numpy())
    test_ds = dataset("test", np.zeros(len(corpus.test), dtype=np.int64))
    t_fit = time.time()
    result = fit(model, train_ds, val_ds, TrainConfig(
        epochs=epochs, lr=lr, batch_size=batch_size, patience=patience, seed=seed, num_threads=num_threads,
        progress=progress, monitor=monitor, schedule=schedule, warmup_frac=warmup_frac,
        label_smoothing=label_smoothing, weight_decay=weight_decay, sparse_lr=sparse_lr, loss=loss,
        select_from=select_from),
        **(fit_kwargs or {}))
    train_seconds = time.time() - t_fit
    test_logits = predict(result.model, test_ds, batch_size=512)
    pred = [corpus.leaves[i] for i in test_logits.argmax(1)]
    n_params = result.model.n_parameters()
    training = result.summary()
    return {
        "levels": level_accuracy(corpus.test_truth, pred),
        "oov_rate": float(vocab.oov_rate(corpus.tokens["test"]["title"])),
        "vocab_size": len(vocab),
        "n_params": n_params,
        "size_mb": n_params * 4 / 1e6,
        "train_seconds": train_seconds,
        "w2v_seconds": w2v_seconds,
        "total_seconds": time.time() - t0,
        "w2v_coverage": coverage,
        "val_acc": result.history[result.best_epoch - 1]["val_acc"] if result.best_epoch else float("nan"),
        "geometry": start_geometry,
        "epochs_run": training["epochs_run"],
        "best_epoch": result.best_epoch,
        "seconds_per_epoch": training["seconds_per_epoch"],
        "products_per_s": training["products_per_s"],
        "training": training,
        "history": result.history,
        "featurizer_settings": featurizer.settings() if featurizer else None,
        "model": result.model,
        "vocab": vocab,
        "cfg": cfg,
        "featurizer": featurizer,
        "pred": pred,
        "test_logits": test_logits,
        **({"val_logits": predict(result.model, val_ds, batch_size=512)} if logits else {}),
    }


def run_fasttext(corpus: Corpus, *, use_mall: bool = True, seed: int | None = None, **params) -> dict:
    """The fastText peer on one split: {"levels": per-level test accuracy, "seconds": fit + predict, "pred"}.

    params are FastTextPeer's (epoch, lr, dim, word_ngrams, minn, maxn, bucket); input text is the TF-IDF
    peer's (title, plus ' | ' and the mall category as words when use_mall)."""
    t0 = time.time()
    peer = FastTextPeer(seed=corpus.seed if seed is None else seed, **params)
    peer.fit(tfidf_text(corpus.train, use_mall), corpus.train["category"])
    pred = list(peer.predict(tfidf_text(corpus.test, use_mall)))
    return {"levels": level_accuracy(corpus.test_truth, pred), "seconds": time.time() - t0, "pred": pred}


def run_baselines(corpus: Corpus, *, annotator_accuracy: float = 0.75, tfidf_name_only: bool = False,
                  fasttext: bool = False, fasttext_params: dict | None = None, annotator: bool = True,
                  label_text: bool = False) -> dict:
    """Per-level accuracy of the rule system, the TF-IDF peer (name + mall; name only when asked), the
    fastText peer (when asked) and, on simulated data (annotator=True and a true_category column), the
    simulated annotator: a real file's audited column is no reason to simulate a human on it. "correct"
    holds each system's per-test-item leaf hits, for paired bootstraps when one seed runs.

    label_text=True also scores the peer given the leaf paths' own words (PEER_LABEL_TEXT): its margins plus
    the title's and mall category's cosines with each leaf path (`shopcat.text.label_text`), their gains
    chosen on the validation split. The fair opponent for a neural model that reads the same words."""
    out, seconds, predictions = {}, {}, {}
    t0 = time.time()
    rule = RuleBaseline.from_training(corpus.leaves, corpus.train["category"])
    predictions["rule (mall category similarity)"] = list(rule.predict(corpus.test["mall_category"]))
    seconds["rule (mall category similarity)"] = time.time() - t0
    variants = [("TF-IDF + linear SVM (name + mall)", True)] + ([("TF-IDF + linear SVM (name)", False)]
                                                                   if tfidf_name_only else [])
    for name, use_mall in variants:
        t0 = time.time()
        peer = make_tfidf_peer(seed=corpus.seed).fit(tfidf_text(corpus.train, use_mall), corpus.train["category"])
        predictions[name] = list(peer.predict(tfidf_text(corpus.test, use_mall)))
        seconds[name] = time.time() - t0
        if label_text and use_mall:
            t0 = time.time()
            predictions[PEER_LABEL_TEXT] = peer_with_label_text(peer, corpus)
            seconds[PEER_LABEL_TEXT] = seconds[name] + time.time() - t0
    if fasttext:
        run = run_fasttext(corpus, **(fasttext_params or {}))
        predictions[FASTTEXT], seconds[FASTTEXT] = run["pred"], run["seconds"]
    if annotator and "true_category" in corpus.test.columns:
        human = annotator_predictions(corpus.test, accuracy=annotator_accuracy, seed=corpus.seed)
        predictions["simulated annotator"] = list(human)
    truth = np.asarray(corpus.test_truth, dtype=object)
    for name, pred in predictions.items():
        out[name] = level_accuracy(corpus.test_truth, pred)
    correct = {name: np.asarray(pred, dtype=object) == truth for name, pred in predictions.items()}
    return {"levels": out, "seconds": seconds, "correct": correct}


FASTTEXT = "fastText (name + mall)"
PEER_LABEL_TEXT = "TF-IDF + linear SVM + leaf-name scores"


def peer_with_label_text(peer, corpus: Corpus) -> list[str]:
    """The fitted peer's test predictions after adding leaf-name cosines with gains chosen on validation."""
    from shopcat.text import label_text as lt

    leaf_text = lt.LabelText(corpus.leaves)
    column = {leaf: i for i, leaf in enumerate(peer.classes_)}

    def margins(part):  # (N, corpus.leaves): a leaf the peer never saw gets its lowest margin
        raw = peer.decision_function(tfidf_text(part))
        out = np.full((len(part), len(corpus.leaves)), float(raw.min()))
        for j, leaf in enumerate(corpus.leaves):
            if leaf in column:
                out[:, j] = raw[:, column[leaf]]
        return out

    def parts(part):
        return margins(part), lt.cosines(leaf_text, part["title"]), lt.cosines(leaf_text, part["mall_category"], "mall")

    val, test = parts(corpus.val), parts(corpus.test)
    gains = lt.choose_gains(*val, corpus.y_val)
    scores = lt.with_label_scores(*test, gains, scale=max(float(val[0].std()), 1e-8))
    return [corpus.leaves[i] for i in scores.argmax(1)]


def free(result: dict) -> dict:
    """A run's figures without the model objects (for tables and the report JSON)."""
    return {k: v for k, v in result.items() if k not in ("model", "vocab", "cfg", "pred", "featurizer", "test_logits",
                                                 "val_logits")}


def ensemble_levels(corpus: Corpus, runs: list[dict]) -> dict:
    """Per-level test accuracy of the runs' averaged softmax probabilities (an ensemble of run_textcnn results)."""
    from shopcat.models.calibration import softmax

    probs = np.mean([softmax(run["test_logits"]) for run in runs], axis=0)
    return level_accuracy(corpus.test_truth, [corpus.leaves[i] for i in probs.argmax(1)])



def levels_of(results: pd.DataFrame) -> list[str]:
    """The tree levels a results frame scores (L1, L2, ... as deep as its catalog goes), then the leaf."""
    return sorted((c for c in results.columns if c[:1] == "L" and c[1:].isdigit()), key=lambda c: int(c[1:])) + ["leaf"]


def summarise(results: pd.DataFrame, by: str = "system", metrics=None, intervals=("leaf",)) -> pd.DataFrame:
    """Per system: the mean over seeds of each metric (default: every tree level and the leaf), with a 95%
    t interval (<metric>_lo, <metric>_hi) for those in `intervals`."""
    rows = []
    for name, group in results.groupby(by, sort=False):
        row = {by: name, "seeds": len(group)}
        for metric in metrics or levels_of(results):
            values = group[metric].dropna()
            mean, low, high = accuracy_ci(values) if len(values) else (float("nan"),) * 3
            row[metric] = mean
            if metric in intervals:
                row[f"{metric}_lo"], row[f"{metric}_hi"] = low, high
        rows.append(row)
    return pd.DataFrame(rows)


def ci_row(summary: pd.DataFrame, name: str, by: str = "system") -> dict:
    return summary[summary[by] == name].iloc[0].to_dict()


def fmt_ci(row: dict) -> str:
    """'62.3% [60.1, 64.5]' for a summary row's leaf accuracy."""
    return f"{row['leaf']:.1%} [{row['leaf_lo']:.1%}, {row['leaf_hi']:.1%}]"


def full_vocab_size(corpus: Corpus, use_mall: bool = True) -> int:
    """Distinct training terms (the 'all' vocabulary, specials excluded)."""
    lists = corpus.tokens["train"]["title"] + (corpus.tokens["train"]["mall"] if use_mall else [])
    return len(Vocab.build(lists)) - 2


def without_abused_malls(corpus: Corpus, abused: pd.DataFrame, drop: np.ndarray) -> Corpus:
    """The corpus with the `drop` training rows removed and the listed mall categories blanked in every split
    (`shopcat.text.mall_abuse`): the same test rows and truth, so systems stay paired item by item."""
    from shopcat.text.mall_abuse import blank_abused

    keep = ~np.asarray(drop, dtype=bool)
    parts, tokens = {}, {}
    for name in ("train", "val", "test"):
        part, toks = getattr(corpus, name), corpus.tokens[name]
        rows = np.flatnonzero(keep) if name == "train" else np.arange(len(part))
        blanked = blank_abused(part.iloc[rows], abused)
        emptied = blanked["mall_category"].eq("").to_numpy()
        parts[name] = blanked
        tokens[name] = {"title": [toks["title"][i] for i in rows],
                        "mall": [[] if e else toks["mall"][i] for i, e in zip(rows, emptied, strict=True)]}
    return Corpus(parts["train"], parts["val"], parts["test"], tokens, corpus.leaves, corpus.y_train[keep],
                  corpus.y_val, corpus.test_truth, corpus.seed)


def filter_abused_malls(corpus: Corpus) -> tuple[Corpus, pd.DataFrame, np.ndarray]:
    """(filtered corpus, listed categories with their evidence, dropped training rows): the abused-mall filter
    as notebook 01 and `shopcat train` apply it, every step on the training split alone. With nothing listed
    the corpus comes back as it was."""
    from shopcat.text import mall_abuse

    name_only = mall_abuse.name_only_predictions(corpus.train, seed=corpus.seed)
    listed = mall_abuse.find_abused_malls(corpus.train, name_only)
    drop = mall_abuse.abuse_mask(corpus.train, listed, name_only)
    return (without_abused_malls(corpus, listed, drop) if len(listed) else corpus), listed, drop


# Corpora from explicit frames (notebook 09 splits at a cut date instead of at random).

def corpus_from_frames(df: pd.DataFrame, tokens: dict, train: pd.DataFrame, val: pd.DataFrame,
                       test: pd.DataFrame, seed: int = 0) -> Corpus:
    """A Corpus from given train/val/test rows of a prepared catalog (df and tokens from prepare_corpus).

    Rows are matched to their tokens by product_id and keep the frames' order, so per-row arrays built in
    a frame's order (e.g. recency sample weights for train) line up with the training dataset's idx."""
    position = pd.Series(np.arange(len(df)), index=df["product_id"].values)
    parts = {"train": train, "val": val, "test": test}
    split_tokens = {}
    for name, part in parts.items():
        rows = position.loc[part["product_id"].values].to_numpy()
        split_tokens[name] = {k: [tokens[k][i] for i in rows] for k in tokens}
    test_truth = [str(x) for x in eval_labels(test)]
    leaves = label_list(train["category"], val["category"], test_truth)
    return Corpus(train, val, test, split_tokens, leaves, encode_labels(train["category"], leaves),
                  encode_labels(val["category"], leaves), test_truth, seed)
