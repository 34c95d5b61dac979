"""SHAP word attributions (issue 15, item 1): a planted word must rank first."""

import numpy as np

from shopcat.models.explain import top_pushes, word_attributions


def planted_model(titles):
    """A toy classifier's probability of its class: 0.9 when the title holds 'PLANT', 0.1 otherwise, plus a
    little from the number of words (so the other words are not all exactly zero)."""
    return np.array([(0.9 if "PLANT" in t.split() else 0.1) + 0.001 * len(t.split()) for t in titles])


def test_the_planted_word_ranks_first_wherever_it_stands():
    for title in ["PLANT 정품 무료배송 블랙 500ml", "정품 무료배송 PLANT 블랙 500ml 1+1 특가", "a b c d e f g h PLANT"]:
        words, values = word_attributions(planted_model, title, seed=0)
        assert words == title.split()
        assert words[int(np.argmax(values))] == "PLANT"
        assert abs(values.sum() - (planted_model([title])[0] - planted_model([""])[0])) < 1e-6  # efficiency


def test_attributions_are_the_same_for_the_same_seed_and_one_word_titles_work():
    a = word_attributions(planted_model, "x y PLANT z", seed=3)[1]
    b = word_attributions(planted_model, "x y PLANT z", seed=3)[1]
    assert np.array_equal(a, b)
    words, values = word_attributions(planted_model, "PLANT")
    assert words == ["PLANT"] and values[0] > 0.79
    assert word_attributions(planted_model, "  ")[0] == []


def test_top_pushes_sums_positive_values_across_products():
    pushes = top_pushes([(["a", "b"], np.array([0.5, -0.2])), (["a", "c"], np.array([0.25, 0.1]))], k=2)
    assert pushes == [("a", 0.75, 2), ("c", 0.1, 1)]
