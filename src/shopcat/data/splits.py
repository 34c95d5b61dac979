"""Train / validation / test splits of a catalog, and the labels a model is judged against.

Random splits are stratified by the evaluation label so that rare leaves show up in validation and test in
proportion; time splits hold out the newest listings, as a deployed classifier only ever sees the future.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def eval_labels(df: pd.DataFrame) -> pd.Series:
    """The labels to score against: `true_category` when the catalog has it (the simulator's human-labelled
    truth), else the observed `category`."""
    return df["true_category"] if "true_category" in df.columns else df["category"]


def split_catalog(
    df: pd.DataFrame, val_frac: float = 0.1, test_frac: float = 0.1, seed: int = 0, by: str = "random"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(train, val, test), each keeping df's index and row order.

    by="random": stratified by eval_labels. Within each leaf the rows are shuffled and laid on [0, 1) with
    a random offset, so every leaf gives test and val their share rounded up or down, and a leaf too small
    for a share gives it with the matching probability: overall fractions stay right even when most leaves
    are tiny. by="time": the newest rows (by registered_at) are the test set, the next newest validation.
    """
    if val_frac < 0 or test_frac < 0 or val_frac + test_frac >= 1:
        raise ValueError(
            f"val_frac and test_frac must be >= 0 and sum below 1, not {val_frac} and {test_frac}"
        )
    n = len(df)
    part = np.zeros(n, dtype=np.int8)  # 0 train, 1 val, 2 test
    if by == "random":
        rng = np.random.default_rng(seed)
        labels = pd.Series(eval_labels(df).to_numpy()).astype(str)
        shuffled = labels.iloc[rng.permutation(n)]
        rank = shuffled.groupby(shuffled, sort=False).cumcount()
        size = shuffled.groupby(shuffled, sort=False).transform("size")
        codes, uniques = pd.factorize(shuffled)
        offset = rng.random(len(uniques))[codes]
        u = (rank.to_numpy() + offset) / size.to_numpy()
        where = shuffled.index.to_numpy()
        part[where[u < test_frac]] = 2
        part[where[(u >= test_frac) & (u < test_frac + val_frac)]] = 1
    elif by == "time":
        order = np.argsort(pd.to_datetime(df["registered_at"]).to_numpy(), kind="stable")
        n_test, n_val = round(n * test_frac), round(n * val_frac)
        part[order[n - n_test :]] = 2
        part[order[n - n_test - n_val : n - n_test]] = 1
    else:
        raise ValueError(f"by must be 'random' or 'time', not {by!r}")
    return df[part == 0], df[part == 1], df[part == 2]
