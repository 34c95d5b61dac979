"""Hashed character n-grams in the manner of fastText (Bojanowski et al. 2017), for the neural text models.

Two kinds of feature, both hashed into a fixed table of `buckets` rows (id 0 pads, so ids are 1..buckets-1):

- `token_grams`: every token's character n-grams with '<' and '>' marking its ends ('텀블러' -> '<텀', '텀블',
  '블러', '러>', '<텀블', ...). Added to the token's own embedding, they give a rare or unseen word
  ('보온보냉텀블러500', a new model code) a vector from the pieces it shares with known words.
- `bag`: one bag of hashed features per product for a linear (fastText-style) branch: the title's tokens and
  token bigrams, its whitespace words and word bigrams, each word's character n-grams (with markers, as
  the TF-IDF peer's char_wb), optionally character n-grams over the title with every space removed (so
  '보온 텀블러' and '보온텀블러' give the same grams, which Kiwi's per-chunk analysis never can), and the
  mall category's tokens and word n-grams. Each kind has its own prefix, so a title gram and a mall gram
  differ. (On the simulator a LinearSVC on these bags scores like the TF-IDF peer; the space-free grams
  cost it half a point there, so they are a setting, `title_maxn=0` turning them off.)

Hashing is crc32 of the UTF-8 text, the same in every process and Python version (Python's own `hash` is
salted per process). Everything the featurizer needs is in `SubwordConfig`, saved with the model.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from shopcat.text.tokenizer import _raw_text, clean_title, compact_title


@dataclass(frozen=True)
class SubwordConfig:
    buckets: int = 2**18  # rows of each hashed table
    minn: int = 2  # n-gram lengths inside one token (with its boundary markers)
    maxn: int = 4
    grams_per_token: int = 12  # n-grams kept per token (the CNN input is (T, grams_per_token) ids)
    title_minn: int = 1  # n-gram lengths over the space-free title (bag only; title_maxn=0: none)
    title_maxn: int = 4
    word_ngrams: int = 2  # token and word n-grams in the bag: 1 unigrams, 2 also bigrams
    kiwi_tokens: bool = True  # the tokenizer's tokens (and their n-grams) in the bag
    raw_words: bool = True  # the cleaned title's whitespace words (and their n-grams) in the bag
    word_grams: bool = True  # each whitespace word's character n-grams (minn..maxn, with markers) in the bag
    bag_len: int = 320  # hashed features kept per product (words first, character grams last)
    drop_promo: bool = True  # cut the tokenizer's promo phrases before the title's character grams


def stable_id(text: str, buckets: int) -> int:
    """The bucket of `text`: 1..buckets-1, equal in every process (crc32, not Python's salted hash)."""
    return 1 + zlib.crc32(text.encode("utf-8")) % (buckets - 1)


def char_ngrams(text: str, minn: int, maxn: int) -> list[str]:
    """Every substring of `text` of length minn..maxn, shortest first, left to right."""
    return [text[i:i + n] for n in range(minn, maxn + 1) for i in range(len(text) - n + 1)]


class SubwordFeaturizer:
    """Token lists and raw titles -> hashed n-gram id arrays. `SubwordFeaturizer(SubwordConfig())`."""

    def __init__(self, cfg: SubwordConfig | None = None):
        self.cfg = cfg or SubwordConfig()
        if self.cfg.buckets < 2:
            raise ValueError("buckets must be at least 2 (id 0 pads)")
        self._token_cache: dict[str, list[int]] = {}

    def settings(self) -> dict:
        return asdict(self.cfg)

    @classmethod
    def from_settings(cls, settings: dict) -> SubwordFeaturizer:
        return cls(SubwordConfig(**settings))

    def _hash_all(self, prefix: str, grams: Sequence[str]) -> list[int]:
        buckets = self.cfg.buckets
        return [1 + zlib.crc32((prefix + g).encode("utf-8")) % (buckets - 1) for g in grams]

    def grams_of_token(self, token: str) -> list[int]:
        """Hashed n-grams of one token with its boundary markers ('<' + token + '>'), at most grams_per_token.

        The whole marked token is always first, so even a one-letter token has one gram."""
        ids = self._token_cache.get(token)
        if ids is None:
            c = self.cfg
            marked = f"<{token}>"
            grams = [marked] + [g for g in char_ngrams(marked, c.minn, c.maxn) if g != marked]
            ids = self._hash_all("w:", grams[:c.grams_per_token])
            if len(self._token_cache) < 1_000_000:
                self._token_cache[token] = ids
        return ids

    def token_grams(self, token_lists: Sequence[Sequence[str]], max_len: int) -> np.ndarray:
        """(N, max_len, grams_per_token) int64 ids of the first max_len tokens of each list, 0-padded."""
        out = np.zeros((len(token_lists), max_len, self.cfg.grams_per_token), dtype=np.int64)
        for row, tokens in enumerate(token_lists):
            for t, token in enumerate(tokens[:max_len]):
                ids = self.grams_of_token(token)
                out[row, t, :len(ids)] = ids
        return out

    def _word_ngrams(self, words: list[str]) -> list[str]:
        n_max = self.cfg.word_ngrams
        return [" ".join(words[i:i + n]) for n in range(2, n_max + 1) for i in range(len(words) - n + 1)]

    def _within_words(self, words: list[str]) -> list[str]:
        c = self.cfg
        return [g for w in words for g in char_ngrams(f"<{w}>", c.minn, c.maxn)]

    def bag_ids(self, title: str, title_tokens: Sequence[str], mall: str = "",
                mall_tokens: Sequence[str] = ()) -> list[int]:
        """One product's hashed features: words and tokens with their n-grams, mall words, character n-grams."""
        c = self.cfg
        ids = []
        if c.kiwi_tokens:
            tokens = list(title_tokens)
            ids += self._hash_all("t:", tokens) + self._hash_all("b:", self._word_ngrams(tokens))
        words = clean_title(_raw_text(title)).split()
        if c.raw_words:
            ids += self._hash_all("r:", words) + self._hash_all("rb:", self._word_ngrams(words))
        mall_words = clean_title(mall).split() if mall else []
        ids += self._hash_all("m:", list(mall_tokens)) + self._hash_all("mr:", mall_words)
        if c.word_grams:
            ids += self._hash_all("mw:", self._within_words(mall_words)) + self._hash_all("w:", self._within_words(words))
        if c.title_maxn:
            ids += self._hash_all("c:", char_ngrams(compact_title(title, c.drop_promo), c.title_minn, c.title_maxn))
        return ids[:c.bag_len]

    def bags(self, titles: Sequence[str], title_tokens: Sequence[Sequence[str]], malls: Sequence[str] | None = None,
             mall_tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """(N, bag_len) int64: each product's `bag_ids`, padded with 0."""
        n = len(titles)
        malls = malls if malls is not None else [""] * n
        mall_tokens = mall_tokens if mall_tokens is not None else [()] * n
        out = np.zeros((n, self.cfg.bag_len), dtype=np.int64)
        for row in range(n):
            ids = self.bag_ids(titles[row], title_tokens[row], malls[row], mall_tokens[row])
            out[row, :len(ids)] = ids
        return out
