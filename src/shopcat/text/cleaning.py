"""The TextCNN trained by a label-cleaning method (plain, small-loss, SELFIE), and audited when the truth is known.

`run_cleaning` is `run_textcnn` with shopcat.train.selfie's batch hook, once per SELFIE restart; each
restart draws fresh weights (seed + RESTART_STRIDE * run), run 0 starts from the same weights as plain
training so the two are paired. A cleaning run keeps its best validation epoch after the warm-up (plain
training keeps its best of all epochs): the validation labels are noisy too, and at 40% noise their best
epoch fell inside the warm-up, which returned the warm-up's weights, identical for every method. On simulated data the training rows' `true_category` and `noise_kind`
judge what the method dropped and relabelled (shopcat.train.audit). `keyword_removed` is the deck's
keyword removal step (shopcat.text.keyword_removal) applied to a corpus, shared by notebooks 11 and 12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.text import keyword_removal as kr
from shopcat.text.baselines import tfidf_text
from shopcat.text.experiments import Corpus, corpus_from_frames, run_textcnn
from shopcat.train.audit import audit
from shopcat.train.selfie import SelfieConfig, cleaning_select_from, run_method

RESTART_STRIDE = 7919  # a restart's seed offset: fresh initial weights, never another seed's run 0


def run_cleaning(corpus: Corpus, method: str, selfie: SelfieConfig | None = None, *, seed: int = 0,
                 **cnn_args) -> dict:
    """run_textcnn's result (the last run's) plus "cleaning" (per-run corrections, counts), the training
    rows' "final_label" and "dropped", and "audit" (a DataFrame; None without `true_category`)."""
    if method != "plain" and selfie is not None and cnn_args.get("epochs", 30) <= selfie.warmup:
        raise ValueError(f"epochs must exceed the warm-up ({selfie.warmup}): nothing would be cleaned")
    extra = cnn_args.pop("fit_kwargs", None) or {}
    cnn_args["select_from"] = cleaning_select_from(method, selfie, cnn_args.get("select_from", 1))

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


def keyword_removed(df: pd.DataFrame, tokens: dict, corpus: Corpus, kwd_list="mine", *, folds: int = 3,
                    **miner) -> tuple[Corpus, pd.DataFrame, np.ndarray]:
    """(the corpus without the training rows the list removes, the list, the removed mask by training row).

    kwd_list: "mine" learns it on the training split (the TF-IDF peer's k-fold disagreement, then
    `keyword_removal.mine_keywords(**miner)`); a DataFrame or a path to a reviewed CSV is used as given.
    Validation and test rows are never touched. df and tokens are prepare_corpus's."""
    train = corpus.train
    observed = train["category"].astype(str).to_numpy()
    titles = corpus.tokens["train"]["title"]
    if isinstance(kwd_list, str) and kwd_list == "mine":
        mismatch, predicted = kr.cross_val_mismatch(tfidf_text(train), observed, folds=folds, seed=corpus.seed)
        found = kr.mine_keywords(titles, observed, mismatch, predicted, **miner)
    else:
        found = kwd_list if isinstance(kwd_list, pd.DataFrame) else kr.load_list(kwd_list)
    removed = kr.removal_mask(titles, observed, found)
    reduced = corpus_from_frames(df, tokens, train[~removed], corpus.val, corpus.test, seed=corpus.seed)
    return reduced, found, removed
