"""A small untrained text classifier with the `TextPredictor` interface, for serving tests and benchmarks.

Serving speed and reliability do not depend on what the model learned, only on its inputs and its size. This
stand-in hashes whitespace tokens to ids (no vocabulary to build) and runs a one-layer TextCNN, so the pipeline
can be tested against a real torch model before, or without, a trained one from notebook 01.
Anything measured with it is labelled "stand-in model" in the reports.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

MARKER = "stand_in.json"  # a saved stand-in is a folder holding this file and weights.pt


class HashedTextCNN(nn.Module):
    def __init__(self, n_buckets: int, dim: int, filters: int, n_labels: int):
        super().__init__()
        self.embed = nn.Embedding(n_buckets, dim, padding_idx=0)
        self.conv = nn.Conv1d(dim, filters, kernel_size=3, padding=1)
        self.head = nn.Linear(filters, n_labels)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embed(ids).transpose(1, 2)  # (B, dim, T)
        x = torch.relu(self.conv(x)).amax(dim=2)  # (B, filters)
        return self.head(x)


class StandInPredictor:
    """Same methods as shopcat.text.predictor.TextPredictor: preprocess, collate, forward, topk."""

    def __init__(self, labels: list[str], n_buckets: int = 2**16, dim: int = 64, filters: int = 128,
                 max_len: int = 32, seed: int = 0, version: str = "stand-in", crash_on: str | None = None):
        """crash_on: a title on which preprocess raises RuntimeError, standing in for a bug in a model's own
        code, so tests can check a bug crashes a worker instead of turning the product into a dead letter."""
        torch.manual_seed(seed)
        self.crash_on = crash_on
        self.labels = list(labels)
        self.n_buckets, self.dim, self.filters, self.max_len, self.seed = n_buckets, dim, filters, max_len, seed
        self.version = version
        self.model = HashedTextCNN(n_buckets, dim, filters, len(labels)).eval()
        self.device = torch.device("cpu")

    def preprocess(self, title: str, mall_category: str = "") -> dict[str, np.ndarray]:
        if self.crash_on is not None and title == self.crash_on:
            raise RuntimeError(f"stand-in model told to crash on {title!r}")
        tokens = title.lower().split() + [t for t in mall_category.split(">") if t]
        ids = np.zeros(self.max_len, dtype=np.int64)
        for i, token in enumerate(tokens[: self.max_len]):
            ids[i] = 1 + zlib.crc32(token.encode("utf-8")) % (self.n_buckets - 1)
        return {"ids": ids}

    def collate(self, items: list[dict[str, np.ndarray]]) -> dict[str, torch.Tensor]:
        return {"ids": torch.from_numpy(np.stack([item["ids"] for item in items]))}

    def to(self, device) -> StandInPredictor:
        self.device = torch.device(device)
        self.model.to(self.device)
        return self

    @torch.inference_mode()
    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        batch = {k: v.to(self.device) for k, v in batch.items()}
        return torch.softmax(self.model(**batch), dim=1).cpu()

    def topk(self, probs: torch.Tensor, k: int) -> list[list[tuple[str, float]]]:
        from shopcat.text.predictor import top_labels

        return top_labels(probs, self.labels, k)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = dict(labels=self.labels, n_buckets=self.n_buckets, dim=self.dim, filters=self.filters,
                      max_len=self.max_len, seed=self.seed, version=self.version, crash_on=self.crash_on)
        (path / MARKER).write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        torch.save(self.model.state_dict(), path / "weights.pt")
        return path

    @classmethod
    def load(cls, path: str | Path) -> StandInPredictor:
        path = Path(path)
        predictor = cls(**json.loads((path / MARKER).read_text(encoding="utf-8")))
        predictor.model.load_state_dict(torch.load(path / "weights.pt", map_location="cpu"))
        return predictor


def make_stand_in(path: str | Path, n_labels: int = 200, seed: int = 0, crash_on: str | None = None) -> Path:
    """Save a stand-in model with n_labels made-up leaf paths; returns the folder."""
    labels = [f"L1-{i % 10}>L2-{i % 40}>leaf-{i}" for i in range(n_labels)]
    return StandInPredictor(labels, seed=seed, version=f"stand-in-{n_labels}-seed{seed}", crash_on=crash_on).save(path)


def load_predictor(path: str | Path, device: str = "cpu"):
    """Any saved model the pipeline can serve: a stand-in, else whatever shopcat.models.saved.load_model loads."""
    if (Path(path) / MARKER).is_file():
        return StandInPredictor.load(path).to(device)
    from shopcat.models.saved import load_model

    return load_model(path, device=str(device))
