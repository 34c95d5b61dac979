"""Abused mall categories: a seller's category that takes any product, and the labels that follow it.

Some sellers file everything under one category of their own (the deck's "abused mall categories"), and
the observed labels follow it: a vacuum cleaner filed under 식품>선물세트>햄선물세트 is labelled 햄선물세트.
Those labels are consistent, so every model learns them (the TF-IDF peer and our text models alike), and
SELFIE keeps them (a consistently predicted sample counts as clean). What gives such a category away is
the title: a name-only model that never saw the row disagrees with the row's label at the top level far
more often under an abused mall category than under any other.

  1. `find_abused_malls`: per mall category with at least `min_rows` training rows, the share of rows whose
     label's top level differs from a cross-validated, name-only TF-IDF prediction; a category is listed
     when that share's Wilson lower bound clears `min_lift` times the share over all other rows, and the
     contradicted rows mostly carry one label (`min_label_share`): the label follows the mall category, not
     the product (a '기타' category whose labels scatter with its products is not abuse);
  2. `abuse_mask`: the training rows to drop: under a listed category AND disagreeing (the rows that agree
     are the category's honest products and stay);
  3. `blank_abused`: a listed category says nothing about a product, so it is blanked before prediction
     and the title decides.

Everything is learnt on the training split; the table keeps the evidence for a reviewer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.text.baselines import tfidf_text
from shopcat.text.keyword_removal import cross_val_mismatch, wilson_lower

COLUMNS = ["mall_category", "rows", "disagree", "disagree_rate", "elsewhere_rate", "lift", "label_share", "label",
           "top_predicted"]


def top_level(paths) -> np.ndarray:
    return np.array([str(p).split(">")[0] for p in paths], dtype=object)


def name_only_predictions(train: pd.DataFrame, folds: int = 3, seed: int = 0) -> np.ndarray:
    """Per training row, the TF-IDF peer's prediction from the title alone, by a model that never saw the row
    (`folds`-fold cross-validated)."""
    _, predicted = cross_val_mismatch(tfidf_text(train, use_mall=False), train["category"].astype(str),
                                      folds=folds, seed=seed)
    return np.asarray(predicted).astype(str)


def find_abused_malls(train: pd.DataFrame, predicted, *, min_rows: int = 20, min_lift: float = 2.0,
                      min_label_share: float = 0.5) -> pd.DataFrame:
    """The mall categories whose training rows' labels a name-only model contradicts far more than elsewhere.

    predicted: per training row, a name-only prediction that never saw the row (`name_only_predictions`).
    Returns one row per listed mall category with its evidence (COLUMNS), the strongest first."""
    malls = train["mall_category"].fillna("").astype(str).to_numpy()
    labels = train["category"].astype(str).to_numpy()
    predicted = np.asarray(predicted).astype(str)
    if len(predicted) != len(labels):
        raise ValueError(f"one prediction per training row: {len(predicted)} for {len(labels)} rows")
    disagree = top_level(predicted) != top_level(labels)
    frame = pd.DataFrame({"mall_category": malls, "disagree": disagree, "predicted": top_level(predicted),
                          "label": labels})
    frame = frame[frame["mall_category"].str.strip() != ""]
    stats = frame.groupby("mall_category").agg(rows=("disagree", "size"), disagree=("disagree", "sum"))
    stats = stats[stats["rows"] >= min_rows].reset_index()
    # against the rate over every other training row: an abused category's own rows must not lift its bar
    total, n = float(disagree.sum()), len(disagree)
    elsewhere = (total - stats["disagree"]) / (n - stats["rows"]).clip(lower=1)
    stats["disagree_rate"] = stats["disagree"] / stats["rows"]
    stats["elsewhere_rate"] = elsewhere
    stats["lift"] = stats["disagree_rate"] / stats["elsewhere_rate"].clip(lower=1e-9)
    low = wilson_lower(stats["disagree"].to_numpy(), stats["rows"].to_numpy()) if len(stats) else np.array([])
    stats = stats[low >= min_lift * stats["elsewhere_rate"].to_numpy()].copy()
    contradicted = frame[frame["disagree"]].groupby("mall_category")
    top_label = contradicted["label"].agg(lambda s: s.value_counts().index[0])
    stats["label"] = stats["mall_category"].map(top_label).fillna("")
    stats["label_share"] = stats["mall_category"].map(
        contradicted["label"].agg(lambda s: s.value_counts().iloc[0] / len(s))).fillna(0.0)
    stats["top_predicted"] = stats["mall_category"].map(contradicted["predicted"].agg(
        lambda s: ", ".join(f"{k} {v}" for k, v in s.value_counts().head(3).items()))).fillna("")
    stats = stats[stats["label_share"] >= min_label_share]
    return stats.sort_values(["disagree_rate", "rows"], ascending=False)[COLUMNS].reset_index(drop=True)


def abuse_mask(train: pd.DataFrame, abused: pd.DataFrame, predicted) -> np.ndarray:
    """True for each training row to drop: its mall category is listed and its label's top level
    disagrees with the name-only prediction `predicted` (one per row, as given to find_abused_malls)."""
    listed = set(abused["mall_category"].astype(str))
    under = train["mall_category"].fillna("").astype(str).isin(listed).to_numpy()
    disagree = top_level(np.asarray(predicted).astype(str)) != top_level(train["category"].astype(str))
    return under & disagree


def blank_abused(df: pd.DataFrame, abused: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose listed mall categories are empty strings (the title alone then decides)."""
    out = df.copy()
    listed = set(abused["mall_category"].astype(str))
    out.loc[out["mall_category"].fillna("").astype(str).isin(listed), "mall_category"] = ""
    return out
