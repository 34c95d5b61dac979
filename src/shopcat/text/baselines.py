"""The rows TextCNN is compared with: a rule system, a strong classical model and a human annotator.

(a) `RuleBaseline`: the deck's first system mapped a seller's own category onto the platform tree by
    string similarity. Here: cosine between character n-gram TF-IDF vectors of the mall category and of
    each platform leaf path. No learning from labels, so it shows what the mall category alone gives.
(b) `make_tfidf_peer`: TF-IDF on word and character n-grams of title (+ mall category) and a linear SVM,
    the classical model a neural one has to beat to be worth its cost.
(c) `annotator_predictions`: the simulated human labeller (`shopcat.sim.simulate_annotator`).
(d) `FastTextPeer`: Facebook's fastText (official `fasttext` bindings), the second named peer: a linear
    model over averaged word, word-bigram and character n-gram vectors, trained in seconds on one thread.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

from shopcat.text.data import mall_text
from shopcat.text.label_text import LabelText, cosines


class RuleBaseline:
    """Mall category text -> the most similar platform leaf path (character 2-3-gram TF-IDF cosine)."""

    def __init__(self, leaves: list[str], fallback: str | None = None):
        self.leaves = list(leaves)
        self.fallback = fallback or self.leaves[0]  # for rows with no mall category
        self.leaf_text = LabelText(self.leaves)  # the leaf paths' vectors, shared with the leaf-name scores

    @classmethod
    def from_training(cls, leaves: list[str], train_labels) -> RuleBaseline:
        """Fallback = the most common training label, the best guess with nothing to read."""
        return cls(leaves, fallback=Counter(train_labels).most_common(1)[0][0])

    def predict(self, mall_categories, batch_size: int = 2048) -> list[str]:
        texts = list(mall_categories)
        out = []
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            scores = cosines(self.leaf_text, chunk, kind="mall")
            best = scores.argmax(1)
            out += [self.leaves[b] if scores[i, b] > 0 else self.fallback for i, b in enumerate(best)]
        return out


def tfidf_text(df: pd.DataFrame, use_mall: bool = True) -> list[str]:
    """Title, plus the mall category as words when asked."""
    titles = df["title"].fillna("").astype(str)
    if not use_mall:
        return titles.tolist()
    return (titles + " | " + df["mall_category"].fillna("").map(mall_text)).tolist()


def make_tfidf_peer(C: float = 0.5, max_features: int = 300_000, seed: int = 0):
    """Word 1-2-grams + character 2-4-grams -> LinearSVC (one-vs-rest). Fit on `tfidf_text(df)`."""
    words = TfidfVectorizer(token_pattern=r"[^\s|]+", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                            max_features=max_features)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
                            max_features=max_features)
    return make_pipeline(make_union(words, chars), LinearSVC(C=C, random_state=seed))


def annotator_predictions(df: pd.DataFrame, accuracy: float = 0.75, seed: int = 0) -> np.ndarray:
    """The simulated human labeller's answers, the deck's 75% 'human' row."""
    from shopcat.sim import simulate_annotator

    return np.asarray(simulate_annotator(df, accuracy=accuracy, seed=seed))


class FastTextPeer:
    """fastText supervised (`fasttext.train_supervised`), with the sklearn-style fit/predict of the TF-IDF peer.

    Text is cleaned as the tokenizer cleans it (`clean_title`: lower case, no brackets or decorations) and
    split on whitespace by fastText itself; its character n-grams (minn..maxn) carry the subword part. One
    thread and a seed make a run repeatable. Labels become '__label__<index>' (leaf paths may hold spaces).
    """

    def __init__(self, epoch: int = 25, lr: float = 0.5, dim: int = 100, word_ngrams: int = 2, minn: int = 2,
                 maxn: int = 4, bucket: int = 2_000_000, seed: int = 0, thread: int = 1):
        self.params = dict(epoch=epoch, lr=lr, dim=dim, wordNgrams=word_ngrams, minn=minn, maxn=maxn,
                           bucket=bucket, seed=seed, thread=thread, verbose=0)
        self.model, self.labels = None, []

    @staticmethod
    def _line(text: str) -> str:
        from shopcat.text.tokenizer import clean_title

        return " ".join(clean_title(str(text)).split())

    def fit(self, texts, labels) -> FastTextPeer:
        import os
        import tempfile

        import fasttext

        self.labels = sorted({str(y) for y in labels})
        index = {y: i for i, y in enumerate(self.labels)}
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            for text, y in zip(texts, labels, strict=True):
                f.write(f"__label__{index[str(y)]} {self._line(text)}\n")
        try:
            self.model = fasttext.train_supervised(f.name, **self.params)
        finally:
            os.unlink(f.name)
        return self

    def predict(self, texts) -> list[str]:
        """The most probable leaf per text (lists go through fastText's batch path, safe with numpy 2)."""
        found, _ = self.model.predict([self._line(t) for t in texts], k=1)
        return [self.labels[int(f[0][len("__label__"):])] for f in found]
