"""Temperature scaling, calibration error and the abstain threshold (issue 15, item 2)."""

import numpy as np
import pytest

from shopcat.models.calibration import (
    coverage_curve,
    expected_calibration_error,
    fit_temperature,
    softmax,
    threshold_for,
)


def calibrated_task(n=4000, k=5, seed=0):
    """Logits whose softmax is the true label distribution: labels drawn from softmax(logits)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.0, size=(n, k))
    probs = softmax(logits)
    labels = np.array([rng.choice(k, p=p) for p in probs])
    return logits, labels


def test_temperature_scaling_undoes_over_confidence():
    logits, labels = calibrated_task()
    assert fit_temperature(logits, labels) == pytest.approx(1.0, abs=0.1)
    assert fit_temperature(3.0 * logits, labels) == pytest.approx(3.0, rel=0.1)


def test_calibration_error_is_small_when_calibrated_and_large_when_over_confident():
    logits, labels = calibrated_task()
    assert expected_calibration_error(softmax(logits), labels) < 0.03
    over = expected_calibration_error(softmax(3.0 * logits), labels)
    assert over > 0.1
    t = fit_temperature(3.0 * logits, labels)
    assert expected_calibration_error(softmax(3.0 * logits, t), labels) < 0.03


def test_threshold_reaches_the_target_at_the_highest_coverage():
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    correct = np.array([1, 1, 1, 0, 1, 1, 0, 0], dtype=bool)
    curve = coverage_curve(confidence, correct)
    assert curve["coverage"].is_monotonic_increasing and curve["coverage"].iloc[-1] == 1.0
    pick = threshold_for(confidence, correct, target=0.8)
    assert pick == {"threshold": 0.6, "coverage": 0.75, "accuracy": pytest.approx(5 / 6)}
    assert threshold_for(confidence, correct, target=1.0)["coverage"] == pytest.approx(3 / 8)
    assert threshold_for(np.array([0.9]), np.array([False]), target=0.5) is None
