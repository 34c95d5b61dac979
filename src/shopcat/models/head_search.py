"""An Optuna study over the fused model's head: does a smaller final fully-connected width (`fcl_dim`) win?

Each trial draws the fusion head's hidden width `fcl_dim` (log scale), its dropout and learning rate, and the
embedding size of the two text branches (name, mall). Thirty trials have to fit in minutes on two cores, so a
trial trains only the fusion head, on frozen branch features, through the one training loop (`fit`), reporting
validation accuracy after every epoch to a median pruner. The branches are trained once per run: the image
branch once, the text branches once per embedding size (a few choices; retraining with the same seed would
give the same weights, so they are kept in memory). Branch learning rate and dropout stay fixed.

The study is stored in SQLite under `config.MODELS_DIR / "optuna"`. Its name carries a digest of everything that
makes trials comparable (the catalog's rows, the split seed, the fixed settings, the search space), so another
catalog or setting opens another study. `n_trials` is the number of finished trials (complete or pruned) the
study should hold: a rerun with the same number adds none, a rerun with more continues the same study.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from shopcat import config
from shopcat.models import train as ft
from shopcat.models.fused import FusedClassifier, FusedConfig, FusionHead
from shopcat.text.experiments import split_corpus
from shopcat.text.vocab import Vocab
from shopcat.train.loop import ArrayDataset, FitResult, TrainConfig, fit, predict
from shopcat.train.metrics import level_accuracy

SPACE = {"fcl_dim": (16, 2048), "dropout": (0.0, 0.6), "lr": (3e-4, 1e-2), "embed_dim": (16, 32, 64, 128)}
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
SPLITS = ("train", "val", "test")


def suggest(trial: optuna.Trial, space: dict) -> dict:
    """One trial's hyperparameters: fcl_dim and lr on a log scale, dropout uniform, embed_dim one of a few."""
    return {"fcl_dim": trial.suggest_int("fcl_dim", *space["fcl_dim"], log=True),
            "dropout": trial.suggest_float("dropout", *space["dropout"]),
            "lr": trial.suggest_float("lr", *space["lr"], log=True),
            "embed_dim": trial.suggest_categorical("embed_dim", list(space["embed_dim"]))}


def study_name(df: pd.DataFrame, fixed: dict) -> str:
    """fcl_dim-<rows>p-<digest>: the digest covers the catalog's rows and every setting trials share."""
    rows = "\n".join(df["product_id"].astype(str) + "\t" + df["category"].astype(str) + "\t" + df["title"].astype(str))
    digest = hashlib.sha256(rows.encode("utf-8"))
    digest.update(json.dumps(fixed, sort_keys=True, default=str).encode("utf-8"))
    return f"fcl_dim-{len(df)}p-{digest.hexdigest()[:12]}"


def open_study(name: str, seed: int, directory: str | Path | None = None,
               warmup_epochs: int = 3) -> tuple[optuna.Study, Path]:
    """The study `name` from its SQLite file, created if absent, with a seeded TPE sampler and a median pruner
    that may stop a trial from epoch `warmup_epochs` on (earlier, it would favour heads that start fast).

    The sampler's seed is `seed` plus the trials already stored, so a resumed run draws new points rather than
    repeating the first run's random start-up trials, and the same history gives the same draws."""
    path = Path(directory or config.MODELS_DIR / "optuna") / f"{name}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=f"sqlite:///{path}", direction="maximize",
                                load_if_exists=True, sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=warmup_epochs))
    study.sampler = optuna.samplers.TPESampler(seed=seed + len(study.trials))
    return study, path


def finished(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The trials n_trials counts: complete or pruned (a crashed or interrupted one is drawn again)."""
    return study.get_trials(deepcopy=False, states=FINISHED)


def setup(corpus, df: pd.DataFrame, images: np.ndarray, has_image: np.ndarray,
          fields: dict) -> tuple[FusedConfig, dict]:
    """The model config and per-split input arrays of one split, as `run_fused` builds them."""
    vocab = Vocab.build(corpus.tokens["train"]["title"] + corpus.tokens["train"]["mall"])
    cfg = FusedConfig(vocab_size=len(vocab), n_classes=len(corpus.leaves), image_size=images.shape[1], **fields)
    return cfg, ft.split_arrays(corpus, df, images, has_image, vocab, cfg)


def branch_features_by_embed(corpus, arrays: dict, cfg: FusedConfig, *, epochs: int, image_epochs: int,
                             batch_size: int, lr: float, patience: int, seed: int, num_threads: int | None):
    """A function embed_dim -> frozen branch features per split. The image branch trains once (with cfg as given,
    so it does not depend on which size is asked first), the text branches once per embedding size."""
    cache, image = {}, {}

    def train_cfg(n_epochs):
        return TrainConfig(epochs=n_epochs, lr=lr, batch_size=batch_size, patience=patience, seed=seed,
                           num_threads=num_threads, progress=False, device="cpu")

    def train(model, branches):
        ft.train_branches(model, arrays["train"], corpus.y_train, arrays["val"], corpus.y_val, train_cfg,
                          epochs, image_epochs, branches=branches)

    def features(embed_dim: int) -> dict:
        if "branch" not in image:
            config.seed_everything(seed)
            model = FusedClassifier(cfg)
            train(model, ("image",))
            image["branch"] = model.image
        if embed_dim not in cache:
            config.seed_everything(seed)
            model = FusedClassifier(dataclasses.replace(cfg, embed_dim=embed_dim))
            model.image = image["branch"]
            train(model, ("name", "mall"))
            model.freeze_branches()
            cache[embed_dim] = {split: ft.branch_features(model, arrays[split]) for split in SPLITS}
        return cache[embed_dim]

    return features


def _dataset(features: dict, labels: np.ndarray) -> ArrayDataset:
    return ArrayDataset(**features, label=np.asarray(labels, dtype=np.int64), idx=np.arange(len(labels)))


def train_head(features: dict, corpus, cfg: FusedConfig, *, fcl_dim: int, dropout: float, lr: float, epochs: int,
               batch_size: int, patience: int, seed: int, num_threads: int | None, on_epoch=None) -> FitResult:
    """Stage 2 alone: a fusion head of width fcl_dim on frozen features, best epoch by validation accuracy."""
    config.seed_everything(seed)
    head = FusionHead(dataclasses.replace(cfg, fcl_dim=fcl_dim, dropout=dropout))
    tc = TrainConfig(epochs=epochs, lr=lr, batch_size=batch_size, patience=patience, seed=seed,
                     num_threads=num_threads, progress=False, device="cpu", monitor="val_acc")
    return fit(head, _dataset(features["train"], corpus.y_train), _dataset(features["val"], corpus.y_val), tc,
               on_epoch=on_epoch)


def score_head(head, features: dict, corpus) -> dict:
    """Per-level accuracy of a trained head on the test rows (against corpus.test_truth)."""
    logits = predict(head, _dataset(features["test"], np.zeros(len(corpus.test_truth))), batch_size=512,
                     device="cpu")
    return level_accuracy(corpus.test_truth, [corpus.leaves[i] for i in logits.argmax(1)])


def run_study(corpus, df: pd.DataFrame, images: np.ndarray, has_image: np.ndarray, *, n_trials: int,
              seed: int = 0, space: dict | None = None, directory: str | Path | None = None,
              fusion_epochs: int = 10, fusion_patience: int = 3, warmup_epochs: int = 3, epochs: int = 6,
              image_epochs: int = 6,
              batch_size: int = 128, lr: float = 2e-3, patience: int = 2, num_threads: int | None = None,
              **fields) -> dict:
    """Open (or resume) the study for this split and settings and run it until it holds n_trials finished trials.

    fields are FusedConfig fields fixed for every trial; lr, epochs, image_epochs and patience train the branches;
    a head trains up to fusion_epochs, stops after fusion_patience epochs without a better validation accuracy,
    and may be pruned from epoch warmup_epochs on.
    Returns the study, its name and file, how many trials this call added and its seconds."""
    space = {**SPACE, **(space or {})}
    branch_args = dict(epochs=epochs, image_epochs=image_epochs, batch_size=batch_size, lr=lr, patience=patience,
                       seed=seed)
    head_args = dict(epochs=fusion_epochs, batch_size=batch_size, patience=fusion_patience, seed=seed)
    fixed = {"split_seed": corpus.seed, "space": space, "fields": fields, "branches": branch_args, "head": head_args,
             "warmup_epochs": warmup_epochs}
    name = study_name(df, fixed)
    study, path = open_study(name, seed, directory, warmup_epochs)
    study.set_user_attr("fixed", json.loads(json.dumps(fixed, default=str)))
    cfg, arrays = setup(corpus, df, images, has_image, fields)
    features = branch_features_by_embed(corpus, arrays, cfg, num_threads=num_threads, **branch_args)

    def objective(trial: optuna.Trial) -> float:
        params = suggest(trial, space)

        def report(epoch: int, row: dict) -> None:
            trial.report(row["val_acc"], epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()

        result = train_head(features(params["embed_dim"]), corpus, cfg, fcl_dim=params["fcl_dim"],
                            dropout=params["dropout"], lr=params["lr"], num_threads=num_threads, on_epoch=report,
                            **head_args)
        return max(row["val_acc"] for row in result.history)

    before = len(finished(study))
    t0 = time.time()
    if n_trials > before:
        study.optimize(objective, n_trials=n_trials - before)
    return {"study": study, "name": name, "path": path, "new_trials": len(finished(study)) - before,
            "seconds": time.time() - t0, "cfg": cfg, "space": space}


def best_small(study: optuna.Study, small_max: int) -> tuple[int, int | None]:
    """(fcl_dim, trial number) of the best completed trial with fcl_dim <= small_max; (small_max, None) if none."""
    small = [t for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
             if t.params["fcl_dim"] <= small_max]
    if not small:
        return small_max, None
    best = max(small, key=lambda t: t.value)
    return int(best.params["fcl_dim"]), best.number


def compare_fcl_dims(df: pd.DataFrame, tokens: dict, images: np.ndarray, has_image: np.ndarray, *,
                     arms: dict[str, int], params: dict, seeds: list[int], fusion_epochs: int = 10,
                     fusion_patience: int = 3, epochs: int = 6, image_epochs: int = 6, batch_size: int = 128,
                     lr: float = 2e-3, patience: int = 2, num_threads: int | None = None, **fields) -> pd.DataFrame:
    """Each arm's head width retrained on every seed's split with the other hyperparameters in `params`.

    Per seed the branches are trained once (embed_dim from params) and every arm's head on the same frozen
    features, so arms differ only in fcl_dim. One row per seed and arm: test accuracy per level, best val_acc."""
    rows = []
    for s in seeds:
        corpus = split_corpus(df, tokens, seed=s)
        cfg, arrays = setup(corpus, df, images, has_image, fields)
        t0 = time.time()
        features = branch_features_by_embed(corpus, arrays, cfg, epochs=epochs, image_epochs=image_epochs,
                                            batch_size=batch_size, lr=lr, patience=patience, seed=s,
                                            num_threads=num_threads)(params["embed_dim"])
        branch_seconds = time.time() - t0
        for arm, fcl_dim in arms.items():
            t0 = time.time()
            result = train_head(features, corpus, cfg, fcl_dim=fcl_dim, dropout=params["dropout"], lr=params["lr"],
                                epochs=fusion_epochs, batch_size=batch_size, patience=fusion_patience, seed=s,
                                num_threads=num_threads)
            rows.append(dict(seed=s, system=f"fcl_dim {fcl_dim}", arm=arm, fcl_dim=fcl_dim,
                             **score_head(result.model, features, corpus),
                             val_acc=max(row["val_acc"] for row in result.history),
                             head_seconds=time.time() - t0, branch_seconds=branch_seconds))
    return pd.DataFrame(rows)


def trials_table(study: optuna.Study) -> pd.DataFrame:
    """One row per stored trial: its state, value (best validation accuracy), parameters, epochs and seconds."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        seconds = (t.datetime_complete - t.datetime_start).total_seconds() if t.datetime_complete else None
        rows.append({"number": t.number, "state": t.state.name, "value": t.value, **t.params,
                     "epochs": len(t.intermediate_values), "seconds": seconds})
    return pd.DataFrame(rows)
