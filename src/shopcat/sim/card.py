"""The data card: every simulator mechanism, its parameter, and its effect measured on the rows.

A parameter says what was asked; the card says what the catalog actually contains (a 1000:1 ratio with few
rows, or noise kinds that not every leaf can have, come out different). Notebooks print it beside results.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.sim.realism import is_model_code, tokens
from shopcat.sim.taxonomy import leaf_nouns, load_leaves
from shopcat.sim.time import season_of, seasonal_amplitude
from shopcat.sim.titles import FAMILY_OF_NOUN, SHARED_LINE_WORDS


def fitted_imbalance(counts: np.ndarray) -> tuple[float, float]:
    """Zipf fit of leaf counts sorted by size: (exponent s, fitted head/tail ratio L^s)."""
    c = np.sort(counts[counts > 0])[::-1].astype(float)
    r = np.arange(1, len(c) + 1)
    s = -np.polyfit(np.log(r), np.log(c), 1)[0]
    return float(s), float(len(counts) ** s)


def ambiguous_share(titles: pd.Series, truth: pd.Series, leaves: list[str]) -> float:
    """Share of titles with a token that names another leaf (and none of the product's own leaf names)."""
    owner: dict[str, set[str]] = {}
    for leaf in leaves:
        for w in leaf_nouns(leaf):
            owner.setdefault(w, set()).add(leaf)
    hits = 0
    for title, leaf in zip(titles.tolist(), truth.tolist(), strict=True):
        for t in tokens(title):
            t = t[:-1] if t.endswith("용") and t[:-1] in owner else t
            if t in owner and leaf not in owner[t]:
                hits += 1
                break
    return hits / max(len(titles), 1)


def data_card(df: pd.DataFrame, params: dict | None = None, sample: int = 50_000, seed: int = 0) -> pd.DataFrame:
    """One row per mechanism: parameter name and value, measured effect, and how it was measured."""
    params = params or df.attrs.get("sim_params", {})
    rows = []

    def add(mechanism, parameter, value, measured, how):
        rows.append(dict(mechanism=mechanism, parameter=parameter, value=value, measured=measured, how=how))

    truth = df["true_category"].astype(str)
    leaves = load_leaves(None if params.get("taxonomy") in (None, "builtin") else params["taxonomy"])
    counts = truth.value_counts().reindex(leaves, fill_value=0).to_numpy()
    names = [x.split(">")[-1] for x in leaves]
    head, tail = params.get("head_leaf", ""), params.get("tail_leaf", "")
    s, fitted = fitted_imbalance(counts)
    add("taxonomy", "taxonomy", params.get("taxonomy", "builtin"), len(leaves), "leaves in the tree")
    add("taxonomy", "-", "", int((counts > 0).sum()), "leaves with at least one product")
    add("imbalance", "imbalance_ratio", params.get("imbalance_ratio"), fitted,
        f"head/tail ratio of a Zipf fit to sorted leaf counts (exponent {s:.2f})")
    if head in names and tail in names and counts[names.index(tail)] > 0:
        add("imbalance", "head_leaf/tail_leaf", f"{head}/{tail}",
            counts[names.index(head)] / counts[names.index(tail)], "rows of head leaf / rows of tail leaf")

    wrong = df["category"].astype(str) != truth
    add("label noise", "noise_rate", params.get("noise_rate"), float(wrong.mean()), "share of rows with category != truth")
    mix = params.get("noise_mix", {})
    total = sum(mix.values()) or 1.0
    for kind, share in mix.items():
        add("label noise", f"noise_mix[{kind}]", params.get("noise_rate", 0) * share / total,
            float((wrong & (df["noise_kind"] == kind)).mean()), f"share of rows wrong by {kind}")

    seasons = np.array([season_of(x) for x in truth])
    for season in ("winter", "summer"):
        if (seasons == season).sum() > 100:
            add("time", f"seasonal_amplitude ({season})", params.get("seasonal_amplitude"),
                seasonal_amplitude(df["registered_at"].to_numpy(), seasons, season),
                "first-harmonic amplitude of monthly counts relative to non-seasonal leaves")
    dates = df["registered_at"]
    first, last = dates.min(), dates.max()
    half_year = pd.Timedelta(days=182)
    add("time", "growth", params.get("growth"),
        float((dates > last - half_year).sum() / max((dates < first + half_year).sum(), 1)),
        "rows in the last 6 months / rows in the first 6 months")

    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(df))[:sample]
    sub = df.iloc[idx]
    titles = sub["title"].astype(str)
    add("titles", "ambiguous_rate", params.get("ambiguous_rate"),
        ambiguous_share(titles, sub["true_category"].astype(str), leaves),
        "share of titles with a word naming another leaf (all causes, incl. accessories naming their product)")
    shared = titles.str.contains("|".join(SHARED_LINE_WORDS), regex=True)
    family = sub["true_category"].map(lambda x: any(w in FAMILY_OF_NOUN for w in leaf_nouns(x)))
    if family.any():
        add("titles", "family_line_rate", params.get("family_line_rate"), float(shared[family].mean()),
            f"phone/tablet/watch/buds leaves and accessories whose title names a shared line (갤럭시, 아이폰, ...); "
            f"such titles are {shared.mean():.1%} of all, over {sub.loc[shared, 'true_category'].nunique()} leaves")
    add("titles", "brand_rate", params.get("brand_rate"), float((sub["brand"] != "").mean()), "share with a brand")
    code_tokens = titles.map(lambda t: [x for x in tokens(t) if is_model_code(x)])
    add("titles", "model_code_rate", params.get("model_code_rate"), float(code_tokens.map(bool).mean()),
        "share of titles with a model-code token")
    year = sub["registered_at"].dt.year
    early = {c for cs in code_tokens[year == year.min()] for c in cs}
    late = [c for cs in code_tokens[year == year.max()] for c in cs]
    if late:
        add("trends", "generation per year", "", float(np.mean([c not in early for c in late])),
            "share of last-year model codes never seen in the first year")
    add("titles", "-", "", float(titles.str.len().mean()), "mean title length (characters)")

    style = df["mall_style"].value_counts(normalize=True)
    for name, share in style.items():
        add("sellers", f"style_mix[{name}]", "", float(share), "share of rows filed in this path style")
    add("sellers", "n_sellers", params.get("n_sellers"), int(df["seller_id"].nunique()), "distinct sellers")
    per_seller = df.groupby("seller_id")["noise_kind"].agg(lambda k: (k == "seller_abuse").mean())
    add("sellers", "abuser_share", params.get("abuser_share"), float((per_seller > 0.5).mean()),
        "share of sellers whose rows are mostly abuse-filed")
    return pd.DataFrame(rows)
