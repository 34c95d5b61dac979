"""Kim (2014) TextCNN: convolutions of widths 3/4/5 over word embeddings, max-over-time pooling, dropout.

`TextClassifier` is the deck's text model: one encoder reads the product name, an optional second one
reads the seller's own mall category, the two codes are concatenated, pass one hidden layer of width
`fcl_dim` and end in one logit per platform leaf.

Kim's widths 3/4/5 read phrases of a sentence; a product title is a short list of words whose order says
little, so notebook 01 uses widths 1 and 2 (each word, and each pair, as a feature), a wider embedding and
head, and `word_dropout` (a product seen without some of its words while training, so that no single word
decides alone). The probes behind these settings are in the README's text-model table.

Two optional additions read the hashed character n-grams of `shopcat.text.subword` (both off by default):
- `ngram_buckets > 0`: each token's embedding is its own vector plus the mean of its n-grams' vectors
  (fastText's subword composition), so rare and unseen words still have a meaningful input;
- `bag_buckets > 0`: a fastText-style linear branch, the mean of the product's hashed features (tokens,
  bigrams, space-free title character n-grams) -> one logit per leaf, added to the CNN's logits. A linear
  model over character n-grams is what the TF-IDF peer is; it learns from a handful of rows per leaf,
  which the CNN does not. `cnn=False` keeps the bag branch alone (our own fastText);
- `wide_buckets > 0`: a wide branch (Cheng et al. 2016's wide & deep), a full-rank linear layer from the same
  hashed features, TF-IDF weighted and L2-normalised per product as the peer's are, straight to the leaves
  with no bottleneck. The bag's 64-100 dimensions are a low-rank linear model, and a leaf seen three times
  cannot claim its own direction in it; in the wide layer every feature has its own weight per leaf. Its
  weights are L2-penalised (`wide_l2`, on the rows a batch touches: `penalty()`); trained with the
  one-vs-rest hinge loss it is a linear SVM learned by the same loop, beside the CNN.
- `label_text_rows > 0`: the leaf paths' own words (`shopcat.text.label_text`): the cosine of the title's, and
  of the mall category's, character-gram vector with each leaf path's, times a learned gain each, added to
  the logits. A leaf with two training rows still has its name; a one-vs-rest linear model has no such input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TextCNNConfig:
    vocab_size: int
    n_classes: int
    embed_dim: int = 100
    widths: tuple[int, ...] = (3, 4, 5)
    n_maps: int = 100  # feature maps per width
    dropout: float = 0.5
    fcl_dim: int = 256
    use_mall: bool = True  # second encoder for the mall category
    mall_widths: tuple[int, ...] = (1, 2, 3)  # mall paths are a handful of tokens
    mall_maps: int = 50
    freeze_embedding: bool = False  # True: keep a pre-trained (Word2Vec) embedding fixed
    title_len: int = 32  # tokens kept from the title (padding/truncation happens in data)
    mall_len: int = 8
    cnn: bool = True  # False: the bag branch alone (needs bag_buckets)
    ngram_buckets: int = 0  # rows of the token n-gram table added to token embeddings (0: off)
    bag_buckets: int = 0  # rows of the bag branch's table (0: no bag branch)
    bag_dim: int = 64
    bag_dropout: float = 0.0  # share of a product's hashed features dropped at random while training
    embed_dropout: float = 0.0  # dropout on the token embeddings (before the convolutions)
    word_dropout: float = 0.0  # share of a text's tokens hidden (as padding) while training
    wide_buckets: int = 0  # rows of the wide branch's table (0: no wide branch); bag ids are folded into them
    wide_l2: float = 0.0  # L2 penalty on the wide weights a batch touches
    label_text_rows: int = 0  # rows of the leaf-path gram table (LabelText.rows; 0: no label-text scores)
    label_text_gain: float = 1.0  # starting gain of each label-text score (learned)


def random_mask(ids: torch.Tensor, share: float) -> torch.Tensor:
    """True at a random `share` of the positions: the ids a training step hides (sets to padding), so a
    product is seen with part of its words or features (word dropout, bag dropout)."""
    return torch.rand(ids.shape, device=ids.device) < share


class TextCNN(nn.Module):
    """Token ids (B, T) -> a fixed-length code (B, n_maps * len(widths))."""

    def __init__(self, embedding: nn.Embedding, widths=(3, 4, 5), n_maps=100, dropout=0.5,
                 subword: nn.EmbeddingBag | None = None, embed_dropout: float = 0.0, word_dropout: float = 0.0):
        super().__init__()
        self.embedding = embedding  # may be shared with another encoder
        self.subword = subword  # token n-gram table (may be shared too), or None
        self.word_dropout = word_dropout
        self.embed_dropout = nn.Dropout(embed_dropout)
        embed_dim = embedding.embedding_dim
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, n_maps, w) for w in widths)
        self.dropout = nn.Dropout(dropout)
        self.max_width = max(widths)
        self.out_dim = n_maps * len(widths)

    def forward(self, ids: torch.Tensor, grams: torch.Tensor | None = None) -> torch.Tensor:
        if self.training and self.word_dropout > 0:  # a product seen without some of its words
            hidden = random_mask(ids, self.word_dropout)
            ids = ids.masked_fill(hidden, 0)
            grams = grams.masked_fill(hidden.unsqueeze(-1), 0) if grams is not None else None
        x = self.embedding(ids)  # (B, T, E)
        if self.subword is not None:  # + mean of each token's n-gram vectors (B, T, G) -> (B, T, E)
            x = x + self.subword(grams.reshape(-1, grams.size(-1))).view_as(x)
        x = self.embed_dropout(x).transpose(1, 2)  # (B, E, T)
        if x.size(2) < self.max_width:  # too short for the widest filter: pad on the right
            x = F.pad(x, (0, self.max_width - x.size(2)))
        pooled = [F.relu(conv(x)).amax(dim=2) for conv in self.convs]  # max over time
        return self.dropout(torch.cat(pooled, dim=1))


def make_embedding(vocab_size: int, embed_dim: int, matrix: np.ndarray | None = None,
                   freeze: bool = False) -> nn.Embedding:
    """Id 0 is padding and stays zero; `matrix` (e.g. Word2Vec vectors) sets the starting weights."""
    embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
    if matrix is not None:
        embedding.weight.data.copy_(torch.as_tensor(matrix, dtype=torch.float32))
        embedding.weight.data[0] = 0.0
    embedding.weight.requires_grad = not freeze
    return embedding


class TextClassifier(nn.Module):
    """Product name (+ mall category) -> logits over the platform leaves.

    Both encoders share one embedding: the words are the same vocabulary, and one table halves the
    parameters the optimiser updates every step.
    """

    def __init__(self, cfg: TextCNNConfig, embedding: np.ndarray | None = None):
        super().__init__()
        self.cfg = cfg
        if not cfg.cnn and not cfg.bag_buckets and not cfg.wide_buckets:
            raise ValueError("a TextClassifier needs the CNN (cnn=True), a bag or a wide branch")
        self.title = self.mall = self.bag = self.wide = None
        self._wide_rows = None
        if cfg.cnn:
            self.embedding = make_embedding(cfg.vocab_size, cfg.embed_dim, embedding, cfg.freeze_embedding)
            subword = (nn.EmbeddingBag(cfg.ngram_buckets, cfg.embed_dim, mode="mean", padding_idx=0, sparse=True)
                       if cfg.ngram_buckets else None)
            if subword is not None:
                nn.init.normal_(subword.weight, 0.0, 0.1)  # starts small next to the token's own vector
                subword.weight.data[0] = 0.0
            self.title = TextCNN(self.embedding, cfg.widths, cfg.n_maps, cfg.dropout, subword, cfg.embed_dropout,
                                 cfg.word_dropout)
            code_dim = self.title.out_dim
            if cfg.use_mall:
                self.mall = TextCNN(self.embedding, cfg.mall_widths, cfg.mall_maps, cfg.dropout, subword,
                                    cfg.embed_dropout, cfg.word_dropout)
                code_dim += self.mall.out_dim
            self.hidden = nn.Linear(code_dim, cfg.fcl_dim)
            self.dropout = nn.Dropout(cfg.dropout)
            self.head = nn.Linear(cfg.fcl_dim, cfg.n_classes)
        if cfg.bag_buckets:
            self.bag = nn.EmbeddingBag(cfg.bag_buckets, cfg.bag_dim, mode="mean", padding_idx=0, sparse=True)
            self.bag_head = nn.Linear(cfg.bag_dim, cfg.n_classes)
        if cfg.wide_buckets:
            self.wide = nn.EmbeddingBag(cfg.wide_buckets, cfg.n_classes, mode="sum", sparse=True)
            nn.init.zeros_(self.wide.weight)
            self.wide_bias = nn.Parameter(torch.zeros(cfg.n_classes))
            self.register_buffer("wide_idf", torch.ones(cfg.wide_buckets))  # set from training rows: fit_idf
        if cfg.label_text_rows:  # fixed leaf vectors (set_label_table), a learned gain for title and for mall
            self.register_buffer("label_table", torch.zeros(cfg.label_text_rows, cfg.n_classes))
            self.label_gain = nn.Parameter(torch.full((2,), float(cfg.label_text_gain)))

    def forward(self, title: torch.Tensor | None = None, mall: torch.Tensor | None = None,
                title_grams: torch.Tensor | None = None, mall_grams: torch.Tensor | None = None,
                bag: torch.Tensor | None = None, title_leaf: torch.Tensor | None = None,
                title_leaf_w: torch.Tensor | None = None, mall_leaf: torch.Tensor | None = None,
                mall_leaf_w: torch.Tensor | None = None) -> torch.Tensor:
        logits = 0.0
        if self.title is not None:
            code = self.title(title, title_grams)
            if self.mall is not None:
                code = torch.cat([code, self.mall(mall, mall_grams)], dim=1)
            logits = self.head(self.dropout(F.relu(self.hidden(code))))
        if self.bag is not None:
            seen = bag
            if self.training and self.cfg.bag_dropout > 0:  # a product seen with a random part of its features
                seen = bag.masked_fill(random_mask(bag, self.cfg.bag_dropout), 0)
            logits = logits + self.bag_head(self.bag(seen))
        if self.wide is not None:
            rows = self.wide_rows(bag)
            weights = self.wide_idf[rows] * (rows > 0)
            weights = weights / weights.norm(dim=1, keepdim=True).clamp_min(1e-8)
            logits = logits + self.wide(rows, per_sample_weights=weights) + self.wide_bias
            self._wide_rows = rows if self.training else None
        if self.cfg.label_text_rows:
            logits = logits + self.label_gain[0] * self.label_scores(title_leaf, title_leaf_w)
            if mall_leaf is not None:
                logits = logits + self.label_gain[1] * self.label_scores(mall_leaf, mall_leaf_w)
        return logits

    def label_scores(self, ids: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """(B, G) gram ids and weights of unit text vectors -> (B, leaves) cosines with the leaf paths."""
        return F.embedding_bag(ids, self.label_table, per_sample_weights=weights, mode="sum")

    @torch.no_grad()
    def set_label_table(self, table: np.ndarray) -> None:
        """The leaf vectors (`LabelText.table()`); kept in the state dict, so a saved model serves them."""
        self.label_table.copy_(torch.as_tensor(table, dtype=torch.float32))

    def wide_rows(self, bag: torch.Tensor) -> torch.Tensor:
        """The wide table's rows for hashed bag ids (1..B-1 folded into 1..wide_buckets-1; 0 stays padding)."""
        return torch.where(bag > 0, (bag - 1) % (self.cfg.wide_buckets - 1) + 1, torch.zeros_like(bag))

    @torch.no_grad()
    def fit_idf(self, bags: np.ndarray) -> None:
        """Smoothed inverse document frequency of each wide row over the training products' bags (as
        scikit-learn's TfidfVectorizer: log((1 + n) / (1 + df)) + 1). Kept in the state dict, so served."""
        rows = self.wide_rows(torch.as_tensor(bags, dtype=torch.long))
        df = torch.zeros(self.cfg.wide_buckets)
        for row in rows:  # one product counts once per feature
            df[torch.unique(row[row > 0])] += 1
        self.wide_idf.copy_(torch.log((1 + len(bags)) / (1 + df)) + 1)

    def penalty(self) -> torch.Tensor | float:
        """wide_l2 / 2 * squared norm of the wide rows the last training batch used (sparse gradient)."""
        if self.wide is None or not self.cfg.wide_l2 or self._wide_rows is None:
            return 0.0
        used = torch.unique(self._wide_rows)
        used = used[used > 0]  # row 0 is padding
        return 0.5 * self.cfg.wide_l2 * F.embedding(used, self.wide.weight, sparse=True).pow(2).sum()

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
