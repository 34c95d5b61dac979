"""The TextCNN trained by a label-cleaning method (plain, small-loss, SELFIE), and audited when the truth is known.

`run_cleaning` is `run_textcnn` with shopcat.train.selfie's batch hook, once per SELFIE restart; each
restart draws fresh weights (seed + RESTART_STRIDE * run), run 0 starts from the same weights as plain
training so the two are paired. A cleaning run keeps its best validation epoch after the warm-up (plain
training keeps its best of all epochs): the validation labels are noisy too, and at 40% noise their best
epoch fell inside the warm-up, which returned the warm-up's weights, identical for every method. On simulated data the training rows' `true_category` and `noise_kind`
judge what the method dropped and relabelled (shopcat.train.audit).
"""

from __future__ import annotations

import numpy as np

from shopcat.text.experiments import Corpus, run_textcnn
from shopcat.train.audit import audit
from shopcat.train.selfie import SelfieConfig, run_method

RESTART_STRIDE = 7919  # a restart's seed offset: fresh initial weights, never another seed's run 0


def run_cleaning(corpus: Corpus, method: str, selfie: SelfieConfig | None = None, *, seed: int = 0,
                 **cnn_args) -> dict:
    """run_textcnn's result (the last run's) plus "cleaning" (per-run corrections, counts), the training
    rows' "final_label" and "dropped", and "audit" (a DataFrame; None without `true_category`)."""
    if method != "plain" and selfie is not None and cnn_args.get("epochs", 30) <= selfie.warmup:
        raise ValueError(f"epochs must exceed the warm-up ({selfie.warmup}): nothing would be cleaned")
    extra = cnn_args.pop("fit_kwargs", None) or {}
    if method != "plain" and selfie is not None:  # keep a post-warm-up epoch: one trained on the cleaned labels
        cnn_args["select_from"] = max(cnn_args.get("select_from", 1), selfie.warmup + 1)

    def train_once(hook, run):
        fit_kwargs = {**extra, **({"batch_hook": hook} if hook is not None else {})}
        return run_textcnn(corpus, seed=seed + RESTART_STRIDE * run, fit_kwargs=fit_kwargs, **cnn_args)

    cleaned = run_method(method, train_once, corpus.y_train, selfie)
    out = dict(cleaned.result)
    leaves = np.array(corpus.leaves, dtype=object)
    out.update(cleaning=cleaned.summary(), final_label=leaves[cleaned.final_label], dropped=cleaned.dropped)
    train = corpus.train
    out["audit"] = None
    if "true_category" in train:
        kind = train["noise_kind"].fillna("").astype(str).to_numpy() if "noise_kind" in train else None
        out["audit"] = audit(train["category"].astype(str).to_numpy(), train["true_category"].astype(str).to_numpy(),
                             out["final_label"], cleaned.dropped, kind)
    return out
