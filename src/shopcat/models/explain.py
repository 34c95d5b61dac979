"""Which words of a title made the model choose a category: SHAP values over the title's words.

The `shap` package's permutation explainer (exact Shapley values are exponential in the number of words;
permutation sampling with antithetic orderings converges quickly for titles of 5-15 words) over a binary
mask of the title's whitespace words: a masked word is removed from the title, so the model sees a shorter
title rather than a placeholder token it never met in training. The words are what a reviewer reads, not the
tokenizer's morphemes, and any model that scores a list of titles can be explained the same way. These
functions return the attributions as data; notebooks only draw them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def word_attributions(score: Callable[[list[str]], np.ndarray], title: str, max_evals: int | None = None,
                      seed: int = 0) -> tuple[list[str], np.ndarray]:
    """(words, SHAP value per word) of `score` (titles -> one number each, e.g. a class probability) on
    `title`, against the empty title as the background."""
    import shap

    words = str(title).split()
    if not words:
        return [], np.zeros(0)
    n = len(words)

    def f(masks: np.ndarray) -> np.ndarray:
        return np.asarray(score([" ".join(w for w, keep in zip(words, m, strict=True) if keep) for m in masks]),
                          dtype=np.float64)

    if n == 1:  # one word: its value is all the difference from the empty title
        return words, f(np.ones((1, 1))) - f(np.zeros((1, 1)))
    explainer = shap.explainers.Permutation(f, shap.maskers.Independent(np.zeros((1, n))), seed=seed)
    values = explainer(np.ones((1, n)), max_evals=max_evals or max(2 * n + 1, 10 * n), silent=True).values[0]
    return words, np.asarray(values, dtype=np.float64)


def class_scorer(predictor, label: str, mall_category: str = "", batch_size: int = 256):
    """titles -> the probability a saved text model (`shopcat.models.saved.load_model`) gives `label`, with
    the product's mall category held fixed."""
    column = list(predictor.labels).index(label)

    def score(titles: list[str]) -> np.ndarray:
        out = []
        for start in range(0, len(titles), batch_size):
            items = [predictor.preprocess(t, mall_category) for t in titles[start:start + batch_size]]
            out.append(np.asarray(predictor.forward(predictor.collate(items)))[:, column])
        return np.concatenate(out)

    return score


def top_pushes(explanations: list[tuple[list[str], np.ndarray]], k: int = 20) -> list[tuple[str, float, int]]:
    """Across many explanations (e.g. of wrong predictions towards the predicted sibling), the words with the
    largest total positive push: (word, summed value, products it appears in), largest first."""
    total: dict[str, float] = {}
    count: dict[str, int] = {}
    for words, values in explanations:
        for w, v in zip(words, values, strict=True):
            if v > 0:
                total[w] = total.get(w, 0.0) + float(v)
                count[w] = count.get(w, 0) + 1
    return sorted(((w, total[w], count[w]) for w in total), key=lambda x: -x[1])[:k]
