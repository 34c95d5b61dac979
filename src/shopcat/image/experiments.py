"""The runs behind notebooks 04 (backbones) and 05 (resolution), kept here so the notebooks stay thin.

Each function trains one backbone at one resolution on one data source and returns a flat dict of results
(plus the fitted model and predictions where a figure needs them). Coarse and top-level accuracy on the
grocery photos are read off the fine prediction through the class table (a fine label implies its coarse
class), so one model answers all three levels.
"""

from __future__ import annotations

import time

import numpy as np

from shopcat import config
from shopcat.image.backbones import STATUS_SCRATCH, WeightsMissing, build_backbone
from shopcat.image.datasets import GroceryDataset, Mirrored, grocery_classes, sim_image_splits
from shopcat.image.features import (
    Float16Input,
    cached_features,
    fine_tune,
    fine_tune_cached,
    linear_probe,
    pooled_from_maps,
    probe_into_model,
    probe_logits,
    training_views,
)
from shopcat.train.loop import ArrayDataset, TrainConfig, predict


def _probe_cfg(epochs: int, seed: int) -> TrainConfig:
    return TrainConfig(epochs=epochs, lr=3e-3, weight_decay=1e-3, batch_size=128, patience=8, seed=seed,
                       monitor="val_acc", progress=False)


def _features(model, splits: dict, batch_size: int, cut_blocks: int = 0) -> tuple[dict, float, int]:
    """splits: name -> dataset, or name -> {view: dataset}; returns features by name (or by name, view)."""
    start, cached = time.perf_counter(), 0
    feats = {}
    for name, item in splits.items():
        views = item if isinstance(item, dict) else {"plain": item}
        for view, ds in views.items():
            feats[name, view], hit = cached_features(model, ds, batch_size, cut_blocks=cut_blocks, view=view)
            cached += hit
        if not isinstance(item, dict):
            feats[name] = feats.pop((name, "plain"))
    return feats, time.perf_counter() - start, cached


def grocery_run(backbone: str, resolution: int, *, mode: str = "probe", missing_weights: str = "skip",
                subsets: dict | None = None, probe_epochs: int = 60, finetune_epochs: int = 3,
                finetune_blocks: int = 2, scratch_epochs: int = 10, batch_size: int = 64, seed: int = 0,
                mirror: bool = False, aug_views: int = 0, finetune_lr: float = 3e-4,
                finetune_resolution: int | None = None) -> dict:
    """Train `backbone` on the grocery photos and score the official test split at fine/coarse/top level.

    mode: 'probe' (linear head on cached features), 'partial_cached' (probe, then the last blocks trained on
    cached maps), 'partial' (probe, then last blocks fine-tuned on augmented photos) or 'full'.
    The cached modes can still see augmented photos: mirror=True caches each photo's mirror image too (extra
    training samples, and test logits averaged over both), aug_views=k caches k seeded augmented draws of
    each training photo. 'partial' and 'full' train on fresh augmentations at `finetune_resolution` (default:
    `resolution`) and are scored at `resolution`: training smaller than testing is cheaper on a CPU and, with
    random-resized crops, also scores better (FixRes, Touvron et al. 2019). Absent pretrained weights:
    missing_weights='skip' returns a row saying so; 'scratch' trains every layer from random initialisation
    for `scratch_epochs` (labelled not comparable).
    """
    config.seed_everything(seed)  # same seed, same numbers, whatever the caller ran before
    subsets = subsets or {}
    classes = grocery_classes()
    try:
        model, _, info = build_backbone(backbone, pretrained=True, num_classes=len(classes),
                                        missing_weights=missing_weights)
    except WeightsMissing as err:
        return {"backbone": backbone, "resolution": resolution, "status": f"skipped: {err}", "fine_acc": None}
    kw = dict(mean=info["mean"], std=info["std"], seed=seed)
    splits = {s: GroceryDataset(s, resolution, subset=subsets.get(s), **kw) for s in ("train", "val", "test")}
    labels = {s: ds.labels for s, ds in splits.items()}
    row = {"backbone": backbone, "resolution": resolution, "status": info["status"], "mode": mode,
           "n_train": len(splits["train"]), "n_test": len(splits["test"])}
    start = time.perf_counter()
    if info["status"] == STATUS_SCRATCH:  # no features worth probing: train every layer
        row["mode"] = "scratch (full training)"
        train_ds = GroceryDataset("train", resolution, train=True, subset=subsets.get("train"), **kw)
        cfg = TrainConfig(epochs=scratch_epochs, lr=1e-3, batch_size=32, patience=scratch_epochs, seed=seed,
                          monitor="val_acc", progress=False)
        result = fine_tune(model, train_ds, splits["val"], cfg, n_blocks=None)
        test_logits = predict(result.model, splits["test"], batch_size)
        row["train_seconds"] = time.perf_counter() - start
    else:
        cut = finetune_blocks if mode == "partial_cached" else 0
        train_views = training_views(aug_views, mirror, seed)
        augmented = GroceryDataset("train", resolution, train=True, subset=subsets.get("train"), **kw)
        eval_views = train_views[:1 + mirror]  # the photo and its mirror image: test logits averaged over both
        jobs = {s: {v: augmented if v.startswith("aug") else ds for v in (train_views if s == "train" else eval_views)}
                for s, ds in splits.items()}
        maps, row["feature_seconds"], row["feature_splits_cached"] = _features(model, jobs, batch_size, cut)
        row["train_views"] = len(train_views)
        # one trunk pass serves both: maps for the fine-tune, pooled features for the probe
        feats = {k: pooled_from_maps(model, m, cut) for k, m in maps.items()} if cut else maps
        train_x = np.concatenate([feats["train", v] for v in train_views])
        train_y = np.tile(labels["train"], len(train_views))
        fitted, mean, std = linear_probe(train_x, train_y, feats["val", "plain"], labels["val"],
                                         len(classes), _probe_cfg(probe_epochs, seed))
        test_logits = sum(probe_logits(fitted.model, feats["test", v], mean, std) for v in eval_views)
        row["probe_fine_acc"] = float((test_logits.argmax(1) == labels["test"]).mean())
        probe_into_model(model, fitted.model, mean, std)
        if mode == "partial_cached":  # last blocks trained on cached maps (augmented only through the views)
            cfg = TrainConfig(epochs=finetune_epochs, lr=finetune_lr, weight_decay=1e-2, batch_size=64,
                              patience=3, seed=seed, monitor="val_acc", progress=False)
            train_maps = np.concatenate([maps["train", v] for v in train_views])
            fine_tune_cached(model, finetune_blocks, train_maps, train_y, maps["val", "plain"], labels["val"], cfg)
            back = Float16Input(model.split(finetune_blocks)[1])
            test_logits = sum(predict(back, ArrayDataset(input=maps["test", v]), batch_size) for v in eval_views)
        elif mode in ("partial", "full"):  # from the probe's head: LP-FT (Kumar et al. 2022)
            train_ds = GroceryDataset("train", finetune_resolution or resolution, train=True,
                                      subset=subsets.get("train"), **kw)
            cfg = TrainConfig(epochs=finetune_epochs, lr=finetune_lr, batch_size=32, schedule="cosine",
                              warmup_steps=30, label_smoothing=0.1, patience=finetune_epochs, seed=seed,
                              monitor="val_acc", progress=False)
            fine_tune(model, train_ds, splits["val"], cfg, n_blocks=finetune_blocks if mode == "partial" else None,
                      freeze_batchnorm=True)
            test_logits = sum(predict(model, Mirrored(splits["test"]) if v == "mirror" else splits["test"],
                                      batch_size) for v in eval_views)
            row["finetune_resolution"] = finetune_resolution or resolution
        row["train_seconds"] = time.perf_counter() - start
    pred = test_logits.argmax(1)
    fine_to_coarse = classes.set_index("fine_id")["coarse_id"]
    fine_to_top = classes.set_index("fine_id")["top"]
    truth = splits["test"].rows
    row["fine_acc"] = float((pred == truth["fine"].to_numpy()).mean())
    row["coarse_acc"] = float((fine_to_coarse.loc[pred].to_numpy() == truth["coarse"].to_numpy()).mean())
    row["top_acc"] = float((fine_to_top.loc[pred].to_numpy() == truth["top"].to_numpy()).mean())
    row["model"], row["test_pred"], row["test_rows"] = model, pred, truth
    row["test_correct"] = pred == truth["fine"].to_numpy()  # per test photo, for paired verdicts
    return row


def sim_run(backbone: str, resolution: int, *, n_products: int = 3000, level: int = 2, probe_epochs: int = 60,
            missing_weights: str = "skip", batch_size: int = 64, seed: int = 0) -> dict:
    """Linear probe of `backbone` on the simulator's product images, labelled by the true category's level."""
    config.seed_everything(seed)
    try:
        model, _, info = build_backbone(backbone, pretrained=True, missing_weights=missing_weights)
    except WeightsMissing as err:
        return {"backbone": backbone, "resolution": resolution, "status": f"skipped: {err}", "sim_acc": None}
    train, val, test, names = sim_image_splits(n_products, resolution, seed=seed, level=level,
                                               mean=info["mean"], std=info["std"])
    train.transform = val.transform  # features are cached once: no augmentation for a probe
    feats, seconds, _ = _features(model, {"train": train, "val": val, "test": test}, batch_size)
    fitted, mean, std = linear_probe(feats["train"], train.labels, feats["val"], val.labels, len(names),
                                     _probe_cfg(probe_epochs, seed))
    pred = probe_logits(fitted.model, feats["test"], mean, std).argmax(1)
    return {"backbone": backbone, "resolution": resolution, "status": info["status"], "level": level,
            "n_classes": len(names), "n_train": len(train), "n_test": len(test),
            "sim_acc": float((pred == test.labels).mean()), "feature_seconds": seconds,
            "test_correct": pred == np.asarray(test.labels)}


def correct_and_wrong(row: dict, n: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Positions of up to n correctly and n wrongly predicted test photos, for Grad-CAM figures."""
    rng = np.random.default_rng(seed)
    right = row["test_pred"] == row["test_rows"]["fine"].to_numpy()
    pick = [rng.permutation(np.flatnonzero(mask))[:n] for mask in (right, ~right)]
    return pick[0], pick[1]
