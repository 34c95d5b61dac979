"""Hierarchy-consistent decoding and the Kakao Arena level score (issue 15, item 3)."""

import numpy as np
import pytest

from shopcat.models.hierarchy import decode_paths, kakao_score, level_probs_from_leaves

LEAVES = ["A>a>1", "A>a>2", "A>b>3", "B>c>4", "B>c>5"]


def test_level_probabilities_are_the_sums_of_their_leaves():
    probs = np.array([[0.1, 0.2, 0.3, 0.25, 0.15]])
    nodes, l1 = level_probs_from_leaves(probs, LEAVES, 1)
    assert nodes == ["A", "B"] and l1[0].tolist() == pytest.approx([0.6, 0.4])
    nodes, l2 = level_probs_from_leaves(probs, LEAVES, 2)
    assert nodes == ["A>a", "A>b", "B>c"] and l2[0].tolist() == pytest.approx([0.3, 0.3, 0.4])


def test_decoding_equals_argmax_when_the_levels_agree():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(len(LEAVES)), size=200)
    levels = {k: level_probs_from_leaves(probs, LEAVES, k) for k in (1, 2)}
    agree = np.ones(len(probs), dtype=bool)
    for k, (nodes, p) in levels.items():
        own = [">".join(LEAVES[i].split(">")[:k]) for i in probs.argmax(1)]
        agree &= np.array([nodes[j] == o for j, o in zip(p.argmax(1), own, strict=True)])
    decoded = decode_paths(np.log(probs), LEAVES, {k: (n, np.log(p)) for k, (n, p) in levels.items()})
    assert agree.sum() > 50
    assert (decoded[agree] == probs.argmax(1)[agree]).all()


def test_decoding_follows_a_confident_upper_level_and_never_leaves_the_tree():
    leaf_logp = np.log(np.array([[0.05, 0.05, 0.05, 0.45, 0.40]]))  # leaf argmax 4 (under B)
    level1 = (["A", "B"], np.log(np.array([[0.95, 0.05]])))  # a per-level model sure of A
    decoded = decode_paths(leaf_logp, LEAVES, {1: level1}, weights={1: 2.0})
    assert LEAVES[decoded[0]].startswith("A>")
    rng = np.random.default_rng(1)
    many = decode_paths(np.log(rng.dirichlet(np.ones(5), 100)), LEAVES,
                        {1: (["A", "B", "Z"], np.log(rng.dirichlet(np.ones(3), 100)))})
    assert set(many.tolist()) <= set(range(len(LEAVES)))  # always a leaf of the tree: a consistent path


def test_kakao_score_weights_deeper_levels_more():
    truth = ["A>a>1>x", "A>a>2>y"]
    assert kakao_score(truth, truth) == pytest.approx(4.9 / 4)
    wrong_leaf = ["A>a>1>z", "A>a>2>z"]  # L1-L3 right, L4 wrong
    assert kakao_score(truth, wrong_leaf) == pytest.approx((1.0 + 1.2 + 1.3) / 4)
    shallow = ["A>a>1", "A>b>3"]
    assert kakao_score(shallow, shallow) == pytest.approx(4.9 / 4)  # three levels rescaled to the same maximum
