"""SELFIE, the small-loss baseline, fit's batch hook and the audit, on 2-D blobs with known flipped labels."""

import numpy as np
import pytest
import torch

from shopcat.train.audit import audit, relabel_hits
from shopcat.train.loop import ArrayDataset, TrainConfig, fit
from shopcat.train.noise_rate import estimate_noise_rate
from shopcat.train.selfie import (
    CLEAN,
    DROPPED,
    REFURBISHED,
    Selfie,
    SelfieConfig,
    history_entropy,
    run_method,
    small_loss_mask,
    train_noisy,
)

torch.set_num_threads(1)


def noisy_blobs(n=400, k=4, rate=0.3, seed=0):
    """k separated 2-D clusters; `rate` of the labels flipped to another class. Returns (dataset, truth)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3.0, (k, 2))
    y = rng.integers(0, k, n)
    x = (centres[y] + rng.normal(0, 0.5, (n, 2))).astype(np.float32)
    flip = rng.permutation(n)[: int(rate * n)]
    observed = y.copy()
    observed[flip] = (y[flip] + rng.integers(1, k, len(flip))) % k
    return ArrayDataset(x=x, label=observed, idx=np.arange(n)), y


class MLP(torch.nn.Module):
    def __init__(self, k=4):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64),
                                       torch.nn.ReLU(), torch.nn.Linear(64, k))

    def forward(self, x):
        return self.net(x)


def cfg(**kw):
    base = dict(epochs=25, lr=0.01, batch_size=32, patience=100, seed=0, num_threads=1, progress=False)
    return TrainConfig(**{**base, **kw})


def test_entropy_rule_refurbishes_a_stable_history_and_leaves_a_mixed_one():
    q, k = 15, 4
    hist = np.array([[2] * q,  # always class 2
                     [2] * 14 + [1],  # one dissent: entropy 0.18 of log 4, above epsilon 0.05
                     [0, 1, 2, 3] * 3 + [0, 1, 2],  # no opinion
                     [2] * 14 + [-1]])  # not yet q predictions
    h = history_entropy(hist, k)
    assert h[0] == 0 and 0.1 < h[1] < 0.3 and h[2] > 0.9 and h[3] == np.inf

    state = Selfie(4, SelfieConfig(noise_rate=0.25, q=q, warmup=0))
    state.history[:] = hist
    state.seen[:] = q
    logits, observed = torch.zeros(4, k), torch.tensor([0, 0, 0, 0])  # every observed label says 0
    loss = torch.tensor([0.1, 0.2, 0.3, 5.0])
    labels, weights = state.hook(1, torch.arange(4), logits, observed, loss)
    assert labels.tolist() == [2, 0, 0, 0]  # only the stable sample is refurbished, to its mode
    assert weights.tolist() == [1, 1, 1, 0]  # clean = the 3 lowest losses; the high-loss one is dropped
    assert state.decision.tolist() == [REFURBISHED, CLEAN, CLEAN, DROPPED]
    final, dropped = state.outcome(observed.numpy())
    assert final.tolist() == [2, 0, 0, 0] and dropped.tolist() == [False, False, False, True]


def test_small_loss_keeps_exactly_the_one_minus_rate_fraction():
    loss = torch.from_numpy(np.random.default_rng(0).random(64))
    for rate in (0.1, 0.2, 0.4):
        mask = small_loss_mask(loss, rate)
        assert mask.sum() == np.ceil(64 * (1 - rate))
        assert loss[mask].max() < loss[~mask].min()
    state = Selfie(10, SelfieConfig(noise_rate=0.3, warmup=2, refurbish=False))
    warm = state.hook(2, torch.arange(10), torch.randn(10, 3), torch.zeros(10, dtype=torch.long), torch.rand(10))
    assert warm == (None, None)  # warm-up: ordinary training, predictions recorded
    assert (state.seen == 1).all()
    _, weights = state.hook(3, torch.arange(10), torch.randn(10, 3), torch.zeros(10, dtype=torch.long),
                            torch.rand(10))
    assert weights.sum() == 7


def test_an_inert_hook_leaves_fit_bit_for_bit_unchanged():
    ds, _ = noisy_blobs(200)

    def run(**kw):
        torch.manual_seed(0)
        return fit(MLP(), ds, ds, cfg(epochs=3), **kw)

    base = run()
    for hook in (lambda e, i, logits, labels, loss: (None, None),
                 lambda e, i, logits, labels, loss: (labels.clone(), torch.ones(len(labels)))):
        other = run(batch_hook=hook)
        for name, tensor in base.model.state_dict().items():
            assert torch.equal(tensor, other.model.state_dict()[name])
        assert [r["train_loss"] for r in base.history] == [r["train_loss"] for r in other.history]
        assert np.array_equal(base.records[3]["loss"], other.records[3]["loss"])
    torch.manual_seed(0)
    plain = train_noisy("plain", MLP, ds, ds, cfg(epochs=3))
    for name, tensor in base.model.state_dict().items():
        assert torch.equal(tensor, plain.result.model.state_dict()[name])


def test_batch_hook_labels_are_trained_on_and_recorded():
    ds, _ = noisy_blobs(200, rate=0.0)
    y = ds.tensors["label"].numpy()

    def hook(epoch, idx, logits, labels, loss):  # teach class 0 as class 1, drop class 2
        return torch.where(labels == 0, 1, labels), (labels != 2).float()

    torch.manual_seed(0)
    result = fit(MLP(), ds, None, cfg(epochs=8), batch_hook=hook)
    assert np.array_equal(result.records[1]["label"], np.where(y == 0, 1, y))
    pred = result.records[8]["pred"]
    assert (pred[y == 0] == 1).mean() > 0.9 and (pred[y == 2] == 2).mean() < 0.2


def test_selfie_refurbishes_flipped_labels_and_small_loss_drops_them():
    ds, truth = noisy_blobs()
    observed = ds.tensors["label"].numpy()
    assert (observed != truth).mean() == pytest.approx(0.3)
    sc = SelfieConfig(noise_rate=0.3, restarts=1)

    torch.manual_seed(0)
    small = train_noisy("small_loss", MLP, ds, None, cfg(), sc)
    table = audit(observed, truth, small.final_label, small.dropped).loc["all"]
    assert table.relabelled == 0 and table.dropped > 80
    assert table.drop_precision >= 0.8 and table.drop_recall >= 0.7  # chance would be 0.3
    assert table.noise_after < 0.1

    torch.manual_seed(0)
    selfie = train_noisy("selfie", MLP, ds, None, cfg(), sc)
    table = audit(observed, truth, selfie.final_label, selfie.dropped).loc["all"]
    assert table.relabelled > 80
    assert table.relabel_precision >= 0.8 and table.relabel_recall >= 0.7
    assert table.noise_after < 0.1
    assert len(selfie.runs) == 2 and selfie.runs[1]["corrected"] >= selfie.runs[0]["corrected"] > 0


def test_restarts_keep_corrections_and_clear_the_history():
    state = Selfie(3, SelfieConfig(noise_rate=0.0, q=2, warmup=1))
    state.corrected[0] = 2
    state.history[:] = 1
    state.new_run()
    assert state.corrected.tolist() == [2, -1, -1] and (state.history == -1).all()
    labels, weights = state.hook(2, torch.arange(3), torch.zeros(3, 3), torch.zeros(3, dtype=torch.long),
                                 torch.zeros(3))
    assert labels.tolist() == [2, 0, 0]  # the old correction is used at once; nothing new without history
    with pytest.raises(ValueError, match="warm-up"):
        train_noisy("selfie", MLP, noisy_blobs(20)[0], None, cfg(epochs=5), SelfieConfig(noise_rate=0.2))


def test_audit_on_a_hand_made_example():
    truth = np.array(["a", "a", "b", "b", "c", "c", "a", "b"])
    observed = np.array(["a", "b", "b", "a", "c", "a", "a", "c"])  # rows 1, 3, 5, 7 are wrong
    kind = np.array(["", "sibling", "", "sibling", "", "seller_abuse", "", "seller_abuse"], dtype=object)
    final = np.array(["a", "a", "b", "c", "c", "a", "b", "c"])  # 1 fixed, 3 mis-fixed, 6 damaged
    dropped = np.array([False, False, True, False, False, True, False, False])  # 2 wrongly, 5 rightly
    table = audit(observed, truth, final, dropped, kind)
    row = table.loc["all"]
    assert (row.noisy, row.dropped, row.relabelled) == (4, 2, 3)
    assert row.drop_precision == 0.5 and row.drop_recall == 0.25
    assert row.relabel_precision == pytest.approx(1 / 3) and row.relabel_recall == 0.25
    assert row.clean_damaged == 2 and row.noise_before == 0.5
    assert row.noise_after == pytest.approx(3 / 6)  # rows 3, 6, 7 train on a wrong label
    assert list(table.index) == ["all", "seller_abuse", "sibling", "clean"]
    assert table.loc["sibling", "relabel_recall"] == 0.5 and table.loc["seller_abuse", "drop_recall"] == 0.5
    assert table.loc["clean", "clean_damaged"] == 2
    assert relabel_hits(observed, truth, final, dropped).tolist() == [True, False, False]  # rows 1, 3, 6


def test_noise_rate_from_cross_validated_disagreement():
    ds, truth = noisy_blobs()
    torch.manual_seed(0)
    rate = estimate_noise_rate(MLP, ds, cfg(epochs=10), folds=3)
    assert 0.25 <= rate <= 0.4  # 0.3 flipped; the held-out models' own errors push it up a little


def test_run_method_trains_once_per_restart_with_the_hook_and_plain_without():
    calls = []

    def train_once(hook, run):
        calls.append((hook is not None, run))
        return run

    observed = np.zeros(5, dtype=np.int64)
    assert run_method("plain", train_once, observed).result == 0 and calls == [(False, 0)]
    calls.clear()
    out = run_method("selfie", train_once, observed, SelfieConfig(noise_rate=0.2, restarts=2))
    assert calls == [(True, 0), (True, 1), (True, 2)] and out.result == 2 and out.state.runs == 3
    calls.clear()
    run_method("small_loss", train_once, observed, SelfieConfig(noise_rate=0.2, restarts=2))
    assert calls == [(True, 0)]  # selection alone: one run, no restarts
    with pytest.raises(ValueError, match="method"):
        run_method("coteaching", train_once, observed)
