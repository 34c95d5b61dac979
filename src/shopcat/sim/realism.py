"""Do simulated titles look like real ones? Compare with the real Naver Shopping API rows.

The real sample is one search keyword (텀블러), so the fair comparison restricts the simulated catalog to the
same leaves when it has them; the whole-catalog figures are shown beside it. Measures: title length in
characters and tokens, share of model-code tokens, of number+unit tokens (500ml, 30개입, 1+1: the tokenizer's
own patterns) and of brand tokens, and the Heaps' law exponent of vocabulary growth (V ~ N^beta). Differences
over 20% are flagged: they say where the simulator is not real.

    shopcat realism --products 60000 --growth 10000,50000,200000   (or python -m shopcat.sim.realism ...)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from shopcat.text import tokenizer as _tok

TAG = re.compile(r"<[^>]+>")
PUNCT = re.compile(r"^[\[\](),./+\-:;'\"!?]+|[\[\](),./:;'\"!?]+$")
UNIT = re.compile(r"^\d+(\.\d+)?(ml|l|g|kg|oz|mm|cm|m|w|gb|tb|mah|p|ea|인치|개|개입|매|장|팩|롤|병|봉|권)?$", re.I)
CODE = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9\-]{3,}$", re.I)
AMOUNT = re.compile(rf"(?:{_tok._PACK})|(?:{_tok._QUANTITY})")  # what the tokenizer keeps as one amount


def tokens(title: str) -> list[str]:
    """Whitespace tokens without HTML tags and surrounding punctuation."""
    out = [PUNCT.sub("", t) for t in TAG.sub("", str(title)).split()]
    return [t for t in out if t]


def is_model_code(token: str) -> bool:
    return bool(CODE.match(token)) and not UNIT.match(token)


def is_amount(token: str) -> bool:
    """A number with its unit or a pack: 500ml, 1.18l, 30개입, 2kg, 1+1 (a bare number is not one)."""
    return bool(AMOUNT.fullmatch(token.lower()))


def load_real_sample() -> pd.DataFrame:
    """The shared Naver API rows (both dates, one row per product): title, brand, maker, category."""
    from shopcat.config import shared_path

    folder = shared_path("naver-shopping-api-sample")
    df = pd.concat([pd.read_csv(f, encoding="utf-8-sig") for f in sorted(folder.glob("*.csv"))], ignore_index=True)
    df = df.drop_duplicates("product_id").reset_index(drop=True)
    cats = df[[c for c in ("category1", "category2", "category3", "category4") if c in df]].fillna("").astype(str)
    df["category"] = cats.apply(lambda r: ">".join(x for x in r if x), axis=1)
    df["title"] = df["title"].astype(str).map(lambda t: TAG.sub("", t))
    return df


def heaps_beta(titles: list[str], rng: np.random.Generator, points: int = 15) -> float:
    """Exponent beta of V = k N^beta: distinct tokens V after N tokens, titles in random order."""
    order = rng.permutation(len(titles))
    seen: set[str] = set()
    n_tok, n_voc = [], []
    total = 0
    checkpoints = set(np.unique(np.geomspace(10, len(titles), points).astype(int)).tolist())
    for k, i in enumerate(order, 1):
        toks = [t.lower() for t in tokens(titles[i])]
        total += len(toks)
        seen.update(toks)
        if k in checkpoints:
            n_tok.append(total)
            n_voc.append(len(seen))
    if len(n_tok) < 3:
        return float("nan")
    return float(np.polyfit(np.log(n_tok), np.log(n_voc), 1)[0])


def title_stats(df: pd.DataFrame, seed: int = 0) -> dict[str, float]:
    """Realism figures of a catalog's titles (brand tokens need a 'brand' column; 'maker' is used too)."""
    titles = df["title"].astype(str).tolist()
    brands: set[str] = set()
    for col in ("brand", "maker"):
        if col in df:
            brands |= {str(b).lower() for b in df[col].dropna() if str(b).strip() and str(b) != "nan"}
    toks = [[t.lower() for t in tokens(x)] for x in titles]
    flat = [t for ts in toks for t in ts]
    return {
        "title length (chars)": float(np.mean([len(x) for x in titles])),
        "title length (tokens)": float(np.mean([len(ts) for ts in toks])),
        "model-code token share": float(np.mean([is_model_code(t) for t in flat])) if flat else float("nan"),
        "number+unit token share": float(np.mean([is_amount(t) for t in flat])) if flat else float("nan"),
        "brand token share": float(np.mean([t in brands for t in flat])) if flat else float("nan"),
        "titles with a model code": float(np.mean([any(is_model_code(t) for t in ts) for ts in toks])),
        "Heaps exponent beta": heaps_beta(titles, np.random.default_rng(seed)),
    }


def realism_table(sim_df: pd.DataFrame, real_df: pd.DataFrame | None = None, seed: int = 0,
                  tolerance: float = 0.20, draws: int = 5) -> pd.DataFrame:
    """Real vs simulated title statistics in one table, with sim/real ratio, relative difference and a >20% flag.

    `sim (same leaves)` is simulated products of the real rows' leaves, in their proportions: the catalog's own
    rows of those leaves when it has as many as the real sample, else `draws` times as many titles written for
    them by the simulator with the catalog's parameters (simulate_titles), so that the simulated side of a
    share is not noisier than the real one; Heaps' exponent always comes from as many titles as the real rows.
    `sim (all)` is a random sample of the whole simulated catalog of the same size. The ratio and the flag
    compare `sim (same leaves)` with the real rows.
    """
    real_df = load_real_sample() if real_df is None else real_df
    rng = np.random.default_rng(seed)
    n = len(real_df)
    truth = sim_df["true_category"] if "true_category" in sim_df else sim_df["category"]
    real_leaves = real_df["category"].astype(str)
    same = sim_df[truth.isin(set(real_leaves))]
    source = "catalog rows"
    if len(same) >= n:
        same = same.iloc[rng.permutation(len(same))[:n]]
    else:
        from shopcat.sim import DEFAULTS, simulate_titles

        params = sim_df.attrs.get("sim_params", {})
        taxonomy = params.get("taxonomy")
        same = simulate_titles(real_leaves.tolist() * draws, seed=seed,
                               taxonomy=None if taxonomy in (None, "builtin") else taxonomy,
                               **{k: v for k, v in params.items() if k in DEFAULTS})
        source = "simulate_titles"
        if len(same) < 100:
            same = None
    whole = sim_df.iloc[rng.permutation(len(sim_df))[:n]]
    real_s = title_stats(real_df, seed)
    all_s = title_stats(whole, seed)
    same_s = title_stats(same, seed) if same is not None else {k: float("nan") for k in real_s}
    if same is not None and len(same) > n:
        same_s["Heaps exponent beta"] = heaps_beta(same["title"].astype(str).tolist()[:n], np.random.default_rng(seed))
    rows = []
    for k, r in real_s.items():
        compared = same_s[k] if same is not None else all_s[k]
        rel = (compared - r) / abs(r) if r else float("nan")
        rows.append({"measure": k, "real": r, "sim (same leaves)": same_s[k], "sim (all)": all_s[k],
                     "ratio": compared / r if r else float("nan"), "rel. diff": rel,
                     "over 20%": bool(abs(rel) > tolerance) if np.isfinite(rel) else True})
    out = pd.DataFrame(rows)
    out.attrs["rows"] = {"real": n, "sim same leaves": 0 if same is None else len(same), "sim all": len(whole),
                         "same leaves from": source}
    return out


def vocabulary_growth(titles: list[str], sizes: list[int], seed: int = 0) -> pd.DataFrame:
    """Distinct lowercased whitespace tokens among the first N titles (random order) for each N in sizes,
    with the Heaps exponent beta fitted on (tokens, distinct) up to each N; V ~ k * tokens^beta."""
    order = np.random.default_rng(seed).permutation(len(titles))
    sizes = sorted(s for s in sizes if s <= len(titles))
    seen: set[str] = set()
    rows, total, k = [], 0, 0
    for size in sizes:
        for i in order[k:size]:
            toks = [t.lower() for t in tokens(titles[i])]
            total += len(toks)
            seen.update(toks)
        k = size
        rows.append({"titles": size, "tokens": total, "distinct": len(seen)})
    out = pd.DataFrame(rows)
    if len(out) >= 2:
        out["beta (from previous)"] = np.r_[np.nan, np.diff(np.log(out["distinct"])) / np.diff(np.log(out["tokens"]))]
    return out


def _cosine(a: dict, b: dict) -> float:
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    norm = np.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return float(dot / norm) if norm else float("nan")


def sibling_context_similarity(df: pd.DataFrame, min_tokens: int = 1500, seed: int = 0) -> dict[str, float]:
    """How alike the contexts of sibling leaves are: cosine between the count vectors of the words other than
    leaf nouns in two leaves' titles, averaged over sibling pairs and over same-domain non-sibling pairs, beside
    the cosine between two random halves of one leaf's own titles (what identical contexts would score).
    Leaves with fewer than min_tokens such words are left out."""
    from collections import Counter

    from shopcat.sim.taxonomy import leaf_nouns, siblings

    truth = (df["true_category"] if "true_category" in df else df["category"]).astype(str)
    leaves = sorted(set(truth))
    nouns = {w.lower() for leaf in leaves for w in leaf_nouns(leaf)}
    half = np.random.default_rng(seed).random(len(df)) < 0.5
    counts: dict[tuple[str, bool], Counter] = {}
    for leaf, title, h in zip(truth.tolist(), df["title"].astype(str).tolist(), half.tolist(), strict=True):
        counts.setdefault((leaf, h), Counter()).update(t for t in map(str.lower, tokens(title)) if t not in nouns)
    whole = {x: counts.get((x, True), Counter()) + counts.get((x, False), Counter()) for x in leaves}
    big = [x for x in leaves if sum(whole[x].values()) >= min_tokens]
    sib = siblings(leaves)
    index = {x: i for i, x in enumerate(leaves)}
    pairs = [(a, b) for i, a in enumerate(big) for b in big[i + 1:]]
    is_sib = [index[b] in sib[index[a]] for a, b in pairs]
    same_dom = [a.split(">")[0] == b.split(">")[0] for a, b in pairs]
    sims = [_cosine(whole[a], whole[b]) for a, b in pairs]
    return {
        "sibling pairs": float(np.mean([c for c, s in zip(sims, is_sib, strict=True) if s])) if any(is_sib) else float("nan"),
        "same-domain non-sibling pairs": float(np.mean([c for c, s, d in zip(sims, is_sib, same_dom, strict=True)
                                                        if d and not s])) if any(same_dom) else float("nan"),
        "within leaf (two halves)": float(np.mean([_cosine(counts[(x, True)], counts[(x, False)]) for x in big])),
        "n sibling pairs": int(sum(is_sib)),
        "n leaves": len(big),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the realism table (sim vs real, ratio) and, on request, how the vocabulary grows."""
    import argparse

    from shopcat.sim import simulate_catalog

    parser = argparse.ArgumentParser(prog="shopcat realism", description=main.__doc__)
    parser.add_argument("--products", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--taxonomy", default=None)
    parser.add_argument("--growth", default="", help="comma-separated catalog sizes for the vocabulary growth table")
    args = parser.parse_args(argv)
    pd.set_option("display.width", 200)
    df = simulate_catalog(args.products, seed=args.seed, taxonomy=args.taxonomy)
    table = realism_table(df, seed=args.seed)
    print(f"{args.products:,} simulated products, seed {args.seed}; rows compared: {table.attrs['rows']}")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if args.growth:
        sizes = [int(x) for x in args.growth.split(",")]
        big = simulate_catalog(max(sizes), seed=args.seed, taxonomy=args.taxonomy)
        print(vocabulary_growth(big["title"].tolist(), sizes, seed=args.seed).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
