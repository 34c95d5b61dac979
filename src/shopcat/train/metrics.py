"""How well predicted category paths match the true ones: per level, at the leaf, macro-F1, and the
Kakao Arena score the deck's competition used.

Labels are leaf path strings 'a>b>c>d' of any depth. A level is scored only on the rows whose true path
reaches it, so a depth-3 leaf counts at L1..L3 and at the leaf but not at L4. L1..L4 are always reported
(NaN where no true path reaches them: a flat catalog has only L1), deeper levels when some path has them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from sklearn.metrics import f1_score

SEP = ">"
LEVELS = ("L1", "L2", "L3", "L4")
KAKAO_WEIGHTS = {"L1": 1.0, "L2": 1.2, "L3": 1.3, "L4": 1.4}


def level_accuracy(y_true, y_pred) -> dict[str, float]:
    """Accuracy at L1..L4 (and L5.. when true paths go deeper) and at the leaf (exact path). A level no
    true path reaches is NaN."""
    y_true, y_pred = [str(t) for t in y_true], [str(p) for p in y_pred]
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} labels but y_pred has {len(y_pred)}")
    true_parts = [t.split(SEP) for t in y_true]
    pred_parts = [p.split(SEP) for p in y_pred]
    scores = {}
    depth = max([len(LEVELS)] + [len(t) for t in true_parts])
    for k in range(1, depth + 1):
        name = f"L{k}"
        hits = [t[:k] == p[:k] for t, p in zip(true_parts, pred_parts, strict=True) if len(t) >= k]
        scores[name] = float(np.mean(hits)) if hits else math.nan
    scores["leaf"] = (
        float(np.mean([t == p for t, p in zip(y_true, y_pred, strict=True)])) if y_true else math.nan
    )
    return scores


def macro_f1(y_true, y_pred, labels=None) -> float:
    """Macro-F1 over leaves (sklearn): every leaf counts the same, however rare; by default the leaves are
    those in y_true or y_pred, and a leaf never predicted scores 0."""
    return float(
        f1_score(
            [str(t) for t in y_true],
            [str(p) for p in y_pred],
            labels=labels,
            average="macro",
            zero_division=0,
        )
    )


def kakao_score(level_acc: dict[str, float]) -> float:
    """Kakao Arena's weighted score (1.0*L1 + 1.2*L2 + 1.3*L3 + 1.4*L4) / 4, from level_accuracy's dict.

    The competition's tree had four levels; the score is NaN for a catalog that does not reach all four
    (a missing level is not a level predicted wrong), and levels past L4 do not enter it.
    """
    values = [level_acc.get(name, math.nan) for name in LEVELS]
    if any(math.isnan(v) for v in values):
        return math.nan
    return sum(KAKAO_WEIGHTS[name] * v for name, v in zip(LEVELS, values, strict=True)) / 4


def accuracy_ci(per_seed_values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): a t-interval over seeds. With one seed there is no spread to estimate, so
    low = high = mean."""
    values = np.asarray(list(per_seed_values), dtype=float)
    if values.size == 0:
        raise ValueError("accuracy_ci needs at least one value")
    mean = float(values.mean())
    if values.size == 1:
        return mean, mean, mean
    half = stats.t.ppf(0.5 + confidence / 2, df=values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    return mean, float(mean - half), float(mean + half)
