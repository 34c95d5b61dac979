"""Long-tail options: each one must change what fit learns or predicts, and the numbers match the papers."""

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from shopcat.train.imbalance import (
    KINDS,
    ClassBalancedSampler,
    band_scores,
    effective_number_weights,
    frequency_bands,
    imbalance_options,
    inverse_frequency_weights,
    log_prior,
    posthoc_adjust,
)
from shopcat.train.loop import ArrayDataset, TrainConfig, fit, predict


def cfg(**kw):
    base = dict(epochs=20, lr=0.05, batch_size=64, patience=100, seed=0, num_threads=1, progress=False)
    base.update(kw)
    return TrainConfig(**base)


def long_tail(n_head=950, n_tail=50, seed=0):
    """Two overlapping 1-d classes, 19:1: plain cross-entropy puts the boundary deep inside the tail."""
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n_head, np.int64), np.ones(n_tail, np.int64)]
    x = (np.where(y == 0, -1.0, 1.0) + rng.normal(0, 1, len(y)))[:, None].astype(np.float32)
    return ArrayDataset(input=x, label=y, idx=np.arange(len(y)))


def test_inverse_weights_match_hand_computed():
    # counts 3 and 1: class weights 1/3 and 1, mean per-sample weight (3 * 1/3 + 1) / 4 = 1/2
    w = inverse_frequency_weights([0, 0, 0, 1], 2)
    assert np.allclose(w, [2 / 3, 2 / 3, 2 / 3, 2])
    assert np.isclose(w.mean(), 1)


def test_effective_number_weights_match_hand_computed():
    # beta 0.9: (1 - 0.9) / (1 - 0.9^3) = 0.1 / 0.271 for class 0, 0.1 / 0.1 = 1 for class 1
    w = effective_number_weights([0, 0, 0, 1], 2, beta=0.9)
    raw = np.array([0.1 / 0.271] * 3 + [1.0])
    assert np.allclose(w, raw / raw.mean())
    assert np.allclose(w, [0.700525, 0.700525, 0.700525, 1.898424], atol=1e-5)
    labels = np.r_[np.zeros(30, int), np.ones(3, int)]
    assert np.allclose(effective_number_weights(labels, 2, beta=0.0), 1)  # beta 0: no re-weighting
    assert np.allclose(effective_number_weights(labels, 2, beta=1 - 1e-9), inverse_frequency_weights(labels, 2),
                       rtol=1e-4)  # beta -> 1: inverse frequency


def test_resampler_balances_a_100_to_1_epoch_and_repeats_by_seed():
    labels = np.r_[np.zeros(2000, int), np.ones(20, int)]
    sampler = ClassBalancedSampler(labels, seed=3)
    first, second = list(sampler), list(sampler)
    assert len(first) == len(labels)
    tail = (labels[first] == 1).mean()
    assert abs(tail - 0.5) < 0.05  # sd of the share is 0.011
    assert set(np.asarray(first)[labels[first] == 1]) == set(range(2000, 2020))  # every tail row is drawn
    assert first != second  # a new draw each epoch
    assert first == list(ClassBalancedSampler(labels, seed=3))  # same seed, same epochs
    sqrt_tail = (labels[list(ClassBalancedSampler(labels, q=0.5, seed=3))] == 1).mean()
    assert abs(sqrt_tail - 1 / 11) < 0.03  # q=0.5: sqrt(100):sqrt(1) = 10:1


def test_resample_option_reaches_the_loop():
    train = long_tail()
    option = imbalance_options("resample", train.tensors["label"].numpy(), 2, seed=1)
    result = fit(torch.nn.Linear(1, 2), train, None, cfg(epochs=2), **option.fit_kwargs)
    for epoch in (1, 2):
        assert abs(result.records[epoch]["label"].mean() - 0.5) < 0.06  # the epoch saw a balanced mix


def test_logit_offset_is_in_the_loss_and_never_in_predictions():
    train = long_tail()
    x, y = train.tensors["input"], train.tensors["label"]
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 2)
    offset = np.array([0.0, -3.0], np.float32)  # a rare class 1: log prior far below class 0's
    # lr 0 keeps the weights fixed, so the recorded losses can be recomputed afterwards
    result = fit(model, train, None, cfg(epochs=1, lr=0.0, weight_decay=0.0), logit_offset=offset)
    with torch.no_grad():
        raw = model(x)
    rec = result.records[1]
    assert np.allclose(rec["loss"], F.cross_entropy(raw + torch.as_tensor(offset), y, reduction="none"), atol=1e-5)
    assert not np.allclose(rec["loss"], F.cross_entropy(raw, y, reduction="none"), atol=1e-2)
    assert np.array_equal(rec["pred"], raw.argmax(1).numpy())
    assert np.allclose(predict(result.model, train, device="cpu"), raw.numpy())


@pytest.fixture(scope="module")
def tail_recall():
    """Tail-class recall on a balanced test set after training with each option."""
    train, test = long_tail(seed=0), long_tail(2000, 2000, seed=1)
    y_test = test.tensors["label"].numpy()
    recall = {}
    for kind in KINDS:
        option = imbalance_options(kind, train.tensors["label"].numpy(), 2, seed=0)
        torch.manual_seed(0)
        result = fit(torch.nn.Linear(1, 2), train, None, cfg(), **option.fit_kwargs)
        pred = option.adjust(predict(result.model, test, device="cpu")).argmax(1)
        recall[kind] = (pred[y_test == 1] == 1).mean()
    return recall


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "none"])
def test_every_option_moves_the_decision_toward_the_tail(tail_recall, kind):
    # the 19:1 prior puts the plain boundary near x = 1.5 (tail recall ~ 0.3); balanced ones sit near 0 (~0.84)
    assert tail_recall["none"] < 0.5
    assert tail_recall[kind] > tail_recall["none"] + 0.25


def test_posthoc_adjustment_flips_a_borderline_prediction():
    offset = log_prior([0] * 9 + [1], 2)  # prior 0.9 / 0.1
    assert np.allclose(offset, np.log([0.9, 0.1]))
    logits = np.array([[1.0, 0.9]])  # class 0 by a hair
    assert posthoc_adjust(logits, offset).argmax(1).tolist() == [1]
    assert posthoc_adjust(torch.tensor(logits), offset).argmax(1).tolist() == [1]
    assert np.allclose(posthoc_adjust(logits, 2 * offset) - posthoc_adjust(logits, offset), -offset)  # tau scales
    option = imbalance_options("logit_adjust_posthoc", [0] * 9 + [1], 2)
    assert option.fit_kwargs == {} and option.adjust(logits).argmax(1).tolist() == [1]
    assert imbalance_options("logit_adjust_loss", [0] * 9 + [1], 2).adjust(logits).argmax(1).tolist() == [0]


def test_log_prior_of_an_unseen_class_is_finite():
    assert np.isfinite(log_prior([0, 0, 1], 3)).all()


def test_options_cover_the_kinds_and_reject_others():
    labels = [0, 0, 0, 1]
    keys = {kind: set(imbalance_options(kind, labels, 2).fit_kwargs) for kind in KINDS}
    assert keys == {"none": set(), "inverse": {"sample_weight"}, "effective": {"sample_weight"},
                    "resample": {"sampler"}, "logit_adjust_loss": {"logit_offset"}, "logit_adjust_posthoc": set()}
    with pytest.raises(ValueError, match="kind must be one of"):
        imbalance_options("focal", labels, 2)


def test_frequency_bands_follow_the_stated_rule():
    # 100 rows: a holds 50 (head: nothing before it), b and c bring the share to 80% and 90% (torso), then tail
    train = ["a"] * 50 + ["b"] * 30 + ["c"] * 10 + ["d"] * 6 + ["e"] * 4
    bands = frequency_bands(train)
    assert bands.to_dict() == {"a": "head", "b": "torso", "c": "torso", "d": "tail", "e": "tail"}


def test_band_scores_by_hand():
    bands = pd.Series({"a": "head", "b": "torso", "c": "tail"})
    y_true = ["a", "a", "a", "b", "b", "c", "c", "z"]  # z never seen in training: tail
    y_pred = ["a", "a", "c", "b", "a", "c", "a", "z"]
    s = band_scores(y_true, y_pred, bands).set_index("band")
    assert s.loc["head", "rows"] == 3 and s.loc["tail", "rows"] == 3 and s.loc["tail", "leaves"] == 2
    assert np.isclose(s.loc["head", "accuracy"], 2 / 3)
    assert np.isclose(s.loc["tail", "accuracy"], 2 / 3)
    # F1 on all rows: a p=2/4 r=2/3 -> 4/7; b 2/3; c p=1/2 r=1/2 -> 1/2; z 1
    assert np.isclose(s.loc["head", "macro_f1"], 4 / 7)
    assert np.isclose(s.loc["torso", "macro_f1"], 2 / 3)
    assert np.isclose(s.loc["tail", "macro_f1"], (0.5 + 1) / 2)
    assert np.isclose(s.loc["all", "macro_f1"], (4 / 7 + 2 / 3 + 0.5 + 1) / 4)
