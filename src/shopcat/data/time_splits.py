"""Time-aware training: a split at a cut date, training windows over the history before it, scores per
test month, and which leaves are seasonal or trending in a simulated catalog.

A deployed classifier is trained on the past and judged on the future, where seasons have turned and a few
categories are in a burst of new listings. Notebook 09 asks whether forgetting old rows (a window) or
down-weighting them (recency weights) helps on the months after the cut, and for which leaves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.data.splits import eval_labels
from shopcat.train.metrics import macro_f1

WINDOWS = ("all", "last_months", "recency")


def _dates(df: pd.DataFrame, date_col: str) -> pd.Series:
    return pd.to_datetime(df[date_col])


def split_by_date(df: pd.DataFrame, cut, val_days: int = 30, test_months: int | None = None,
                  date_col: str = "registered_at") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, val, test) around the cut date, each keeping df's index and row order.

    test: cut <= date < cut + test_months (None: everything from the cut on). val: the last val_days days
    before the cut, so early stopping watches the newest data a model trained at the cut could have had.
    train: everything before that. No row after the cut is trained or validated on."""
    cut = pd.Timestamp(cut)
    dates = _dates(df, date_col)
    val_start = cut - pd.Timedelta(days=val_days)
    test = dates >= cut
    if test_months is not None:
        test &= dates < cut + pd.DateOffset(months=test_months)
    return df[dates < val_start], df[(dates >= val_start) & (dates < cut)], df[test]


def last_months(df: pd.DataFrame, cut, months: int, date_col: str = "registered_at") -> pd.DataFrame:
    """The rows registered within `months` calendar months before the cut (cut - months <= date < cut)."""
    cut = pd.Timestamp(cut)
    dates = _dates(df, date_col)
    return df[(dates >= cut - pd.DateOffset(months=months)) & (dates < cut)]


def recency_weights(dates, half_life_days: float) -> np.ndarray:
    """Per-row weights 2^(-age / half_life), mean 1: a row one half-life older than another weighs half.

    Age is counted from the newest row; after normalising, any other reference gives the same weights. Pass
    the dates in the training dataset's idx order; to combine with class weights, multiply and divide by the
    mean."""
    if half_life_days <= 0:
        raise ValueError(f"half_life_days must be positive, not {half_life_days}")
    dates = pd.to_datetime(pd.Series(np.asarray(dates)))
    age_days = (dates.max() - dates).dt.total_seconds().to_numpy() / 86400.0
    w = np.exp2(-age_days / half_life_days)
    return (w / w.mean()).astype(np.float32)


def training_window(train: pd.DataFrame, window: str = "all", cut=None, months: int = 6,
                    half_life_days: float = 180.0, date_col: str = "registered_at"
                    ) -> tuple[pd.DataFrame, np.ndarray | None]:
    """(rows to train on, per-row sample weights or None) for one of WINDOWS.

    "all": every row before the cut; "last_months": only the last `months` months before the cut;
    "recency": every row, weighted by recency_weights with the given half-life."""
    if window == "all":
        return train, None
    if window == "last_months":
        if cut is None:
            raise ValueError("window='last_months' needs the cut date")
        return last_months(train, cut, months, date_col), None
    if window == "recency":
        return train, recency_weights(train[date_col], half_life_days)
    raise ValueError(f"window must be one of {WINDOWS}, not {window!r}")


def month_of(dates) -> np.ndarray:
    """'YYYY-MM' of each date: the grouping for scores per test month."""
    return pd.to_datetime(pd.Series(np.asarray(dates))).dt.strftime("%Y-%m").to_numpy()


def monthly_scores(y_true, y_pred, dates) -> pd.DataFrame:
    """Per calendar month of the rows: rows, leaf accuracy and macro-F1 over the leaves present that month
    (a leaf with no rows in a month is not scored there, so months stay comparable)."""
    frame = pd.DataFrame({"true": np.asarray(y_true).astype(str), "pred": np.asarray(y_pred).astype(str),
                          "month": month_of(dates)})
    rows = []
    for month, g in frame.groupby("month", sort=True):
        rows.append({"month": month, "rows": len(g), "accuracy": float((g["true"] == g["pred"]).mean()),
                     "macro_f1": macro_f1(g["true"], g["pred"], labels=sorted(set(g["true"])))})
    return pd.DataFrame(rows, columns=["month", "rows", "accuracy", "macro_f1"])


def leaf_time_kinds(sim_params: dict) -> pd.DataFrame:
    """Per leaf of a simulated catalog: season, burst, burst_peak and kind, the simulator's own truth.

    kind is 'trending' for a leaf with a burst of listings (even if also seasonal: a burst is the shift a
    window can miss), else 'seasonal' when the leaf has a season (winter, summer or holiday, by
    shopcat.sim.time.season_of), else 'non-seasonal'. sim_params is df.attrs['sim_params']."""
    from shopcat.sim import leaf_time_truth  # imported here: the simulator is heavy and optional

    truth = leaf_time_truth(sim_params)
    truth["kind"] = np.where(truth["burst"], "trending", np.where(truth["season"] != "", "seasonal",
                                                                  "non-seasonal"))
    return truth


def rows_kind(df: pd.DataFrame, kinds: pd.DataFrame) -> pd.Series:
    """Each row's leaf kind (by eval_labels), for scoring seasonal / trending / non-seasonal rows apart."""
    return eval_labels(df).map(kinds.set_index("leaf")["kind"])
