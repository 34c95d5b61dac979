import numpy as np
import pytest

from shopcat.text.vocab import PAD, Vocab
from shopcat.text.word2vec import embedding_matrix, train_word2vec

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
