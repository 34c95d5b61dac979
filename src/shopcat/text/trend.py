"""What notebook 09 runs: the TextCNN (name + mall) trained on one window of the history before a cut date
(`shopcat.data.time_splits`), scored on the months after it: per test month and per kind of leaf.

The split is fixed by the cut (train / the last val_days before it / test_months after it); seeds vary only
the model's initialisation and batch order. Leaf kinds come from the simulator's own truth
(`leaf_time_kinds`); a leaf whose burst lies far from the cut is not trending for this test, so `kinds_at`
keeps 'trending' for bursts peaking within the training window or the test months and calls the others
'burst elsewhere' (scored, but in neither the trending nor the non-seasonal group).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.data.splits import eval_labels
from shopcat.data.time_splits import WINDOWS, monthly_scores, split_by_date, training_window
from shopcat.text import experiments as ex
from shopcat.train.metrics import macro_f1


def require_dates(df: pd.DataFrame, date_col: str = "registered_at") -> None:
    """Raise, in one sentence, when the catalog has no registration dates to split on."""
    if date_col not in df.columns or pd.to_datetime(df[date_col], errors="coerce").isna().all():
        raise ValueError(f"09 splits the catalog by registration date, so it needs a '{date_col}' column "
                         f"with a date per product; this catalog has {'none' if date_col not in df.columns else 'no valid dates'}.")


def default_cut(df: pd.DataFrame, test_months: int, date_col: str = "registered_at") -> pd.Timestamp:
    """The month start that leaves the last `test_months` calendar months (the newest included) as the test."""
    newest = pd.to_datetime(df[date_col]).max()
    return newest.to_period("M").to_timestamp() + pd.DateOffset(months=1 - test_months)


def window_label(window: str, months: int, half_life_days: float) -> str:
    return {"all": "all history", "last_months": f"last {months} months",
            "recency": f"recency-weighted (half-life {half_life_days:g} d)"}[window]


def kinds_at(kinds: pd.DataFrame, cut, months: int, test_months: int) -> pd.DataFrame:
    """leaf_time_kinds' table with 'trending' kept only for bursts peaking in [cut - months, cut + test_months)."""
    cut = pd.Timestamp(cut)
    out = kinds.copy()
    peak = pd.to_datetime(out["burst_peak"])
    near = (peak >= cut - pd.DateOffset(months=months)) & (peak < cut + pd.DateOffset(months=test_months))
    out.loc[(out["kind"] == "trending") & ~near, "kind"] = "burst elsewhere"
    return out


def date_split(df: pd.DataFrame, cut, val_days: int = 30, test_months: int = 6):
    """(train, val, test) around the cut, and their sizes and date ranges as a table."""
    parts = split_by_date(df, cut, val_days=val_days, test_months=test_months)
    table = pd.DataFrame([{"part": name, "rows": len(p), "first": pd.to_datetime(p["registered_at"]).min(),
                           "last": pd.to_datetime(p["registered_at"]).max()}
                          for name, p in zip(("train", "val", "test"), parts, strict=True)])
    return parts, table


def run_windows(df: pd.DataFrame, tokens: dict, train: pd.DataFrame, val: pd.DataFrame, test: pd.DataFrame,
                cut, *, windows=WINDOWS, months: int = 6, half_life_days: float = 180.0,
                kinds: pd.DataFrame | None = None, seed: int = 0, **cnn_args) -> dict:
    """Train and score one TextCNN per training window (one seed).

    Returns "overall" (one row per window: accuracy, macro-F1, training rows, seconds), "monthly" (per
    window and test month) and "by_kind" (per window and leaf kind; empty without kinds)."""
    truth = eval_labels(test).astype(str).to_numpy()
    test_kind = (eval_labels(test).map(kinds.set_index("leaf")["kind"]).fillna("unknown").to_numpy()
                 if kinds is not None else None)
    overall, monthly, by_kind = [], [], []
    for window in windows:
        rows, weights = training_window(train, window, cut=cut, months=months, half_life_days=half_life_days)
        corpus = ex.corpus_from_frames(df, tokens, rows, val, test, seed=seed)
        fit_kwargs = {"sample_weight": weights} if weights is not None else None
        run = ex.run_textcnn(corpus, seed=seed, fit_kwargs=fit_kwargs, **cnn_args)
        pred = np.asarray(run["pred"])
        system = window_label(window, months, half_life_days)
        overall.append({"seed": seed, "system": system, "window": window, "train_rows": len(rows),
                        "accuracy": float((pred == truth).mean()), "macro_f1": macro_f1(truth, pred),
                        "epochs_run": run["epochs_run"], "best_epoch": run["best_epoch"],
                        "train_seconds": run["train_seconds"]})
        monthly.append(monthly_scores(truth, pred, test["registered_at"]).assign(seed=seed, system=system))
        if test_kind is not None:
            for kind in sorted(set(test_kind)):
                mask = test_kind == kind
                by_kind.append({"seed": seed, "system": system, "kind": kind, "rows": int(mask.sum()),
                                "leaves": len(set(truth[mask])), "accuracy": float((pred[mask] == truth[mask]).mean())})
    return {"overall": overall, "monthly": pd.concat(monthly, ignore_index=True), "by_kind": by_kind}


def better_of(results: pd.DataFrame, a: str, b: str, metric: str = "accuracy") -> str:
    """Of two systems, the one with the higher mean over seeds (a on a tie)."""
    means = results.groupby("system")[metric].mean()
    return a if means[a] >= means[b] else b
