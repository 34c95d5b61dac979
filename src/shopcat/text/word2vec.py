"""Word2Vec on catalog token lists, and the embedding matrix it gives the TextCNN.

The deck initialises the text model's embeddings with Word2Vec trained on product titles (and the
sellers' category names): words that share contexts ('텀블러', '보온병') start close together, which
helps most for terms the labelled data sees rarely. Training uses one worker thread and a stable hash,
so the same seed gives the same vectors in every process (gensim's default hash is Python's `hash`,
which changes from one interpreter to the next).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def train_word2vec(token_lists: Sequence[Sequence[str]], dim: int = 100, window: int = 5, min_count: int = 1,
                   epochs: int = 5, seed: int = 0, sg: int = 1):
    """gensim KeyedVectors trained on `token_lists` (skip-gram by default: titles are short and rare words
    matter). Deterministic: one worker, seeded, stable hash."""
    from gensim.models import Word2Vec

    sentences = [list(tokens) for tokens in token_lists if len(tokens)]
    model = Word2Vec(sentences=sentences, vector_size=dim, window=window, min_count=min_count, epochs=epochs,
                     seed=seed, workers=1, sg=sg, hashfxn=_stable_hash)
    return model.wv


def embedding_matrix(vocab, keyed_vectors, dim: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """(len(vocab), dim) float32 rows for the vocabulary's ids, and the share of real terms Word2Vec knew.

    Known terms get their Word2Vec vector; the others (OOV id included) are drawn from a seeded normal
    with the Word2Vec vectors' own standard deviation, so they sit at the same scale; the PAD row is zero.
    """
    from shopcat.text.vocab import PAD, SPECIALS

    if keyed_vectors.vector_size != dim:
        raise ValueError(f"Word2Vec vectors have {keyed_vectors.vector_size} dimensions, not {dim}")
    scale = float(np.std(keyed_vectors.vectors)) if len(keyed_vectors) else 0.1
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, scale, size=(len(vocab), dim)).astype(np.float32)
    found = 0
    index = keyed_vectors.key_to_index
    for i, token in enumerate(vocab.itos):
        if i >= len(SPECIALS) and token in index:
            matrix[i] = keyed_vectors.vectors[index[token]]
            found += 1
    matrix[PAD] = 0.0
    return matrix, found / max(len(vocab) - len(SPECIALS), 1)
