"""`shopcat train`: the best configuration the repository has measured, trained on a user's own catalog.

    shopcat train --data my_catalog.csv --out models/mine
    shopcat predict --model models/mine --input new_products.csv --out predictions.csv

Text only, the model is notebook 01's best and served one: the wide n-gram branch with leaf names (a full-rank
linear layer over TF-IDF weighted hashed word and character n-grams, trained with the one-vs-rest squared
hinge, plus the title's and mall category's cosines with each leaf path times learned gains), trained with
early stopping on validation accuracy. With `--images` and local image files in the `image` column, it is
notebook 06's fused name + mall + image model with the head fit on out-of-fold branch outputs (06's best
servable head). The catalog is split into train / validation / test (stratified by leaf); the model card
reports per-level accuracy on validation and test, and goes into the model folder beside the weights. Abused
mall categories (a seller category that takes any product, with labels that follow it) are listed on the
training split, their contradicted rows dropped and the categories ignored (`--abused-malls keep` trains
on every row as it is; notebook 01 measures what the filter adds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from shopcat import config

# notebook 01's cpu-profile settings for its best model ("wide n-gram branch + leaf names")
TEXT_RECIPE = dict(cnn=False, wide=True, wide_l2=5e-4, loss="ovr_hinge", label_smoothing=0.0, lr=0.005,
                   batch_size=128, patience=5, label_text=True, subword={"kiwi_tokens": False, "title_maxn": 0})
# notebook 06's cpu-profile settings for the fused model, with its best servable head: fit on out-of-fold
# branch log-probabilities (+3.0 points [1.3, 4.7] over the deck's in-sample head, 3 seeds; the head with the
# TF-IDF peer as a fourth input scores higher but cannot be served without the peer's scores)
FUSED_RECIPE = dict(embed_dim=64, n_maps=64, title_len=24, mall_len=8, branch_dim=128, fcl_dim=256, dropout=0.3,
                    image_dropout=0.3, image_channels=(24, 48, 96, 128), epochs=6, image_epochs=6, fusion_epochs=10,
                    batch_size=128, lr=2e-3, fusion_fit="oof", oof_folds=3)
IMAGE_SIZE = 48


class TrainError(ValueError):
    """A catalog this command cannot train on, said in one sentence."""


def file_images(df, size: int = IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, size, size, 3) uint8, has_image (N,)) from the `image` column's local files.

    A missing, unreadable or remote (http) image counts as no image (black pixels, has_image 0): nothing is
    downloaded at run time, and the fused model was trained to classify products without one.
    """
    from shopcat.models.predict import read_image_file

    images = np.zeros((len(df), size, size, 3), dtype=np.uint8)
    has = np.zeros(len(df), dtype=np.float32)
    for i, value in enumerate(df["image"] if "image" in df else [None] * len(df)):
        try:
            pixels = read_image_file(value, size)
        except OSError:
            pixels = None
        if pixels is not None:
            images[i], has[i] = pixels, 1.0
    return images, has


def _levels_of(truth: list[str], logits, leaves: list[str]) -> dict:
    from shopcat.train.metrics import level_accuracy

    return level_accuracy(truth, [leaves[i] for i in np.asarray(logits).argmax(1)])


def train_on_catalog(data, out, *, images: bool = False, seed: int = 0, epochs: int = 30,
                     encoding: str | None = None, data_kind: str = "real", val_frac: float = 0.1,
                     test_frac: float = 0.1, progress: bool = True, threads: int | None = None,
                     recipe: dict | None = None, abused_malls: str = "drop") -> Path:
    """Train on the catalog file `data`, write the model and its card to `out`; returns the folder.

    abused_malls="drop" (text and fused models): mall categories whose training labels the titles contradict
    (`shopcat.text.mall_abuse`) are listed on the training split, their contradicted rows dropped and the
    categories blanked in training, scoring and serving; the list and its evidence go into the card and
    `abused_malls.csv` for review. "keep" trains on every row as it is."""
    from shopcat.data.sources import load_catalog
    from shopcat.data.splits import eval_labels
    from shopcat.models.saved import META, model_card_markdown, read_meta
    from shopcat.text import experiments as ex

    started = time.time()
    config.seed_everything(seed)
    df, data_info = load_catalog(str(data), seed=seed, data_kind=data_kind, encoding=encoding)
    tok = ex.make_tokenizer("kiwi")
    df, tokens = ex.prepare_corpus(df, tok)
    corpus = ex.split_corpus(df, tokens, seed=seed, val_frac=val_frac, test_frac=test_frac)
    val_truth = [str(x) for x in eval_labels(corpus.val)]
    folder_text, out = str(out), config.caller_path(out)
    card = {"name": out.name, "data": data_info, "folder": folder_text, "seed": seed,
            "split": f"stratified random: {len(corpus.train)} train / {len(corpus.val)} validation / "
                     f"{len(corpus.test)} test rows (seed {seed})"}
    if abused_malls not in ("drop", "keep"):
        raise TrainError(f"abused_malls must be 'drop' or 'keep', not {abused_malls!r}")
    pixels, has_image = file_images(df) if images else (None, None)
    if images and not has_image.any():
        raise TrainError("--images was given but no row's `image` is a readable local file")
    blank = []
    if abused_malls == "drop":
        corpus, listed, drop = ex.filter_abused_malls(corpus)
        blank = listed["mall_category"].tolist()
        card["abused_malls"] = {"listed": blank, "training_rows_dropped": int(drop.sum())}
        out.mkdir(parents=True, exist_ok=True)
        listed.to_csv(out / "abused_malls.csv", index=False, encoding="utf-8")
    if images:
        from shopcat.models import train as ft
        from shopcat.models.predictor import save_fused_model

        run = ft.run_fused(corpus, df, pixels, has_image, seed=seed, num_threads=threads,
                           **{**FUSED_RECIPE, **(recipe or {})})
        test = run["levels"]["fused (name + mall + image)"]
        card.update(architecture="fused name + mall + image, out-of-fold head (notebook 06)",
                    images_found=int(has_image.sum()), metrics={"test": test})
        save_fused_model(out, run["model"], run["vocab"], corpus.leaves, tok, card=card, blank_malls=blank)
    else:
        from shopcat.text.predictor import save_text_model

        run = ex.run_textcnn(corpus, seed=seed, epochs=epochs, progress=progress, logits=True, num_threads=threads,
                             **{**TEXT_RECIPE, **(recipe or {})})
        card.update(architecture="wide n-gram branch + leaf names (notebook 01's best text model)",
                    metrics={"validation": _levels_of(val_truth, run["val_logits"], corpus.leaves),
                             "test": run["levels"]},
                    training={k: run[k] for k in ("epochs_run", "best_epoch", "seconds_per_epoch",
                                                  "products_per_s")})
        save_text_model(out, run["model"], run["vocab"], corpus.leaves, run["cfg"], tok, run["featurizer"], card=card,
                        blank_malls=blank)
    card["train_seconds"] = round(time.time() - started, 1)
    card["trained_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta = {**read_meta(out), "card": card}  # the card's last figures (time, date) into model.json too
    (out / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card_markdown(meta), encoding="utf-8")
    return out


def cli_train(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcat train", description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="a catalog file (CSV or Parquet, the README's schema)")
    parser.add_argument("--out", required=True, help="the model folder to write, e.g. models/mine")
    parser.add_argument("--images", action="store_true", help="train the fused model on the `image` column's files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30, help="a ceiling: training stops early on validation")
    parser.add_argument("--encoding", help="the CSV's encoding (detected when not given)")
    parser.add_argument("--data-kind", default="real", choices=("real", "simulated"))
    parser.add_argument("--abused-malls", default="drop", choices=("drop", "keep"),
                        help="drop: list mall categories whose labels the titles contradict, drop their contradicted "
                             "training rows and ignore those categories (default); keep: train on every row")
    parser.add_argument("--threads", type=int, help="torch threads (default: every core; 1 when the cores are shared)")
    args = parser.parse_args(argv)
    from shopcat.data.schema import CatalogError

    try:
        folder = train_on_catalog(args.data, args.out, images=args.images, seed=args.seed, epochs=args.epochs,
                                  encoding=args.encoding, data_kind=args.data_kind, threads=args.threads,
                                  abused_malls=args.abused_malls)
    except (CatalogError, TrainError, FileNotFoundError) as error:
        print(f"shopcat train: {error}", file=sys.stderr)
        return 1
    print((folder / "MODEL_CARD.md").read_text(encoding="utf-8"))
    print(f"model written to {folder}", file=sys.stderr)
    return 0
