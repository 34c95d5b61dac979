"""Splits: stratified random splits keep every leaf's share, time splits hold out the newest rows."""

import numpy as np
import pandas as pd
import pytest

from shopcat.data.splits import eval_labels, split_catalog


def catalog(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    leaves = [f"a>b{i}" for i in range(40)]
    weights = 1.0 / np.arange(1, 41)  # a long tail: the last leaves have a handful of rows
    labels = rng.choice(leaves, size=n, p=weights / weights.sum())
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.permutation(n), unit="h")
    return pd.DataFrame(
        {"product_id": [f"p{i}" for i in range(n)], "category": labels, "registered_at": dates}
    )


def test_random_split_is_a_partition_with_the_asked_sizes():
    df = catalog()
    train, val, test = split_catalog(df, val_frac=0.1, test_frac=0.2, seed=3)
    assert sorted(train.index.tolist() + val.index.tolist() + test.index.tolist()) == df.index.tolist()
    assert abs(len(val) - 200) <= 20 and abs(len(test) - 400) <= 20


def test_random_split_is_stratified():
    df = catalog()
    train, val, test = split_catalog(df, val_frac=0.1, test_frac=0.2, seed=1)
    counts = df["category"].value_counts()
    for leaf, n in counts.items():
        # every leaf gives test its share rounded down or up
        assert np.floor(0.2 * n) <= (test["category"] == leaf).sum() <= np.ceil(0.2 * n)


def test_same_seed_same_split_other_seed_other_split():
    df = catalog()
    a = split_catalog(df, seed=7)[2].index
    assert a.equals(split_catalog(df, seed=7)[2].index)
    assert not a.equals(split_catalog(df, seed=8)[2].index)


def test_time_split_holds_out_the_newest_rows():
    df = catalog()
    train, val, test = split_catalog(df, val_frac=0.1, test_frac=0.1, by="time")
    assert (len(train), len(val), len(test)) == (1600, 200, 200)
    assert train["registered_at"].max() < val["registered_at"].min()
    assert val["registered_at"].max() < test["registered_at"].min()


def test_bad_arguments():
    with pytest.raises(ValueError, match="sum below 1"):
        split_catalog(catalog(10), val_frac=0.5, test_frac=0.5)
    with pytest.raises(ValueError, match="'random' or 'time'"):
        split_catalog(catalog(10), by="seller")


def test_eval_labels_prefers_true_category():
    df = pd.DataFrame({"category": ["a>b"], "true_category": ["a>c"]})
    assert eval_labels(df).tolist() == ["a>c"]
    assert eval_labels(df.drop(columns="true_category")).tolist() == ["a>b"]
