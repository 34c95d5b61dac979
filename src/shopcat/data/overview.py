"""Describe any catalog in the shopcat schema: the figures notebook 00 shows before any model is trained.

Everything here works on a plain DataFrame, so a user's own catalog, the real API sample and the
simulator are described by the same code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEP = ">"


def split_levels(paths: pd.Series, max_depth: int = 4) -> pd.DataFrame:
    """Leaf paths 'a>b>c>d' as columns L1..L4 (None where a path is shallower)."""
    parts = paths.fillna("").str.split(SEP, n=max_depth - 1, expand=True)
    parts = parts.reindex(columns=range(max_depth))
    parts.columns = [f"L{i + 1}" for i in range(max_depth)]
    return parts.replace("", None)


def categories_per_level(df: pd.DataFrame, column: str = "category") -> pd.DataFrame:
    """How many distinct categories each level of the tree has in this catalog."""
    levels = split_levels(df[column])
    rows = []
    for depth in range(1, 5):
        prefixes = levels.iloc[:, :depth].dropna().astype(str).agg(SEP.join, axis=1)
        rows.append({"level": f"L{depth}", "categories": prefixes.nunique(), "products": len(prefixes)})
    leaf_depth = df[column].str.count(SEP) + 1
    rows.append({"level": "leaf", "categories": df[column].nunique(), "products": len(df)})
    table = pd.DataFrame(rows)
    table.attrs["leaf_depths"] = leaf_depth.value_counts().sort_index().to_dict()
    return table


def imbalance_curve(df: pd.DataFrame, column: str = "category") -> pd.Series:
    """Products per leaf, largest first: the rank-frequency curve of the catalog."""
    return df[column].value_counts().reset_index(drop=True).rename("products")


def imbalance_ratio(df: pd.DataFrame, column: str = "category") -> float:
    """Products in the largest leaf over products in the smallest (the deck's dresses : DVDs)."""
    counts = df[column].value_counts()
    return float(counts.iloc[0] / counts.iloc[-1])


def title_stats(df: pd.DataFrame) -> pd.DataFrame:
    """Title length in characters and in whitespace tokens."""
    titles = df["title"].fillna("")
    stats = pd.DataFrame({"characters": titles.str.len(), "tokens": titles.str.split().str.len()})
    return stats.describe(percentiles=[0.05, 0.5, 0.95]).T


def mall_agreement(df: pd.DataFrame) -> dict:
    """How often the seller's own category says what the platform's says.

    Exact path, same leaf name, same top level, and how many rows carry no mall category at all:
    the gap between these is why the mall category alone cannot classify (the deck's 62.3%).
    """
    has_mall = df["mall_category"].fillna("").str.strip() != ""
    rows = df[has_mall]
    if rows.empty:
        return {"with_mall_category": 0.0, "same_path": None, "same_leaf_name": None, "same_top_level": None}
    mall, platform = rows["mall_category"].str.strip(), rows["category"]
    return {
        "with_mall_category": float(has_mall.mean()),
        "same_path": float((mall == platform).mean()),
        "same_leaf_name": float((mall.str.split(SEP).str[-1] == platform.str.split(SEP).str[-1]).mean()),
        "same_top_level": float((mall.str.split(SEP).str[0] == platform.str.split(SEP).str[0]).mean()),
    }


def mall_path_differs(df: pd.DataFrame) -> pd.Series:
    """Per product that has a mall category: True when it is not the platform's path (the deck's gap)."""
    has_mall = df["mall_category"].fillna("").str.strip() != ""
    rows = df[has_mall]
    return rows["mall_category"].str.strip() != rows["category"]


def products_per_month(df: pd.DataFrame) -> pd.Series:
    dates = pd.to_datetime(df["registered_at"])
    return dates.dt.to_period("M").value_counts().sort_index().rename("products")


def catalog_summary(df: pd.DataFrame) -> dict:
    """One line of headline figures for a catalog."""
    dates = pd.to_datetime(df["registered_at"])
    return {
        "products": int(len(df)),
        "sellers": int(df["seller_id"].nunique()),
        "leaf_categories": int(df["category"].nunique()),
        "with_image": float((df["image"].fillna("") != "").mean()),
        "first_date": str(dates.min().date()) if len(df) else None,
        "last_date": str(dates.max().date()) if len(df) else None,
        "imbalance_ratio": imbalance_ratio(df) if len(df) else np.nan,
    }
