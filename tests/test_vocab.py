import numpy as np

from shopcat.text.vocab import OOV, PAD, Vocab

TRAIN = [["텀블러", "보온병", "500ml"], ["텀블러", "원피스"], ["텀블러", "보온병", "원피스", "s24"], ["보온병"]]
# counts: 텀블러 3, 보온병 3, 원피스 2, 500ml 1, s24 1


def test_cap_keeps_the_most_frequent_with_deterministic_ties():
    vocab = Vocab.build(TRAIN, max_size=3)
    assert vocab.itos[2:] == ["보온병", "텀블러", "원피스"]  # 3, 3 (tie broken by text), then 2
    assert len(vocab) == 5  # PAD and OOV + 3 terms
    assert vocab.counts == [3, 3, 2]
    assert Vocab.build(list(reversed(TRAIN)), max_size=3).itos == vocab.itos  # input order does not matter
    assert len(Vocab.build(TRAIN)) == 2 + 5  # no cap: every term


def test_min_count_drops_rare_terms():
    vocab = Vocab.build(TRAIN, min_count=2)
    assert set(vocab.itos[2:]) == {"텀블러", "보온병", "원피스"}
    assert "500ml" not in vocab and "s24" not in vocab


def test_encode_pads_truncates_and_maps_unseen_words_to_oov():
    vocab = Vocab.build(TRAIN, max_size=3)
    ids = vocab.encode(["텀블러", "갤럭시", "원피스"], max_len=5)
    assert ids.dtype == np.int64
    assert ids.tolist() == [vocab.stoi["텀블러"], OOV, vocab.stoi["원피스"], PAD, PAD]
    assert vocab.encode(["텀블러"] * 9, max_len=4).tolist() == [vocab.stoi["텀블러"]] * 4
    many = vocab.encode_many([["보온병"], [], ["s24", "텀블러"]], max_len=3)
    assert many.shape == (3, 3) and many.dtype == np.int64
    assert many.tolist() == [[2, 0, 0], [0, 0, 0], [OOV, 3, 0]]


def test_oov_rate_counts_token_occurrences():
    vocab = Vocab.build(TRAIN, max_size=2)  # 보온병, 텀블러
    assert vocab.oov_rate([["텀블러", "원피스"], ["s24", "s24", "보온병"]]) == 3 / 5
    assert vocab.oov_rate([]) == 0.0
    assert Vocab.build(TRAIN).oov_rate(TRAIN) == 0.0


def test_save_load_round_trip(tmp_path):
    vocab = Vocab.build(TRAIN, max_size=4, min_count=1)
    path = vocab.save(tmp_path / "model" / "vocab.json")
    loaded = Vocab.load(path)
    assert loaded.itos == vocab.itos and loaded.counts == vocab.counts and len(loaded) == len(vocab)
    tokens = ["원피스", "없는말", "500ml"]
    assert loaded.encode(tokens, 6).tolist() == vocab.encode(tokens, 6).tolist()
