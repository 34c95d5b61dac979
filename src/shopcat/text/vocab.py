"""Token <-> id, built from the training split only and capped at the K most frequent terms.

The deck's point is that a capped vocabulary (20K) beats the full one (1.4M): rare terms get too few
examples to learn from, and everything outside the cap shares one OOV id that does learn. Id 0 pads,
id 1 is OOV; real terms start at 2, most frequent first, ties broken by the token's text so the same
training split always gives the same ids.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

PAD, OOV = 0, 1
SPECIALS = ("<pad>", "<oov>")


class Vocab:
    def __init__(self, tokens: Sequence[str], counts: Sequence[int] | None = None):
        """`tokens`: the real terms in id order (ids 2, 3, ...); `counts`: their training frequencies."""
        self.itos = list(SPECIALS) + list(tokens)
        self.stoi = {tok: i for i, tok in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("vocabulary tokens must be unique and differ from the special tokens")
        self.counts = list(counts) if counts is not None else [0] * len(tokens)

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]], max_size: int | None = None, min_count: int = 1) -> Vocab:
        """The terms seen at least `min_count` times, the `max_size` most frequent of them (None: all)."""
        counter = Counter(tok for tokens in token_lists for tok in tokens)
        ranked = sorted(((tok, n) for tok, n in counter.items() if n >= min_count and tok not in SPECIALS),
                        key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            ranked = ranked[:max_size]
        return cls([tok for tok, _ in ranked], [n for _, n in ranked])

    def __len__(self) -> int:
        """Number of ids, the two special ones included (the embedding table's row count)."""
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def ids(self, tokens: Sequence[str]) -> list[int]:
        get = self.stoi.get
        return [get(tok, OOV) for tok in tokens]

    def encode(self, tokens: Sequence[str], max_len: int) -> np.ndarray:
        """(max_len,) int64: the first max_len ids, padded with PAD."""
        out = np.zeros(max_len, dtype=np.int64)
        ids = self.ids(tokens[:max_len])
        out[:len(ids)] = ids
        return out

    def encode_many(self, token_lists: Sequence[Sequence[str]], max_len: int) -> np.ndarray:
        """(N, max_len) int64 ids, each row as `encode` makes it."""
        out = np.zeros((len(token_lists), max_len), dtype=np.int64)
        get = self.stoi.get
        for row, tokens in enumerate(token_lists):
            ids = [get(tok, OOV) for tok in tokens[:max_len]]
            out[row, :len(ids)] = ids
        return out

    def oov_rate(self, token_lists: Iterable[Sequence[str]]) -> float:
        """Share of token occurrences (not distinct terms) that fall outside the vocabulary."""
        total = oov = 0
        for tokens in token_lists:
            total += len(tokens)
            oov += sum(tok not in self.stoi for tok in tokens)
        return oov / total if total else 0.0

    def save(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"specials": list(SPECIALS), "tokens": self.itos[len(SPECIALS):], "counts": self.counts}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path) -> Vocab:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(data.get("specials", SPECIALS)) != SPECIALS:
            raise ValueError(f"{path}: special tokens {data['specials']} differ from {list(SPECIALS)}")
        return cls(data["tokens"], data.get("counts"))
