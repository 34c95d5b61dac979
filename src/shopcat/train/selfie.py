"""SELFIE (Song, Kim and Lee, ICML 2019) and the two baselines it is measured against, on the one loop.

Noisy labels are learned late: a network fits the clean majority first, so early on a wrong label shows as a
large loss, and a sample whose recent predictions agree on one class can be given that class. SELFIE
trains on both kinds of evidence, batch by batch, through `fit(batch_hook=...)`:
  - warm-up: ordinary training for `warmup` epochs, recording every sample's predicted class;
  - then, in each mini-batch, the clean set is the ceil((1 - noise_rate) * batch) samples of lowest loss;
    a sample is refurbishable when the normalised entropy of its last q predictions is at most epsilon, and
    its label becomes the most frequent of them (the correction is kept and reused in later batches);
    the step uses refurbished plus clean samples and drops the rest;
  - restarts re-initialise the model and clear the prediction history but keep the corrections.
As in the authors' code, the loss that ranks a batch is taken on the labels the loop hands in (the observed
ones), every restart warms up on them again, and a correction is applied from the first post-warm-up batch.

METHODS names the three rungs a report compares: "plain" (no hook), "small_loss" (the small-loss selection
alone, a single-network co-teaching: no refurbishing, no restarts) and "selfie".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from shopcat.train.loop import TrainConfig, fit

METHODS = ("plain", "small_loss", "selfie")
CLEAN, REFURBISHED, DROPPED = 0, 1, 2  # a sample's last decision (Selfie.decision)


@dataclass
class SelfieConfig:
    noise_rate: float  # share of wrong labels; given, or from shopcat.train.noise_rate.cross_val_disagreement
    q: int = 15  # length of each sample's prediction history (paper default)
    epsilon: float = 0.05  # largest normalised entropy of that history that still refurbishes (paper default)
    warmup: int = 15  # epochs of ordinary training per run; the history must fill (warmup >= q) to refurbish
    restarts: int = 2  # extra runs from fresh weights that keep the corrections (the authors' default)
    refurbish: bool = True  # False: small-loss selection alone


def small_loss_mask(loss: torch.Tensor, noise_rate: float) -> torch.Tensor:
    """The ceil((1 - noise_rate) * batch) lowest losses of a batch (ties broken by position)."""
    keep = math.ceil(len(loss) * (1.0 - noise_rate))
    mask = torch.zeros(len(loss), dtype=torch.bool)
    mask[torch.argsort(loss.detach().cpu(), stable=True)[:keep]] = True
    return mask


def history_counts(history: np.ndarray, n_classes: int) -> np.ndarray:
    """How often each class appears in each row of a (rows, q) prediction history (-1 = empty slot)."""
    rows, q = history.shape
    counts = np.zeros((rows, n_classes))
    filled = history >= 0
    np.add.at(counts, (np.repeat(np.arange(rows), q)[filled.ravel()], history[filled]), 1.0)
    return counts


def history_entropy(history: np.ndarray, n_classes: int) -> np.ndarray:
    """Entropy of each row's predicted-class frequencies over log(n_classes): 0 = always the same class.

    Rows with unfilled slots (-1) are +inf: a sample is not judged on fewer than q predictions."""
    p = history_counts(history, n_classes) / history.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(1) / math.log(max(n_classes, 2))
    return np.where((history < 0).any(1), np.inf, h)


class Selfie:
    """The per-sample state SELFIE carries across batches and restarts; `hook` is fit's batch_hook."""

    def __init__(self, n_samples: int, cfg: SelfieConfig):
        if not 0.0 <= cfg.noise_rate < 1.0:
            raise ValueError(f"noise_rate must be in [0, 1), got {cfg.noise_rate}")
        self.cfg = cfg
        self.n_classes: int | None = None  # read from the first batch's logits
        self.history = np.full((n_samples, cfg.q), -1, dtype=np.int64)  # ring buffer of predicted classes
        self.seen = np.zeros(n_samples, dtype=np.int64)  # predictions written per sample (ring position)
        self.corrected = np.full(n_samples, -1, dtype=np.int64)  # refurbished label, -1 = none yet
        self.decision = np.full(n_samples, CLEAN, dtype=np.int8)  # last decision about each sample
        self.runs = 0

    def new_run(self) -> None:
        """A restart: fresh weights will not have the old network's predictions, only its corrections."""
        self.history[:] = -1
        self.seen[:] = 0
        self.decision[:] = CLEAN
        self.runs += 1

    def record(self, idx: np.ndarray, pred: np.ndarray) -> None:
        self.history[idx, self.seen[idx] % self.cfg.q] = pred
        self.seen[idx] += 1

    def refurbishable(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of idx have a stable enough history, and the most frequent class of each history."""
        hist = self.history[idx]
        mode = history_counts(hist, self.n_classes).argmax(1)
        return history_entropy(hist, self.n_classes) <= self.cfg.epsilon, mode

    def hook(self, epoch: int, idx: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor,
             loss: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        self.n_classes = self.n_classes or logits.shape[1]
        idx_np = idx.numpy()
        pred = logits.argmax(1).cpu().numpy()
        if epoch <= self.cfg.warmup:
            self.record(idx_np, pred)
            return None, None
        clean = small_loss_mask(loss, self.cfg.noise_rate).numpy()
        if self.cfg.refurbish:
            ok, mode = self.refurbishable(idx_np)
            self.corrected[idx_np[ok]] = mode[ok]
        use_correction = self.corrected[idx_np] >= 0
        new_labels = np.where(use_correction, self.corrected[idx_np], labels.numpy())
        weights = clean | use_correction
        self.decision[idx_np] = np.where(use_correction, REFURBISHED, np.where(clean, CLEAN, DROPPED))
        self.record(idx_np, pred)  # after deciding, as the authors do: the history holds earlier batches
        return torch.from_numpy(new_labels), torch.from_numpy(weights.astype(np.float32))

    def outcome(self, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(label each sample ends with, dropped mask) by idx, for shopcat.train.audit.audit.

        A corrected sample always trains on its correction (equal to the observed label: kept); any other
        sample is dropped when its last batch left it out, and keeps its observed label either way."""
        has = self.corrected >= 0
        return np.where(has, self.corrected, np.asarray(observed)), (self.decision == DROPPED) & ~has


@dataclass
class CleanResult:
    method: str
    result: Any  # the last run's, as train_once returned it (a FitResult from train_noisy)
    observed: np.ndarray  # by idx: the dataset's label
    final_label: np.ndarray  # by idx: the label each training sample ends with
    dropped: np.ndarray  # by idx: True where the sample's last batch left it out
    runs: list[dict] = field(default_factory=list)  # per run: corrections so far (all and differing from observed)
    state: Selfie | None = None  # the prediction history and corrections ("plain" has none)

    def summary(self) -> dict:
        return {"method": self.method, "runs": self.runs, "dropped": int(self.dropped.sum()),
                "relabelled": int((self.final_label != self.observed).sum())}


def run_method(method: str, train_once: Callable[[Callable | None, int], Any], observed: np.ndarray,
               selfie: SelfieConfig | None = None) -> CleanResult:
    """Train by one of METHODS. train_once(batch_hook, run) trains a freshly initialised model once with that
    hook (None for "plain") and returns whatever the caller wants kept; SELFIE calls it once per restart."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    observed = np.asarray(observed)
    if method == "plain":
        return CleanResult(method, train_once(None, 0), observed, observed.copy(), np.zeros(len(observed), bool))
    if selfie is None:
        raise ValueError(f"method {method!r} needs a SelfieConfig (at least its noise_rate)")
    if method == "small_loss":
        selfie = replace(selfie, refurbish=False, restarts=0)
    state = Selfie(len(observed), selfie)
    runs = []
    for run in range(selfie.restarts + 1):
        state.new_run()
        result = train_once(state.hook, run)
        has = state.corrected >= 0
        runs.append({"run": run, "corrected": int(has.sum()),
                     "changed": int((has & (state.corrected != observed)).sum())})
    final, dropped = state.outcome(observed)
    return CleanResult(method, result, observed, final, dropped, runs, state)


def cleaning_select_from(method: str, selfie: SelfieConfig | None, select_from: int = 1) -> int:
    """The first epoch a run of `method` may keep as its best (TrainConfig.select_from): past the warm-up for
    the cleaning methods, whose model should have trained on cleaned labels; unchanged for plain training."""
    if method == "plain" or selfie is None:
        return select_from
    return max(select_from, selfie.warmup + 1)


def dataset_labels(ds) -> np.ndarray:
    """The observed label of every training sample by idx (ArrayDataset, or any map-style dataset)."""
    labels = np.empty(len(ds), dtype=np.int64)
    if hasattr(ds, "tensors"):
        labels[ds.tensors["idx"].numpy()] = ds.tensors["label"].numpy()
        return labels
    for i in range(len(ds)):
        item = ds[i]
        labels[int(item["idx"])] = int(item["label"])
    return labels


def train_noisy(method: str, make_model: Callable[[], torch.nn.Module], train_ds, val_ds, cfg: TrainConfig,
                selfie: SelfieConfig | None = None, **fit_kwargs) -> CleanResult:
    """run_method with fit: each run trains make_model() for cfg.epochs epochs (warm-up included).

    fit_kwargs pass through to fit (sample_weight, logit_offset, ...); the batch hook is this module's. Early
    stopping applies to every run: keep cfg.patience long enough to see past the warm-up."""
    if method != "plain" and selfie is not None and cfg.epochs <= selfie.warmup:
        raise ValueError(f"cfg.epochs ({cfg.epochs}) must exceed the warm-up ({selfie.warmup}): nothing to clean")

    cfg = replace(cfg, select_from=cleaning_select_from(method, selfie, cfg.select_from))

    def train_once(hook, run):
        return fit(make_model(), train_ds, val_ds, cfg, batch_hook=hook, **fit_kwargs)

    return run_method(method, train_once, dataset_labels(train_ds), selfie)
