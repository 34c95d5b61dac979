"""Leaf-name scores: the cosines the model computes are the vectoriser's, a saved model serves them, the
peer's gains are chosen on validation rows, and a leaf never seen in training can still be answered."""

import numpy as np
import torch

from _text_catalog import LEAVES, tiny_catalog
from shopcat.text import label_text as lt
from shopcat.text.predictor import TextPredictor, save_text_model
from shopcat.text.textcnn import TextClassifier, TextCNNConfig
from shopcat.text.tokenizer import Tokenizer

LEAF_LIST = sorted(LEAVES)


def test_a_leaf_path_is_nearest_to_itself_and_unknown_text_scores_zero():
    leaf_text = lt.LabelText(LEAF_LIST)
    ids, weights = leaf_text.encode(LEAF_LIST, kind="mall")
    scores = np.einsum("ng,ngl->nl", weights, leaf_text.table()[ids])
    assert list(scores.argmax(1)) == list(range(len(LEAF_LIST)))
    assert np.all(scores.max(1) > 0.8)
    ids, weights = leaf_text.encode(["zzqx"])  # no gram of any leaf path: all padding
    assert not ids.any() and not weights.any()
    assert ids.dtype == np.int64 and weights.shape == (1, leaf_text.max_grams)


def test_model_scores_are_the_dense_cosines():
    leaf_text = lt.LabelText(LEAF_LIST)
    titles = ["꿀사과 5kg 특가", "블루투스스피커 블랙", "플라워원피스 신상", "정품 mp3플레이어"]
    cfg = TextCNNConfig(vocab_size=2, n_classes=len(LEAF_LIST), cnn=False, bag_buckets=16, bag_dim=4,
                        label_text_rows=leaf_text.rows)
    model = TextClassifier(cfg)
    model.set_label_table(leaf_text.table())
    ids, weights = leaf_text.encode(titles)
    got = model.label_scores(torch.as_tensor(ids), torch.as_tensor(weights)).numpy()
    expected = lt.cosines(leaf_text, titles)
    assert np.allclose(got, expected, atol=1e-5)
    assert [LEAF_LIST[i].split(">")[-1] for i in got.argmax(1)] == ["사과", "스피커", "원피스", "MP3"]


def test_choose_gains_picks_the_gain_that_fixes_the_validation_rows():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 200)
    scores = rng.normal(size=(200, 5))  # the model knows nothing
    title_cos = np.eye(5)[labels] * 0.5  # the leaf name is in every title
    mall_cos = rng.random((200, 5))  # the mall category is noise
    gains = lt.choose_gains(scores, title_cos, mall_cos, labels)
    assert gains[0] >= 8.0 and gains[1] == 0.0
    assert lt.choose_gains(scores, np.zeros((200, 5)), np.zeros((200, 5)), labels) == (0.0, 0.0)


def test_run_textcnn_learns_the_gains_answers_an_unseen_leaf_and_serves_its_predictions(tmp_path):
    from shopcat.text import experiments as ex

    tokenizer = Tokenizer(kind="whitespace")
    df = tiny_catalog(400, seed=3, noise=0.0)
    unseen = "식품>과일>배"
    df, tokens = ex.prepare_corpus(df, tokenizer)
    corpus = ex.split_corpus(df, tokens, seed=0)
    keep = (corpus.train["category"] != unseen).to_numpy()  # the leaf is in the label list, never in training
    corpus.train, corpus.y_train = corpus.train[keep], corpus.y_train[keep]
    corpus.tokens["train"] = {k: [v[i] for i in np.flatnonzero(keep)] for k, v in corpus.tokens["train"].items()}
    run = ex.run_textcnn(corpus, cnn=False, wide=True, loss="ovr_hinge", label_smoothing=0.0, label_text=True,
                         subword={"buckets": 2**12, "bag_len": 64}, epochs=8, patience=8, lr=1e-2, num_threads=1)
    assert not np.allclose(run["model"].label_gain.detach().numpy(), 1.0)  # learned, not left at the start
    truth = np.asarray(corpus.test_truth)
    pred = np.asarray(run["pred"])
    assert (pred[truth == unseen] == unseen).mean() > 0.5  # only the leaf's name can give these away
    folder = save_text_model(tmp_path / "m", run["model"], run["vocab"], corpus.leaves, run["cfg"], tokenizer,
                             run["featurizer"])
    predictor = TextPredictor.load(folder)
    assert predictor.label_text is not None and predictor.label_text.rows == run["cfg"].label_text_rows
    served = predictor.predict(corpus.test["title"].tolist(), corpus.test["mall_category"].tolist(), k=1)
    assert [top[0][0] for top in served] == run["pred"]


def test_the_peer_with_leaf_names_is_scored_on_the_same_test_rows():
    from shopcat.text import experiments as ex

    df, tokens = ex.prepare_corpus(tiny_catalog(300, seed=4), Tokenizer(kind="whitespace"))
    corpus = ex.split_corpus(df, tokens, seed=0)
    base = ex.run_baselines(corpus, annotator=False, label_text=True)
    assert ex.PEER_LABEL_TEXT in base["levels"]
    assert len(base["correct"][ex.PEER_LABEL_TEXT]) == len(corpus.test)
    assert base["levels"][ex.PEER_LABEL_TEXT]["leaf"] > 0.5


def test_encode_is_the_fitted_vectorizers_transform_to_the_bit():
    """The hand-written vector (fast per served message) must be scikit-learn's: same grams, same weights."""
    from _text_catalog import tiny_catalog

    leaf_text = lt.LabelText(LEAF_LIST + ["생활/건강>반려동물>고양이용품>캣타워", "디지털/가전>기타 가전"])
    df = tiny_catalog(200, seed=5)
    texts = df["title"].tolist() + df["mall_category"].tolist() + [
        "", "  a  ", "A", "MP3 플레이어 mp3", "ab\tcd\n", "사과사과 사과 과일>사과", "캣타워 고양이 캣타워"]
    matrix = leaf_text.vectorizer.transform(texts).tocsr()
    ids, weights = leaf_text.encode(texts)
    for row in range(len(texts)):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        expected = sorted(zip(matrix.indices[start:end] + 1, matrix.data[start:end].astype(np.float32), strict=True),
                          key=lambda cv: (-cv[1], cv[0]))[:leaf_text.max_grams]
        got = [(i, w) for i, w in zip(ids[row], weights[row], strict=True) if i > 0]
        assert [i for i, _ in got] == [i for i, _ in expected], texts[row]
        assert [w for _, w in got] == [w for _, w in expected], texts[row]
