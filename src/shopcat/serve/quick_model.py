"""A small real text model to serve when notebook 01 has not saved one: trained briefly on simulated data.

Serving speed depends on the model's shape (TextCNN of the default size, Kiwi or whitespace tokens), not on
how well it was trained, so one short epoch is enough here. Reports say when this model was used.
"""

from __future__ import annotations

from pathlib import Path

from shopcat import config


def train_quick_text_model(folder, n_products: int = 3000, epochs: int = 1, seed: int = 0,
                           tokenizer: str = "kiwi", **model_kwargs) -> Path:
    """Simulate a catalog, train a default-size TextCNN for `epochs`, save it with save_text_model."""
    from shopcat.sim import simulate_catalog
    from shopcat.text.data import encode_labels, label_list, make_dataset, tokenize_catalog
    from shopcat.text.experiments import make_tokenizer
    from shopcat.text.predictor import save_text_model
    from shopcat.text.textcnn import TextClassifier, TextCNNConfig
    from shopcat.text.vocab import Vocab
    from shopcat.train.loop import TrainConfig, fit

    catalog = simulate_catalog(n_products=n_products, seed=seed).reset_index(drop=True)
    tok = make_tokenizer(tokenizer)
    tokens = tokenize_catalog(catalog, tok)
    vocab = Vocab.build(tokens["title"] + tokens["mall"])
    leaves = label_list(catalog["category"])
    cfg = TextCNNConfig(vocab_size=len(vocab), n_classes=len(leaves), **model_kwargs)
    config.seed_everything(seed)
    model = TextClassifier(cfg)
    data = make_dataset(tokens, vocab, encode_labels(catalog["category"], leaves), cfg.title_len, cfg.mall_len)
    fit(model, data, data, TrainConfig(epochs=epochs, seed=seed, progress=False, batch_size=128))
    return save_text_model(folder, model.eval(), vocab, leaves, cfg, tok.kind)
