"""Category matching probability (CMP): which categories a search query means, with what probability.

The deck's motivation: "갤럭시" is a phone, a tablet, a watch and a case. P(category | query) is estimated
from the catalog's products whose titles contain the query: each matching product votes with the model's
probabilities over the categories (so a product the model hesitates over spreads its vote, and a seller's
wrong label does not count in full), and `alpha` pseudo-products drawn from the whole catalog's category
distribution smooth the estimate, so a query that matches three products is not read as a certainty.
Matching ignores case and spaces ("갤럭시 S24" matches "갤럭시S24 자급제"), the way titles are spaced at random.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd


class NoMatch(LookupError):
    """No product title contains the query."""


def normalise(text) -> str:
    return "".join(str(text or "").casefold().split())


def matches(titles, query: str) -> np.ndarray:
    """Per title, whether every whitespace term of the query occurs in it (case and spaces ignored)."""
    terms = [normalise(t) for t in str(query).split() if normalise(t)]
    if not terms:
        raise ValueError("the query is empty")
    flat = [normalise(t) for t in titles]
    return np.array([all(term in title for term in terms) for title in flat], dtype=bool)


def one_hot(labels, leaves: list[str]) -> np.ndarray:
    """(rows, leaves) indicator of each row's label; a label outside `leaves` gives a zero row."""
    index = {leaf: i for i, leaf in enumerate(leaves)}
    out = np.zeros((len(labels), len(leaves)))
    for row, label in enumerate(labels):
        if str(label) in index:
            out[row, index[str(label)]] = 1.0
    return out


def category_matching_probability(product_probs: np.ndarray, matched: np.ndarray, prior: np.ndarray,
                                  alpha: float = 1.0) -> np.ndarray:
    """P(category | query): the matching products' category probabilities summed, plus `alpha` times the
    prior, normalised. Sums to 1; raises NoMatch when no product matches."""
    matched = np.asarray(matched, dtype=bool)
    if not matched.any():
        raise NoMatch("no product matches the query")
    prior = np.asarray(prior, dtype=np.float64)
    votes = np.asarray(product_probs, dtype=np.float64)[matched].sum(axis=0) + alpha * prior / prior.sum()
    return votes / votes.sum()


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Half the L1 distance of two distributions: 0 when equal, 1 when they share no category."""
    return float(0.5 * np.abs(np.asarray(p) - np.asarray(q)).sum())


def top(p: np.ndarray, names: list[str], k: int = 5) -> list[tuple[str, float]]:
    order = np.argsort(-p, kind="stable")[:k]
    return [(names[i], float(p[i])) for i in order]


def model_probabilities(predictor, products: pd.DataFrame, batch_size: int = 256) -> np.ndarray:
    """(rows, predictor.labels) probabilities of a saved text or fused model (images not read)."""
    malls = products["mall_category"].fillna("").astype(str).tolist() if "mall_category" in products else None
    titles = products["title"].fillna("").astype(str).tolist()
    out = []
    for start in range(0, len(titles), batch_size):
        part = range(start, min(start + batch_size, len(titles)))
        items = [predictor.preprocess(titles[i], malls[i] if malls else "") for i in part]
        out.append(np.asarray(predictor.forward(predictor.collate(items))))
    return np.concatenate(out) if out else np.zeros((0, len(predictor.labels)))


def cli_cmp(argv: list[str]) -> int:
    """`shopcat cmp QUERY [--data sim|FILE] [--model PATH|none] [-k 5] [--level N] [--alpha 1]`."""
    import argparse

    from shopcat import config
    from shopcat.data.sources import load_catalog
    from shopcat.models.hierarchy import level_probs_from_leaves

    parser = argparse.ArgumentParser(prog="shopcat cmp", description="category matching probability of a query")
    parser.add_argument("query", nargs="?", default="")
    parser.add_argument("--data", default="sim", help="'sim' (the simulated catalog) or a catalog file")
    parser.add_argument("--products", type=int, default=20000, help="simulated catalog size (--data sim)")
    parser.add_argument("--model", default=str(config.MODELS_DIR / "text" / "latest"),
                        help="a saved model whose probabilities weigh the votes, or 'none' for the catalog's labels")
    parser.add_argument("-k", type=int, default=5)
    parser.add_argument("--level", type=int, default=None, help="sum the leaves up to this tree level")
    parser.add_argument("--alpha", type=float, default=1.0, help="pseudo-products of the catalog-wide prior")
    args = parser.parse_args(argv)
    if not args.query.strip():
        print('shopcat cmp: give a search query, for example: shopcat cmp "갤럭시"', file=sys.stderr)
        return 2
    df, info = load_catalog(args.data, n_products=args.products)
    matched = matches(df["title"], args.query)
    if not matched.any():
        print(f'shopcat cmp: no product title in {info["name"]} contains "{args.query}", so there is no '
              "category matching probability to give.", file=sys.stderr)
        return 1
    from shopcat.models.saved import has_model, load_model

    if args.model != "none" and has_model(args.model):
        predictor = load_model(args.model)
        leaves, source = list(predictor.labels), f"model {args.model}"
        probs = np.zeros((len(df), len(leaves)))
        probs[matched] = model_probabilities(predictor, df[matched])
    else:
        leaves, source = sorted(df["category"].astype(str).unique()), "the catalog's own categories"
        probs = one_hot(df["category"], leaves)
    prior = one_hot(df["category"], leaves).sum(axis=0) + 1e-9
    p = category_matching_probability(probs, matched, prior, alpha=args.alpha)
    names = leaves
    if args.level:
        names, rolled = level_probs_from_leaves(p[None, :], leaves, args.level)
        p = rolled[0]
    print(f'CMP of "{args.query}": {int(matched.sum())} matching products of {info["name"]}, weighted by {source}')
    for name, prob in top(p, names, args.k):
        print(f"{prob:7.3f}  {name}")
    return 0
