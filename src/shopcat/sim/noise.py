"""Label noise in the observed `category`, and a simulated human annotator.

The platform's old labels are wrong in structured ways, not at random: a sibling leaf (풀오버 for 터틀넥),
a look-alike elsewhere in the tree (the cat toy filed as a fishing rod), the popular category an abusive seller
files everything under, or a drift into the domain's '기타' leaf. `true_category` keeps the truth, so label
cleaning can be audited; `noise_kind` says which mechanism touched a row ('' when clean).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.sim.taxonomy import lookalikes, siblings

NOISE_KINDS = ("sibling", "lookalike", "seller_abuse", "etc_drift")
DEFAULT_MIX = {"sibling": 0.45, "lookalike": 0.20, "seller_abuse": 0.20, "etc_drift": 0.15}


def pick_from_lists(rng: np.random.Generator, lists: list[list[int]], rows_leaf: np.ndarray) -> np.ndarray:
    """For each row, a uniform pick from lists[rows_leaf]; -1 where that list is empty."""
    sizes = np.array([len(x) for x in lists], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.array([j for x in lists for j in x] + [-1], dtype=np.int64)
    size = sizes[rows_leaf]
    k = (rng.random(len(rows_leaf)) * size).astype(np.int64)
    out = flat[offsets[rows_leaf] + np.minimum(k, np.maximum(size - 1, 0))]
    return np.where(size > 0, out, -1)


def etc_leaf_of(leaves: list[str]) -> np.ndarray:
    """Each leaf's '기타' leaf: in the same top-level domain when there is one, else -1."""
    etc_by_domain: dict[str, int] = {}
    for i, leaf in enumerate(leaves):
        if "기타" in leaf.split(">")[-1]:
            etc_by_domain.setdefault(leaf.split(">")[0], i)
    return np.array([-1 if "기타" in x.split(">")[-1] else etc_by_domain.get(x.split(">")[0], -1) for x in leaves])


def assign_noise_kinds(rng: np.random.Generator, leaf: np.ndarray, leaves: list[str], noise_rate: float,
                       mix: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Which rows get which noise kind (exact counts where enough rows are eligible) and the wrong label.

    seller_abuse rows get their wrong label later, from the abusive seller they are given.
    Returns (kind per row as str, observed leaf index per row; -1 for seller_abuse rows).
    """
    n = len(leaf)
    sib = siblings(leaves)
    look = lookalikes(leaves)
    look_lists = [look.get(i, []) for i in range(len(leaves))]
    etc = etc_leaf_of(leaves)
    kind = np.full(n, "", dtype=object)
    observed = leaf.copy()
    free = np.ones(n, dtype=bool)
    eligible = {
        "seller_abuse": np.ones(n, dtype=bool),
        "lookalike": np.array([len(x) > 0 for x in look_lists])[leaf],
        "etc_drift": etc[leaf] >= 0,
        "sibling": np.array([len(x) > 0 for x in sib])[leaf],
    }
    total = sum(mix.values()) or 1.0
    for name in ("seller_abuse", "lookalike", "etc_drift", "sibling"):
        want = int(round(noise_rate * mix.get(name, 0.0) / total * n))
        pool = np.flatnonzero(eligible[name] & free)
        chosen = rng.permutation(pool)[:want]
        kind[chosen] = name
        free[chosen] = False
        if name == "sibling":
            observed[chosen] = pick_from_lists(rng, sib, leaf[chosen])
        elif name == "lookalike":
            observed[chosen] = pick_from_lists(rng, look_lists, leaf[chosen])
        elif name == "etc_drift":
            observed[chosen] = etc[leaf[chosen]]
        else:
            observed[chosen] = -1
    return kind, observed


def simulate_annotator(df: pd.DataFrame, accuracy: float = 0.75, seed: int = 0,
                       sibling_share: float = 0.8) -> pd.Series:
    """Labels a careful but hurried human would give: right with `accuracy`, else mostly a sibling leaf.

    Errors are a sibling of the true leaf (`sibling_share`) or another leaf of the same top-level domain;
    the leaves are those present in df.true_category (or df.category when there is no ground truth).
    """
    rng = np.random.default_rng([seed, 7])
    truth = df["true_category"] if "true_category" in df else df["category"]
    leaves = sorted(set(truth.astype(str)))
    index = {x: i for i, x in enumerate(leaves)}
    leaf = truth.astype(str).map(index).to_numpy()
    sib = siblings(leaves)
    by_top: dict[str, list[int]] = {}
    for i, x in enumerate(leaves):
        by_top.setdefault(x.split(">")[0], []).append(i)
    same_top = [[j for j in by_top[x.split(">")[0]] if j != i] or sib[i] for i, x in enumerate(leaves)]
    wrong = rng.random(len(leaf)) >= accuracy
    use_sib = rng.random(len(leaf)) < sibling_share
    alt = np.where(use_sib, pick_from_lists(rng, sib, leaf), pick_from_lists(rng, same_top, leaf))
    out = np.where(wrong & (alt >= 0), alt, leaf)
    return pd.Series(np.array(leaves, dtype=object)[out], index=df.index, name="annotator_category")
