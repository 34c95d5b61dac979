"""Word2Vec (or fastText) on catalog token lists, and the embedding matrix it gives the TextCNN.

The deck initialises the text model's embeddings with Word2Vec trained on product titles (and the
sellers' category names): words that share contexts ('텀블러', '보온병') start close together, which
helps most for terms the labelled data sees rarely. Training uses one worker thread and a stable hash,
so the same seed gives the same vectors in every process (gensim's default hash is Python's `hash`,
which changes from one interpreter to the next).

On the simulated catalog the default vectors hurt (issue 12), and their geometry says why: with
`window=5` over 7-token titles every word's context is the whole title, so sibling leaves' nouns end up
nearly parallel; words seen once barely move from their tiny random start (short, all pointing the same
common direction); titles and mall paths are separate sentences, so a title never sees its seller's
category words. `W2VConfig` holds the settings that address each of these, `VARIANTS` names the ones
notebook 03 compares, and `geometry` measures what the TextCNN starts from.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


@dataclass(frozen=True)
class W2VConfig:
    """How the starting vectors are trained and post-processed (defaults: what 03 always ran)."""

    model: str = "word2vec"  # or "fasttext": a word's vector averages its own and its character n-grams'
    window: int = 5  # 2: a word's context is its neighbours, not the whole 7-token title
    epochs: int = 5
    joint: bool = False  # one sentence per product (title then mall path) instead of two
    unlabelled: bool = False  # also train on the extra unlabelled products given to run_textcnn
    centre: bool = False  # subtract the mean vector (the direction every word shares)
    remove_top: int = 0  # then remove the projections on the top D principal components
    scale: bool = False  # then every row to the random init's norm, sqrt(dim) (nn.Embedding draws N(0, 1))
    sg: int = 1  # skip-gram: titles are short and rare words matter
    min_n: int = 2  # fastText n-grams in characters; a Korean syllable is about a morpheme,
    max_n: int = 4  # so 2-4 syllables rather than fastText's English 3-6 letters


# The variants notebook 03 screens (as fine-tuned TextCNN starts): each changes one thing the geometry
# points to, the last all of them. Keys are the names the report's tables show.
TUNED = "Word2Vec fine-tuned"
VARIANTS = {
    TUNED: {},
    f"{TUNED}, window 2": {"window": 2},
    f"{TUNED}, title + mall as one sentence": {"joint": True},
    f"{TUNED}, 30 epochs": {"epochs": 30},
    f"{TUNED}, more unlabelled titles": {"unlabelled": True},
    f"{TUNED}, FastText subwords": {"model": "fasttext"},
    f"{TUNED}, centred, top 2 PCs removed": {"centre": True, "remove_top": 2},
    f"{TUNED}, scaled to random-init norm": {"scale": True},
    f"{TUNED}, all of the above": {"window": 2, "joint": True, "epochs": 30, "unlabelled": True,
                                   "model": "fasttext", "centre": True, "remove_top": 2, "scale": True},
}


def product_sentences(titles: Sequence[Sequence[str]], malls: Sequence[Sequence[str]] | None = None,
                      joint: bool = False) -> list[list[str]]:
    """Word2Vec's sentences for a catalog: every title, then every mall path, as separate sentences; or
    (joint) one sentence per product, its title tokens then its mall path's, so a title's words have the
    seller's category words in their context."""
    malls = malls if malls is not None else [[] for _ in titles]
    if joint:
        return [list(t) + list(m) for t, m in zip(titles, malls, strict=True)]
    return [list(t) for t in titles] + [list(m) for m in malls]


def train_word2vec(token_lists: Sequence[Sequence[str]], dim: int = 100, window: int = 5, min_count: int = 1,
                   epochs: int = 5, seed: int = 0, sg: int = 1, model: str = "word2vec", min_n: int = 2,
                   max_n: int = 4):
    """gensim KeyedVectors trained on `token_lists` (skip-gram by default); model="fasttext" trains
    gensim's FastText (character n-grams of min_n..max_n). Deterministic: one worker, seeded, stable hash
    (FastText hashes its n-grams with its own fixed function)."""
    from gensim.models import FastText, Word2Vec

    if model not in ("word2vec", "fasttext"):
        raise ValueError(f"model must be 'word2vec' or 'fasttext', not {model!r}")
    sentences = [list(tokens) for tokens in token_lists if len(tokens)]
    common = dict(sentences=sentences, vector_size=dim, window=window, min_count=min_count, epochs=epochs,
                  seed=seed, workers=1, sg=sg, hashfxn=_stable_hash)
    if model == "fasttext":
        return FastText(min_n=min_n, max_n=max_n, **common).wv
    return Word2Vec(**common).wv


def train_vectors(titles, malls=None, cfg: W2VConfig = W2VConfig(), dim: int = 100, seed: int = 0,
                  extra: dict | None = None):
    """KeyedVectors for `cfg` from the training split's title and mall token lists, plus (cfg.unlabelled)
    the `extra` products' ({"title": [...], "mall": [...]}) as more sentences."""
    sentences = product_sentences(titles, malls, cfg.joint)
    if cfg.unlabelled and extra:
        sentences += product_sentences(extra["title"], extra.get("mall"), cfg.joint)
    return train_word2vec(sentences, dim=dim, window=cfg.window, epochs=cfg.epochs, seed=seed, sg=cfg.sg,
                          model=cfg.model, min_n=cfg.min_n, max_n=cfg.max_n)


def all_but_the_top(vectors: np.ndarray, remove_top: int = 0) -> np.ndarray:
    """Mean-centred rows minus their projections on the top `remove_top` principal components (Mu &
    Viswanath 2018, 'all-but-the-top'): the few directions every word shares carry frequency, not meaning."""
    centred = np.asarray(vectors, dtype=np.float64) - np.mean(vectors, axis=0)
    if remove_top > 0:
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        top = vt[:remove_top]  # (D, dim), orthonormal rows
        centred = centred - centred @ top.T @ top
    return centred.astype(np.float32)


def scale_rows(vectors: np.ndarray, norm: float) -> np.ndarray:
    """Every row rescaled to length `norm` (zero rows stay zero): a word seen once is then as long as a
    frequent one, and the table as long as the random init it replaces."""
    vectors = np.asarray(vectors, dtype=np.float32)
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.where(lengths > 0, vectors * (norm / np.maximum(lengths, 1e-12)), 0.0).astype(np.float32)


def embedding_matrix(vocab, keyed_vectors, dim: int, seed: int = 0, centre: bool = False, remove_top: int = 0,
                     scale: bool = False) -> tuple[np.ndarray, float]:
    """(len(vocab), dim) float32 rows for the vocabulary's ids, and the share of real terms Word2Vec knew.

    The vectors are first post-processed as asked (centre and/or remove_top: `all_but_the_top` over every
    vector Word2Vec learnt; scale: `scale_rows` to sqrt(dim)). Known terms get their vector; the others
    (OOV id included) are drawn from a seeded normal with the processed vectors' own standard deviation,
    so they sit at the same scale; the PAD row is zero.
    """
    from shopcat.text.vocab import PAD, SPECIALS

    if keyed_vectors.vector_size != dim:
        raise ValueError(f"Word2Vec vectors have {keyed_vectors.vector_size} dimensions, not {dim}")
    vectors = np.asarray(keyed_vectors.vectors, dtype=np.float32)
    if len(vectors) and (centre or remove_top):
        vectors = all_but_the_top(vectors, remove_top)
    if len(vectors) and scale:
        vectors = scale_rows(vectors, np.sqrt(dim))
    std = float(np.std(vectors)) if len(vectors) else 0.1
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, std, size=(len(vocab), dim)).astype(np.float32)
    found = 0
    index = keyed_vectors.key_to_index
    for i, token in enumerate(vocab.itos):
        if i >= len(SPECIALS) and token in index:
            matrix[i] = vectors[index[token]]
            found += 1
    matrix[PAD] = 0.0
    return matrix, found / max(len(vocab) - len(SPECIALS), 1)


def word2vec_matrix(vocab, titles, malls=None, cfg: W2VConfig = W2VConfig(), dim: int = 100, seed: int = 0,
                    extra: dict | None = None) -> tuple[np.ndarray, float]:
    """`train_vectors` then `embedding_matrix` with cfg's post-processing: the TextCNN's starting table."""
    kv = train_vectors(titles, malls, cfg, dim=dim, seed=seed, extra=extra)
    return embedding_matrix(vocab, kv, dim=dim, seed=seed, centre=cfg.centre, remove_top=cfg.remove_top,
                            scale=cfg.scale)


def geometry(matrix: np.ndarray, vocab, leaves: Sequence[str] = (), frequent: int = 10, sample: int = 1000,
             seed: int = 0) -> dict:
    """What the TextCNN starts from, as figures (issue 12's diagnosis of the default vectors):

    - sibling_cos / other_cos: mean cosine between leaf nouns (a leaf's name, e.g. '텀블러' for
      '...>텀블러', when it is one vocabulary term) of sibling leaves (same parent) and of leaves with
      different parents; near-equal siblings cannot tell their leaves apart;
    - once_share, once_norm, frequent_norm: share of terms seen once in training, their mean vector
      norm, and the mean norm of terms seen at least `frequent` times (the random init gives every row
      about sqrt(dim));
    - once_abs_cos: mean |cosine| between terms seen once (up to `sample` of them, seeded): near 1 means
      they all point the same way.
    """
    counts = np.asarray(vocab.counts)
    rows = np.asarray(matrix, dtype=np.float64)[2:2 + len(counts)]
    norms = np.linalg.norm(rows, axis=1)
    once = np.flatnonzero(counts == 1)
    if len(once) > sample:
        once = np.sort(np.random.default_rng(seed).choice(once, sample, replace=False))
    out = {"terms": int(len(counts)), "once_share": float(np.mean(counts == 1)) if len(counts) else float("nan"),
           "once_norm": float(norms[counts == 1].mean()) if (counts == 1).any() else float("nan"),
           "frequent_norm": float(norms[counts >= frequent].mean()) if (counts >= frequent).any() else float("nan"),
           "once_abs_cos": _abs_mean_cos(rows[once])}
    nouns = {}  # leaf -> its noun's row
    for leaf in leaves:
        name = leaf.split(">")[-1].split("/")[0].replace(" ", "")
        if name and name != "기타" and name in vocab.stoi:
            nouns[leaf] = matrix[vocab.stoi[name]]
    sib = other = np.array([])
    if len(nouns) > 1:
        vecs = np.array(list(nouns.values()), dtype=np.float64)
        unit = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        cos = unit @ unit.T
        parent = np.array([leaf.rsplit(">", 1)[0] for leaf in nouns])
        same = parent[:, None] == parent[None, :]
        sib, other = cos[same & ~np.eye(len(nouns), dtype=bool)], cos[~same]
    out.update(leaf_nouns=len(nouns), sibling_cos=float(np.mean(sib)) if len(sib) else float("nan"),
               other_cos=float(np.mean(other)) if len(other) else float("nan"))
    return out


def _abs_mean_cos(x: np.ndarray) -> float:
    if len(x) < 2:
        return float("nan")
    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    cos = np.abs(unit @ unit.T)
    return float(cos[~np.eye(len(x), dtype=bool)].mean())
