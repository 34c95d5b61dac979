"""Calibration and abstention: when may the classifier answer, and what does its confidence mean?

The deck's last step is knowing what cannot be classified. An abstain option answers only above a
confidence threshold and hands the rest to a human; the accuracy/coverage curve says what each threshold
buys. A threshold only means something if the confidence is calibrated (of the products answered at 0.9,
about 90% right), and networks trained with cross-entropy are over-confident, so one temperature is fit on
the validation rows (Guo et al. 2017: it changes no prediction, only how sure each one is) and the expected
calibration error is reported before and after, with the reliability table behind the diagram.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the labels under softmax(logits / temperature)."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(labels)), labels]))


def fit_temperature(val_logits: np.ndarray, val_labels: np.ndarray) -> float:
    """The temperature minimising the validation NLL (searched over log T in [-3, 3], i.e. T in 0.05..20)."""
    labels = np.asarray(val_labels)
    result = minimize_scalar(lambda log_t: nll(val_logits, labels, float(np.exp(log_t))), bounds=(-3, 3),
                             method="bounded", options={"xatol": 1e-4})
    return float(np.exp(result.x))


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> pd.DataFrame:
    """Per confidence bin (equal width): mean confidence, accuracy and count (empty bins left out)."""
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == np.asarray(labels)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    rows = [{"bin": b, "confidence": confidence[which == b].mean(), "accuracy": correct[which == b].mean(),
             "count": int((which == b).sum())} for b in range(bins) if (which == b).any()]
    return pd.DataFrame(rows, columns=["bin", "confidence", "accuracy", "count"])


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Count-weighted mean |accuracy - confidence| over the reliability bins."""
    table = reliability(probs, labels, bins)
    return float((table["count"] * (table["accuracy"] - table["confidence"]).abs()).sum() / table["count"].sum())


def coverage_curve(confidence: np.ndarray, correct: np.ndarray) -> pd.DataFrame:
    """Answering only the products at or above each threshold: threshold, coverage (share answered) and
    accuracy of the answered ones, from the most confident product down."""
    order = np.argsort(-np.asarray(confidence), kind="stable")
    conf, hits = np.asarray(confidence)[order], np.asarray(correct, dtype=float)[order]
    answered = np.arange(1, len(conf) + 1)
    curve = pd.DataFrame({"threshold": conf, "coverage": answered / len(conf), "accuracy": np.cumsum(hits) / answered})
    return curve.groupby("threshold", sort=False).last().reset_index()  # ties answer together


def threshold_for(confidence: np.ndarray, correct: np.ndarray, target: float) -> dict | None:
    """The threshold with the highest coverage whose answered products reach `target` accuracy (None when
    even the single most confident product misses it)."""
    curve = coverage_curve(confidence, correct)
    good = curve[curve["accuracy"] >= target]
    if good.empty:
        return None
    best = good.loc[good["coverage"].idxmax()]
    return {"threshold": float(best["threshold"]), "coverage": float(best["coverage"]),
            "accuracy": float(best["accuracy"])}
