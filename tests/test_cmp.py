"""Category matching probability for a search query (issue 15, item 4)."""

import numpy as np
import pandas as pd
import pytest

from shopcat.models.cmp import (
    NoMatch,
    category_matching_probability,
    cli_cmp,
    matches,
    one_hot,
    total_variation,
)

LEAVES = ["디지털>휴대폰>스마트폰", "디지털>태블릿>태블릿PC", "생활>주방>텀블러"]
TITLES = ["갤럭시 S24 자급제", "갤럭시탭 S9 WiFi", "스탠리 텀블러 591ml", "갤럭시 S23 울트라", "보온 텀블러 500ml"]
LABELS = [LEAVES[0], LEAVES[1], LEAVES[2], LEAVES[0], LEAVES[2]]


def test_matching_ignores_case_and_spaces_and_needs_every_term():
    assert matches(TITLES, "갤럭시").tolist() == [True, True, False, True, False]
    assert matches(TITLES, "갤럭시 탭").tolist() == [False, True, False, False, False]
    assert matches(["Galaxy Tab S9"], "galaxytab").tolist() == [True]
    with pytest.raises(ValueError):
        matches(TITLES, "   ")


def test_probabilities_sum_to_one_and_a_one_category_query_returns_that_category():
    probs = one_hot(LABELS, LEAVES)
    prior = probs.sum(0)
    p = category_matching_probability(probs, matches(TITLES, "텀블러"), prior, alpha=0.0)
    assert p.sum() == pytest.approx(1.0) and p.tolist() == [0.0, 0.0, 1.0]
    smoothed = category_matching_probability(probs, matches(TITLES, "텀블러"), prior, alpha=1.0)
    assert smoothed.sum() == pytest.approx(1.0) and smoothed.argmax() == 2 and 0 < smoothed[0] < 0.2
    galaxy = category_matching_probability(probs, matches(TITLES, "갤럭시"), prior, alpha=0.0)
    assert galaxy.tolist() == pytest.approx([2 / 3, 1 / 3, 0.0])  # the deck's point: one query, two categories
    with pytest.raises(NoMatch):
        category_matching_probability(probs, matches(TITLES, "냉장고"), prior)


def test_model_probabilities_spread_a_product_vote_and_total_variation_measures_the_gap():
    hesitant = np.array([[0.5, 0.5, 0.0]] + [[0.0, 0.0, 1.0]] * 4)
    p = category_matching_probability(hesitant, np.array([True, False, False, False, False]), np.ones(3), alpha=0)
    assert p.tolist() == pytest.approx([0.5, 0.5, 0.0])
    assert total_variation(p, np.array([1.0, 0.0, 0.0])) == pytest.approx(0.5)
    assert total_variation(p, p) == 0.0


@pytest.fixture
def catalog_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPCAT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("SHOPCAT_CALLER_CWD", str(tmp_path))
    rows = pd.DataFrame({"product_id": [f"p{i}" for i in range(len(TITLES))], "title": TITLES,
                         "mall_category": ["" for _ in TITLES], "category": LABELS})
    rows.to_csv(tmp_path / "catalog.csv", index=False)
    return "catalog.csv"


def test_cli_prints_the_top_categories(catalog_file, capsys):
    assert cli_cmp(["갤럭시", "--data", catalog_file, "--model", "none", "-k", "2", "--alpha", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "3 matching products" in out[0]
    assert out[1].split() == ["0.667", LEAVES[0]] and out[2].split() == ["0.333", LEAVES[1]]


@pytest.mark.parametrize("query, code", [("", 2), ("   ", 2), ("냉장고", 1)])
def test_cli_says_in_one_sentence_when_the_query_is_empty_or_matches_nothing(catalog_file, capsys, query, code):
    assert cli_cmp([query, "--data", catalog_file, "--model", "none"]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    message = captured.err.strip()
    assert message.count("\n") == 0 and message.endswith(('.', '"')) and message.startswith("shopcat cmp:")
