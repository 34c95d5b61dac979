"""The one verdict rule: every label, its boundaries, and the figures it reports."""

import math

import numpy as np
import pandas as pd
import pytest

from shopcat.reproduce import verdicts as V

POINTS = V.Claim("A beats B", a="A", b="B", deck="A 65% vs B 45%")
MARGIN = V.Claim("cap changes nothing", a="A", b="B", margin=0.01)
SPEEDUP = V.Claim("10x faster", a="pipeline", b="naive", unit="ratio", threshold=10.0)
RATE = V.Claim("500 msg/s", a="fused pipeline", unit="value", threshold=500.0)


@pytest.mark.parametrize("claim, evidence, label", [
    # sign and interval
    (POINTS, V.Evidence(0.05, 0.01, 0.09, 3, "paired over 3 seeds"), "reproduced"),
    (POINTS, V.Evidence(-0.05, -0.09, -0.01, 3, "paired over 3 seeds"), "not reproduced"),
    (POINTS, V.Evidence(0.02, -0.01, 0.05, 3, "paired over 3 seeds"), "inconclusive"),
    (POINTS, V.Evidence(-0.02, -0.05, 0.01, 3, "paired over 3 seeds"), "inconclusive"),
    # boundaries: an interval that touches zero does not exclude it
    (POINTS, V.Evidence(0.04, 0.0, 0.08, 3, "paired over 3 seeds"), "inconclusive"),
    (POINTS, V.Evidence(-0.04, -0.08, 0.0, 3, "paired over 3 seeds"), "inconclusive"),
    (POINTS, V.Evidence(0.04, 1e-9, 0.08, 3, "paired over 3 seeds"), "reproduced"),
    # one seed: no interval, never decided
    (POINTS, V.Evidence(0.2, -math.inf, math.inf, 1, "one seed"), "inconclusive"),
    # equivalence margin: inside means no effect, touching the margin does not
    (MARGIN, V.Evidence(0.002, -0.004, 0.008, 3, "paired over 3 seeds"), "not reproduced"),
    (MARGIN, V.Evidence(0.004, -0.002, 0.01, 3, "paired over 3 seeds"), "inconclusive"),
    (MARGIN, V.Evidence(0.05, 0.02, 0.08, 3, "paired over 3 seeds"), "reproduced"),
    # threshold claims: the interval must clear the threshold
    (SPEEDUP, V.Evidence(14.0, 11.0, 17.0, 3, "repeats"), "reproduced"),
    (SPEEDUP, V.Evidence(12.0, 9.0, 15.0, 3, "repeats"), "inconclusive"),
    (SPEEDUP, V.Evidence(10.0, 10.0, 12.0, 3, "repeats"), "inconclusive"),
    (SPEEDUP, V.Evidence(7.5, 6.0, 9.0, 3, "repeats"), "not reproduced"),
    (RATE, V.Evidence(1383.0, 1200.0, 1500.0, 3, "runs"), "reproduced"),
    (RATE, V.Evidence(300.0, 250.0, 350.0, 3, "runs"), "not reproduced"),
])
def test_labels(claim, evidence, label):
    verdict = V.judge(claim, evidence)
    assert verdict["label"] == label
    assert ("settle" in verdict) == (label == "inconclusive")
    assert verdict["text"].endswith(label)


def test_not_applicable_keeps_the_reason():
    verdict = V.not_applicable(POINTS, "the vocabulary (5,174 terms) is smaller than the deck's 20K cap")
    assert verdict["label"] == "not applicable"
    assert "smaller than the deck's 20K cap" in verdict["text"]


def test_labels_have_one_meaning_each():
    assert set(V.LABELS) == {"reproduced", "not reproduced", "inconclusive", "not applicable"}
    with pytest.raises(ValueError, match="must be one of"):
        V.check([{"label": "partly reproduced"}])
    with pytest.raises(ValueError, match="at least one"):
        V.check([])


def test_paired_seeds_t_interval():
    ev = V.paired_seeds([0.80, 0.82, 0.81], [0.70, 0.71, 0.73])
    diff = np.array([0.10, 0.11, 0.08])
    half = 4.302652729911275 * diff.std(ddof=1) / math.sqrt(3)
    assert ev.effect == pytest.approx(diff.mean())
    assert ev.lo == pytest.approx(diff.mean() - half) and ev.hi == pytest.approx(diff.mean() + half)
    assert ev.n == 3 and ev.a_value == pytest.approx(0.81)


def test_pairing_is_by_seed_not_by_order():
    results = pd.DataFrame([
        dict(seed=0, system="A", leaf=0.9), dict(seed=1, system="A", leaf=0.5),
        dict(seed=1, system="B", leaf=0.4), dict(seed=0, system="B", leaf=0.8),
    ])
    ev = V.paired_systems(results, "A", "B")
    assert ev.samples == pytest.approx([0.1, 0.1])  # paired within seed: a constant difference, zero spread
    assert ev.lo == pytest.approx(0.1) and ev.hi == pytest.approx(0.1)
    with pytest.raises(KeyError, match="no system named 'C'"):
        V.paired_systems(results, "A", "C")


def test_paired_bootstrap_is_seeded_and_paired():
    rng = np.random.default_rng(0)
    a = rng.random(2000) < 0.8
    b = a.copy()
    b[:100] = ~b[:100]  # b differs from a on 100 items only
    first, again = V.bootstrap_items(a, b, seed=3), V.bootstrap_items(a, b, seed=3)
    assert (first.lo, first.hi) == (again.lo, again.hi)
    assert first.effect == pytest.approx(a.mean() - b.mean())
    # pairing makes the interval far narrower than two independent samples' (about 2.5 points here)
    assert first.hi - first.lo < 0.03
    with pytest.raises(ValueError, match="same test items"):
        V.bootstrap_items(a, b[:10])


def test_ratio_repeats_geometric_mean():
    ev = V.ratio_repeats([200.0, 400.0], [20.0, 20.0])
    assert ev.effect == pytest.approx(math.sqrt(10 * 20))
    assert ev.lo < ev.effect < ev.hi and ev.samples == pytest.approx([10.0, 20.0])


def test_settle_says_how_many_seeds():
    verdict = V.judge(POINTS, V.paired_seeds([0.81, 0.79, 0.84], [0.80, 0.80, 0.80]))
    assert verdict["label"] == "inconclusive"
    assert "seeds (now 3)" in verdict["settle"]


def test_headline_is_built_from_the_parts():
    parts = [V.judge(POINTS, V.Evidence(0.05, 0.01, 0.09, 3, "paired over 3 seeds", 0.7, 0.65)),
             V.not_applicable(SPEEDUP, "no broker")]
    line = V.headline(parts)
    assert "A 70.0% vs B 65.0%" in line and "+5.0 pt [+1.0 pt, +9.0 pt]" in line
    assert "10x faster: not applicable (no broker)" in line
