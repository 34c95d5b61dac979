"""SELFIE on real photos with known truth: the grocery labels with noise injected, the image model's head retrained.

The simulator's noise is structured by its own rules; the grocery photos give a second, real test of the
same methods where the truth is certain (the dataset's official labels). Two standard kinds of injected
noise (as in Han et al. 2018's co-teaching and the SELFIE paper):
  - symmetric: a flipped label becomes any other class, uniformly;
  - pair: a flipped label becomes one fixed neighbour, the next fine class of the same coarse class (the
    next class overall where the coarse class has one member): a look-alike confusion, the harder kind.
Training and validation labels are flipped (a platform's validation labels are as noisy as its training
ones); the test split keeps the true labels. Two image models, each trained by plain training, small-loss
selection or SELFIE through `shopcat.train.selfie.train_noisy`:
  - a probe: a linear head on frozen MobileNetV2 features (the features notebook 04 caches);
  - a fine-tune: MobileNetV2's last `cut_blocks` trunk blocks and a new head trained from the pretrained weights
    on cached maps of the blocks before them (`grocery_maps`). Fine-tuning fits wrong labels where a probe
    cannot, which is where SELFIE's selection should matter most; every layer fine-tuned would cost minutes per
    epoch here, so the front stays frozen (and unaugmented: the maps are fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from shopcat import config
from shopcat.image.features import probe_logits
from shopcat.train.loop import ArrayDataset, TrainConfig
from shopcat.train.selfie import SelfieConfig, train_noisy

NOISE_KINDS = ("symmetric", "pair")


def pair_targets(fine_to_coarse: np.ndarray) -> np.ndarray:
    """For each fine class, its pair-noise target: the next fine class (cyclically) of the same coarse class."""
    fine_to_coarse = np.asarray(fine_to_coarse)
    target = (np.arange(len(fine_to_coarse)) + 1) % len(fine_to_coarse)
    for coarse in np.unique(fine_to_coarse):
        members = np.flatnonzero(fine_to_coarse == coarse)
        if len(members) > 1:
            target[members] = np.roll(members, -1)
    return target


def inject_noise(labels, rate: float, kind: str, n_classes: int, seed: int = 0,
                 pairs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(noisy labels, flipped mask): exactly round(rate * n) labels flipped, each to a class other than its own."""
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {NOISE_KINDS}, not {kind!r}")
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng([seed, int(round(rate * 1000)), NOISE_KINDS.index(kind)])
    flipped = np.zeros(len(labels), dtype=bool)
    flipped[rng.permutation(len(labels))[: int(round(rate * len(labels)))]] = True
    noisy = labels.copy()
    if kind == "symmetric":
        shift = rng.integers(1, n_classes, flipped.sum())  # 1..K-1: never the own class
        noisy[flipped] = (labels[flipped] + shift) % n_classes
    else:
        if pairs is None:
            pairs = (np.arange(n_classes) + 1) % n_classes
        noisy[flipped] = np.asarray(pairs)[labels[flipped]]
    return noisy, noisy != labels


def _standardised(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> torch.Tensor:
    return torch.as_tensor((x - mean) / std, dtype=torch.float32)


def run_noisy_probe(features: dict, labels: dict, method: str, selfie: SelfieConfig | None, *, n_classes: int,
                    epochs: int = 60, lr: float = 3e-3, batch_size: int = 128, seed: int = 0) -> dict:
    """Train the linear head on (noisy) training labels by one method; score it on the true test labels.

    features / labels: split name ("train", "val", "test") -> array; labels["train"] and ["val"] are the
    noisy ones. Returns {"test_acc", "val_acc" (noisy), "best_epoch", "final_label", "dropped"}."""
    mean, std = features["train"].mean(0), features["train"].std(0) + 1e-6
    train = ArrayDataset(input=_standardised(features["train"], mean, std),
                         label=torch.as_tensor(labels["train"], dtype=torch.long), idx=torch.arange(len(labels["train"])))
    val = ArrayDataset(input=_standardised(features["val"], mean, std),
                       label=torch.as_tensor(labels["val"], dtype=torch.long), idx=torch.arange(len(labels["val"])))
    cfg = TrainConfig(epochs=epochs, lr=lr, weight_decay=1e-3, batch_size=batch_size, patience=epochs, seed=seed,
                      monitor="val_acc", progress=False, num_threads=1)

    def make_model():
        config.seed_everything(seed)  # every method (and restart) starts from the same head
        return nn.Linear(features["train"].shape[1], n_classes)

    cleaned = train_noisy(method, make_model, train, val, cfg, selfie)
    return _scored(cleaned, probe_logits(cleaned.result.model, features["test"], mean, std), labels["test"])


def _scored(cleaned, test_logits: np.ndarray, test_labels) -> dict:
    correct = test_logits.argmax(1) == np.asarray(test_labels)
    result = cleaned.result
    return {"test_acc": float(correct.mean()), "test_correct": correct, "best_epoch": result.best_epoch,
            "val_acc": float(max(h["val_acc"] for h in result.history)), "final_label": cleaned.final_label,
            "dropped": cleaned.dropped}


def run_noisy_finetune(maps: dict, labels: dict, method: str, selfie: SelfieConfig | None, *, n_classes: int,
                       cut_blocks: int = 1, backbone: str = "mobilenet_v2", epochs: int = 20, lr: float = 1e-3,
                       batch_size: int = 64, seed: int = 0) -> dict:
    """run_noisy_probe's fine-tuning twin: the pretrained last `cut_blocks` blocks and a new head trained on the
    cached maps `maps[split]` by one method; scored on the true test labels. Same return value."""
    from shopcat.image.backbones import build_backbone
    from shopcat.image.features import Float16Input
    from shopcat.train.loop import predict

    def dataset(split):
        return ArrayDataset(input=torch.as_tensor(maps[split]), label=torch.as_tensor(labels[split], dtype=torch.long),
                            idx=torch.arange(len(labels[split])))

    def make_model():
        config.seed_everything(seed)  # every method (and restart) starts from the same pretrained blocks and head
        model, _, _ = build_backbone(backbone, pretrained=True, num_classes=n_classes, missing_weights="skip")
        back = model.split(cut_blocks)[1]
        for p in back.parameters():
            p.requires_grad = True
        return Float16Input(back)

    cfg = TrainConfig(epochs=epochs, lr=lr, weight_decay=1e-2, batch_size=batch_size, patience=epochs, seed=seed,
                      monitor="val_acc", progress=False, num_threads=1)
    cleaned = train_noisy(method, make_model, dataset("train"), dataset("val"), cfg, selfie)
    logits = predict(cleaned.result.model, ArrayDataset(input=torch.as_tensor(maps["test"])), batch_size=256)
    return _scored(cleaned, logits, labels["test"])


def grocery_features(resolution: int = 224, subsets: dict | None = None, backbone: str = "mobilenet_v2",
                     cut_blocks: int = 0):
    """({split: inputs}, {split: true fine labels}, class table) of the grocery photos, through the feature
    cache (computed and cached when absent). cut_blocks 0: pooled features, the ones notebook 04 caches (the
    probe's input); n > 0: float16 maps before the last n blocks (the fine-tune's input)."""
    from shopcat.image.backbones import build_backbone
    from shopcat.image.datasets import GroceryDataset, grocery_classes
    from shopcat.image.features import cached_features

    subsets = subsets or {}
    classes = grocery_classes()
    model, _, info = build_backbone(backbone, pretrained=True, num_classes=len(classes), missing_weights="skip")
    inputs, labels = {}, {}
    for split in ("train", "val", "test"):
        ds = GroceryDataset(split, resolution, mean=info["mean"], std=info["std"], subset=subsets.get(split))
        inputs[split], _ = cached_features(model, ds, cut_blocks=cut_blocks)
        labels[split] = np.asarray(ds.labels)
    return inputs, labels, classes


def grocery_maps(resolution: int = 160, subsets: dict | None = None, backbone: str = "mobilenet_v2",
                 cut_blocks: int = 1):
    """The fine-tune's input: grocery_features with maps before the last `cut_blocks` blocks."""
    return grocery_features(resolution, subsets, backbone, cut_blocks)


def noise_grid(features: dict, truth: dict, classes: pd.DataFrame, rates, kinds, methods, selfie: dict,
               seeds, epochs: int = 60, train=run_noisy_probe, **train_options) -> tuple[pd.DataFrame, dict]:
    """Every (kind, rate, seed, method): test accuracy on the true labels and how right the relabels were.

    selfie: SelfieConfig fields other than noise_rate (the injected rate is given to the selections).
    train: run_noisy_probe (features: pooled features) or run_noisy_finetune (features: cached maps), with
    `train_options` passed on.
    Returns (one row per run, {(kind, rate, seed, method): per-test-photo correctness} for paired verdicts)."""
    from shopcat.train.audit import audit

    n_classes = len(classes)
    pairs = pair_targets(classes.sort_values("fine_id")["coarse_id"].to_numpy())
    rows, correct = [], {}
    for kind in kinds:
        for rate in rates:
            for seed in seeds:
                noisy = {s: inject_noise(truth[s], rate, kind, n_classes, seed=seed + 17 * i, pairs=pairs)[0]
                         for i, s in enumerate(("train", "val"))}
                noisy["test"] = truth["test"]
                for method in methods:
                    sc = None if method == "plain" else SelfieConfig(noise_rate=rate, **selfie)
                    out = train(features, noisy, method, sc, n_classes=n_classes, epochs=epochs, seed=seed,
                                **train_options)
                    table = audit(noisy["train"], truth["train"], out["final_label"], out["dropped"]).loc["all"]
                    correct[(kind, rate, seed, method)] = out["test_correct"]
                    rows.append({"noise": kind, "noise_rate": rate, "seed": seed, "system": method,
                                 "test_acc": out["test_acc"], "best_epoch": out["best_epoch"],
                                 "relabelled": int(table["relabelled"]), "relabel_precision": table["relabel_precision"],
                                 "dropped": int(table["dropped"]), "drop_precision": table["drop_precision"],
                                 "noise_after": table["noise_after"]})
    return pd.DataFrame(rows), correct
