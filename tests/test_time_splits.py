"""Time-aware training: the cut is never crossed, windows keep what they say, and leaf kinds are the
simulator's own."""

import numpy as np
import pandas as pd
import pytest

from shopcat.data.time_splits import (
    WINDOWS,
    last_months,
    leaf_time_kinds,
    month_of,
    monthly_scores,
    recency_weights,
    rows_kind,
    split_by_date,
    training_window,
)
from shopcat.sim import simulate_catalog
from shopcat.sim.time import season_of

CUT = "2024-07-01"


def catalog(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.uniform(0, 3 * 365, n), unit="D")
    return pd.DataFrame({"category": rng.choice(["a>x", "a>y", "b>z"], n), "registered_at": dates})


def test_date_split_never_crosses_the_cut():
    df = catalog()
    train, val, test = split_by_date(df, CUT, val_days=30)
    cut = pd.Timestamp(CUT)
    assert train["registered_at"].max() < cut - pd.Timedelta(days=30)
    assert val["registered_at"].min() >= cut - pd.Timedelta(days=30) and val["registered_at"].max() < cut
    assert test["registered_at"].min() >= cut
    assert len(train) + len(val) + len(test) == len(df)  # test_months=None: everything after the cut
    _, _, three = split_by_date(df, CUT, test_months=3)
    assert three["registered_at"].max() < pd.Timestamp("2024-10-01")
    assert set(month_of(three["registered_at"])) == {"2024-07", "2024-08", "2024-09"}


def test_last_months_keeps_exactly_the_rows_within_n_months_of_the_cut():
    df = catalog()
    train, _, _ = split_by_date(df, CUT, val_days=0)
    kept = last_months(train, CUT, 6)
    start = pd.Timestamp("2024-01-01")
    assert kept["registered_at"].min() >= start
    inside = train[(train["registered_at"] >= start)]
    assert kept.index.equals(inside.index)  # nothing inside the window is dropped
    rows, weights = training_window(train, "last_months", cut=CUT, months=6)
    assert rows.index.equals(kept.index) and weights is None
    with pytest.raises(ValueError, match="needs the cut"):
        training_window(train, "last_months")


def test_recency_weights_halve_per_half_life():
    dates = pd.to_datetime(["2024-06-30 00:00", "2024-05-01 00:00", "2024-03-02 00:00", "2024-06-30 12:00"])
    w = recency_weights(dates, half_life_days=60)
    assert np.isclose(w.mean(), 1)
    assert np.isclose(w[1] / w[0], 0.5 ** (60 / 60))  # 60 days older: half
    assert np.isclose(w[2] / w[0], 0.25)  # 120 days older: a quarter
    assert np.isclose(w[0] / w[3], 0.5 ** (0.5 / 60))
    df = catalog(200)
    rows, weights = training_window(df, "recency", half_life_days=90)
    assert rows is df and len(weights) == len(df)
    assert training_window(df, "all") == (df, None)
    with pytest.raises(ValueError, match="window must be one of"):
        training_window(df, "decay")
    assert set(WINDOWS) == {"all", "last_months", "recency"}


def test_monthly_scores_group_by_calendar_month():
    dates = pd.to_datetime(["2024-07-03", "2024-07-30", "2024-08-01", "2024-08-02", "2024-08-31"])
    s = monthly_scores(["a", "b", "a", "a", "b"], ["a", "a", "a", "b", "b"], dates).set_index("month")
    assert s["rows"].to_dict() == {"2024-07": 2, "2024-08": 3}
    assert np.isclose(s.loc["2024-07", "accuracy"], 0.5) and np.isclose(s.loc["2024-08", "accuracy"], 2 / 3)
    assert np.isclose(s.loc["2024-07", "macro_f1"], (2 / 3 + 0) / 2)  # a: p 1/2 r 1; b: never predicted


@pytest.fixture(scope="module")
def bursty():
    return simulate_catalog(20_000, seed=3, burst_rate=0.5, burst_height=30.0)


def test_leaf_kinds_are_the_simulators_own(bursty):
    kinds = leaf_time_kinds(bursty.attrs["sim_params"])
    assert (kinds["season"] == kinds["leaf"].map(season_of)).all()
    assert ((kinds["kind"] == "seasonal") == ((kinds["season"] != "") & ~kinds["burst"])).all()
    assert ((kinds["kind"] == "trending") == kinds["burst"]).all()
    assert kinds["burst_peak"].isna().eq(~kinds["burst"]).all()
    assert 0.4 < kinds["burst"].mean() < 0.6  # burst_rate 0.5
    # the exposed peaks are where the rows are: a 30x burst puts most of a leaf's rows within 45 days of it
    rows = bursty.merge(kinds, left_on="true_category", right_on="leaf")
    near = (rows["registered_at"] - rows["burst_peak"]).abs() < pd.Timedelta(days=45)
    assert near[rows["burst"]].mean() > 0.5  # 90 of 1096 days: about 0.08 without a burst there
    assert rows_kind(bursty, kinds).notna().all()


def test_leaf_kinds_replay_without_bursts():
    df = simulate_catalog(500, seed=1, burst_rate=0.0)
    kinds = leaf_time_kinds(df.attrs["sim_params"])
    assert not kinds["burst"].any() and set(kinds["kind"]) == {"seasonal", "non-seasonal"}
