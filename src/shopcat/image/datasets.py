"""Image datasets for the training loop: real grocery photos and the simulator's rendered product images.

Items are the loop's dicts {"image": float tensor 3xRxR, "label": long, "idx": long}. Any resolution works:
images are resized on the fly (JPEGs are decoded at reduced scale when small, which makes low resolutions
cheap). Training items get standard augmentation (random resized crop, flip, light colour jitter).

The Grocery Store Dataset (Klasson et al., WACV 2019) is read in place from the shared data folder and never
copied: 81 fine classes, 42 coarse classes, 3 top groups, official lists dataset/{train,val,test}.txt whose
lines are `path, fine_id, coarse_id`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image
from torch.utils.data import Dataset
from torchvision.transforms import v2

from shopcat import config

GROCERY_SPLITS = ("train", "val", "test")


def grocery_root(root: str | Path | None = None) -> Path:
    """The dataset folder (the one holding dataset/train.txt); a clear error when it is not there."""
    if root is None:
        try:
            root = config.shared_path("grocery-store")
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f"Grocery Store Dataset not found ({err}). Clone github.com/marcusklasson/GroceryStoreDataset "
                "into <shared data>/grocery-store or point SHOPCAT_SHARED_DATA at the folder that holds it."
            ) from None
    root = Path(root)
    if not (root / "dataset" / "train.txt").is_file():
        raise FileNotFoundError(
            f"Grocery Store Dataset not found at {root}: expected {root / 'dataset' / 'train.txt'} and the photos "
            "beside it (github.com/marcusklasson/GroceryStoreDataset). It is read in place, never copied."
        )
    return root


def grocery_classes(root: str | Path | None = None) -> pd.DataFrame:
    """One row per fine class: fine_id, fine_name, coarse_id, coarse_name, top (Fruit/Vegetables/Packages)."""
    table = pd.read_csv(grocery_root(root) / "dataset" / "classes.csv")
    table.columns = ["fine_name", "fine_id", "coarse_name", "coarse_id", "iconic_image", "description"]
    table["top"] = table["iconic_image"].str.strip("/").str.split("/").str[1]
    return table[["fine_id", "fine_name", "coarse_id", "coarse_name", "top"]].sort_values("fine_id").reset_index(drop=True)


def grocery_available(root: str | Path | None = None) -> bool:
    """True when the grocery photos can be read; the image notebooks run on simulated images without them."""
    try:
        grocery_root(root)
    except FileNotFoundError:
        return False
    return True


def grocery_split(split: str, root: str | Path | None = None) -> pd.DataFrame:
    """The official list of one split: columns path (absolute), fine, coarse, top."""
    if split not in GROCERY_SPLITS:
        raise ValueError(f"split must be one of {GROCERY_SPLITS}, not {split!r}")
    base = grocery_root(root) / "dataset"
    rows = pd.read_csv(base / f"{split}.txt", header=None, names=["path", "fine", "coarse"], skipinitialspace=True)
    rows["top"] = rows["path"].str.split("/").str[1]
    rows["path"] = [str(base / p) for p in rows["path"]]
    return rows


def image_transform(resolution: int, mean, std, train: bool):
    """Standard augmentation for training, a plain resize for evaluation; input is a uint8 CHW tensor."""
    if train:
        steps = [
            v2.RandomResizedCrop(resolution, scale=(0.25, 1.0), antialias=True),
            v2.RandomHorizontalFlip(),
            v2.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
        ]
    else:
        steps = [v2.Resize((resolution, resolution), antialias=True)]
    return v2.Compose([*steps, v2.ToDtype(torch.float32, scale=True), v2.Normalize(list(mean), list(std))])


def load_rgb(path: str, resolution: int) -> torch.Tensor:
    """Decode a photo as a uint8 CHW tensor; JPEG draft mode decodes at a reduced scale for small targets."""
    with Image.open(path) as image:
        image.draft("RGB", (resolution, resolution))  # only ever scales down to >= the requested size
        array = np.asarray(image.convert("RGB"))
    return torch.from_numpy(array.copy()).permute(2, 0, 1)


class GroceryDataset(Dataset):
    """Photos of one official split, labelled at `level` ('fine' 81, 'coarse' 42 or 'top' 3 classes)."""

    def __init__(self, split: str, resolution: int = 224, *, level: str = "fine", train: bool = False,
                 mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), root=None, subset: int | None = None,
                 seed: int = 0):
        rows = grocery_split(split, root)
        if subset is not None and subset < len(rows):  # a stratified-enough random subset for quick runs
            rows = rows.sample(n=subset, random_state=seed).sort_index()
        self.rows = rows.reset_index(drop=True)
        if level == "top":
            tops = sorted(grocery_split("train", root)["top"].unique())
            self.labels = self.rows["top"].map({t: i for i, t in enumerate(tops)}).to_numpy()
        else:
            self.labels = self.rows[level].to_numpy()
        self.resolution, self.level = resolution, level
        self.decode_px = 2 * resolution if train else resolution  # a random crop is enlarged: decode it sharper
        self.transform = image_transform(resolution, mean, std, train)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        image = load_rgb(self.rows["path"].iat[i], self.decode_px)
        return {"image": self.transform(image), "label": torch.tensor(int(self.labels[i])),
                "idx": torch.tensor(i)}


class Mirrored(Dataset):
    """Another image dataset's items flipped left-right: the second view of test-time mirror averaging."""

    def __init__(self, ds: Dataset):
        self.ds = ds

    def __len__(self) -> int:
        return len(self.ds)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        item = dict(self.ds[i])
        item["image"] = item["image"].flip(-1)
        return item


class SimImageDataset(Dataset):
    """The simulator's rendered product images (rendered once, kept in memory as uint8) with integer labels."""

    def __init__(self, product_ids, leaf_paths, labels, resolution: int = 64, *, train: bool = False,
                 mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), render_size: int | None = None,
                 seed: int = 0):
        from shopcat.sim.images import render_images

        pixels = render_images(list(product_ids), list(leaf_paths), render_size or resolution, seed=seed)
        self.images = torch.from_numpy(np.ascontiguousarray(pixels)).permute(0, 3, 1, 2)  # N,3,S,S uint8
        self.labels = np.asarray(labels, dtype=np.int64)
        self.resolution = resolution
        self.transform = image_transform(resolution, mean, std, train)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"image": self.transform(self.images[i]), "label": torch.tensor(int(self.labels[i])),
                "idx": torch.tensor(i)}


def sim_image_splits(n_products: int = 2000, resolution: int = 64, seed: int = 0, level: int | None = None,
                     test_frac: float = 0.3, val_frac: float = 0.1, mean=(0.485, 0.456, 0.406),
                     std=(0.229, 0.224, 0.225), **sim_kwargs):
    """Simulated catalog -> (train, val, test) SimImageDatasets labelled by true leaf (or its level-k prefix).

    Returns the datasets and the label names; split at random with `seed`.
    """
    from shopcat.sim import simulate_catalog

    catalog = simulate_catalog(n_products, seed=seed, **sim_kwargs)
    truth = catalog["true_category"] if "true_category" in catalog else catalog["category"]
    target = truth if level is None else truth.str.split(">").str[:level].str.join(">")
    names = sorted(target.unique())
    labels = target.map({n: i for i, n in enumerate(names)}).to_numpy()
    order = np.random.default_rng(seed).permutation(len(catalog))
    n_test, n_val = int(len(order) * test_frac), int(len(order) * val_frac)
    parts = {"test": order[:n_test], "val": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}
    out = {}
    for split, rows in parts.items():
        out[split] = SimImageDataset(catalog["product_id"].to_numpy()[rows], truth.to_numpy()[rows], labels[rows],
                                     resolution, train=split == "train", mean=mean, std=std, seed=seed)
    return out["train"], out["val"], out["test"], names
