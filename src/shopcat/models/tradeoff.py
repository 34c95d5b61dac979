"""What the image branch costs: accuracy of the image branch alone against products/s of the whole model.

The fused model must classify well over 1,500 products/s on a 2-core CPU (batch 256) while the same cores
tokenise and decode. This module times the whole fused model with different image branches (the small
strided CNN at several sizes and widths, and pretrained MobileNetV2 trunks cut after a few blocks), so
notebook 06 can put accuracy and speed in one table. Timing does not depend on trained weights, so the
MobileNetV2 rows are timed with random weights (trained trunks are too slow for the notebook's budget).
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

from shopcat.image.backbones import IMAGENET_MEAN, IMAGENET_STD, build_backbone
from shopcat.models.fused import FusedClassifier, FusedConfig
from shopcat.models.predictor import FusedPredictor, fused_forward_throughput


class MobileNetBranch(nn.Module):
    """uint8 pixels -> the first `n_blocks` MobileNetV2 blocks (all of them: None) -> pooling -> branch_dim."""

    def __init__(self, cfg: FusedConfig, n_blocks: int | None = None, pretrained: bool = False):
        super().__init__()
        backbone, _, _ = build_backbone("mobilenet_v2", pretrained=pretrained, device="cpu")
        blocks = backbone.blocks[:n_blocks] if n_blocks else backbone.blocks
        self.trunk = nn.Sequential(*blocks)
        with torch.no_grad():
            width = self.trunk(torch.zeros(1, 3, cfg.image_size, cfg.image_size)).shape[1]
        self.hidden = nn.Linear(width, cfg.branch_dim)
        self.head = nn.Linear(cfg.branch_dim, cfg.n_classes)  # as ImageBranch's: a logprobs head reads it
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def features(self, image: torch.Tensor) -> torch.Tensor:
        x = (image.permute(0, 3, 1, 2).float().div(255.0) - self.mean) / self.std
        return F.relu(self.hidden(self.trunk(x).mean(dim=(2, 3))))

    def fuse_conv_bn(self) -> None:
        """Left unfused: these rows show the trunk's cost as torchvision builds it."""


def fused_throughput(cfg: FusedConfig, vocab, labels: list[str], tokenizer, image_branch: nn.Module | None = None,
                     batch_size: int = 256, n_batches: int = 10, threads: int = 2) -> dict:
    """Forward products/s of a fused model with `cfg` (and optionally another image branch)."""
    model = FusedClassifier(copy.deepcopy(cfg))
    if image_branch is not None:
        model.image = image_branch
    predictor = FusedPredictor(model, vocab, tokenizer, labels, "timing")
    return fused_forward_throughput(predictor, batch_size=batch_size, n_batches=n_batches, threads=threads)
