"""Kim (2014) TextCNN: convolutions of widths 3/4/5 over word embeddings, max-over-time pooling, dropout.

`TextClassifier` is the deck's text model: one encoder reads the product name, an optional second one
reads the seller's own mall category, the two codes are concatenated, pass one hidden layer of width
`fcl_dim` and end in one logit per platform leaf.
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


class TextCNN(nn.Module):
    """Token ids (B, T) -> a fixed-length code (B, n_maps * len(widths))."""

    def __init__(self, embedding: nn.Embedding, widths=(3, 4, 5), n_maps=100, dropout=0.5):
        super().__init__()
        self.embedding = embedding  # may be shared with another encoder
        embed_dim = embedding.embedding_dim
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, n_maps, w) for w in widths)
        self.dropout = nn.Dropout(dropout)
        self.max_width = max(widths)
        self.out_dim = n_maps * len(widths)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.embedding(ids).transpose(1, 2)  # (B, E, T)
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
        self.embedding = make_embedding(cfg.vocab_size, cfg.embed_dim, embedding, cfg.freeze_embedding)
        self.title = TextCNN(self.embedding, cfg.widths, cfg.n_maps, cfg.dropout)
        code_dim = self.title.out_dim
        self.mall = None
        if cfg.use_mall:
            self.mall = TextCNN(self.embedding, cfg.mall_widths, cfg.mall_maps, cfg.dropout)
            code_dim += self.mall.out_dim
        self.hidden = nn.Linear(code_dim, cfg.fcl_dim)
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.fcl_dim, cfg.n_classes)

    def forward(self, title: torch.Tensor, mall: torch.Tensor | None = None) -> torch.Tensor:
        code = self.title(title)
        if self.mall is not None:
            code = torch.cat([code, self.mall(mall)], dim=1)
        return self.head(self.dropout(F.relu(self.hidden(code))))

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
