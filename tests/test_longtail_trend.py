"""What notebooks 08 and 09 run: one model per long-tail option or training window, scored the stated way."""

import numpy as np
import pandas as pd
import pytest

from _text_catalog import LEAVES, tiny_catalog
from shopcat.text import experiments as ex
from shopcat.text import longtail as lt
from shopcat.text import trend as tr
from shopcat.text.tokenizer import Tokenizer

SMALL = dict(embed_dim=8, n_maps=4, fcl_dim=8, title_len=8, mall_len=4, epochs=2, batch_size=32, lr=1e-2,
             num_threads=1, patience=5)


def prepared(df):
    return ex.prepare_corpus(df, Tokenizer(kind="whitespace"))


def test_run_kinds_scores_every_option_and_posthoc_reuses_the_plain_model():
    df, tokens = prepared(tiny_catalog(240, seed=0))
    corpus = ex.split_corpus(df, tokens, seed=0)
    out = lt.run_kinds(corpus, ["logit_adjust_posthoc", "none", "inverse"], seed=0, monitor="val_acc", **SMALL)
    rows = pd.DataFrame(out["rows"])
    assert list(rows["system"]) == ["logit_adjust_posthoc", "none", "inverse"]  # the order asked for
    post, plain = rows.set_index("system").loc["logit_adjust_posthoc"], rows.set_index("system").loc["none"]
    assert post["train_seconds"] == 0 and post["epochs_run"] == plain["epochs_run"]
    assert {"accuracy", "macro_f1", "head", "torso", "tail", "val_accuracy", "val_macro_f1"} <= set(rows.columns)
    per_leaf = out["per_leaf"]
    assert (per_leaf.groupby("system")["rows"].sum() == len(corpus.test)).all()
    counts = corpus.train["category"].value_counts()
    assert (per_leaf["train_count"] == per_leaf["leaf"].map(counts).fillna(0)).all()
    with pytest.raises(ValueError, match="unknown"):
        lt.run_kinds(corpus, ["focal"], **SMALL)


def test_choice_on_validation_ignores_none_and_averages_seeds():
    results = pd.DataFrame({"seed": [0, 1] * 3, "system": ["none"] * 2 + ["a"] * 2 + ["b"] * 2,
                            "val_macro_f1": [0.9, 0.9, 0.5, 0.1, 0.3, 0.4]})
    assert lt.choose_on_validation(results) == "b"  # a: 0.30, b: 0.35; none is not a candidate


def test_bands_long_and_band_table():
    results = pd.DataFrame({"seed": [0, 1], "system": ["none", "none"], "accuracy": [0.5, 0.6],
                            "head": [0.9, 0.8], "torso": [0.5, 0.4], "tail": [0.1, np.nan]})
    long = lt.bands_long(results)
    assert len(long) == 5 and set(long["band"]) == {"head", "torso", "tail"}
    labels = ["a"] * 6 + ["b"] * 3 + ["c"]
    bands = pd.Series({"a": "head", "b": "torso", "c": "tail"})
    table = lt.band_table(bands, labels).set_index("band")
    assert table.loc["head", "rows"] == 6 and table.loc["tail", "largest"] == 1
    assert np.isclose(table["share_of_rows"].sum(), 1)


def test_count_ratios_name_a_tail_leaf_without_training_rows():
    out = lt.count_ratios(["a"] * 1200 + ["b"] * 3 + ["c"], head_leaf="a", tail_leaf="z")
    assert out["max_to_min"] == 1200 and out["pair_counts"] == [1200, 0] and out["pair_ratio"] is None
    assert lt.count_ratios(["a"] * 10 + ["c"], "a", "c")["pair_ratio"] == 10


def dated_catalog(n=360):
    df = tiny_catalog(n, seed=2)
    df["registered_at"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(np.arange(n) * 2, unit="D")
    return df


def test_default_cut_leaves_the_last_months_as_test():
    df = dated_catalog()  # 2023-01-01 .. 2024-12-23
    assert tr.default_cut(df, 6) == pd.Timestamp("2024-07-01")
    train, val, test = tr.split_by_date(df, tr.default_cut(df, 6), test_months=6)
    assert test["registered_at"].min() >= pd.Timestamp("2024-07-01") and len(train) + len(val) + len(test) == len(df)


def test_a_catalog_without_dates_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="needs a 'registered_at' column"):
        tr.require_dates(tiny_catalog(10).drop(columns="registered_at"))
    tr.require_dates(dated_catalog())


def test_trending_means_a_burst_near_the_cut():
    kinds = pd.DataFrame({"leaf": ["a", "b", "c", "d"], "kind": ["trending", "trending", "seasonal", "non-seasonal"],
                          "burst_peak": pd.to_datetime(["2024-05-01", "2022-03-01", None, None])})
    out = tr.kinds_at(kinds, "2024-07-01", months=6, test_months=6)
    assert list(out["kind"]) == ["trending", "burst elsewhere", "seasonal", "non-seasonal"]


def test_run_windows_trains_each_window_on_its_rows_and_scores_by_month_and_kind():
    df, tokens = prepared(dated_catalog())
    cut = tr.default_cut(df, 3)
    (train, val, test), table = tr.date_split(df, cut, val_days=30, test_months=3)
    assert list(table["rows"]) == [len(train), len(val), len(test)]
    kinds = pd.DataFrame({"leaf": list(LEAVES), "kind": ["trending", "seasonal"] + ["non-seasonal"] * 4})
    out = tr.run_windows(df, tokens, train, val, test, cut, months=4, half_life_days=60, kinds=kinds, seed=0,
                         **SMALL)
    overall = pd.DataFrame(out["overall"]).set_index("window")
    assert overall.loc["all", "train_rows"] == overall.loc["recency", "train_rows"] == len(train)
    assert overall.loc["last_months", "train_rows"] < len(train)
    assert set(overall["system"]) == {"all history", "last 4 months", "recency-weighted (half-life 60 d)"}
    assert out["monthly"].groupby("system")["rows"].sum().eq(len(test)).all()
    by_kind = pd.DataFrame(out["by_kind"])
    assert by_kind.groupby("system")["rows"].sum().eq(len(test)).all()
    assert set(by_kind["kind"]) == {"trending", "seasonal", "non-seasonal"}


def test_better_of_two_by_mean_over_seeds():
    results = pd.DataFrame({"seed": [0, 1, 0, 1], "system": ["x", "x", "y", "y"], "trending": [0.2, 0.6, 0.5, 0.4]})
    assert tr.better_of(results, "x", "y", metric="trending") == "y"
    assert tr.better_of(results.assign(trending=0.5), "x", "y", metric="trending") == "x"
