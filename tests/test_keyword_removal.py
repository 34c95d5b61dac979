"""The keyword miner finds a planted misfiling keyword, removes only its category's rows, and its list round-trips."""

import numpy as np
import pandas as pd
import pytest

from shopcat.text.keyword_removal import (
    cross_val_mismatch,
    keyword_sets,
    load_list,
    mine_keywords,
    removal_mask,
    save_list,
    wilson_lower,
)


def planted(seed=0):
    """Two categories; in '휴대폰' every title with '케이스' is a misfiled case (mismatch), other rows mostly fine.

    Rows of '케이스' under '휴대폰케이스' are correct (no mismatch): the keyword is only suspect in one category."""
    rng = np.random.default_rng(seed)
    tokens, labels, mismatch, predicted = [], [], [], []
    for i in range(200):
        phone_case = i % 5 == 0
        tokens.append(["갤럭시", f"S{i % 7}", "케이스"] if phone_case else ["갤럭시", f"S{i % 7}", "자급제"])
        labels.append("휴대폰")
        mismatch.append(phone_case or rng.random() < 0.05)
        predicted.append("휴대폰케이스" if phone_case else "휴대폰")
    for _ in range(100):
        tokens.append(["투명", "케이스", "젤리"])
        labels.append("휴대폰케이스")
        mismatch.append(rng.random() < 0.05)
        predicted.append("휴대폰케이스")
    return tokens, labels, np.array(mismatch), predicted


def test_miner_finds_the_planted_keyword_in_its_category_only():
    tokens, labels, mismatch, predicted = planted()
    found = mine_keywords(tokens, labels, mismatch, predicted)
    pairs = set(zip(found["category"], found["keyword"], strict=True))
    assert ("휴대폰", "케이스") in pairs
    assert ("휴대폰케이스", "케이스") not in pairs
    assert ("휴대폰", "갤럭시") not in pairs  # in every row of the category: its rate is the category's
    row = found[(found["category"] == "휴대폰") & (found["keyword"] == "케이스")].iloc[0]
    assert row["rows"] == 40 and row["mismatched"] == 40
    assert row["predicted_instead"] == "휴대폰케이스" and row["predicted_share"] == 1.0

    removed = removal_mask(tokens, labels, found)
    labels = np.array(labels)
    has_case = np.array(["케이스" in t for t in tokens])
    assert removed.sum() == 40
    assert np.array_equal(removed, has_case & (labels == "휴대폰"))


def test_too_few_rows_are_not_listed():
    tokens, labels, mismatch, predicted = planted()
    assert mine_keywords(tokens, labels, mismatch, predicted, min_rows=41).query("keyword == '케이스'").empty


def test_no_mismatch_lists_nothing_and_numbers_are_not_keywords():
    tokens = [["사과", "10", "kg"]] * 20
    assert mine_keywords(tokens, ["과일"] * 20, np.zeros(20, bool)).empty
    assert keyword_sets([["사과", "10", "2.5", "a"]]) == [{"사과"}]


def test_wilson_lower_bound_is_below_the_rate_and_tightens_with_rows():
    low_small, low_big = wilson_lower(np.array([3, 300]), np.array([3, 300]))
    assert 0.3 < low_small < 1.0 and low_small < low_big < 1.0


def test_list_round_trips_through_csv(tmp_path):
    tokens, labels, mismatch, predicted = planted()
    found = mine_keywords(tokens, labels, mismatch, predicted)
    back = load_list(save_list(found, tmp_path / "cat_remove_kwd_list.csv"))
    assert list(zip(back["category"], back["keyword"], strict=True)) == list(zip(found["category"], found["keyword"], strict=True))
    np.testing.assert_array_equal(removal_mask(tokens, labels, back), removal_mask(tokens, labels, found))


def test_load_list_names_the_missing_column(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"category": ["a"], "word": ["b"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="keyword"):
        load_list(path)


def test_cross_val_mismatch_flags_a_flipped_label():
    texts = [f"사과 부사 {i}" for i in range(30)] + [f"노트북 그램 {i}" for i in range(30)]
    labels = ["과일"] * 30 + ["노트북"] * 30
    labels[3] = "노트북"  # an apple filed under laptops
    mismatch, pred = cross_val_mismatch(texts, labels, folds=3, seed=0)
    assert mismatch[3] and pred[3] == "과일"
    assert mismatch.sum() <= 2
