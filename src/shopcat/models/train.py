"""Two-stage training of the fused model on one seed's split, scored per tree level like the text notebooks.

Stage 1: the name, mall-category and image branches each train alone with their own head, through the one
training loop (`shopcat.train.loop.fit`). Stage 2: the branches are frozen, their features computed once per
split, and only the fusion head trains on them (seconds).

`fusion_fit="in-sample"` (the deck's recipe) trains the head on the branches' outputs for their own training
rows, which are more confident and more often right than the outputs the head will see on new products, so
the head learns to trust its branches too much. `fusion_fit="oof"` trains `oof_folds` extra copies of the
branches, each on the training rows outside one fold, and gives the head every training row's outputs from
the copy that never saw it (stacking); validation and test rows get the full branches' outputs. Out-of-fold
outputs need the head to read log-probabilities (`fusion_input="logprobs"`), set automatically. `peer_branch=True`
adds the TF-IDF peer's out-of-fold log-probabilities as a fourth head input (`shopcat.models.peer_branch`, same
folds). `run_fused` returns the accuracy of each branch alone, of the fused model with and without images, and the
trained model for saving; with `heads` it fits several fusion heads on the same branches (and the same
out-of-fold outputs), so their differences are the heads' alone.

Images: simulated catalogs carry no image files, so every product's picture is rendered from its TRUE leaf
(what the product is, whatever label it was given) by `shopcat.sim.images`, once per catalog and cached
under `config.CACHE_DIR` (rendering 12,000 images costs about a minute).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time

import numpy as np
import pandas as pd
import torch

from shopcat import config
from shopcat.models.fused import FusedClassifier, FusedConfig
from shopcat.models.peer_branch import peer_log_probs
from shopcat.text.data import encode_ids
from shopcat.text.experiments import Corpus
from shopcat.text.vocab import Vocab
from shopcat.train.loop import ArrayDataset, TrainConfig, fit, predict
from shopcat.train.metrics import level_accuracy


def catalog_images(df: pd.DataFrame, size: int, seed: int = 0, missing_frac: float = 0.0,
                   cache: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, size, size, 3) uint8, has_image (N,) float32) in the catalog's row order.

    A share `missing_frac` of products (chosen with `seed`) gets no image: black pixels and has_image 0.
    """
    from shopcat.sim.images import render_images

    leaves = (df["true_category"] if "true_category" in df else df["category"]).astype(str).tolist()
    ids = df["product_id"].astype(str).tolist()
    digest = hashlib.sha1("\n".join(ids + leaves + [str(size), str(seed)]).encode("utf-8")).hexdigest()[:16]
    path = config.CACHE_DIR / "fused_images" / f"{size}px_{len(ids)}_{digest}.npy"
    if cache and path.is_file():
        images = np.load(path)
    else:
        images = render_images(ids, leaves, size, seed=seed)
        if cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, images)
    has_image = (np.random.default_rng(seed).random(len(ids)) >= missing_frac).astype(np.float32)
    images = images * has_image[:, None, None, None].astype(np.uint8)
    return images, has_image


def split_arrays(corpus: Corpus, df: pd.DataFrame, images: np.ndarray, has_image: np.ndarray, vocab: Vocab,
                 cfg: FusedConfig) -> dict[str, dict[str, np.ndarray]]:
    """Per split the model's four inputs, rows in the corpus's order."""
    position = pd.Series(np.arange(len(df)), index=df["product_id"].values)
    out = {}
    for split in ("train", "val", "test"):
        rows = position.loc[getattr(corpus, split)["product_id"].values].to_numpy()
        tokens = corpus.tokens[split]
        out[split] = {"title": encode_ids(tokens["title"], vocab, cfg.title_len),
                      "mall": encode_ids(tokens["mall"], vocab, cfg.mall_len),
                      "image": images[rows], "has_image": has_image[rows]}
    return out


def _dataset(arrays: dict, keys: tuple[str, ...], labels: np.ndarray) -> ArrayDataset:
    return ArrayDataset(**{k: arrays[k] for k in keys}, label=np.asarray(labels, dtype=np.int64),
                        idx=np.arange(len(labels)))


@torch.inference_mode()
def branch_features(model: FusedClassifier, arrays: dict, batch_size: int = 512) -> dict[str, torch.Tensor]:
    """Every branch's features for one split (eval mode: no dropout), the fusion head's training input."""
    model.eval()
    n, parts = len(arrays["title"]), []
    for start in range(0, n, batch_size):
        batch = {k: torch.as_tensor(arrays[k][start:start + batch_size]) for k in ("title", "mall", "image",
                                                                                    "has_image")}
        parts.append(model.branch_features(**batch))
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def _rows(arrays: dict, rows: np.ndarray) -> dict:
    return {k: v[rows] for k, v in arrays.items()}


def train_branches(model: FusedClassifier, train: dict, y_train: np.ndarray, val: dict, y_val: np.ndarray,
                   train_cfg, epochs: int, image_epochs: int,
                   branches: tuple[str, ...] = ("name", "mall", "image")) -> dict:
    """Stage 1: each branch alone on `train`, early-stopped on `val`; returns each branch's seconds and epochs.

    `branches` names the ones to train (a search that varies only the text branches trains the image once)."""
    log = {}
    stage1 = (("name", model.name, ("title",), epochs), ("mall", model.mall, ("mall",), epochs),
              ("image", model.image, ("image",), image_epochs))
    for name, branch, keys, n_epochs in stage1:
        if name not in branches:
            continue
        t0 = time.time()
        result = fit(branch, _dataset(train, keys, y_train), _dataset(val, keys, y_val), train_cfg(n_epochs))
        log[name] = {"seconds": time.time() - t0, "epochs": len(result.history), "best_epoch": result.best_epoch}
    return log


def oof_branch_outputs(corpus: Corpus, arrays: dict, cfg: FusedConfig, folds: int, seed: int, train_cfg,
                       epochs: int, image_epochs: int) -> tuple[dict[str, torch.Tensor], np.ndarray]:
    """Every training row's branch outputs from branches trained without that row's fold, and the fold ids."""
    n = len(corpus.y_train)
    fold = fold_ids(n, folds, seed)
    out = None
    for k in range(folds):
        inside, held = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        config.seed_everything(seed + 1 + k)
        copy = FusedClassifier(cfg)
        train_branches(copy, _rows(arrays["train"], inside), corpus.y_train[inside], arrays["val"], corpus.y_val,
                       train_cfg, epochs, image_epochs)
        part = branch_features(copy, _rows(arrays["train"], held))
        if out is None:
            out = {key: torch.zeros((n, *v.shape[1:]), dtype=v.dtype) for key, v in part.items()}
        for key, v in part.items():
            out[key][held] = v
    return out, fold


def fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    """Each training row's fold, shared by the branches' out-of-fold copies and the peer branch."""
    return np.random.default_rng(seed).permutation(n) % folds


def head_config(cfg: FusedConfig, fusion_fit: str, peer_branch: bool = False) -> FusedConfig:
    """The config of one fusion head on the shared branches; says what a combination cannot do."""
    if fusion_fit not in ("in-sample", "oof"):
        raise ValueError(f"fusion_fit must be 'in-sample' or 'oof', not {fusion_fit!r}")
    if fusion_fit == "oof" and cfg.fusion_input != "logprobs":
        raise ValueError("out-of-fold fusion needs fusion_input='logprobs' (fold copies share no feature space)")
    if peer_branch and fusion_fit != "oof":
        raise ValueError("the peer branch needs fusion_fit='oof': its in-sample scores on its own training rows "
                         "are nearly always right")
    return dataclasses.replace(cfg, peer_branch=peer_branch)


def train_fused_heads(corpus: Corpus, arrays: dict, cfg: FusedConfig, heads: dict[str, dict], *, epochs: int = 6,
                      image_epochs: int = 8, fusion_epochs: int = 10, batch_size: int = 128, lr: float = 2e-3,
                      patience: int = 2, seed: int = 0, num_threads: int | None = None,
                      oof_folds: int = 3) -> tuple[dict[str, FusedClassifier], dict]:
    """Stage 1 once, then one fusion head per entry of `heads`, {name: {"fusion_fit": ..., "fusion_input": ...,
    "peer_branch": ...}} (FusedConfig fields over `cfg`), each on the same frozen branches; out-of-fold branch
    outputs are computed once for every head that needs them. Returns the models by name and the stages' log."""
    specs = {name: dict(spec) for name, spec in heads.items()}
    cfgs = {name: head_config(dataclasses.replace(cfg, **{k: v for k, v in spec.items() if k != "fusion_fit"}),
                              spec.get("fusion_fit", "in-sample"), spec.get("peer_branch", cfg.peer_branch))
            for name, spec in specs.items()}
    if any(c.peer_branch for c in cfgs.values()) and not all("peer" in arrays[s] for s in ("train", "val")):
        raise ValueError("a peer-branch head needs arrays[split]['peer'] (run_fused computes them)")
    config.seed_everything(seed)
    model = FusedClassifier(cfg)
    y_train, y_val = corpus.y_train, corpus.y_val

    def train_cfg(n_epochs):
        return TrainConfig(epochs=n_epochs, lr=lr, batch_size=batch_size, patience=patience, seed=seed,
                           num_threads=num_threads, progress=False, device="cpu")

    log = train_branches(model, arrays["train"], y_train, arrays["val"], y_val, train_cfg, epochs, image_epochs)
    model.freeze_branches()
    oof = None
    if any(spec.get("fusion_fit") == "oof" for spec in specs.values()):
        t0 = time.time()
        oof, _ = oof_branch_outputs(corpus, arrays, dataclasses.replace(cfg, fusion_input="logprobs"), oof_folds,
                                    seed, train_cfg, epochs, image_epochs)
        log["oof"] = {"seconds": time.time() - t0, "folds": oof_folds}
    models = {}
    for name, head_cfg in cfgs.items():
        t0 = time.time()
        config.seed_everything(seed)
        fused = model.with_head(head_cfg)
        out_of_fold = specs[name].get("fusion_fit") == "oof"
        features = {"train": dict(oof) if out_of_fold else branch_features(fused, arrays["train"]),
                    "val": branch_features(fused, arrays["val"])}
        if head_cfg.peer_branch:
            for split in ("train", "val"):
                features[split]["peer"] = torch.as_tensor(arrays[split]["peer"])
        result = fit(fused.head, _dataset(features["train"], tuple(features["train"]), y_train),
                     _dataset(features["val"], tuple(features["val"]), y_val), train_cfg(fusion_epochs))
        log[f"fusion {name}" if len(cfgs) > 1 else "fusion"] = {
            "seconds": time.time() - t0, "epochs": len(result.history), "best_epoch": result.best_epoch}
        models[name] = fused.eval()
    return models, log


def train_fused(corpus: Corpus, arrays: dict, cfg: FusedConfig, *, fusion_fit: str = "in-sample",
                **kwargs) -> tuple[FusedClassifier, dict]:
    """Stage 1 then stage 2 with one head; returns the model and each stage's seconds and epochs.

    fusion_fit: "in-sample" (head on the full branches' outputs for their own training rows) or "oof"
    (head on out-of-fold outputs; needs cfg.fusion_input == "logprobs")."""
    models, log = train_fused_heads(corpus, arrays, cfg, {"fused": {"fusion_fit": fusion_fit}}, **kwargs)
    return models["fused"], log


FUSED, NO_IMAGE = "fused (name + mall + image)", "fused, image removed"


def score_fused(model: FusedClassifier, corpus: Corpus, test: dict, branches: bool = True) -> dict[str, dict]:
    """Per-level test accuracy of each branch alone, the fused model, and the fused model with no images."""
    def levels(logits) -> dict:
        return level_accuracy(corpus.test_truth, [corpus.leaves[i] for i in np.asarray(logits).argmax(1)])

    zeros = np.zeros(len(test["title"]))

    def run(module, keys, arrays=test):
        return predict(module, _dataset(arrays, keys, zeros), batch_size=512, device="cpu")

    no_image = {**test, "image": np.zeros_like(test["image"]), "has_image": np.zeros_like(test["has_image"])}
    both = ("title", "mall", "image", "has_image") + (("peer",) if model.cfg.peer_branch else ())
    fused = {FUSED: levels(run(model, both)), NO_IMAGE: levels(run(model, both, no_image))}
    if not branches:  # heads on shared branches: their branches are scored once
        return fused
    return {"name only": levels(run(model.name, ("title",))),
            "mall only": levels(run(model.mall, ("mall",))),
            "image only": levels(run(model.image, ("image",))), **fused}


def run_fused(corpus: Corpus, df: pd.DataFrame, images: np.ndarray, has_image: np.ndarray, *,
              vocab_size: int | None = None, seed: int = 0, heads: dict[str, dict] | None = None,
              **kwargs) -> dict:
    """Build the vocabulary, train both stages and score; kwargs are FusedConfig fields and train_fused's.

    heads: {name: head spec} (see train_fused_heads) fits several heads on the same branches; each is scored
    as `name` and `name + ", image removed"` (FUSED's as NO_IMAGE). Without it, one head, scored as FUSED and
    NO_IMAGE."""
    t0 = time.time()
    vocab = Vocab.build(corpus.tokens["train"]["title"] + corpus.tokens["train"]["mall"], max_size=vocab_size)
    fields = set(FusedConfig.__dataclass_fields__)
    if kwargs.get("fusion_fit") == "oof":
        kwargs.setdefault("fusion_input", "logprobs")
    cfg = FusedConfig(vocab_size=len(vocab), n_classes=len(corpus.leaves), image_size=images.shape[1],
                      **{k: v for k, v in kwargs.items() if k in fields})
    arrays = split_arrays(corpus, df, images, has_image, vocab, cfg)
    options = {k: v for k, v in kwargs.items() if k not in fields}
    peer_seconds = peer_levels = None
    if cfg.peer_branch or any(spec.get("peer_branch") for spec in (heads or {}).values()):
        t1 = time.time()
        scores = peer_log_probs(corpus, fold_ids(len(corpus.y_train), options.get("oof_folds", 3), seed), seed)
        for split in ("train", "val", "test"):
            arrays[split]["peer"] = scores[split]
        peer_seconds = time.time() - t1
        # the peer fit on every training row is notebook 01's TF-IDF peer: its test accuracy comes for free
        peer_levels = level_accuracy(corpus.test_truth, [corpus.leaves[i] for i in scores["test"].argmax(1)])
    if heads is None:
        model, log = train_fused(corpus, arrays, cfg, seed=seed, **options)
        models, names = {FUSED: model}, {FUSED: NO_IMAGE}
    else:
        options.pop("fusion_fit", None)
        models, log = train_fused_heads(corpus, arrays, cfg, heads, seed=seed, **options)
        names = {name: NO_IMAGE if name == FUSED else f"{name}, image removed" for name in models}
    if peer_seconds is not None:
        log["peer"] = {"seconds": peer_seconds}
    levels = {}
    for name, model in models.items():
        scored = score_fused(model, corpus, arrays["test"], branches=not levels)
        levels.update({k: v for k, v in scored.items() if k not in (FUSED, NO_IMAGE)})
        levels[name], levels[names[name]] = scored[FUSED], scored[NO_IMAGE]
    first = next(iter(models.values()))
    return {"levels": levels, "stages": log, "seconds": time.time() - t0, "n_params": first.n_parameters(),
            "model": first, "models": models, "vocab": vocab, "cfg": cfg,
            "peer_levels": peer_levels}


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Area-averaged resize of a (N, S, S, 3) uint8 stack, as serving's resize would see a smaller picture."""
    from PIL import Image

    if images.shape[1] == size:
        return images
    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BOX)) for im in images])


def train_image_only(corpus: Corpus, arrays: dict, cfg: FusedConfig, *, epochs: int = 8, batch_size: int = 128,
                     lr: float = 2e-3, patience: int = 2, seed: int = 0, num_threads: int | None = None) -> dict:
    """Stage 1 for the image branch alone (an image-branch variant): its test accuracy per level."""
    from shopcat.models.fused import ImageBranch

    config.seed_everything(seed)
    branch = ImageBranch(cfg)
    t0 = time.time()
    result = fit(branch, _dataset(arrays["train"], ("image",), corpus.y_train),
                 _dataset(arrays["val"], ("image",), corpus.y_val),
                 TrainConfig(epochs=epochs, lr=lr, batch_size=batch_size, patience=patience, seed=seed,
                             num_threads=num_threads, progress=False, device="cpu"))
    logits = predict(result.model, _dataset(arrays["test"], ("image",), np.zeros(len(arrays["test"]["image"]))),
                     batch_size=512, device="cpu")
    pred = [corpus.leaves[i] for i in logits.argmax(1)]
    return {"levels": level_accuracy(corpus.test_truth, pred), "seconds": time.time() - t0}
