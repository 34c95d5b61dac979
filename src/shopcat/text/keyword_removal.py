"""Per-category keyword removal, the deck's `cat_remove_kwd_list`: drop training rows a keyword marks as misfiled.

Some words mark products that sellers file in the wrong category again and again: a phone case under
phones, a cat toy "낚싯대" under fishing rods, any product under the category an abusive seller uses for
everything. The deck kept, per category, a list of such keywords and removed the matching training rows
before retraining. We mine that list from evidence instead of by hand, and keep it as a reviewable CSV:

  1. mismatch evidence: each training row's label against a prediction that never saw the row (the TF-IDF
     peer, k-fold cross-validated; `cross_val_mismatch`), or any other per-row flag (SELFIE's drops);
  2. for every (category, keyword) pair with at least `min_rows` training rows, the share of those rows
     that mismatch, against the category's own mismatch rate; a pair is listed when that share is at least
     `min_rate` and its Wilson lower bound clears the category's rate by `min_lift` times;
  3. `removal_mask` removes, in each listed category, the training rows whose title holds a listed keyword.

Validation and test rows are never mined or removed: the list is learnt on the training split only. The
evidence columns (rows, mismatched, the category predicted instead) let a reviewer strike a keyword
before the list is used; `load_list` reads the reviewed file back.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from shopcat.text.baselines import make_tfidf_peer

COLUMNS = ["category", "keyword", "rows", "mismatched", "mismatch_rate", "category_rate", "lift",
           "predicted_instead", "predicted_share"]


def cross_val_mismatch(texts: list[str], labels, folds: int = 5, seed: int = 0, C: float = 0.5):
    """(mismatch flag, out-of-fold prediction) per row: the TF-IDF peer trained on the other folds.

    Folds are stratified where every class has `folds` rows; classes rarer than that are spread at random
    (a leaf with one row is predicted by a model that never saw the leaf, which is the honest answer)."""
    labels = np.asarray(labels).astype(str)
    texts = np.asarray(texts, dtype=object)
    rng = np.random.default_rng(seed)
    fold_of = rng.permutation(len(labels)) % folds
    counts = pd.Series(labels).value_counts()
    common = np.isin(labels, counts.index[counts >= folds])
    if common.sum() >= folds:
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        where = np.flatnonzero(common)
        for k, (_, held) in enumerate(skf.split(where, labels[where])):
            fold_of[where[held]] = k
    pred = np.empty(len(labels), dtype=object)
    for k in range(folds):
        held, rest = fold_of == k, fold_of != k
        model = make_tfidf_peer(C=C, seed=seed).fit(texts[rest].tolist(), labels[rest])
        pred[held] = model.predict(texts[held].tolist())
    return pred != labels, pred


def keyword_sets(tokens: list[list[str]], min_chars: int = 2) -> list[set[str]]:
    """The distinct keywords of each title: tokens of at least min_chars characters, not bare numbers."""
    return [{t for t in toks if len(t) >= min_chars and not t.replace(".", "").isdigit()} for toks in tokens]


def wilson_lower(k: np.ndarray, n: np.ndarray, z: float = 1.96) -> np.ndarray:
    """Lower end of the Wilson score interval of k successes in n: a rate that 5 rows alone cannot fake."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def mine_keywords(tokens: list[list[str]], labels, mismatch, predicted=None, *, min_rows: int = 5,
                  min_rate: float = 0.5, min_lift: float = 2.0, max_per_category: int = 20,
                  min_chars: int = 2) -> pd.DataFrame:
    """The (category, keyword) pairs whose training rows mismatch far more often than their category's.

    tokens: per training row, its title tokens; labels: its observed category; mismatch: bool per row (the
    evidence); predicted: per row, what the evidence predicted instead (for the reviewer's column), or None.
    Returns one row per listed pair with the evidence (COLUMNS), the strongest first."""
    labels = np.asarray(labels).astype(str)
    mismatch = np.asarray(mismatch, dtype=bool)
    if not len(tokens) == len(labels) == len(mismatch):
        raise ValueError("tokens, labels and mismatch need one entry per training row")
    keywords = keyword_sets(tokens, min_chars)
    pairs = pd.DataFrame([(labels[i], kw, i) for i, kws in enumerate(keywords) for kw in kws],
                         columns=["category", "keyword", "row"])
    if pairs.empty:
        return pd.DataFrame(columns=COLUMNS)
    pairs["mismatched"] = mismatch[pairs["row"].to_numpy()]
    stats = pairs.groupby(["category", "keyword"]).agg(rows=("row", "size"), mismatched=("mismatched", "sum"))
    stats = stats[stats["rows"] >= min_rows].reset_index()
    base = pd.Series(mismatch).groupby(labels).mean()
    stats["mismatch_rate"] = stats["mismatched"] / stats["rows"]
    stats["category_rate"] = stats["category"].map(base).to_numpy()
    low = wilson_lower(stats["mismatched"].to_numpy(), stats["rows"].to_numpy())
    stats["lift"] = stats["mismatch_rate"] / stats["category_rate"].clip(lower=1e-9)
    keep = (stats["mismatch_rate"] >= min_rate) & (low >= min_lift * stats["category_rate"])
    stats = stats[keep].copy()
    stats["predicted_instead"], stats["predicted_share"] = "", math.nan
    if predicted is not None and len(stats):
        predicted = np.asarray(predicted).astype(str)
        hit = pairs.merge(stats[["category", "keyword"]], on=["category", "keyword"])
        hit = hit[hit["mismatched"]]
        hit["instead"] = predicted[hit["row"].to_numpy()]
        top = (hit.groupby(["category", "keyword"])["instead"]
               .agg(lambda s: (s.value_counts().index[0], s.value_counts().iloc[0] / len(s))))
        lookup = top.to_dict()
        keys = list(zip(stats["category"], stats["keyword"], strict=True))
        stats["predicted_instead"] = [lookup[k][0] for k in keys]
        stats["predicted_share"] = [float(lookup[k][1]) for k in keys]
    stats = stats.sort_values(["mismatch_rate", "rows"], ascending=False)
    stats = stats.groupby("category", sort=False).head(max_per_category)
    return stats[COLUMNS].reset_index(drop=True)


def removal_mask(tokens: list[list[str]], labels, kwd_list: pd.DataFrame, min_chars: int = 1) -> np.ndarray:
    """True for each row whose category is listed with a keyword its title holds (the rows to remove)."""
    listed: dict[str, set[str]] = {}
    for cat, kw in zip(kwd_list["category"].astype(str), kwd_list["keyword"].astype(str), strict=True):
        listed.setdefault(cat, set()).add(kw)
    labels = np.asarray(labels).astype(str)
    return np.array([bool(listed.get(lab, set()) & kws)
                     for lab, kws in zip(labels, keyword_sets(tokens, min_chars), strict=True)], dtype=bool)


def save_list(kwd_list: pd.DataFrame, path) -> Path:
    """Write the list as UTF-8 CSV, one (category, keyword) per line with its evidence."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwd_list.to_csv(path, index=False, encoding="utf-8")
    return path


def load_list(path) -> pd.DataFrame:
    """Read a (reviewed) list back; only `category` and `keyword` are needed, the rest is evidence."""
    table = pd.read_csv(path, dtype={"category": str, "keyword": str})
    missing = {"category", "keyword"} - set(table.columns)
    if missing:
        raise ValueError(f"{path}: a keyword list needs the columns category and keyword; missing {sorted(missing)}")
    return table
