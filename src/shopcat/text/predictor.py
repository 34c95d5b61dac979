"""A saved text model and the object that serves it: `shopcat predict` and the Kafka pipeline both use it.

The folder format (model.json, model.pt, vocab.json) is shopcat.models.saved's, shared with the fused model;
loading rebuilds the tokenizer and featurizer from the recorded settings, so a served model sees exactly the
ids it was trained on. `preprocess` is torch-free so it can run in cheap worker processes; only `collate` and
`forward` touch torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shopcat import config

DEFAULT_MODEL = config.MODELS_DIR / "text" / "latest"


def save_text_model(folder, model, vocab, labels: list[str], cfg, tokenizer, featurizer=None,
                    card: dict | None = None, blank_malls: list[str] | None = None) -> Path:
    """Write a text model in the one saved-model format (shopcat.models.saved).

    tokenizer: the Tokenizer used in training (all its settings are saved) or just its kind (a str);
    featurizer: the SubwordFeaturizer of a model with n-gram inputs (None for a plain TextCNN)."""
    from shopcat.models.saved import write_model

    if (cfg.ngram_buckets or cfg.bag_buckets or cfg.wide_buckets) and featurizer is None:
        raise ValueError("this model reads hashed n-grams: pass the featurizer it was trained with")
    return write_model(folder, "text", model, vocab, labels, tokenizer, featurizer, card, blank_malls)


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

    def __init__(self, model, vocab, tokenizer, labels: list[str], cfg, version: str, featurizer=None,
                 blank_malls=()):
        self.model, self.vocab, self.tokenizer = model.eval(), vocab, tokenizer
        self.labels, self.cfg, self.version, self.featurizer = labels, cfg, version, featurizer
        # label-text scores: the vectoriser is fit on the leaf list alone, so the saved labels rebuild it
        self.label_text = None
        if getattr(cfg, "label_text_rows", 0):  # scikit-learn is imported only by models that read leaf names
            from shopcat.text.label_text import LabelText

            self.label_text = LabelText(labels)
        if self.label_text is not None and self.label_text.rows != cfg.label_text_rows:
            raise ValueError(f"the labels give {self.label_text.rows} label-text rows, the model has "
                             f"{cfg.label_text_rows}: was it saved with other labels or scikit-learn?")
        self.blank_malls = frozenset(blank_malls)  # abused mall categories: read as empty, as in training

    @classmethod
    def load(cls, path=DEFAULT_MODEL, device: str = "cpu") -> TextPredictor:
        from shopcat.models.saved import read_meta

        return cls.from_meta(path, read_meta(path), device)

    @classmethod
    def from_meta(cls, path, meta: dict, device: str = "cpu") -> TextPredictor:
        """Rebuild from a folder whose model.json (or older config.json) was already read."""
        import torch

        from shopcat.models.saved import build_tokenizer
        from shopcat.text.subword import SubwordFeaturizer
        from shopcat.text.textcnn import TextClassifier, TextCNNConfig
        from shopcat.text.vocab import Vocab

        path = Path(path)
        if meta["kind"] != "text":
            raise ValueError(f"{path} holds a {meta['kind']} model, not a text model: use load_model")
        model_cfg = dict(meta["model"])
        for key in ("widths", "mall_widths"):
            model_cfg[key] = tuple(model_cfg[key])
        cfg = TextCNNConfig(**model_cfg)
        model = TextClassifier(cfg)
        model.load_state_dict(torch.load(path / "model.pt", map_location=device, weights_only=True))
        model.to(device)
        featurizer = SubwordFeaturizer.from_settings(meta["featurizer"]) if meta.get("featurizer") else None
        return cls(model, Vocab.load(path / "vocab.json"), build_tokenizer(meta), meta["labels"], cfg,
                   meta["version"], featurizer, meta.get("blank_malls", ()))

    def preprocess(self, title: str, mall_category: str = "") -> dict[str, np.ndarray]:
        """One product -> fixed-length id arrays. Pure python and numpy: safe and cheap in worker processes."""
        from shopcat.text.data import encode_inputs, mall_text

        title, mall_category = title or "", mall_category or ""
        if mall_category in self.blank_malls:
            mall_category = ""
        tokens = {"title": [self.tokenizer.tokenize(title)], "mall": [self.tokenizer.tokenize(mall_text(mall_category))]}
        arrays = encode_inputs(tokens, self.vocab, self.cfg, self.featurizer,
                               {"title": [title], "mall": [mall_category]}, self.label_text)
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
