"""Three ways to adapt a pretrained backbone, all trained by the one loop `shopcat.train.loop.fit`.

  - linear probe: backbone features are computed once per (backbone, weights, resolution, dataset) and cached
    as .npy under config.CACHE_DIR, then a plain nn.Linear head trains on them in seconds (the CPU path);
  - partial fine-tune: the last n trunk blocks and the head train, the rest stays frozen (and in eval mode);
  - full fine-tune: everything trains.
The probe's head is standardised features -> logits; `probe_into_model` folds the standardisation into the
backbone's head so the whole image model predicts (and Grad-CAM explains) with it.
"""

from __future__ import annotations

import hashlib
import json
import time

import numpy as np
import torch
from torch import nn

from shopcat import config
from shopcat.train.loop import ArrayDataset, FitResult, TrainConfig, fit, predict

FEATURE_CACHE_VERSION = 1


def dataset_identity(ds) -> str:
    """What a dataset's images are, for the cache key: the photo paths, or the rendered pixels' hash."""
    if hasattr(ds, "rows"):
        content = "\n".join(ds.rows["path"]).encode()
    else:
        content = ds.images.numpy().tobytes()
    return hashlib.sha1(content).hexdigest()[:16]


def feature_cache_path(model, ds, cut_blocks: int = 0):
    key = {
        "v": FEATURE_CACHE_VERSION,
        "backbone": model.name,
        "status": model.preprocess["status"],
        "resolution": ds.resolution,
        "n": len(ds),
        "images": dataset_identity(ds),
    }
    if cut_blocks:
        key["cut_blocks"] = cut_blocks
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    kind = f"_maps{cut_blocks}" if cut_blocks else ""
    return config.CACHE_DIR / "image_features" / f"{model.name}_{ds.resolution}px{kind}_{digest}.npy"


@torch.no_grad()
def extract_features(model, ds, batch_size: int = 64, device: str = "auto", cut_blocks: int = 0) -> np.ndarray:
    """Pooled features (N, feature_dim), or with cut_blocks=n the maps entering the last n blocks (float16)."""
    from torch.utils.data import DataLoader

    dev = config.device(device)
    model.to(dev).eval()
    front = model.split(cut_blocks)[0] if cut_blocks else model.features
    out = []
    for batch in DataLoader(ds, batch_size=batch_size, shuffle=False):
        maps = front(batch["image"].to(dev)).cpu()
        out.append(maps.half() if cut_blocks else maps.float())
    return torch.cat(out).numpy()


def cached_features(model, ds, batch_size: int = 64, device: str = "auto", cut_blocks: int = 0):
    """Features for `ds`, computed once and then read from the cache; returns (features, was_cached)."""
    path = feature_cache_path(model, ds, cut_blocks)
    if path.is_file():
        return np.load(path), True
    feats = extract_features(model, ds, batch_size, device, cut_blocks)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path.with_suffix(".partial.npy"), feats)
    path.with_suffix(".partial.npy").replace(path)
    return feats, False


@torch.no_grad()
def pooled_from_maps(model, maps: np.ndarray, cut_blocks: int, batch_size: int = 256) -> np.ndarray:
    """Pooled features from cached maps: only the last `cut_blocks` blocks run, so the probe costs no trunk pass."""
    back = nn.Sequential(*list(model.net)[len(model.blocks) - cut_blocks:]).eval()
    out = [back(torch.as_tensor(maps[i:i + batch_size]).float()) for i in range(0, len(maps), batch_size)]
    return torch.cat(out).numpy()


def linear_probe(train_x, train_y, val_x, val_y, num_classes: int, cfg: TrainConfig | None = None):
    """Train nn.Linear on standardised features; returns (FitResult, mean, std) for probe_into_model."""
    cfg = cfg or TrainConfig(epochs=60, lr=3e-3, weight_decay=1e-3, batch_size=128, patience=8,
                             monitor="val_acc", progress=False)
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6

    def as_dataset(x, y):
        x = torch.as_tensor((x - mean) / std, dtype=torch.float32)
        return ArrayDataset(input=x, label=torch.tensor(np.asarray(y), dtype=torch.long), idx=torch.arange(len(y)))

    head = nn.Linear(train_x.shape[1], num_classes)
    result = fit(head, as_dataset(train_x, train_y), as_dataset(val_x, val_y), cfg)
    return result, mean, std


def probe_logits(head: nn.Linear, x: np.ndarray, mean, std) -> np.ndarray:
    ds = ArrayDataset(input=torch.as_tensor((x - mean) / std, dtype=torch.float32))
    return predict(head, ds, batch_size=1024)


@torch.no_grad()
def probe_into_model(model, head: nn.Linear, mean, std):
    """Set the image model's head to the probe, standardisation folded in: W' = W/std, b' = b - W'.mean."""
    mean = torch.as_tensor(mean, dtype=torch.float32)
    std = torch.as_tensor(std, dtype=torch.float32)
    weight = head.weight.detach().cpu() / std
    model.head = nn.Linear(weight.shape[1], weight.shape[0])
    model.head.weight.copy_(weight)
    model.head.bias.copy_(head.bias.detach().cpu() - weight @ mean)
    return model


def fine_tune(model, train_ds, val_ds, cfg: TrainConfig, n_blocks: int | None = 2) -> FitResult:
    """Partial (last `n_blocks` trunk blocks + head) or full (n_blocks=None) fine-tune through `fit`."""
    if n_blocks is None:
        for p in model.parameters():
            p.requires_grad = True
        model.frozen = []
    else:
        model.freeze_all_but(n_blocks)
    return fit(model, train_ds, val_ds, cfg)


def fine_tune_cached(model, n_blocks: int, train_maps, train_y, val_maps, val_y, cfg: TrainConfig) -> FitResult:
    """Partial fine-tune on cached maps: the frozen front ran once; the last n blocks and the head train here.

    No augmentation (the maps are fixed), which is the price of running on a CPU in minutes.
    """
    _, back = model.split(n_blocks)
    for p in back.parameters():
        p.requires_grad = True

    def as_dataset(x, y):
        return ArrayDataset(input=torch.as_tensor(x), label=torch.tensor(np.asarray(y), dtype=torch.long),
                            idx=torch.arange(len(y)))

    return fit(Float16Input(back), as_dataset(train_maps, train_y), as_dataset(val_maps, val_y), cfg)


class Float16Input(nn.Module):
    """Cached maps are stored as float16; the blocks compute in float32."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, input):  # noqa: A002 - the loop passes the cached maps as `input`
        return self.inner(input.float())


def throughput(model, resolution: int, *, train: bool, batch_size: int = 32, n_batches: int = 3,
               n_blocks: int | None = None, device: str = "auto") -> float:
    """Images per second of the model alone on random input (train: forward+backward+step), after a warm-up."""
    dev = config.device(device)
    model.to(dev)
    x = torch.randn(batch_size, 3, resolution, resolution, device=dev)
    if train:
        model.train()
        if n_blocks is not None:
            model.freeze_all_but(n_blocks)
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.SGD(params, lr=1e-4)
        y = torch.zeros(batch_size, dtype=torch.long, device=dev)

        def step():
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(n_batches):
        step()
    return batch_size * n_batches / (time.perf_counter() - start)
