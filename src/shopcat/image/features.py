"""Three ways to adapt a pretrained backbone, all trained by the one loop `shopcat.train.loop.fit`.

  - linear probe: backbone features are computed once per (backbone, weights, resolution, dataset) and cached
    as .npy under config.CACHE_DIR, then a plain nn.Linear head trains on them in seconds (the CPU path);
  - partial fine-tune: the last n trunk blocks and the head train, the rest stays frozen (and in eval mode);
  - full fine-tune: everything trains.
Cached features can still see augmentation: each photo may be cached as several views (plain, mirror image,
seeded augmented draws), which the cached modes use as extra training samples and test-time averages.
The probe's head is standardised features -> logits; `probe_into_model` folds the standardisation into the
backbone's head so the whole image model predicts (and Grad-CAM explains) with it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time

import numpy as np
import torch
from torch import nn

from shopcat import config
from shopcat.image.datasets import Mirrored
from shopcat.train.loop import ArrayDataset, FitResult, TrainConfig, fit, predict

FEATURE_CACHE_VERSION = 2  # 2: trunk with batch norm folded in (outputs differ from 1 at ~1e-5)


def dataset_identity(ds) -> str:
    """What a dataset's images are, for the cache key: the photo paths, or the rendered pixels' hash."""
    if hasattr(ds, "rows"):
        content = "\n".join(ds.rows["path"]).encode()
    else:
        content = ds.images.numpy().tobytes()
    return hashlib.sha1(content).hexdigest()[:16]


def feature_cache_path(model, ds, cut_blocks: int = 0, view: str = "plain"):
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
    if view != "plain":
        check_view(view)
        key["view"] = view
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    kind = (f"_maps{cut_blocks}" if cut_blocks else "") + ("" if view == "plain" else f"_{view}")
    return config.CACHE_DIR / "image_features" / f"{model.name}_{ds.resolution}px{kind}_{digest}.npy"


def check_view(view: str) -> None:
    """Views of a photo that can be cached: 'plain', 'mirror' (flipped left-right) or 'aug<seed>' (one fixed
    draw of the training augmentation, so a cached feature set still sees augmented photos)."""
    if view not in ("plain", "mirror") and not (view.startswith("aug") and view[3:].isdigit()):
        raise ValueError(f"view must be 'plain', 'mirror' or 'aug<seed>', not {view!r}")


def training_views(n_augmented: int, mirror: bool = True, seed: int = 0) -> list[str]:
    """The cached views of each training photo: plain, its mirror image, and n seeded augmented draws."""
    return ["plain"] + (["mirror"] if mirror else []) + [f"aug{seed * 1000 + k}" for k in range(n_augmented)]


def inference_trunk(net: nn.Module) -> nn.Module:
    """A frozen trunk made fast for CPU inference: batch norm folded into the convolutions (where torch.fx can
    trace the net; EfficientNet-Lite's blocks cannot be traced) and channels-last layout. Same outputs to 1e-5;
    MobileNetV2 extracts about 2.5x faster on this 2-core machine."""
    from torch.fx.experimental.optimization import fuse

    net = copy.deepcopy(net).eval()
    try:
        net = fuse(net)
    except Exception:  # untraceable control flow (EfficientNet-Lite): keep the batch norms
        pass
    return net.to(memory_format=torch.channels_last)


@torch.no_grad()
def extract_features(model, ds, batch_size: int = 64, device: str = "auto", cut_blocks: int = 0,
                     view: str = "plain") -> np.ndarray:
    """Pooled features (N, feature_dim), or with cut_blocks=n the maps entering the last n blocks (float16).

    view 'mirror' flips each image left-right; 'aug<seed>' runs the dataset's own (training) transform with
    the torch generator seeded, so the same seed gives the same draw (the global generator is left as found).
    """
    from torch.utils.data import DataLoader

    check_view(view)
    dev = config.device(device)
    model.to(dev).eval()
    front = inference_trunk(model.split(cut_blocks)[0] if cut_blocks else model.net)
    out = []
    with torch.random.fork_rng(devices=[]):
        if view.startswith("aug"):
            torch.manual_seed(int(view[3:]))
        for batch in DataLoader(Mirrored(ds) if view == "mirror" else ds, batch_size=batch_size, shuffle=False):
            image = batch["image"].to(dev)
            maps = front(image.contiguous(memory_format=torch.channels_last)).cpu()
            out.append(maps.contiguous().half() if cut_blocks else maps.float())
    return torch.cat(out).numpy()


def cached_features(model, ds, batch_size: int = 64, device: str = "auto", cut_blocks: int = 0,
                    view: str = "plain"):
    """Features for `ds`, computed once and then read from the cache; returns (features, was_cached)."""
    path = feature_cache_path(model, ds, cut_blocks, view)
    if path.is_file():
        return np.load(path), True
    feats = extract_features(model, ds, batch_size, device, cut_blocks, view)
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

    config.seed_everything(cfg.seed)  # the head's initial weights too: same seed, same probe, whatever ran before
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


def fine_tune(model, train_ds, val_ds, cfg: TrainConfig, n_blocks: int | None = 2,
              freeze_batchnorm: bool = False) -> FitResult:
    """Partial (last `n_blocks` trunk blocks + head) or full (n_blocks=None) fine-tune through `fit`.

    The model moves to channels-last layout, which trains MobileNetV2 markedly faster on CPU."""
    model.batchnorm_frozen = freeze_batchnorm
    model.to(memory_format=torch.channels_last)
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
               n_blocks: int | None = None, device: str = "auto", warmup: int = 3) -> dict:
    """Images per second of the model alone on random input (train: forward+backward+step).

    The first `warmup` batches are not timed (the first at a new input size pays for allocation and kernel
    selection: untimed, 224 px once looked 4x slower than 160 px); then each batch is timed alone and the
    median is reported with its quartiles, so one slow batch on a shared machine does not set the figure.
    """
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
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(n_batches):
        start = time.perf_counter()
        step()
        rates.append(batch_size / (time.perf_counter() - start))
    q25, median, q75 = np.percentile(rates, [25, 50, 75])
    return {"img_s": float(median), "img_s_q25": float(q25), "img_s_q75": float(q75), "batches": n_batches,
            "rates": [float(r) for r in rates]}
