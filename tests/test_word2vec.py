import numpy as np
import pytest

from shopcat.text.vocab import PAD, Vocab
from shopcat.text.word2vec import (
    VARIANTS,
    W2VConfig,
    all_but_the_top,
    embedding_matrix,
    geometry,
    product_sentences,
    scale_rows,
    train_vectors,
    train_word2vec,
    word2vec_matrix,
)

# two topics that never share a title: drinkware and dresses
DRINK = [["텀블러", "보온병", "스텐", "500ml"], ["텀블러", "빨대", "보온병"], ["보온병", "스텐", "빨대", "1l"]]
DRESS = [["원피스", "여성", "롱", "쉬폰"], ["원피스", "치마", "여성"], ["쉬폰", "롱", "치마", "여성"]]
CORPUS = (DRINK + DRESS) * 40


def test_trains_and_places_words_by_their_contexts():
    kv = train_word2vec(CORPUS, dim=16, window=3, epochs=20, seed=0)
    assert kv.vector_size == 16 and set(kv.key_to_index) == {t for tokens in CORPUS for t in tokens}
    assert kv.similarity("텀블러", "보온병") > kv.similarity("텀블러", "원피스")


def test_same_seed_same_vectors():
    a = train_word2vec(CORPUS, dim=8, epochs=2, seed=3)
    b = train_word2vec(CORPUS, dim=8, epochs=2, seed=3)
    c = train_word2vec(CORPUS, dim=8, epochs=2, seed=4)
    assert np.array_equal(a["텀블러"], b["텀블러"])
    assert not np.allclose(a["텀블러"], c["텀블러"])


def test_embedding_matrix_rows_and_coverage():
    kv = train_word2vec(CORPUS, dim=8, epochs=2, seed=0)
    vocab = Vocab.build(CORPUS + [["갤럭시", "s24"]])  # two terms Word2Vec never saw
    matrix, coverage = embedding_matrix(vocab, kv, dim=8, seed=0)
    assert matrix.shape == (len(vocab), 8) and matrix.dtype == np.float32
    for token in kv.key_to_index:
        assert np.array_equal(matrix[vocab.stoi[token]], kv[token])
    assert coverage == pytest.approx(len(kv.key_to_index) / (len(vocab) - 2))
    assert not matrix[PAD].any()
    unseen = matrix[[vocab.stoi["갤럭시"], vocab.stoi["s24"]]]
    assert 0.3 < unseen.std() / kv.vectors.std() < 3  # random rows at the Word2Vec vectors' scale
    again, _ = embedding_matrix(vocab, kv, dim=8, seed=0)
    assert np.array_equal(again, matrix)
    with pytest.raises(ValueError):
        embedding_matrix(vocab, kv, dim=16, seed=0)


# The variants notebook 03 compares (issue 12, item 5).
TITLES = [t[:-1] for t in CORPUS]
MALLS = [["주방용품", "텀블러"] if "텀블러" in t or "보온병" in t else ["여성의류", "원피스"] for t in CORPUS]
EXTRA = {"title": [["텀블러", "대용량", "스텐"], ["원피스", "플라워"]] * 5, "mall": [["주방"], ["패션"]] * 5}


def test_joint_sentences_hold_title_then_mall():
    joint = product_sentences(TITLES, MALLS, joint=True)
    assert len(joint) == len(TITLES)
    assert all(s == t + m for s, t, m in zip(joint, TITLES, MALLS, strict=True))
    apart = product_sentences(TITLES, MALLS)
    assert apart == [list(t) for t in TITLES] + [list(m) for m in MALLS]
    assert product_sentences(TITLES, None, joint=True) == [list(t) for t in TITLES]


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_is_deterministic(name):
    cfg = W2VConfig(**{"epochs": 2, **VARIANTS[name], **({"epochs": 3} if "epochs" in VARIANTS[name] else {})})
    vocab = Vocab.build(TITLES + MALLS)
    a, cov = word2vec_matrix(vocab, TITLES, MALLS, cfg, dim=8, seed=5, extra=EXTRA)
    b, _ = word2vec_matrix(vocab, TITLES, MALLS, cfg, dim=8, seed=5, extra=EXTRA)
    c, _ = word2vec_matrix(vocab, TITLES, MALLS, cfg, dim=8, seed=6, extra=EXTRA)
    assert cov == 1.0 and np.array_equal(a, b) and not np.allclose(a, c)


def test_unlabelled_titles_add_their_words_only_when_asked():
    assert "대용량" in train_vectors(TITLES, MALLS, W2VConfig(unlabelled=True, epochs=1), dim=8, extra=EXTRA)
    assert "대용량" not in train_vectors(TITLES, MALLS, W2VConfig(epochs=1), dim=8, extra=EXTRA)


def test_fasttext_vectors_know_unseen_words_by_their_pieces():
    kv = train_vectors(TITLES, MALLS, W2VConfig(model="fasttext", epochs=2), dim=8)
    assert "텀블러텀블러" not in kv.key_to_index and kv["텀블러텀블러"].any()
    with pytest.raises(ValueError):
        train_vectors(TITLES, MALLS, W2VConfig(model="glove"), dim=8)


def test_all_but_the_top_centres_and_removes_the_top_components():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 10)) * np.linspace(5, 0.5, 10) + 3.0  # a shared offset, unequal spreads
    centred = all_but_the_top(x)
    assert np.allclose(centred.mean(axis=0), 0, atol=1e-5)
    out = all_but_the_top(x, remove_top=2)
    _, _, vt = np.linalg.svd(x - x.mean(axis=0), full_matrices=False)
    assert np.allclose(out @ vt[:2].T, 0, atol=1e-4)  # nothing left along the top 2 PCs
    assert np.allclose(out @ vt[2:].T, centred @ vt[2:].T, atol=1e-4)  # the rest untouched
    assert np.allclose(out.mean(axis=0), 0, atol=1e-5)


def test_scaled_rows_have_the_random_inits_norm():
    x = np.random.default_rng(1).normal(size=(50, 16)) * np.geomspace(0.01, 10, 50)[:, None]
    x[3] = 0.0
    out = scale_rows(x, 4.0)
    norms = np.linalg.norm(out, axis=1)
    assert np.allclose(np.delete(norms, 3), 4.0, atol=1e-5) and not out[3].any()
    kv = train_word2vec(CORPUS, dim=16, epochs=1, seed=0)
    vocab = Vocab.build(CORPUS + [["갤럭시"]])
    matrix, _ = embedding_matrix(vocab, kv, dim=16, scale=True, centre=True, remove_top=1)
    known = [vocab.stoi[t] for t in kv.key_to_index]
    assert np.allclose(np.linalg.norm(matrix[known], axis=1), 4.0, atol=1e-4)  # sqrt(16): nn.Embedding's N(0, 1)
    assert 0.5 < matrix[vocab.stoi["갤럭시"]].std() < 2  # unknown rows at the same scale


def test_geometry_reads_sibling_nouns_and_rare_word_norms():
    vocab = Vocab(["텀블러", "보온병", "원피스", "희귀"], counts=[20, 15, 12, 1])
    matrix = np.zeros((6, 3), dtype=np.float32)
    matrix[2:] = [[1, 0, 0], [1, 1, 0], [0, 0, 2], [0, 0.1, 0]]
    leaves = ["주방>컵>텀블러", "주방>컵>보온병", "패션>여성>원피스", "패션>여성>기타"]
    g = geometry(matrix, vocab, leaves)
    assert g["leaf_nouns"] == 3 and g["sibling_cos"] == pytest.approx(np.sqrt(0.5))
    assert g["other_cos"] == pytest.approx(0.0)
    assert g["once_share"] == pytest.approx(0.25) and g["once_norm"] == pytest.approx(0.1)
    assert g["frequent_norm"] == pytest.approx((1 + np.sqrt(2) + 2) / 3)
