"""Long-tail options for the one training loop, and scores by head / torso / tail band.

A Zipf catalog has leaves with thousands of rows beside leaves with a handful, so plain cross-entropy learns
the prior and the tail's recall suffers. Each remedy here is an argument of `shopcat.train.loop.fit`
rather than a second loop, so notebook 08 loops over `KINDS` with everything else held fixed:

  "none"                  plain cross-entropy;
  "inverse"               per-sample weights proportional to 1 / n_c;
  "effective"             per-sample weights proportional to (1 - beta) / (1 - beta^n_c), the inverse
                          "effective number of samples" (Cui et al. 2019, CVPR);
  "resample"              a seeded sampler drawing class c with probability proportional to n_c^q (q=0:
                          every class equally often);
  "logit_adjust_loss"     tau * log prior added to the logits inside the loss during training (Menon et al.
                          2021, ICLR); predictions use the raw logits;
  "logit_adjust_posthoc"  plain training, then tau * log prior subtracted from the logits at prediction.

Weights are normalised so the mean per-sample weight over the training rows is 1: the loss keeps its scale
and the learning rate means the same thing across kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import f1_score
from torch.utils.data import Sampler

KINDS = ("none", "inverse", "effective", "resample", "logit_adjust_loss", "logit_adjust_posthoc")


def class_counts(labels, n_classes: int) -> np.ndarray:
    """Training rows per class id (0 for classes with none)."""
    return np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)[:n_classes]


def _per_sample(class_weight: np.ndarray, labels: np.ndarray) -> np.ndarray:
    w = class_weight[labels]
    return (w / w.mean()).astype(np.float32)


def inverse_frequency_weights(labels, n_classes: int) -> np.ndarray:
    """Per-sample weights proportional to 1 / n_c, mean 1: every class carries the same total weight."""
    labels = np.asarray(labels, dtype=np.int64)
    counts = class_counts(labels, n_classes).astype(np.float64)
    return _per_sample(1.0 / np.maximum(counts, 1), labels)


def effective_number_weights(labels, n_classes: int, beta: float = 0.999) -> np.ndarray:
    """Per-sample weights proportional to (1 - beta) / (1 - beta^n_c), mean 1 (Cui et al. 2019).

    Extra rows of a class add less and less new information; beta=0 gives no re-weighting and beta -> 1
    approaches inverse frequency. beta=0.999 treats a class as saturating around a thousand rows."""
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), not {beta}")
    labels = np.asarray(labels, dtype=np.int64)
    counts = class_counts(labels, n_classes).astype(np.float64)
    return _per_sample((1 - beta) / (1 - beta ** np.maximum(counts, 1)), labels)


class ClassBalancedSampler(Sampler[int]):
    """Each epoch draws `num_samples` positions with replacement: a class with probability proportional to
    n_c^q, then a row of it uniformly. q=0 draws every class present equally often, q=1 is the natural mix,
    q=0.5 is the square-root compromise. The e-th epoch uses seed + e, so runs repeat and epochs differ;
    the count lives in the sampler, so give each fit a fresh one (imbalance_options does)."""

    def __init__(self, labels, q: float = 0.0, num_samples: int | None = None, seed: int = 0):
        self.labels = np.asarray(labels, dtype=np.int64)
        self.num_samples = len(self.labels) if num_samples is None else int(num_samples)
        self.seed, self.epoch = seed, 0
        counts = np.bincount(self.labels).astype(np.float64)
        class_p = np.where(counts > 0, counts**q, 0.0)
        self.row_p = (class_p / class_p.sum())[self.labels] / counts[self.labels]  # per row, sums to 1

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self):
        rng = np.random.default_rng(self.seed + self.epoch)
        self.epoch += 1
        rows = rng.choice(len(self.labels), size=self.num_samples, replace=True, p=self.row_p)
        return iter(rows.tolist())


def log_prior(labels, n_classes: int, tau: float = 1.0) -> np.ndarray:
    """tau * log of each class's share of the training rows. A class with no rows counts as one row, so its
    offset stays finite and post-hoc adjustment cannot make it win everywhere."""
    counts = np.maximum(class_counts(labels, n_classes), 1).astype(np.float64)
    return (tau * np.log(counts / counts.sum())).astype(np.float32)


def posthoc_adjust(logits, offset) -> np.ndarray | torch.Tensor:
    """Logits minus the per-class offset (tau * log prior): the post-hoc logit adjustment of Menon et al.,
    which turns a prior-matching argmax into a balanced-error one."""
    if isinstance(logits, torch.Tensor):
        return logits - torch.as_tensor(offset, dtype=logits.dtype, device=logits.device)
    return np.asarray(logits) - np.asarray(offset, dtype=np.float32)


def _identity(logits):
    return logits


@dataclass
class ImbalanceOption:
    kind: str
    fit_kwargs: dict = field(default_factory=dict)  # pass as fit(..., **option.fit_kwargs)
    adjust: Callable = _identity  # apply to predict()'s logits before argmax


def imbalance_options(kind: str, train_labels, n_classes: int, tau: float = 1.0, beta: float = 0.999,
                      q: float = 0.0, seed: int = 0) -> ImbalanceOption:
    """The fit keyword arguments and the prediction-time adjuster for one of KINDS.

    train_labels are the class ids of the training dataset in idx order (idx i has label train_labels[i])."""
    labels = np.asarray(train_labels, dtype=np.int64)
    if kind == "none":
        return ImbalanceOption(kind)
    if kind == "inverse":
        return ImbalanceOption(kind, {"sample_weight": inverse_frequency_weights(labels, n_classes)})
    if kind == "effective":
        return ImbalanceOption(kind, {"sample_weight": effective_number_weights(labels, n_classes, beta)})
    if kind == "resample":
        return ImbalanceOption(kind, {"sampler": ClassBalancedSampler(labels, q=q, seed=seed)})
    if kind == "logit_adjust_loss":
        return ImbalanceOption(kind, {"logit_offset": log_prior(labels, n_classes, tau)})
    if kind == "logit_adjust_posthoc":
        offset = log_prior(labels, n_classes, tau)
        return ImbalanceOption(kind, adjust=lambda logits: posthoc_adjust(logits, offset))
    raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")


def frequency_bands(train_labels, head_share: float = 0.5, torso_share: float = 0.9) -> pd.Series:
    """'head', 'torso' or 'tail' per leaf, by training count.

    Leaves are sorted by training rows, largest first (ties by name). A leaf is head when the leaves before
    it hold less than head_share of the training rows, torso when they hold less than torso_share, tail
    otherwise: the head is the few big leaves holding the first half of the rows, the tail the many small
    ones holding the last tenth. Score a test set with band_scores, which puts leaves absent here in the tail."""
    counts = pd.Series(np.asarray(train_labels)).astype(str).value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    before = (counts.cumsum() - counts) / counts.sum()
    bands = np.where(before < head_share, "head", np.where(before < torso_share, "torso", "tail"))
    return pd.Series(bands, index=counts.index, name="band")


def band_scores(y_true, y_pred, bands: pd.Series) -> pd.DataFrame:
    """Per band: leaves, rows, accuracy on the rows whose true leaf is in the band, and macro-F1 over the
    band's leaves present in y_true.

    Each leaf's F1 is computed on all rows, so a tail leaf predicted for head rows loses precision: a remedy
    that only moves head rows into the tail does not look better there than it is."""
    y_true = pd.Series(np.asarray(y_true)).astype(str)
    y_pred = pd.Series(np.asarray(y_pred)).astype(str)
    band_of = y_true.map(bands).fillna("tail")
    leaves = sorted(set(y_true))
    f1 = dict(zip(leaves, f1_score(y_true, y_pred, labels=leaves, average=None, zero_division=0), strict=True))
    rows = []
    for band in ("head", "torso", "tail", "all"):
        mask = np.ones(len(y_true), bool) if band == "all" else (band_of == band).to_numpy()
        band_leaves = sorted(set(y_true[mask]))
        rows.append({"band": band, "leaves": len(band_leaves), "rows": int(mask.sum()),
                     "accuracy": float((y_true[mask] == y_pred[mask]).mean()) if mask.any() else np.nan,
                     "macro_f1": float(np.mean([f1[x] for x in band_leaves])) if band_leaves else np.nan})
    return pd.DataFrame(rows)
