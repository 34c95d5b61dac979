"""What notebook 08 runs: the TextCNN (name + mall) trained once per long-tail option of
`shopcat.train.imbalance`, everything else held fixed, scored overall, by head / torso / tail band and per leaf.

Bands come from the observed training labels (`category`), the counts a practitioner has; test rows are
scored against the evaluation labels (`true_category` on simulated data). Validation rows are scored against
their observed `category` too, so choosing an option on validation uses nothing a real deployment lacks.
"logit_adjust_posthoc" reuses the plain ("none") model and only adjusts its logits, so it costs no fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopcat.text import experiments as ex
from shopcat.train.imbalance import KINDS, band_scores, class_counts, frequency_bands, imbalance_options

SCORES = ("accuracy", "macro_f1", "head", "torso", "tail")


def _scores(y_true, y_pred, bands: pd.Series, prefix: str = "") -> dict:
    table = band_scores(y_true, y_pred, bands).set_index("band")
    out = {f"{prefix}accuracy": table.loc["all", "accuracy"], f"{prefix}macro_f1": table.loc["all", "macro_f1"]}
    out.update({f"{prefix}{band}": table.loc[band, "accuracy"] for band in ("head", "torso", "tail")})
    return out


def run_kinds(corpus: ex.Corpus, kinds=KINDS, *, seed: int = 0, tau: float = 1.0, beta: float = 0.999,
              q: float = 0.0, head_share: float = 0.5, torso_share: float = 0.9, **cnn_args) -> dict:
    """Train and score one TextCNN per kind on one corpus (one seed's split).

    cnn_args go to run_textcnn (use_mall, sizes, epochs, monitor, ...). Returns "rows" (one per kind: test
    and val_ scores, epochs, seconds), "per_leaf" (test rows and correct predictions per kind and leaf, with
    the leaf's training count and band) and "bands" (the band of every training leaf)."""
    kinds = list(kinds)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown long-tail options {sorted(unknown)}; have {KINDS}")
    bands = frequency_bands(corpus.train["category"], head_share, torso_share)
    counts = pd.Series(class_counts(corpus.y_train, len(corpus.leaves)), index=corpus.leaves)
    val_truth = corpus.val["category"].astype(str).tolist()
    truth = np.asarray(corpus.test_truth)
    rows, per_leaf, runs = [], [], {}
    # plain training first: the post-hoc option adjusts its logits instead of training again
    for kind in sorted(kinds, key=lambda k: k != "none"):
        option = imbalance_options(kind, corpus.y_train, len(corpus.leaves), tau=tau, beta=beta, q=q, seed=seed)
        reused = kind == "logit_adjust_posthoc" and "none" in runs
        if reused:
            run = runs["none"]
        else:
            run = ex.run_textcnn(corpus, seed=seed, fit_kwargs=option.fit_kwargs, logits=True, **cnn_args)
            runs[kind] = run
        leaves = np.asarray(corpus.leaves)
        pred = leaves[np.asarray(option.adjust(run["test_logits"])).argmax(1)]
        val_pred = leaves[np.asarray(option.adjust(run["val_logits"])).argmax(1)]
        rows.append({"seed": seed, "system": kind, **_scores(truth, pred, bands),
                     **_scores(val_truth, val_pred, bands, prefix="val_"),
                     "epochs_run": run["epochs_run"], "best_epoch": run["best_epoch"],
                     "train_seconds": 0.0 if reused else run["train_seconds"]})
        leaf = pd.DataFrame({"leaf": truth, "correct": pred == truth}).groupby("leaf")["correct"].agg(["size", "sum"])
        leaf = leaf.rename(columns={"size": "rows", "sum": "correct"}).reset_index()
        leaf["train_count"] = leaf["leaf"].map(counts).fillna(0).astype(int)
        leaf["band"] = leaf["leaf"].map(bands).fillna("tail")
        per_leaf.append(leaf.assign(seed=seed, system=kind))
    order = {k: i for i, k in enumerate(kinds)}
    rows.sort(key=lambda r: order[r["system"]])
    return {"rows": rows, "per_leaf": pd.concat(per_leaf, ignore_index=True), "bands": bands}


def band_table(bands: pd.Series, train_labels) -> pd.DataFrame:
    """Per band: leaves, training rows, their share, and the smallest and largest leaf (training rows)."""
    counts = pd.Series(np.asarray(train_labels)).astype(str).value_counts()
    frame = pd.DataFrame({"count": counts, "band": counts.index.map(bands)})
    out = frame.groupby("band", sort=False)["count"].agg(leaves="size", rows="sum", smallest="min", largest="max")
    out["share_of_rows"] = out["rows"] / out["rows"].sum()
    return out.reindex(["head", "torso", "tail"]).reset_index()


def summarise(results: pd.DataFrame, metrics=SCORES, intervals=("accuracy", "tail"), by: str = "system"
              ) -> pd.DataFrame:
    """Per system: mean over seeds of each metric, with a 95% t interval (_lo, _hi) for `intervals`."""
    return ex.summarise(results, by=by, metrics=metrics, intervals=intervals)


def choose_on_validation(results: pd.DataFrame, metric: str = "val_macro_f1", exclude=("none",)) -> str:
    """The option with the highest mean validation score over seeds (ties: the earlier row)."""
    means = results[~results["system"].isin(exclude)].groupby("system", sort=False)[metric].mean()
    if means.empty:
        raise ValueError("no option to choose from besides the excluded ones")
    return str(means.idxmax())


def bands_long(results: pd.DataFrame, bands=("head", "torso", "tail")) -> pd.DataFrame:
    """One row per seed, system and band with that band's test accuracy (for paired band comparisons)."""
    long = results[["seed", "system", *bands]].melt(id_vars=["seed", "system"], var_name="band",
                                                    value_name="accuracy")
    return long.dropna(subset=["accuracy"])


def leaf_accuracy(per_leaf: pd.DataFrame) -> pd.DataFrame:
    """Per system and leaf: test accuracy pooled over seeds and the mean training count."""
    g = per_leaf.groupby(["system", "leaf"], sort=False)
    out = g.agg(rows=("rows", "sum"), correct=("correct", "sum"), train_count=("train_count", "mean"),
                band=("band", "first")).reset_index()
    out["accuracy"] = out["correct"] / out["rows"]
    return out


def count_ratios(train_labels, head_leaf: str | None = None, tail_leaf: str | None = None) -> dict:
    """Training rows of the largest and smallest leaf, and of the given head / tail pair (full leaf paths)
    when the head leaf is present (a tail leaf without training rows counts 0, and the pair's ratio is None)."""
    counts = pd.Series(np.asarray(train_labels)).astype(str).value_counts()
    out = {"largest_leaf": counts.index[0], "largest": int(counts.iloc[0]), "smallest_leaf": counts.index[-1],
           "smallest": int(counts.iloc[-1]), "max_to_min": float(counts.iloc[0] / counts.iloc[-1])}
    if head_leaf in counts.index and tail_leaf:
        head, tail = int(counts[head_leaf]), int(counts.get(tail_leaf, 0))
        out.update(pair=f"{head_leaf} : {tail_leaf}", pair_counts=[head, tail],
                   pair_ratio=float(head / tail) if tail else None)
    return out


def sim_head_tail(sim_params: dict) -> tuple[str, str]:
    """The most and the least popular leaf the simulator drew the catalog from (dresses and documentary DVDs
    on the built-in tree), by its own popularity weights."""
    from shopcat.sim import leaf_time_truth  # imported here: the simulator is heavy and optional

    popularity = leaf_time_truth(sim_params).set_index("leaf")["popularity"]
    return str(popularity.idxmax()), str(popularity.idxmin())
