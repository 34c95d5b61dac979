"""Injected label noise on the grocery photos: exact rates, never the own class, pair noise to the fixed neighbour."""

import numpy as np
import pytest

from shopcat.image.noisy_labels import inject_noise, pair_targets, run_noisy_probe
from shopcat.train.selfie import SelfieConfig


def test_pair_targets_stay_inside_the_coarse_class_and_cycle():
    coarse = np.array([0, 0, 0, 1, 2, 2])
    target = pair_targets(coarse)
    assert target.tolist() == [1, 2, 0, 4, 5, 4]  # class 3 is alone in its coarse class: the next class overall
    assert all(t != i for i, t in enumerate(target))


@pytest.mark.parametrize("kind", ["symmetric", "pair"])
def test_exactly_the_rate_is_flipped_and_never_to_the_own_class(kind):
    labels = np.random.default_rng(0).integers(0, 10, 1000)
    noisy, flipped = inject_noise(labels, 0.3, kind, 10, seed=1)
    assert flipped.sum() == 300 and (noisy[flipped] != labels[flipped]).all()
    assert (noisy[~flipped] == labels[~flipped]).all()
    again, _ = inject_noise(labels, 0.3, kind, 10, seed=1)
    assert np.array_equal(noisy, again)  # same seed, same noise
    if kind == "pair":
        assert (noisy[flipped] == (labels[flipped] + 1) % 10).all()
    else:
        assert len(np.unique(noisy[flipped] - labels[flipped])) > 5  # spread over the other classes


def test_selfie_probe_on_separable_features_relabels_flipped_photos_right():
    rng = np.random.default_rng(0)
    k, d = 5, 16
    centres = rng.normal(0, 2.0, (k, d))

    def split(n):
        y = rng.integers(0, k, n)
        return (centres[y] + rng.normal(0, 0.6, (n, d))).astype(np.float32), y

    feats, truth = {}, {}
    for name, n in (("train", 600), ("val", 150), ("test", 300)):
        feats[name], truth[name] = split(n)
    noisy = {s: inject_noise(truth[s], 0.3, "symmetric", k, seed=i)[0] for i, s in enumerate(("train", "val"))}
    noisy["test"] = truth["test"]
    out = run_noisy_probe(feats, noisy, "selfie", SelfieConfig(noise_rate=0.3, q=5, warmup=8, restarts=0),
                          n_classes=k, epochs=20, lr=1e-2, seed=0)
    changed = out["final_label"] != noisy["train"]
    assert changed.sum() > 50 and (out["final_label"][changed] == truth["train"][changed]).mean() > 0.9
    assert out["best_epoch"] > 8 and out["test_acc"] > 0.9


def test_selfie_fine_tune_starts_from_the_pretrained_block_and_relabels_flipped_maps_right(monkeypatch):
    """The fine-tuning arm: MobileNetV2's last block (pretrained) and a new head on maps of the blocks before it."""
    import torch

    from shopcat.image.backbones import build_backbone
    from shopcat.image.noisy_labels import run_noisy_finetune

    model, _, info = build_backbone("mobilenet_v2", pretrained=True, num_classes=5, missing_weights="skip")
    if info["status"] != "pretrained":
        pytest.skip("MobileNetV2's ImageNet weights are not in the torch cache")
    rng = np.random.default_rng(0)
    k = 5
    centres = rng.normal(0, 1.5, (k, 320, 1, 1))

    def split(n):
        y = rng.integers(0, k, n)
        return (centres[y] + rng.normal(0, 0.5, (n, 320, 2, 2))).astype(np.float16), y

    maps, truth = {}, {}
    for name, n in (("train", 400), ("val", 100), ("test", 200)):
        maps[name], truth[name] = split(n)
    noisy = {s: inject_noise(truth[s], 0.3, "symmetric", k, seed=i)[0] for i, s in enumerate(("train", "val"))}
    noisy["test"] = truth["test"]
    pretrained = model.split(1)[1][0][0].weight.detach().clone()  # the last block's 1x1 convolution
    seen = []
    real_fit = torch.nn.Module.train

    def spy_train(module, mode=True):  # the first model the loop trains holds the pretrained weights
        if mode and not seen and hasattr(module, "inner"):
            seen.append(module.inner[0][0].weight.detach().clone())
        return real_fit(module, mode)

    monkeypatch.setattr(torch.nn.Module, "train", spy_train)
    out = run_noisy_finetune(maps, noisy, "selfie", SelfieConfig(noise_rate=0.3, q=4, warmup=6, restarts=0),
                             n_classes=k, epochs=14, lr=1e-3, seed=0)
    monkeypatch.undo()
    assert seen and torch.equal(seen[0], pretrained)
    changed = out["final_label"] != noisy["train"]
    assert changed.sum() > 30 and (out["final_label"][changed] == truth["train"][changed]).mean() > 0.8
    assert out["test_acc"] > 0.9
