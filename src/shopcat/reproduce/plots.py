"""Figures a reviewer can read: titled, labelled with units, intervals drawn, legends off the data.

Accuracy bars start at zero (a truncated axis exaggerates differences); every figure that has seeds draws
the 95% interval over them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from shopcat.train.metrics import accuracy_ci


def mean_ci(values) -> tuple[float, float]:
    """Mean and the half-width of its 95% t interval over seeds (0 for one value, NaN for none)."""
    x = pd.Series(values).dropna()
    if x.empty:
        return float("nan"), 0.0
    mean, _, high = accuracy_ci(x)
    return mean, high - mean


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


def accuracy_vs_count(per_leaf: pd.DataFrame, systems: list[str], *, title: str, bins: int = 8):
    """Per-leaf test accuracy against the leaf's training rows (log x), one colour per system: leaves as
    dots, and the row-weighted accuracy within log-spaced count bins as a line. per_leaf: system, leaf,
    train_count, rows, correct (pooled over seeds)."""
    fig, ax = plt.subplots(figsize=(9, 5))
    x_all = per_leaf["train_count"].clip(lower=0.5)
    edges = np.logspace(np.log10(x_all.min()), np.log10(x_all.max() * 1.001), bins + 1)
    for system in systems:
        part = per_leaf[per_leaf["system"] == system]
        x = part["train_count"].clip(lower=0.5)
        dots = ax.scatter(x, part["correct"] / part["rows"], s=10, alpha=0.35)
        which = np.digitize(x, edges[1:-1])
        binned = part.assign(bin=which).groupby("bin")[["correct", "rows"]].sum()
        centres = np.sqrt(edges[:-1] * edges[1:])[binned.index]
        ax.plot(centres, binned["correct"] / binned["rows"], marker="o", color=dots.get_facecolor()[0][:3],
                label=f"{system} (line: accuracy within count bins)")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("training rows of the leaf (log scale; 0 drawn at 0.5)")
    ax.set_ylabel("test accuracy of the leaf (share of its rows)")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig, ax


def metric_by_month(monthly: pd.DataFrame, systems: list[str], *, metric: str = "accuracy", title: str,
                    ylabel: str = "leaf accuracy on the month's test rows"):
    """One line per system over the test months (mean over seeds, shaded 95% interval)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    months = sorted(monthly["month"].unique())
    n_seeds = monthly["seed"].nunique() if "seed" in monthly else 1
    x = np.arange(len(months))
    for system in systems:
        part = monthly[monthly["system"] == system]
        stats_ = [mean_ci(part.loc[part["month"] == m, metric]) for m in months]
        means, halves = (np.array(v) for v in zip(*stats_, strict=True))
        ax.plot(x, means, marker="o", label=system)
        ax.fill_between(x, means - halves, means + halves, alpha=0.2)
    ax.set_xticks(x, months)
    ax.set_ylim(0, 1)
    ax.set_xlabel("test month (registration date after the cut)")
    ax.set_ylabel(f"{ylabel} (mean over {n_seeds} seed{'s' * (n_seeds != 1)})")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    return fig, ax


def optuna_plots(study, *, param: str, value: str = "validation accuracy") -> list:
    """Optuna's own matplotlib figures of a study, titled and labelled for a reader: the optimisation history,
    the parameters' importances (PED-ANOVA, deterministic) and the slice of `param` (log axis, plain ticks)."""
    import warnings

    import optuna
    import optuna.visualization.matplotlib as ov
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    n = len(study.get_trials(deepcopy=False))
    with warnings.catch_warnings():  # the matplotlib module is marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        history = ov.plot_optimization_history(study, target_name=value)
        importances = ov.plot_param_importances(study, evaluator=optuna.importance.PedAnovaImportanceEvaluator(),
                                                target_name=value)
        slice_ = ov.plot_slice(study, params=[param], target_name=value)
    titles = ((history, f"Optimisation history: {value} per trial and best so far ({n} trials)"),
              (importances, f"How much each parameter matters for a top {value} (PED-ANOVA)"),
              (slice_, f"{value.capitalize()} against {param}, one dot per completed trial"))
    for ax, title in titles:
        ax.set_title("", loc="left")
        ax.set_title(title)
    if slice_.get_xscale() == "log":
        low, high = slice_.get_xlim()
        slice_.xaxis.set_major_locator(FixedLocator([2 ** k for k in range(0, 16) if low <= 2 ** k <= high]))
        slice_.xaxis.set_major_formatter(ScalarFormatter())
        slice_.xaxis.set_minor_formatter(NullFormatter())
    for ax in (history, importances, slice_):
        ax.figure.set_size_inches(9, 4.5)
        ax.figure.tight_layout()
    return [history, importances, slice_]
