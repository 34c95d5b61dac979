"""The share of wrong labels, estimated without clean data: how often a held-out model disagrees with them.

SELFIE and the small-loss selection need the noise rate. On the simulated catalog it is known, but on
real data it is not, so we estimate it by k-fold cross-validation: train on k - 1 folds, predict the
held-out fold, and count the training samples whose observed label the held-out model does not predict.
The estimate is biased both ways and says so: it adds the model's own error on clean samples (too high),
and misses wrong labels the model has learned to repeat, such as a seller who files everything under one
leaf (too low). Too high is the safer side for small-loss selection, which then drops a few clean samples
rather than keep noisy ones. Where a small trusted set with verified labels exists, the share of its
observed labels that differ from the verified ones is the better figure, and needs no code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch
from torch.utils.data import Dataset

from shopcat.train.loop import TrainConfig, fit, predict


class Renumbered(Dataset):
    """positions of `base` served as a dataset of their own, idx renumbered 0..len-1 as fit requires."""

    def __init__(self, base, positions: np.ndarray):
        self.base, self.positions = base, np.asarray(positions, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, i) -> dict[str, torch.Tensor]:
        return dict(self.base[int(self.positions[i])], idx=torch.tensor(i, dtype=torch.long))

    def __getitems__(self, ps: list[int]):
        if not hasattr(self.base, "__getitems__"):
            return [self[p] for p in ps]
        batch = dict(self.base.__getitems__(self.positions[ps].tolist()))
        batch["idx"] = torch.as_tensor(ps, dtype=torch.long)
        return batch


def cross_val_predict(make_model: Callable[[], torch.nn.Module], ds, cfg: TrainConfig, folds: int = 3,
                      seed: int = 0) -> np.ndarray:
    """Each sample's class as predicted by a model that never saw it (one model per fold), by position."""
    n = len(ds)
    fold_of = np.random.default_rng(seed).permutation(n) % folds
    pred = np.full(n, -1, dtype=np.int64)
    cfg = replace(cfg, monitor="val_loss", checkpoint=None)  # no validation split here; keep models/ as it is
    for k in range(folds):
        held, rest = np.flatnonzero(fold_of == k), np.flatnonzero(fold_of != k)
        model = fit(make_model(), Renumbered(ds, rest), None, cfg).model
        pred[held] = predict(model, Renumbered(ds, held), device=cfg.device).argmax(1)
    return pred


def estimate_noise_rate(make_model: Callable[[], torch.nn.Module], ds, cfg: TrainConfig, folds: int = 3,
                        seed: int = 0) -> float:
    """Share of samples whose observed label a held-out model disagrees with (see the module's caveats)."""
    labels = np.array([int(ds[i]["label"]) for i in range(len(ds))]) if not hasattr(ds, "tensors") \
        else ds.tensors["label"].numpy()
    return float((cross_val_predict(make_model, ds, cfg, folds, seed) != labels).mean())
