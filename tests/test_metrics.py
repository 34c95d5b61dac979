"""Level accuracy, macro-F1, the Kakao score and the seed interval on cases small enough to do by hand."""

import math

import pytest

from shopcat.train.metrics import accuracy_ci, kakao_score, level_accuracy, macro_f1


def test_level_accuracy_scores_each_level_on_rows_that_reach_it():
    y_true = ["a>b>c>d", "a>b>c>e", "a>b>x", "q>w"]
    y_pred = ["a>b>c>d", "a>b>c>d", "a>b>y", "q>w"]
    acc = level_accuracy(y_true, y_pred)
    # L1 and L2: 4/4 right; L3: rows 1-3 reach it, row 3 is wrong -> 2/3;
    # L4: only rows 1 and 2 reach it (the depth-3 leaf a>b>x is not scored there), row 2 wrong -> 1/2
    assert acc == {"L1": 1.0, "L2": 1.0, "L3": pytest.approx(2 / 3), "L4": 0.5, "leaf": 0.5}


def test_a_shallower_prediction_is_wrong_at_the_deeper_level():
    acc = level_accuracy(["a>b>c>d"], ["a>b"])
    assert (acc["L2"], acc["L3"], acc["L4"], acc["leaf"]) == (1.0, 0.0, 0.0, 0.0)


def test_a_level_no_true_path_reaches_is_nan():
    acc = level_accuracy(["a>b", "c>d"], ["a>b", "c>e"])
    assert acc["L1"] == 1.0 and acc["L2"] == 0.5 and math.isnan(acc["L3"]) and math.isnan(acc["L4"])


def test_level_accuracy_checks_lengths():
    with pytest.raises(ValueError, match="2 labels but y_pred has 1"):
        level_accuracy(["a>b", "c>d"], ["a>b"])


def test_kakao_score_formula():
    acc = {"L1": 0.9, "L2": 0.8, "L3": 0.7, "L4": 0.6, "leaf": 0.5}
    assert kakao_score(acc) == pytest.approx((1.0 * 0.9 + 1.2 * 0.8 + 1.3 * 0.7 + 1.4 * 0.6) / 4)
    assert kakao_score({"L1": 1, "L2": 1, "L3": 1, "L4": 1}) == pytest.approx(1.225)


def test_macro_f1_weights_every_leaf_equally():
    y_true = ["a>b", "a>b", "a>b", "c>d"]
    y_pred = ["a>b", "a>b", "a>b", "a>b"]
    # a>b: precision 3/4, recall 1 -> F1 6/7; c>d: never predicted -> 0
    assert macro_f1(y_true, y_pred) == pytest.approx((6 / 7 + 0) / 2)
    assert macro_f1(y_true, y_true) == 1.0


def test_accuracy_ci():
    assert accuracy_ci([0.8]) == (0.8, 0.8, 0.8)
    mean, low, high = accuracy_ci([0.80, 0.82, 0.84])
    # sd = 0.02, n = 3, t(0.975, 2) = 4.3027 -> half width 0.04968
    assert mean == pytest.approx(0.82)
    assert (low, high) == (pytest.approx(0.82 - 0.049686, abs=1e-5), pytest.approx(0.82 + 0.049686, abs=1e-5))
    with pytest.raises(ValueError):
        accuracy_ci([])


def test_a_flat_catalog_is_scored_at_l1_and_the_leaf():
    acc = level_accuracy(["Fashion", "Food", "Food"], ["Fashion", "Food", "Fashion"])
    assert acc["L1"] == pytest.approx(2 / 3) and acc["leaf"] == pytest.approx(2 / 3)
    assert all(math.isnan(acc[k]) for k in ("L2", "L3", "L4"))
    assert math.isnan(kakao_score(acc))


def test_a_five_level_catalog_is_scored_at_l5():
    acc = level_accuracy(["a>b>c>d>e", "a>b>c>d>f", "a>b"], ["a>b>c>d>e", "a>b>c>d>e", "a>b"])
    assert (acc["L4"], acc["L5"], acc["leaf"]) == (1.0, 0.5, pytest.approx(2 / 3))
    assert kakao_score(acc) == pytest.approx((1.0 + 1.2 + 1.3 + 1.4) / 4)
