"""Hierarchy-consistent decoding: the most probable path through the tree, not just the best leaf.

A leaf classifier's argmax can be right about the leaf's family and still lose to a sibling family's
strongest leaf. Per-level classifiers (or the leaf probabilities summed up the tree) say how sure the model is
of each level on its own. The Kakao Arena 2018 winner searched for the path whose level scores sum highest;
here a path is scored as

    log p(leaf) + sum over levels l of weight_l * log p_l(ancestor of the leaf at level l)

and the best-scoring leaf is returned with its whole path. Every answer is a leaf of the tree, so it is
consistent by construction; and when every level's argmax is the leaf argmax's own ancestor, that leaf has
the best score in every term, so decoding changes nothing.

`kakao_score` is the Arena's weighted level accuracy, (1.0 L1 + 1.2 L2 + 1.3 L3 + 1.4 L4) / 4, which rewards
getting the deep levels right more than the shallow ones.
"""

from __future__ import annotations

import numpy as np

from shopcat.train.metrics import SEP, level_accuracy

KAKAO_WEIGHTS = (1.0, 1.2, 1.3, 1.4)


def ancestors(leaves: list[str], level: int) -> tuple[list[str], np.ndarray]:
    """The distinct level-`level` prefixes of the leaf paths (sorted) and, per leaf, the index of its own
    (a leaf shallower than `level` keeps its full path as its prefix)."""
    prefixes = [SEP.join(leaf.split(SEP)[:level]) for leaf in leaves]
    nodes = sorted(set(prefixes))
    index = {node: i for i, node in enumerate(nodes)}
    return nodes, np.array([index[p] for p in prefixes], dtype=np.int64)


def level_probs_from_leaves(leaf_probs: np.ndarray, leaves: list[str], level: int) -> tuple[list[str], np.ndarray]:
    """A level's probabilities as the sum of its leaves' (rows, nodes at that level)."""
    nodes, owner = ancestors(leaves, level)
    out = np.zeros((leaf_probs.shape[0], len(nodes)), dtype=np.float64)
    np.add.at(out.T, owner, leaf_probs.T)
    return nodes, out


def decode_paths(leaf_logp: np.ndarray, leaves: list[str], level_logps: dict[int, tuple[list[str], np.ndarray]],
                 weights: dict[int, float] | None = None) -> np.ndarray:
    """Per row, the index into `leaves` of the best-scoring path.

    leaf_logp: (rows, leaves) log-probabilities. level_logps: level -> (that level's node names, (rows, nodes)
    log-probabilities), e.g. from separate per-level classifiers; a leaf whose ancestor a level's classifier
    does not know gets that level's lowest score. weights: level -> weight (default 1 for every level given).
    """
    score = np.asarray(leaf_logp, dtype=np.float64).copy()
    for level, (nodes, logp) in level_logps.items():
        weight = 1.0 if weights is None else weights.get(level, 0.0)
        if not weight:
            continue
        logp = np.asarray(logp, dtype=np.float64)
        index = {node: i for i, node in enumerate(nodes)}
        prefixes = [SEP.join(leaf.split(SEP)[:level]) for leaf in leaves]
        known = np.array([p in index for p in prefixes])
        columns = np.array([index.get(p, 0) for p in prefixes])
        floor = logp.min(axis=1, keepdims=True)
        score += weight * np.where(known[None, :], logp[:, columns], floor)
    return score.argmax(axis=1)


def kakao_score(y_true, y_pred, weights=KAKAO_WEIGHTS) -> float:
    """Kakao Arena's weighted level accuracy, sum of weight_l * accuracy at level l over L1..L4, divided by 4
    (a perfect answer scores 4.9 / 4 = 1.225). On a tree shallower than four levels the missing levels' terms
    are left out and the others rescaled to the same maximum, so the figure stays comparable."""
    levels = level_accuracy(y_true, y_pred)
    present = [(w, levels[f"L{k}"]) for k, w in enumerate(weights, 1) if not np.isnan(levels.get(f"L{k}", np.nan))]
    if not present:
        return float("nan")
    return float(sum(w * a for w, a in present) / sum(w for w, _ in present) * sum(weights) / 4)
