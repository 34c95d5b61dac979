import copy

import numpy as np
import pytest
import torch

from shopcat.train.loop import ArrayDataset, TrainConfig, fit, predict


class Linear(torch.nn.Module):
    def __init__(self, d=4, k=3):
        super().__init__()
        self.fc = torch.nn.Linear(d, k)

    def forward(self, x):
        return self.fc(x)


def blobs(n=300, k=3, d=4, seed=0):
    """k well separated clusters: an easy task a linear model learns in a few epochs."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (k, d))  # drawn first: same seed, same clusters at any n
    y = rng.integers(0, k, n)
    x = centres[y] + rng.normal(0, 0.5, (n, d))
    return ArrayDataset(x=x.astype(np.float32), label=y, idx=np.arange(n))


def cfg(**kw):
    base = dict(epochs=5, lr=0.05, batch_size=32, patience=10, seed=0, num_threads=1, progress=False)
    base.update(kw)
    return TrainConfig(**base)


def test_training_reduces_loss_and_records_every_sample():
    torch.manual_seed(0)
    train, val = blobs(seed=0), blobs(100, seed=0)
    result = fit(Linear(), train, val, cfg())
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < losses[0] * 0.5
    assert result.history[-1]["val_acc"] > 0.9
    rec = result.records[1]
    assert np.array_equal(rec["idx"], np.arange(len(train)))
    assert rec["loss"].shape == rec["pred"].shape == (len(train),)
    assert predict(result.model, val, device="cpu").shape == (100, 3)


def test_zero_weight_class_is_not_learned():
    torch.manual_seed(0)
    train = blobs(seed=1)
    y = train.tensors["label"].numpy()
    weight = np.where(y == 2, 0.0, 1.0)
    result = fit(Linear(), train, None, cfg(epochs=8), sample_weight=weight)
    pred = predict(result.model, train, device="cpu").argmax(1)
    assert (pred[y == 2] == 2).mean() < 0.2  # never taught class 2
    assert (pred[y != 2] == y[y != 2]).mean() > 0.9


def test_label_hook_relabels_and_drops():
    torch.manual_seed(0)
    train = blobs(seed=2)
    y = train.tensors["label"].numpy()
    n = len(y)
    seen = []

    def hook(epoch, records):
        seen.append(records[epoch]["label"].copy())
        new = np.where(y == 0, 1, -1)  # relabel class 0 as class 1, keep the rest
        keep = np.ones(n, bool)
        keep[:10] = False
        return new, keep

    result = fit(Linear(), train, None, cfg(epochs=6), label_hook=hook)
    assert np.array_equal(seen[0], y)  # first epoch trains on the dataset's labels
    assert np.array_equal(seen[1], np.where(y == 0, 1, y))  # later epochs on the hook's labels
    assert result.history[-1]["relabelled"] == (y == 0).sum()
    assert result.history[-1]["dropped"] == 10
    pred = predict(result.model, train, device="cpu").argmax(1)
    assert (pred[y == 0] == 1).mean() > 0.9  # class 0 was learned as class 1


def test_same_seed_same_history(tmp_path):
    def run():
        torch.manual_seed(3)
        model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.3), torch.nn.Linear(8, 3))
        wrapped = Wrap(model)
        return fit(wrapped, blobs(seed=3), blobs(60, seed=3), cfg(epochs=3)).history

    timing = ("seconds", "products_per_s")
    strip = [[{k: v for k, v in row.items() if k not in timing} for row in h] for h in (run(), run())]
    assert strip[0] == strip[1]


class Wrap(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


def test_checkpoint_holds_best_weights(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "models" / "best.pt"
    result = fit(Linear(), blobs(seed=4), blobs(80, seed=4), cfg(epochs=3, checkpoint=path, monitor="val_acc"))
    assert path.exists()
    saved = torch.load(path)
    for name, tensor in result.model.state_dict().items():
        assert torch.equal(saved[name], tensor)
    assert 1 <= result.best_epoch <= 3


def test_sampler_decides_which_samples_an_epoch_visits():
    torch.manual_seed(0)
    train = blobs(seed=5)
    y = train.tensors["label"].numpy()
    only_class_1 = torch.utils.data.SubsetRandomSampler(np.flatnonzero(y == 1).tolist())
    result = fit(Linear(), train, None, cfg(epochs=1), sampler=only_class_1)
    assert np.array_equal(result.records[1]["idx"], np.flatnonzero(y == 1))


def test_cosine_schedule_warms_up_then_decays_to_zero():
    from shopcat.train.loop import lr_factor

    factor = lr_factor(cfg(schedule="cosine", warmup_steps=10), total_steps=100)
    assert factor(0) == pytest.approx(0.1 * 0.5 * (1 + np.cos(0)))
    assert factor(9) == pytest.approx(0.5 * (1 + np.cos(np.pi * 9 / 100)))
    assert factor(50) == pytest.approx(0.5)
    assert factor(100) == pytest.approx(0.0, abs=1e-12)
    constant = lr_factor(cfg(), total_steps=100)
    assert constant(0) == constant(99) == 1.0
    with pytest.raises(ValueError, match="schedule"):
        lr_factor(cfg(schedule="step"), total_steps=100)


def test_fit_applies_the_schedule_and_smooths_labels():
    train = blobs(seed=3)
    torch.manual_seed(0)
    start = Linear()
    weights = start.fc.weight.detach().clone()
    stalled = fit(copy.deepcopy(start), train, None, cfg(epochs=2, warmup_steps=10**9)).model
    moved = fit(copy.deepcopy(start), train, None, cfg(epochs=2)).model
    assert (stalled.fc.weight - weights).abs().max() < 1e-6  # a warm-up that never ends: no step taken
    assert (moved.fc.weight - weights).abs().max() > 1e-2
    sharp = fit(Linear(), train, None, cfg(epochs=8))
    smooth = fit(Linear(), train, None, cfg(epochs=8, label_smoothing=0.3))
    # smoothing keeps the loss away from zero on an easy task: its floor is the smoothed target's entropy
    assert smooth.history[-1]["train_loss"] > sharp.history[-1]["train_loss"] + 0.2


class Scripted(torch.nn.Module):
    """Validation accuracy follows a script by epoch; the epoch count is a buffer, so it is saved with the weights."""

    def __init__(self, script):
        super().__init__()
        self.script = script
        self.p = torch.nn.Parameter(torch.zeros(()))
        self.register_buffer("epoch", torch.zeros((), dtype=torch.long))

    def train(self, mode=True):
        if mode:  # fit calls model.train() once at the start of every epoch
            self.epoch += 1
        return super().train(mode)

    def forward(self, x):
        margin = torch.zeros(len(x)) + self.p * 0
        if not self.training:  # the first acc * n validation items are right (label 0), the rest wrong
            acc = self.script[int(self.epoch) - 1]
            margin = torch.where(x[:, 0] < acc * 100, 1.0, -1.0) + self.p * 0
        return torch.stack([margin, torch.zeros(len(x))], 1)


def scripted_data():
    x = np.arange(100, dtype=np.float32)[:, None]
    return ArrayDataset(x=x, label=np.zeros(100, dtype=np.int64), idx=np.arange(100))


def test_early_stopping_stops_and_restores_the_best_epoch():
    script = [0.2, 0.5, 0.9, 0.6, 0.5, 0.4, 0.95, 0.95, 0.95, 0.95]
    data = scripted_data()
    result = fit(Scripted(script), data, data, cfg(epochs=10, patience=3, monitor="val_acc"))
    assert result.stopped_early and len(result.history) == 6  # epochs 4, 5, 6 did not beat epoch 3
    assert result.best_epoch == 3 and int(result.model.epoch) == 3  # epoch 3's weights (and buffer) are back
    assert [round(row["val_acc"], 2) for row in result.history] == script[:6]
    summary = result.summary()
    assert summary["epochs_run"] == 6 and summary["best_epoch"] == 3 and summary["monitor"] == "val_acc"
    assert summary["products_per_s"] > 0 and len(summary["curves"]["val_acc"]) == 6
    full = fit(Scripted(script), data, data, cfg(epochs=10, patience=10, monitor="val_acc"))
    assert not full.stopped_early and full.best_epoch == 7 and int(full.model.epoch) == 7


def test_select_from_keeps_no_epoch_before_it():
    script = [0.2, 0.9, 0.5, 0.6, 0.4, 0.3]  # the best validation accuracy comes at epoch 2
    data = scripted_data()
    free = fit(Scripted(script), data, data, cfg(epochs=6, patience=10, monitor="val_acc"))
    assert free.best_epoch == 2
    late = fit(Scripted(script), data, data, cfg(epochs=6, patience=10, monitor="val_acc", select_from=3))
    assert late.best_epoch == 4 and int(late.model.epoch) == 4  # the best of epochs 3-6, not epoch 2
    stop = fit(Scripted(script), data, data, cfg(epochs=6, patience=1, monitor="val_acc", select_from=3))
    assert stop.best_epoch == 4 and len(stop.history) == 5  # patience counts from epoch 3 on


def test_monitoring_validation_accuracy_without_a_validation_split_raises():
    with pytest.raises(ValueError, match="validation split"):
        fit(Linear(), blobs(), None, cfg(monitor="val_acc"))
    result = fit(Linear(), blobs(), None, cfg(epochs=2))
    assert result.monitor == "train_loss"


def test_sparse_tables_train_with_their_own_optimizer():
    class Bag(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = torch.nn.EmbeddingBag(1000, 8, mode="mean", padding_idx=0, sparse=True)
            self.out = torch.nn.Linear(8, 3)

        def forward(self, ids):
            return self.out(self.bag(ids))

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    ids = np.stack([1 + y * 10 + rng.integers(0, 10, 300), rng.integers(100, 1000, 300)], 1)
    data = ArrayDataset(ids=ids, label=y, idx=np.arange(300))
    torch.manual_seed(0)
    model = Bag()
    unused = model.bag.weight.detach()[31:100].clone()  # rows no product contains
    result = fit(model, data, data, cfg(epochs=6, lr=0.05, monitor="val_acc"))
    assert result.history[-1]["val_acc"] > 0.9
    assert torch.equal(result.model.bag.weight.detach()[31:100], unused)  # lazy: only used rows move
