"""Do simulated titles look like real ones? Compare with the real Naver Shopping API rows.

The real sample is one search keyword (텀블러), so the fair comparison restricts the simulated catalog to the
same leaves when it has them; the whole-catalog figures are shown beside it. Measures: title length in
characters and tokens, share of model-code tokens, share of brand tokens, and the Heaps' law exponent of
vocabulary growth (V ~ N^beta). Differences over 20% are flagged: they say where the simulator is not real.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

TAG = re.compile(r"<[^>]+>")
PUNCT = re.compile(r"^[\[\](),./+\-:;'\"!?]+|[\[\](),./:;'\"!?]+$")
UNIT = re.compile(r"^\d+(\.\d+)?(ml|l|g|kg|oz|mm|cm|m|w|gb|tb|mah|p|ea|인치|개|개입|매|장|팩|롤|병|봉|권)?$", re.I)
CODE = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9\-]{3,}$", re.I)


def tokens(title: str) -> list[str]:
    """Whitespace tokens without HTML tags and surrounding punctuation."""
    out = [PUNCT.sub("", t) for t in TAG.sub("", str(title)).split()]
    return [t for t in out if t]


def is_model_code(token: str) -> bool:
    return bool(CODE.match(token)) and not UNIT.match(token)


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
        "brand token share": float(np.mean([t in brands for t in flat])) if flat else float("nan"),
        "titles with a model code": float(np.mean([any(is_model_code(t) for t in ts) for ts in toks])),
        "Heaps exponent beta": heaps_beta(titles, np.random.default_rng(seed)),
    }


def realism_table(sim_df: pd.DataFrame, real_df: pd.DataFrame | None = None, seed: int = 0,
                  tolerance: float = 0.20) -> pd.DataFrame:
    """Real vs simulated title statistics in one table, with the relative difference and a >20% flag.

    `sim (same leaves)` keeps only simulated products whose true leaf is one of the real rows' leaves (same
    number of rows as the real sample, so Heaps' exponents compare at equal size); `sim (all)` is a random
    sample of the whole simulated catalog of the same size.
    """
    real_df = load_real_sample() if real_df is None else real_df
    rng = np.random.default_rng(seed)
    n = len(real_df)
    truth = sim_df["true_category"] if "true_category" in sim_df else sim_df["category"]
    same = sim_df[truth.isin(set(real_df["category"].astype(str)))]
    same = same.iloc[rng.permutation(len(same))[:n]] if len(same) >= 100 else None
    whole = sim_df.iloc[rng.permutation(len(sim_df))[:n]]
    real_s = title_stats(real_df, seed)
    all_s = title_stats(whole, seed)
    same_s = title_stats(same, seed) if same is not None else {k: float("nan") for k in real_s}
    rows = []
    for k, r in real_s.items():
        compared = same_s[k] if same is not None else all_s[k]
        rel = (compared - r) / abs(r) if r else float("nan")
        rows.append({"measure": k, "real": r, "sim (same leaves)": same_s[k], "sim (all)": all_s[k],
                     "rel. diff": rel, "over 20%": bool(abs(rel) > tolerance) if np.isfinite(rel) else True})
    out = pd.DataFrame(rows)
    out.attrs["rows"] = {"real": n, "sim same leaves": 0 if same is None else len(same), "sim all": len(whole)}
    return out
