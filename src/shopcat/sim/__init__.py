"""The catalog simulator: a realistic shopping catalog from one seed, with the ground truth kept.

`simulate_catalog(n, seed)` draws each product's true leaf (Zipf popularity with a set head-to-tail ratio),
its registration date (growth, seasons, bursts), its title (titles.py), its seller and the seller's own path
(sellers.py), and the noisy observed label (noise.py). Every mechanism has one parameter in DEFAULTS, and
`data_card` measures its effect on the rows. Same seed, same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from shopcat.sim import noise as _noise
from shopcat.sim import sellers as _sellers
from shopcat.sim import time as _time
from shopcat.sim.card import data_card
from shopcat.sim.noise import simulate_annotator
from shopcat.sim.realism import realism_table
from shopcat.sim.taxonomy import load_leaves, lookalikes, siblings
from shopcat.sim.titles import DOMAINS, build_titles, leaf_tables

DEFAULTS = dict(
    imbalance_ratio=1000.0,  # expected rows of the most popular leaf / the least popular one
    head_leaf="원피스",  # the most popular leaf (dresses), when the tree has one
    tail_leaf="다큐멘터리",  # the least popular (documentary DVDs), when the tree has one
    noise_rate=0.20,  # share of rows whose observed `category` is wrong
    noise_mix=dict(_noise.DEFAULT_MIX),  # how that noise splits by kind
    seasonal_amplitude=0.6,  # A in density ~ 1 + A cos(2 pi t / year) for seasonal leaves
    burst_rate=0.10,  # share of leaves with one trend burst
    burst_height=3.0,  # peak of a burst relative to the leaf's normal rate
    growth=0.5,  # the catalog registers 1 + growth times more per day at the end than at the start
    n_sellers=None,  # default n_products // 150, at least 30
    abuser_share=0.03,  # share of sellers who file everything under a popular leaf
    abuse_targets=5,  # how many of the most popular leaves abusers use
    style_mix=_sellers.DEFAULT_STYLE_MIX,  # sellers' path styles: platform, renamed, coarse, english, etc, none
    ambiguous_rate=0.08,  # titles carrying a word of a sibling or look-alike category
    family_line_rate=0.8,  # phone/tablet/watch/buds (and their accessories) titles naming the shared line
    brand_rate=0.85,
    brand_bracket_rate=0.08,
    leaf_brand_share=0.3,  # brands drawn from the leaf's own specialists instead of the domain's pool
    brand_zipf=1.1,  # Zipf exponent of brand popularity over an unbounded pool (lower: a longer tail)
    line_rate=0.45,
    line_zipf=1.2,  # Zipf exponent of a brand's product lines
    model_code_rate=0.16,
    code_zipf=1.1,  # Zipf exponent of a brand's models
    qualifier_rate=0.3,
    descriptor_count_probs=(0.02, 0.08, 0.2, 0.3, 0.25, 0.15),
    leaf_modifier_rate=0.4,  # descriptors drawn from the leaf's own typical words
    colour_rate=0.25,
    colour_compound_rate=0.3,  # 프로스트화이트, 미드나잇블루
    use_word_rate=0.3,  # descriptors drawn from the shared long tail of occasions and selling words
    compound_rate=0.2,  # descriptors glued to a second one without a space
    season_gender_rate=0.2,
    spacing_rate=0.3,
    typo_rate=0.03,
    second_noun_rate=0.3,
    unit_rate=0.75,  # titles with an amount (500ml, 2kg, 30개입)
    typical_unit_rate=0.8,  # amounts among the leaf's typical ones
    second_unit_rate=0.15,
    option_rate=0.25,
    promo_rate=0.2,
)

COLUMNS = ["product_id", "title", "mall_category", "image", "category", "registered_at", "seller_id",
           "true_category", "brand", "noise_kind", "mall_style"]


def leaf_weights(leaves: list[str], rng: np.random.Generator, ratio: float, head: str, tail: str) -> np.ndarray:
    """Zipf popularity over a random leaf order with exponent set so that weight(head)/weight(tail) = ratio."""
    order = list(rng.permutation(len(leaves)))
    names = [x.split(">")[-1] for x in leaves]
    for name, pos in ((head, 0), (tail, len(order) - 1)):
        if name in names:
            i = names.index(name)
            order.remove(i)
            order.insert(pos if pos == 0 else len(order), i)
    rank = np.empty(len(leaves), dtype=np.int64)
    rank[np.array(order)] = np.arange(len(leaves))
    s = np.log(ratio) / np.log(len(leaves)) if len(leaves) > 1 else 0.0
    w = (rank + 1.0) ** -s
    return w / w.sum()


def _leaf_draws(rng: np.random.Generator, n: int, leaves: list[str], p: dict):
    """The first draws of a catalog: leaf popularity, each row's leaf, and the leaves' day profiles.

    Kept apart so that leaf_time_truth replays exactly these draws instead of a copy of them."""
    weights = leaf_weights(leaves, rng, p["imbalance_ratio"], p["head_leaf"], p["tail_leaf"])
    leaf = np.minimum(np.searchsorted(np.cumsum(weights), rng.random(n), side="right"), len(leaves) - 1)
    profiles = _time.day_profiles(leaves, rng, p["seasonal_amplitude"], p["burst_rate"], p["burst_height"],
                                  p["growth"])
    return weights, leaf, profiles


def leaf_time_truth(sim_params: dict) -> pd.DataFrame:
    """Per leaf of a simulated catalog: popularity, season ('' for none), whether it has a trend burst and
    the burst's peak date (NaT without one).

    sim_params is the catalog's df.attrs['sim_params'] (a parquet copy loses attrs: pass n_products, seed,
    taxonomy and any overrides). The draws are replayed from the seed, not stored, so the catalog's bytes
    stay as they were; evaluation of seasonal and trending leaves needs the truth the rows were drawn from."""
    params = dict(sim_params)
    n, seed, taxonomy = int(params.pop("n_products")), params.pop("seed", 0), params.pop("taxonomy", None)
    p = {**DEFAULTS, **{k: v for k, v in params.items() if k in DEFAULTS}}
    leaves = load_leaves(None if taxonomy in (None, "builtin") else taxonomy)
    weights, _, (_, bursts, seasons, peak_day) = _leaf_draws(np.random.default_rng(seed), n, leaves, p)
    peak = pd.to_datetime(_time.START) + pd.to_timedelta(peak_day, unit="D")
    return pd.DataFrame({"leaf": leaves, "popularity": weights, "season": seasons, "burst": bursts,
                         "burst_peak": peak})


def simulate_catalog(n_products: int, seed: int = 0, taxonomy: str | None = None, **mechanism_params) -> pd.DataFrame:
    """A catalog DataFrame in the shopcat schema with `true_category`, `brand`, `noise_kind`, `mall_style`.

    taxonomy: None/'builtin' for the built-in Korean tree, 'naver' or a JSON path for Naver's real tree.
    mechanism_params override DEFAULTS. The parameters used are in df.attrs['sim_params'].
    """
    unknown = set(mechanism_params) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown simulator parameters: {sorted(unknown)}")
    p = {**DEFAULTS, **mechanism_params}
    n = int(n_products)
    rng = np.random.default_rng(seed)
    leaves = load_leaves(taxonomy)
    leaf_arr = np.array(leaves, dtype=object)

    weights, leaf, (dens, _, _, _) = _leaf_draws(rng, n, leaves, p)
    registered = _time.sample_dates(rng, leaf, dens)
    order = np.lexsort((leaf, registered))  # fixed row order: by time, then leaf
    leaf, registered = leaf[order], registered[order]
    span = np.timedelta64(_time.N_DAYS, "D").astype("timedelta64[ns]").astype(np.float64)
    time_frac = (registered - _time.START.astype("datetime64[ns]")).astype(np.float64) / span

    sib, look = siblings(leaves), lookalikes(leaves)
    tables = leaf_tables(leaves, sib, look)
    t = build_titles(rng, leaf, leaves, tables, np.clip(time_frac, 0, 0.999999), p)

    kind, observed = _noise.assign_noise_kinds(rng, leaf, leaves, p["noise_rate"], p["noise_mix"])
    dom_names = sorted({x.split(">")[0] for x in leaves}, key=lambda d: DOMAINS.index(d) if d in DOMAINS else 99)
    leaf_dom = np.array([dom_names.index(x.split(">")[0]) for x in leaves])
    n_sellers = p["n_sellers"] or max(30, n // 150)
    sellers = _sellers.make_sellers(rng, n_sellers, len(dom_names), p["abuser_share"], p["style_mix"])
    abuse_rows = np.flatnonzero(kind == "seller_abuse")
    seller = _sellers.assign_sellers(rng, sellers, leaf_dom[leaf], abuse_rows)

    # abusers file under one of the most popular leaves (the next one when that is the product's true leaf)
    head = np.argsort(-weights, kind="stable")[: max(2, p["abuse_targets"])]
    target = head[seller[abuse_rows] % len(head)]
    clash = target == leaf[abuse_rows]
    target[clash] = head[(seller[abuse_rows][clash] + 1) % len(head)]
    observed[abuse_rows] = target

    table = _sellers.style_table(leaves)
    style = sellers["style"][seller]
    style[abuse_rows] = 0  # abusers use the platform's path of their target leaf
    mall_leaf = leaf.copy()
    mall_leaf[abuse_rows] = target
    mall_category = table[style, mall_leaf]

    df = pd.DataFrame({
        "product_id": np.array([f"sim{seed}-{i:08d}" for i in range(n)], dtype=object),
        "title": t["title"],
        "mall_category": mall_category,
        "image": np.full(n, "", dtype=object),
        "category": leaf_arr[observed],
        "registered_at": registered,
        "seller_id": sellers["id"][seller],
        "true_category": leaf_arr[leaf],
        "brand": t["brand"],
        "noise_kind": kind,
        "mall_style": np.array(_sellers.STYLES, dtype=object)[style],
    })
    for c in COLUMNS:
        if c != "registered_at":
            df[c] = df[c].astype(str)
    df.attrs["sim_params"] = {"n_products": n, "seed": seed, "taxonomy": taxonomy or "builtin",
                              **{k: (list(v) if isinstance(v, tuple) else v) for k, v in p.items()}}
    return df


def simulate_titles(categories: list[str], seed: int = 0, taxonomy: str | None = None,
                    **mechanism_params) -> pd.DataFrame:
    """Titles the simulator writes for products of the given leaves (one row per entry, registration times
    uniform over the three years): title, brand, true_category. Leaves not in the tree are dropped.

    For comparing like with like: the real sample is 807 tumbler titles, and a catalog holds few of those."""
    p = {**DEFAULTS, **mechanism_params}
    leaves = load_leaves(taxonomy)
    index = {x: i for i, x in enumerate(leaves)}
    leaf = np.array([index[c] for c in categories if c in index], dtype=np.int64)
    rng = np.random.default_rng([seed, 5])
    tables = leaf_tables(leaves, siblings(leaves), lookalikes(leaves))
    t = build_titles(rng, leaf, leaves, tables, rng.random(len(leaf)) * 0.999999, p)
    return pd.DataFrame({"title": t["title"], "brand": t["brand"],
                         "true_category": np.array(leaves, dtype=object)[leaf]})


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    """Parquet with a fixed row order and no run-dependent metadata, so the same seed gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(None)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path


__all__ = ["simulate_catalog", "simulate_titles", "leaf_time_truth", "write_parquet", "data_card", "realism_table", "simulate_annotator", "DEFAULTS"]
