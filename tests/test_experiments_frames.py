"""run_textcnn's pass-through to fit and its logits, and corpora built from explicit train/val/test frames."""

import numpy as np
import pandas as pd

from _text_catalog import tiny_catalog
from shopcat.text import experiments as ex
from shopcat.text.tokenizer import Tokenizer

SMALL = dict(embed_dim=8, n_maps=4, fcl_dim=8, title_len=8, mall_len=4, epochs=3, batch_size=32, lr=1e-2,
             num_threads=1, patience=5, weight_decay=0.0)


def prepared(n=240, seed=0):
    return ex.prepare_corpus(tiny_catalog(n, seed=seed), Tokenizer(kind="whitespace"))


def test_corpus_from_frames_keeps_each_frames_rows_order_and_tokens():
    df, tokens = prepared()
    train, val, test = df.iloc[::-1][:150], df.iloc[150:190], df.iloc[[200, 195, 230]]
    corpus = ex.corpus_from_frames(df, tokens, train, val, test, seed=4)
    assert list(corpus.train["product_id"]) == list(train["product_id"]) and corpus.seed == 4
    position = {pid: i for i, pid in enumerate(df["product_id"])}
    for name, part in (("train", train), ("val", val), ("test", test)):
        assert corpus.tokens[name]["title"] == [tokens["title"][position[p]] for p in part["product_id"]]
        assert corpus.tokens[name]["mall"] == [tokens["mall"][position[p]] for p in part["product_id"]]
    assert [corpus.leaves[i] for i in corpus.y_train] == list(train["category"])
    assert [corpus.leaves[i] for i in corpus.y_val] == list(val["category"])
    assert corpus.test_truth == list(test["true_category"])  # scored against the truth, like split_corpus


def test_corpus_from_frames_knows_leaves_only_the_test_rows_have():
    df, tokens = prepared()
    only = "식품>과일>배"
    train = df[(df["category"] != only) & (df["true_category"] != only)]
    test = df[df["true_category"] == only]
    corpus = ex.corpus_from_frames(df, tokens, train, train.iloc[:0], test)
    assert only in corpus.leaves and only not in set(train["category"])


def test_logits_are_the_predictions_and_stay_out_of_free():
    df, tokens = prepared()
    corpus = ex.split_corpus(df, tokens, seed=0)
    run = ex.run_textcnn(corpus, seed=0, logits=True, **SMALL)
    assert run["test_logits"].shape == (len(corpus.test), len(corpus.leaves))
    assert run["val_logits"].shape == (len(corpus.val), len(corpus.leaves))
    assert [corpus.leaves[i] for i in run["test_logits"].argmax(1)] == run["pred"]
    assert "test_logits" not in ex.free(run) and "val_logits" not in ex.free(run)
    assert "val_logits" not in ex.run_textcnn(corpus, seed=0, **{**SMALL, "epochs": 1})  # test_logits always (ensembles)


def test_fit_kwargs_reach_the_training_loop():
    df, tokens = prepared()
    corpus = ex.split_corpus(df, tokens, seed=0)
    args = {**SMALL, "epochs": 12, "embed_dim": 16, "n_maps": 8, "fcl_dim": 16}
    plain = ex.run_textcnn(corpus, seed=0, logits=True, **args)
    ones = ex.run_textcnn(corpus, seed=0, logits=True, fit_kwargs={"sample_weight": np.ones(len(corpus.train))},
                          **args)
    assert np.allclose(plain["test_logits"], ones["test_logits"], atol=1e-5)  # weight 1 changes nothing
    dropped = corpus.leaves.index("식품>과일>사과")
    weight = (corpus.y_train != dropped).astype(np.float32)  # the class never teaches anything
    without = ex.run_textcnn(corpus, seed=0, logits=True, fit_kwargs={"sample_weight": weight}, **args)
    rows = np.asarray(corpus.test_truth) == corpus.leaves[dropped]
    share = {name: float((r["test_logits"][rows].argmax(1) == dropped).mean())
             for name, r in (("plain", plain), ("without", without))}
    assert share["plain"] > 0.5 and share["without"] < 0.5 * share["plain"]
    assert not pd.isna(without["levels"]["leaf"])


def test_word2vec_variant_reports_validation_accuracy_and_its_starting_geometry():
    """03 picks its Word2Vec variant by validation accuracy, and shows the table each variant starts from."""
    df, tokens = prepared()
    corpus = ex.split_corpus(df, tokens, seed=0)
    extra = {"title": [["처음", "보는", "단어"]] * 3, "mall": [["기타"]] * 3}
    run = ex.run_textcnn(corpus, seed=0, embedding="w2v-tuned", embedding_geometry=True, w2v_extra=extra,
                         w2v={"joint": True, "unlabelled": True, "scale": True, "epochs": 2}, **SMALL)
    assert run["val_acc"] == max(run["training"]["curves"]["val_acc"])  # the best epoch's, as monitored
    assert abs(run["geometry"]["frequent_norm"] - np.sqrt(8)) < 1e-3  # scaled to the random init's norm
    random = ex.run_textcnn(corpus, seed=0, embedding_geometry=True, **{**SMALL, "epochs": 1})
    assert random["w2v_coverage"] is None and random["geometry"]["terms"] == random["vocab_size"] - 2
    assert "geometry" in ex.free(random)  # figures, kept for the report


def test_a_character_corpus_splits_like_the_morpheme_corpus_and_its_textcnn_learns():
    """01's character TextCNN is scored on the same rows as the morpheme one: split_corpus depends on the rows
    and the seed only, so the two corpora must agree row for row; the characters carry no spaces."""
    df, words = prepared()
    chars = ex.prepare_corpus(df, Tokenizer(kind="char"))[1]
    by_word, by_char = ex.split_corpus(df, words, seed=3), ex.split_corpus(df, chars, seed=3)
    for name in ("train", "val", "test"):
        assert list(getattr(by_word, name)["product_id"]) == list(getattr(by_char, name)["product_id"])
    assert by_word.leaves == by_char.leaves and by_word.test_truth == by_char.test_truth
    assert (by_word.y_train == by_char.y_train).all()
    title = by_char.tokens["train"]["title"][0]
    assert all(len(t) == 1 and not t.isspace() for t in title)
    assert title and set(title) <= set(by_char.train["title"].iloc[0].lower())  # promotional words are cut
    run = ex.run_textcnn(by_char, seed=0, **{**SMALL, "widths": (2, 3), "title_len": 24, "mall_len": 12,
                                             "epochs": 12, "embed_dim": 16, "n_maps": 16, "fcl_dim": 16})
    assert run["levels"]["leaf"] > 0.6  # six leaves: chance is 1/6
