"""The leaf paths' own words as evidence: how much a product's title and mall category look like each leaf.

A leaf seen twice in training gets almost nothing from its training rows, yet its name is often in the
title ('... 기저귀크림 150ml' is 출산/육아>기저귀>기저귀크림) and a seller's mall category is often the
platform's own path, or close to it. A one-vs-rest linear model (the TF-IDF peer) cannot use that: each
leaf is a yes/no question with no text of its own. Here each leaf path is a character 2-3-gram TF-IDF
vector (the space in which the rule system, `shopcat.text.baselines.RuleBaseline`, matches mall categories),
and a product's title and mall category are vectors in the same space; their cosines with every leaf are two
extra scores a TextClassifier adds to its logits with a learned gain each (`TextCNNConfig.label_text_rows`).

The vectoriser is fit on the leaf list alone, so it is rebuilt from a saved model's labels: nothing more
to save. Products are stored as the ids and weights of their grams (`encode`), never as dense
(products x leaves) scores: the model turns them into scores one batch at a time.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from shopcat.text.data import mall_text


def _path_text(leaf: str) -> str:
    """A platform path as words, the leaf name repeated: the deepest level says most about a product."""
    levels = leaf.split(">")
    return " ".join(levels + levels[-1:])


class LabelText:
    """Leaf paths -> a gram vocabulary, a (grams + 1, leaves) table of leaf vectors, and `encode` for texts."""

    def __init__(self, leaves: list[str], max_grams: int = 64):
        self.leaves, self.max_grams = list(leaves), max_grams
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True)
        self.leaf_vectors = self.vectorizer.fit_transform([_path_text(leaf) for leaf in self.leaves])
        self._column = self.vectorizer.vocabulary_
        self._idf = self.vectorizer.idf_.tolist()

    @property
    def rows(self) -> int:
        """Rows of the table: one per gram, and row 0 for padding."""
        return len(self.vectorizer.vocabulary_) + 1

    def table(self) -> np.ndarray:
        """(rows, leaves) float32: row g + 1 holds gram g's weight in every leaf's (unit-length) vector."""
        return np.vstack([np.zeros((1, len(self.leaves))), self.leaf_vectors.T.toarray()]).astype(np.float32)

    def encode(self, texts, kind: str = "title") -> tuple[np.ndarray, np.ndarray]:
        """Texts -> (ids, weights), each (N, max_grams): a text's unit TF-IDF vector over the leaf grams, its
        largest weights first, 0-padded. ids @ table gives the cosine with every leaf. kind 'mall' reads
        '>'- and '/'-separated paths as words first."""
        ids = np.zeros((len(texts), self.max_grams), dtype=np.int64)
        weights = np.zeros((len(texts), self.max_grams), dtype=np.float32)
        for row, text in enumerate(texts):
            vector = self.vector(as_text(text, kind))
            for k, (column, weight) in enumerate(vector[:self.max_grams]):
                ids[row, k], weights[row, k] = column + 1, weight
        return ids, weights

    def vector(self, text: str) -> list[tuple[int, float]]:
        """One text's unit vector as (column, weight), largest first: what the fitted TfidfVectorizer's
        transform gives (char_wb 2-3-grams, lower case, 1 + log tf, idf, L2), without its per-call cost,
        which is most of a served message's preprocessing (a test checks the two agree to the bit)."""
        counts: dict[int, int] = {}
        for word in text.lower().split():
            padded = f" {word} "
            for n in (2, 3):
                for start in range(max(len(padded) - n, 0) + 1):
                    column = self._column.get(padded[start:start + n])
                    if column is not None:
                        counts[column] = counts.get(column, 0) + 1
                if len(padded) <= n:  # a word shorter than n counts once, as scikit-learn does
                    break
        columns = sorted(counts)
        values = [(math.log(counts[c]) + 1.0) * self._idf[c] for c in columns]
        norm = math.sqrt(sum(v * v for v in values))
        vector = [(c, v / norm) for c, v in zip(columns, values, strict=True)] if norm > 0 else []
        return sorted(vector, key=lambda cv: -cv[1])  # stable: ties keep column order


def as_text(text, kind: str) -> str:
    """A title as it is; a mall category ('>'- and '/'-separated path) as words."""
    return mall_text(text) if kind == "mall" else str(text or "")


def cosines(label_text: LabelText, texts, kind: str = "title") -> np.ndarray:
    """(N, leaves) dense cosines of texts with every leaf path: for models scored outside torch (the peer)."""
    texts = [as_text(t, kind) for t in texts]
    return (label_text.vectorizer.transform(texts) @ label_text.leaf_vectors.T).toarray()


def choose_gains(scores: np.ndarray, title_cos: np.ndarray, mall_cos: np.ndarray, labels: np.ndarray,
                 grid=(0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)) -> tuple[float, float]:
    """Gains (title, mall) with the best accuracy of scores / std(scores) + gains . cosines on held-out rows.

    For a model that cannot learn them (the peer's margins): chosen on the validation split, whose labels are
    as noisy as the training ones, so ties go to the smaller gains (the grid is walked in order)."""
    base = scores / max(float(scores.std()), 1e-8)
    best, best_acc = (0.0, 0.0), -1.0
    for a in grid:
        for b in grid:
            acc = float(((base + a * title_cos + b * mall_cos).argmax(1) == labels).mean())
            if acc > best_acc:
                best, best_acc = (a, b), acc
    return best


def with_label_scores(scores: np.ndarray, title_cos: np.ndarray, mall_cos: np.ndarray, gains, scale: float):
    """scores / scale + gains . cosines: the combination `choose_gains` picked (scale = std of its scores)."""
    return scores / scale + gains[0] * title_cos + gains[1] * mall_cos
