"""`shopcat predict`: top-k categories with probabilities from any saved model, for one title or a file.

    shopcat predict "스텐 텀블러 500ml" --mall "주방>컵"            one product, printed
    shopcat predict --input products.csv --out predictions.csv    a CSV or Parquet of products

The input needs a `title` column; `product_id`, `mall_category` and (for a fused model) `image`, a local
file path, are used when present. Errors go to stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from shopcat import config
from shopcat.models.saved import load_model

DEFAULT_MODEL = config.MODELS_DIR / "text" / "latest"


class InputError(ValueError):
    """An input file that cannot be predicted on, said in one sentence."""


def read_products(path, encoding: str | None = None) -> pd.DataFrame:
    """The products of a CSV/Parquet file; titles required, everything else optional."""
    from shopcat.data.schema import CatalogError, read_table

    try:
        frame, _, problems, _ = read_table(config.caller_path(path), encoding=encoding)
    except CatalogError as error:
        raise InputError(str(error)) from None
    if len(problems):
        first = problems.iloc[0]
        raise InputError(f"{path}: {len(problems)} row(s) could not be parsed, first row {first['row']}: "
                         f"{first['reason']}")
    if "title" not in frame.columns:
        raise InputError(f"{path} has no 'title' column (columns: {', '.join(map(str, frame.columns))}).")
    titles = frame["title"].fillna("").astype(str).str.strip()
    if (titles == "").any():
        row = int(np.flatnonzero((titles == "").to_numpy())[0]) + 2  # 1-based, after the header line
        raise InputError(f"{path}: row {row} has an empty title (field 'title'); every product needs one.")
    frame = frame.copy()
    if "product_id" not in frame.columns:
        frame.insert(0, "product_id", [str(i) for i in range(len(frame))])
    return frame


def read_image_file(value, size: int):
    """A product image from a local path, or None (URLs are not fetched: nothing downloads at run time)."""
    from PIL import Image

    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    if not text or text.startswith(("http://", "https://")):
        return None
    path = config.caller_path(text)
    if not path.is_file():
        return None
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB").resize((size, size)))


def predict_table(predictor, products: pd.DataFrame, k: int = 3, batch_size: int = 256) -> pd.DataFrame:
    """One row per product: product_id, then category_1..k and probability_1..k, best first."""
    malls = (products["mall_category"].fillna("").astype(str) if "mall_category" in products
             else pd.Series([""] * len(products)))
    image_size = getattr(predictor, "image_size", None)
    rows = []
    for start in range(0, len(products), batch_size):
        part = products.iloc[start:start + batch_size]
        items = []
        for i, (title, mall) in enumerate(zip(part["title"].astype(str), malls.iloc[start:start + batch_size],
                                              strict=True)):
            if image_size:
                image = read_image_file(part["image"].iat[i], image_size) if "image" in part else None
                items.append(predictor.preprocess(title, mall, image=image))
            else:
                items.append(predictor.preprocess(title, mall))
        for product_id, top in zip(part["product_id"].astype(str), predictor.topk(predictor.forward(
                predictor.collate(items)), k), strict=True):
            row = {"product_id": product_id}
            for rank, (leaf, prob) in enumerate(top, start=1):
                row[f"category_{rank}"], row[f"probability_{rank}"] = leaf, round(float(prob), 6)
            rows.append(row)
    return pd.DataFrame(rows)


def write_table(table: pd.DataFrame, path) -> Path:
    path = config.caller_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, index=False, encoding="utf-8")
    return path


def cli_predict(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcat predict", description=__doc__.split("\n")[0])
    parser.add_argument("title", nargs="?", help="one product's title (or use --input)")
    parser.add_argument("--mall", default="", help="the seller's own category path, e.g. '디지털/가전>MP3'")
    parser.add_argument("--input", help="a CSV or Parquet file of products (a 'title' column at least)")
    parser.add_argument("--out", help="where to write the predictions (.csv or .parquet); default: stdout as CSV")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="saved model folder (default %(default)s)")
    parser.add_argument("-k", type=int, default=3, help="how many categories per product")
    parser.add_argument("--encoding", help="the input CSV's encoding (detected when not given)")
    args = parser.parse_args(argv)
    if bool(args.title) == bool(args.input):
        print("shopcat predict: give either one title or --input FILE.", file=sys.stderr)
        return 2
    try:
        predictor = load_model(config.caller_path(args.model))
        if args.title:
            for leaf, prob in predictor.predict([args.title], [args.mall], k=args.k)[0]:
                print(f"{prob:.3f}  {leaf}")
            return 0
        table = predict_table(predictor, read_products(args.input, args.encoding), k=args.k)
    except (FileNotFoundError, InputError) as error:
        print(f"shopcat predict: {error}", file=sys.stderr)
        return 1
    if args.out:
        path = write_table(table, args.out)
        print(f"{len(table)} products -> {path}", file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False)
    return 0
