"""A saved fused model and the object that serves it, with the same interface as `TextPredictor`.

The folder format is shopcat.models.saved's, shared with the text model. `preprocess` is torch-free (it runs in the pipeline's worker processes): token
ids for name and mall category, the image as uint8 pixels at `image_size` and a has_image flag. Products
without an image get black pixels and has_image 0, which the fusion head was trained to expect.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from shopcat import config
from shopcat.text.predictor import collate_arrays, top_labels

DEFAULT_MODEL = config.MODELS_DIR / "fused" / "latest"


def save_fused_model(folder, model, vocab, labels: list[str], tokenizer, card: dict | None = None,
                     blank_malls: list[str] | None = None) -> Path:
    """Write a fused model in the one saved-model format (shopcat.models.saved); `tokenizer` is the Tokenizer
    used in training (every setting is saved) or its kind; blank_malls: abused mall categories it ignores."""
    from shopcat.models.saved import write_model

    return write_model(folder, "fused", model, vocab, labels, tokenizer, None, card, blank_malls)


class FusedPredictor:
    """Name + mall category + optional image -> probabilities over the platform leaves."""

    def __init__(self, model, vocab, tokenizer, labels: list[str], version: str, device: str = "cpu",
                 blank_malls=()):
        import torch

        model = model.eval().to(device)
        model.image.fuse_conv_bn()  # inference only: fold batch norms into the convolutions
        self.model, self.vocab, self.tokenizer = model, vocab, tokenizer
        self.cfg, self.labels, self.version = model.cfg, list(labels), version
        self.image_size = int(model.cfg.image_size)
        self.device = torch.device(device)
        self._no_image = np.zeros((self.image_size, self.image_size, 3), dtype=np.uint8)
        self.blank_malls = frozenset(blank_malls)  # abused mall categories: read as empty, as in training

    @classmethod
    def load(cls, path=DEFAULT_MODEL, device: str = "cpu") -> FusedPredictor:
        from shopcat.models.saved import read_meta

        return cls.from_meta(path, read_meta(path), device)

    @classmethod
    def from_meta(cls, path, meta: dict, device: str = "cpu") -> FusedPredictor:
        """Rebuild from a folder whose model.json (or older fused.json) was already read."""
        import torch

        from shopcat.models.fused import FusedClassifier, FusedConfig
        from shopcat.models.saved import build_tokenizer
        from shopcat.text.vocab import Vocab

        path = Path(path)
        if meta["kind"] != "fused":
            raise ValueError(f"{path} holds a {meta['kind']} model, not a fused model: use load_model")
        model_cfg = dict(meta["model"], image_channels=tuple(meta["model"]["image_channels"]))
        model = FusedClassifier(FusedConfig(**model_cfg))
        model.load_state_dict(torch.load(path / "model.pt", map_location="cpu", weights_only=True))
        return cls(model, Vocab.load(path / "vocab.json"), build_tokenizer(meta), meta["labels"], meta["version"],
                   device=str(device), blank_malls=meta.get("blank_malls", ()))

    def preprocess(self, title: str, mall_category: str = "", image=None) -> dict[str, np.ndarray]:
        """One product -> numpy arrays. `image`: RGB uint8 HxWx3 (resized here if not image_size), or None."""
        from shopcat.text.data import mall_text

        cfg = self.cfg
        if mall_category in self.blank_malls:
            mall_category = ""
        title_ids = self.vocab.encode(self.tokenizer.tokenize(title or ""), cfg.title_len)
        mall_ids = self.vocab.encode(self.tokenizer.tokenize(mall_text(mall_category)), cfg.mall_len)
        if image is None:
            pixels, has_image = self._no_image, np.float32(0.0)
        else:
            pixels, has_image = self._pixels(image), np.float32(1.0)
        return {"title": title_ids, "mall": mall_ids, "image": pixels, "has_image": np.asarray(has_image)}

    def _pixels(self, image) -> np.ndarray:
        pixels = np.asarray(image)
        size = self.image_size
        if pixels.shape != (size, size, 3) or pixels.dtype != np.uint8:
            from PIL import Image

            picture = Image.fromarray(pixels.astype(np.uint8)).convert("RGB")
            pixels = np.asarray(picture.resize((size, size), Image.BILINEAR))
        return np.ascontiguousarray(pixels)

    def collate(self, items: list[dict[str, np.ndarray]]) -> dict:
        return collate_arrays(items)

    def forward(self, batch: dict):
        """A collated batch -> (B, n_leaves) probabilities."""
        import torch

        with torch.inference_mode():
            logits = self.model(**{k: v.to(self.device) for k, v in batch.items()})
            return torch.softmax(logits, dim=1).cpu()

    def topk(self, probs, k: int = 5) -> list[list[tuple[str, float]]]:
        return top_labels(probs, self.labels, k)

    def predict(self, titles: list[str], malls: list[str] | None = None, images: list | None = None, k: int = 5):
        """Convenience for notebooks: top-k (leaf, probability) per product."""
        malls = malls if malls is not None else [""] * len(titles)
        images = images if images is not None else [None] * len(titles)
        items = [self.preprocess(t, m, image=i) for t, m, i in zip(titles, malls, images, strict=True)]
        return self.topk(self.forward(self.collate(items)), k)


def fused_forward_throughput(predictor: FusedPredictor, batch_size: int = 256, n_batches: int = 10,
                             threads: int = 2, repeats: int = 3, seed: int = 0) -> dict:
    """Products/s of `predictor.forward` on pre-collated batches with images (the model's ceiling in serving).

    The median of `repeats` timed rounds after a warm-up round is the figure; the best and every round are
    kept, so the spread a shared machine adds is on record.
    """
    import torch

    rng = np.random.default_rng(seed)
    cfg, size = predictor.cfg, predictor.image_size
    batch = {"title": torch.from_numpy(rng.integers(2, len(predictor.vocab), (batch_size, cfg.title_len))),
             "mall": torch.from_numpy(rng.integers(2, len(predictor.vocab), (batch_size, cfg.mall_len))),
             "image": torch.from_numpy(rng.integers(0, 256, (batch_size, size, size, 3), dtype=np.uint8)),
             "has_image": torch.ones(batch_size)}
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for _ in range(n_batches):  # warm-up round: first calls allocate and pick kernels
            predictor.forward(batch)
        rates = []
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(n_batches):
                predictor.forward(batch)
            rates.append(batch_size * n_batches / (time.perf_counter() - start))
    finally:
        torch.set_num_threads(previous)
    return {"products_per_s": float(np.median(rates)), "best_products_per_s": max(rates),
            "rounds": [float(r) for r in rates], "batch_size": batch_size, "n_batches": n_batches,
            "threads": threads, "image_size": size}
