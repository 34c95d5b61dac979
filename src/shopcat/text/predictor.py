"""A saved text model and the object that serves it: `shopcat predict` and the Kafka pipeline both use it.

A saved model is a folder: model.pt (weights), config.json (model config, every tokenizer and subword
featurizer setting, version), vocab.json and labels.json. Loading rebuilds the tokenizer and featurizer from
those settings, so a served model sees exactly the ids it was trained on. `preprocess` is torch-free so it can run in cheap worker processes; only
`collate` and `forward` touch torch.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from shopcat import config

DEFAULT_MODEL = config.MODELS_DIR / "text" / "latest"


def save_text_model(folder, model, vocab, labels: list[str], cfg, tokenizer, featurizer=None) -> Path:
    """Write everything `TextPredictor.load` needs into `folder` (created if missing).

    tokenizer: the Tokenizer used in training (all its settings are saved) or just its kind (a str);
    featurizer: the SubwordFeaturizer of a model with n-gram inputs (None for a plain TextCNN)."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "model.pt")
    digest = hashlib.sha1((folder / "model.pt").read_bytes()).hexdigest()[:10]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    if (cfg.ngram_buckets or cfg.bag_buckets) and featurizer is None:
        raise ValueError("this model reads hashed n-grams: pass the featurizer it was trained with")
    settings = tokenizer.settings() if hasattr(tokenizer, "settings") else {"kind": str(tokenizer)}
    meta = {"model": asdict(cfg), "tokenizer": {k: list(v) if isinstance(v, tuple) else v
                                                for k, v in settings.items()},
            "featurizer": featurizer.settings() if featurizer is not None else None,
            "version": f"{stamp}-{digest}", "git_commit": config.git_commit()}
    (folder / "config.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / "labels.json").write_text(json.dumps(list(labels), ensure_ascii=False), encoding="utf-8")
    vocab.save(folder / "vocab.json")
    return folder


def collate_arrays(items: list[dict[str, np.ndarray]]) -> dict:
    """Preprocessed products (dicts of equal-shaped arrays) -> one batch of tensors, key by key."""
    import torch

    return {k: torch.from_numpy(np.stack([item[k] for item in items])) for k in items[0]}


def top_labels(probs, labels: list[str], k: int) -> list[list[tuple[str, float]]]:
    """(B, n_labels) probabilities -> per row the k most probable (label, probability), best first."""
    import torch

    values, indices = torch.as_tensor(probs).topk(min(k, len(labels)), dim=1)
    return [[(labels[i], float(v)) for v, i in zip(vs, ix, strict=True)]
            for vs, ix in zip(values.tolist(), indices.tolist(), strict=True)]


class TextPredictor:
    """Title + mall category -> probabilities over the platform leaves, from a folder written by save_text_model."""

    def __init__(self, model, vocab, tokenizer, labels: list[str], cfg, version: str, featurizer=None):
        self.model, self.vocab, self.tokenizer = model.eval(), vocab, tokenizer
        self.labels, self.cfg, self.version, self.featurizer = labels, cfg, version, featurizer

    @classmethod
    def load(cls, path=DEFAULT_MODEL, device: str = "cpu") -> TextPredictor:
        import torch

        from shopcat.text.subword import SubwordFeaturizer
        from shopcat.text.textcnn import TextClassifier, TextCNNConfig
        from shopcat.text.tokenizer import Tokenizer
        from shopcat.text.vocab import Vocab

        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"no saved text model in {path} (run notebook 01 to write models/text/latest)")
        meta = json.loads((path / "config.json").read_text(encoding="utf-8"))
        model_cfg = meta["model"]
        for key in ("widths", "mall_widths"):
            model_cfg[key] = tuple(model_cfg[key])
        cfg = TextCNNConfig(**model_cfg)
        model = TextClassifier(cfg)
        model.load_state_dict(torch.load(path / "model.pt", map_location=device))
        model.to(device)
        labels = json.loads((path / "labels.json").read_text(encoding="utf-8"))
        tok = meta["tokenizer"]
        tokenizer = Tokenizer(**tok) if isinstance(tok, dict) else Tokenizer(kind=tok)  # a str: older folders
        featurizer = SubwordFeaturizer.from_settings(meta["featurizer"]) if meta.get("featurizer") else None
        return cls(model, Vocab.load(path / "vocab.json"), tokenizer, labels, cfg, meta["version"], featurizer)

    def preprocess(self, title: str, mall_category: str = "") -> dict[str, np.ndarray]:
        """One product -> fixed-length id arrays. Pure python and numpy: safe and cheap in worker processes."""
        from shopcat.text.data import encode_inputs, mall_text

        title, mall_category = title or "", mall_category or ""
        tokens = {"title": [self.tokenizer.tokenize(title)], "mall": [self.tokenizer.tokenize(mall_text(mall_category))]}
        arrays = encode_inputs(tokens, self.vocab, self.cfg, self.featurizer,
                               {"title": [title], "mall": [mall_category]})
        return {k: v[0] for k, v in arrays.items()}

    def collate(self, items: list[dict[str, np.ndarray]]) -> dict:
        return collate_arrays(items)

    def forward(self, batch: dict):
        """A collated batch -> (B, n_leaves) probabilities."""
        import torch

        device = next(self.model.parameters()).device
        with torch.no_grad():
            logits = self.model(**{k: v.to(device) for k, v in batch.items()})
        return torch.softmax(logits, dim=1).cpu()

    def topk(self, probs, k: int = 5) -> list[list[tuple[str, float]]]:
        return top_labels(probs, self.labels, k)

    def predict(self, titles: list[str], malls: list[str] | None = None, k: int = 5):
        """Convenience for notebooks and the CLI: top-k (leaf, probability) per title."""
        malls = malls if malls is not None else [""] * len(titles)
        batch = self.collate([self.preprocess(t, m) for t, m in zip(titles, malls, strict=True)])
        return self.topk(self.forward(batch), k)


def cli_predict(argv: list[str]) -> int:
    """shopcat predict "<title>" --mall "<mall category>" [--model PATH] [-k 5]"""
    parser = argparse.ArgumentParser(prog="shopcat predict", description="Top-k platform categories for a title.")
    parser.add_argument("title")
    parser.add_argument("--mall", default="", help="the seller's own category path, e.g. '디지털/가전>MP3'")
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="saved model folder (default %(default)s)")
    parser.add_argument("-k", type=int, default=5, help="how many categories to print")
    args = parser.parse_args(argv)
    try:
        predictor = TextPredictor.load(args.model)
    except FileNotFoundError as error:
        print(error)
        return 1
    for leaf, prob in predictor.predict([args.title], [args.mall], k=args.k)[0]:
        print(f"{prob:.3f}  {leaf}")
    return 0
