"""Figures a reviewer can read: titled, labelled with units, intervals drawn, legends off the data.

Accuracy bars start at zero (a truncated axis exaggerates differences); every figure that has seeds draws
the 95% interval over them.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(values) -> tuple[float, float]:
    """Mean and the half-width of its 95% t interval (0 for one value)."""
    x = np.asarray(pd.Series(values).dropna(), dtype=float)
    if x.size < 2:
        return (float(x.mean()) if x.size else float("nan")), 0.0
    return float(x.mean()), float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))


def accuracy_bars(results: pd.DataFrame, systems: list[str], *, metrics=("leaf",), title: str,
                  xlabel: str = "accuracy on human-labelled test rows", refs: dict | None = None, by: str = "system"):
    """Horizontal bars per system (mean over seeds, 95% interval as error bars), one colour per metric.

    refs: {label: value} drawn as vertical reference lines (the deck's figures).
    """
    metrics = list(metrics)
    n_seeds = results["seed"].nunique() if "seed" in results else 1
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(systems) * len(metrics) + 1.8))
    height = 0.8 / len(metrics)
    y = np.arange(len(systems))
    for i, metric in enumerate(metrics):
        stats_ = [mean_ci(results.loc[results[by] == s, metric]) for s in systems]
        means, halves = zip(*stats_, strict=True)
        ax.barh(y + (i - (len(metrics) - 1) / 2) * height, means, height=height, xerr=halves, capsize=3,
                label=metric, alpha=0.85)
    for (label, value), style in zip((refs or {}).items(), ("--", ":", "-.", (0, (1, 3))), strict=False):
        ax.axvline(value, color="black", ls=style, lw=1, label=label)
    ax.set_yticks(y, systems)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"{xlabel} (mean over {n_seeds} seed{'s' * (n_seeds != 1)}, bars: 95% interval)")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 - 0.02 * len(metrics)), ncol=3, fontsize=8,
              frameon=False)
    fig.tight_layout()
    return fig, ax
