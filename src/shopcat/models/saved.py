"""One format for every saved model (text or fused), and one function that loads any of them.

A saved model is a folder:
  model.json   kind ("text" or "fused"), the model config, every tokenizer and featurizer setting, the
               labels, version, git commit, and the model card's figures (what it was trained on, how well)
  model.pt     the weights
  vocab.json   the token vocabulary
  MODEL_CARD.md  the card for a person to read (written by `shopcat train`)
Loading rebuilds the tokenizer and featurizer from the recorded settings, so a served model sees exactly the
ids it was trained on. Folders written before this format (config.json for text, fused.json for fused
models, labels.json beside) still load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from shopcat import config

META = "model.json"
KINDS = ("text", "fused")


def _json_ready(settings: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def write_model(folder, kind: str, model, vocab, labels: list[str], tokenizer, featurizer=None,
                card: dict | None = None, blank_malls: list[str] | None = None) -> Path:
    """Write a trained model in the one format; `tokenizer` is the Tokenizer used in training.

    blank_malls: mall categories the model was trained to ignore (abused ones, `shopcat.text.mall_abuse`);
    the served model blanks them too, so it sees what it was trained on."""
    import torch

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), folder / "model.pt")
    digest = hashlib.sha1((folder / "model.pt").read_bytes()).hexdigest()[:10]
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    settings = tokenizer.settings() if hasattr(tokenizer, "settings") else {"kind": str(tokenizer)}
    meta = {"kind": kind, "model": asdict(model.cfg), "tokenizer": _json_ready(settings),
            "featurizer": featurizer.settings() if featurizer is not None else None, "labels": list(labels),
            "version": f"{kind}-{stamp}-{digest}", "git_commit": config.run_commit(), "card": card or {},
            "blank_malls": sorted(blank_malls or [])}
    vocab.save(folder / "vocab.json")
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")  # last: complete
    return folder


def read_meta(folder) -> dict:
    """model.json of a saved model (or the equivalent read from an older folder), with its kind."""
    folder = Path(folder)
    if (folder / META).is_file():
        return json.loads((folder / META).read_text(encoding="utf-8"))
    for legacy, kind in (("fused.json", "fused"), ("config.json", "text")):
        if (folder / legacy).is_file():
            meta = json.loads((folder / legacy).read_text(encoding="utf-8"))
            labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
            tok = meta["tokenizer"]
            return {**meta, "kind": kind, "labels": labels,
                    "tokenizer": tok if isinstance(tok, dict) else {"kind": tok}, "card": meta.get("card", {})}
    raise FileNotFoundError(f"no saved model in {folder} (write one with `shopcat train` or notebooks 01/06)")


def has_model(folder, kind: str | None = None) -> bool:
    """Whether `folder` holds a saved model (of `kind`, when given)."""
    try:
        return kind is None or read_meta(folder)["kind"] == kind
    except (FileNotFoundError, KeyError, ValueError):
        return False


def build_tokenizer(meta: dict):
    from shopcat.text.tokenizer import Tokenizer

    return Tokenizer(**meta["tokenizer"])


def load_model(path, device: str = "cpu"):
    """The predictor of any saved model: TextPredictor or FusedPredictor, one interface
    (preprocess, collate, forward, topk, predict)."""
    meta = read_meta(path)
    if meta["kind"] == "fused":
        from shopcat.models.predictor import FusedPredictor

        return FusedPredictor.from_meta(path, meta, device=str(device))
    from shopcat.text.predictor import TextPredictor

    return TextPredictor.from_meta(path, meta, device=str(device))


def model_card_markdown(meta: dict) -> str:
    """MODEL_CARD.md: what the model is, what it learned from, how well it did, how to use it."""
    card = meta.get("card") or {}
    data = card.get("data") or {}
    lines = [f"# Model card: {card.get('name', meta['version'])}", "",
             f"- kind: {meta['kind']} ({card.get('architecture', '')})",
             f"- version: {meta['version']}", f"- trained: {card.get('trained_at', '')}",
             f"- git commit: {meta.get('git_commit', '')}",
             f"- data: {data.get('kind', '?')}: {data.get('name', '')}; {data.get('read', '?')} rows read, "
             f"{data.get('rows', '?')} accepted, {data.get('rejected', '?')} rejected",
             f"- split: {card.get('split', '')}", f"- leaves: {len(meta['labels'])}",
             f"- tokenizer: {meta['tokenizer']}"]
    abused = card.get("abused_malls")
    if abused is not None:
        listed = ", ".join(abused["listed"]) or "none"
        lines.append(f"- abused mall categories (blanked in training and serving; evidence in abused_malls.csv): "
                     f"{listed}; {abused['training_rows_dropped']} training rows dropped")
    lines.append("")
    metrics = card.get("metrics") or {}
    if metrics:
        lines += ["## Test accuracy per level", "", "| split | " + " | ".join(metrics["test"]) + " |",
                  "| --- |" + " --- |" * len(metrics["test"])]
        for split, levels in metrics.items():
            lines.append(f"| {split} | " + " | ".join("" if v is None else f"{100 * v:.1f}%" for v in levels.values())
                         + " |")
        lines.append("")
    if card.get("training"):
        t = card["training"]
        lines += [f"Training: {t.get('epochs_run')} epochs run, best epoch {t.get('best_epoch')} (kept), "
                  f"{t.get('seconds_per_epoch', 0):.1f} s per epoch; {card.get('train_seconds', '?')} s in all.", ""]
    lines += ["Labels are learned from the catalog's `category` column and scored against it (and against",
              "`true_category` where the file has one): noisy labels in, noisy scores out.", "",
              f"Use: `shopcat predict --model {card.get('folder', '<folder>')} --input products.csv --out predictions.csv`"]
    return "\n".join(lines) + "\n"
