"""The TF-IDF peer as a fourth input of the fusion head: its leaf scores, out of fold.

Why: the peer (TF-IDF + linear SVM) is the strongest text model on these catalogs, and the image branch sees
what a product is where the labels carry sellers' noise, so a head that reads both can beat either alone.

A linear SVM fits its own training rows almost perfectly, so its scores on those rows would teach the head
to trust it more than it deserves on new products. Every training row therefore gets the scores of a peer
fit without that row's fold (the folds of the branches' out-of-fold copies); validation and test rows get
the scores of the peer fit on every training row. One-vs-rest margins are not probabilities: one temperature,
fit on the validation rows, turns them into log-probabilities on the same footing as the other branches'.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax

from shopcat.models.calibration import fit_temperature
from shopcat.text.baselines import make_tfidf_peer, tfidf_text


def peer_margins(train, labels, frames: list, leaves: list[str], seed: int = 0) -> list[np.ndarray]:
    """Fit the peer on `train` rows and `labels`; its margins for each frame, columns in `leaves` order.
    A leaf the fit never saw gets each row's lowest margin minus one (the peer would never pick it)."""
    peer = make_tfidf_peer(seed=seed).fit(tfidf_text(train), labels)
    column = {leaf: i for i, leaf in enumerate(leaves)}
    seen = np.array([column[c] for c in peer.classes_])
    out = []
    for frame in frames:
        margins = peer.decision_function(tfidf_text(frame))
        if margins.ndim == 1:  # two classes: sklearn returns one column
            margins = np.stack([-margins, margins], axis=1)
        full = np.repeat(margins.min(axis=1, keepdims=True) - 1.0, len(leaves), axis=1)
        full[:, seen] = margins
        out.append(full.astype(np.float32))
    return out


def peer_log_probs(corpus, fold: np.ndarray, seed: int = 0) -> dict:
    """{"train", "val", "test"} -> (rows, leaves) log-probabilities, training rows out of fold; and the
    temperature. `fold` holds each training row's fold id (the same as the branches' copies)."""
    train, labels = corpus.train.reset_index(drop=True), corpus.train["category"].to_numpy()
    oof = np.zeros((len(train), len(corpus.leaves)), dtype=np.float32)
    for k in np.unique(fold):
        inside, held = fold != k, fold == k
        oof[held] = peer_margins(train[inside], labels[inside], [train[held]], corpus.leaves, seed)[0]
    val, test = peer_margins(train, labels, [corpus.val, corpus.test], corpus.leaves, seed)
    temperature = fit_temperature(val, corpus.y_val)
    scores = {"train": oof, "val": val, "test": test}
    return {**{split: log_softmax(x.astype(np.float64) / temperature, axis=1).astype(np.float32)
               for split, x in scores.items()}, "temperature": temperature}
