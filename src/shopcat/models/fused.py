"""The deck's multi-task classifier: product name, mall category and image, each read by its own branch, fused.

Stage 1 trains each branch alone with its own head (name -> leaves, mall -> leaves, image -> leaves).
Stage 2 freezes the branches and trains only the fusion head on their concatenated penultimate features:
Linear(3 * branch_dim + 1 -> fcl_dim) -> ReLU -> Dropout -> Linear(-> leaves). Features rather than logits:
a branch's logits only say which leaf it prefers, its features also carry what it is unsure between (a
family, a price band), so the head can learn that the image settles the top level while the name settles
the leaf; and 3 x 128 features are a much smaller input than 3 x ~500 logits.

With `fusion_input="logprobs"` the head reads each branch's log-probabilities over the leaves instead. That is
what out-of-fold stacking needs (`train_fused(fusion_fit="oof")`): branches trained on different folds share
no feature coordinates, but their leaf probabilities mean the same thing, so the head can learn from
outputs on rows the producing branch never trained on, the way it will meet them on new products.

`peer_branch=True` adds a fourth input beside the three branches: the TF-IDF peer's log-probabilities over the
leaves, out of fold (`shopcat.models.peer_branch`). A model with it scores products only where the peer's scores
come with them, so it is an experiment of notebook 06, not a served model.

Serving messages may lack an image, so the image features are multiplied by a `has_image` flag (0/1) that
is also an input, and fusion training drops the image of a random `image_dropout` share of products.

The image branch has to be cheap: on a 2-core CPU the whole model must classify well over 1,500 products/s
at batch 256 while the same cores tokenise and decode. A pretrained MobileNetV2 trunk manages a few hundred
images/s at 48 px there, so the branch is a small strided CNN trained on the catalog's own images at
`image_size` px. It takes uint8 HxWx3 pixels and normalises inside, which keeps serving workers torch-free
and the inter-process messages small (6.9 kB per 48 px image).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from shopcat.text.textcnn import TextCNN, make_embedding


@dataclass
class FusedConfig:
    vocab_size: int
    n_classes: int
    embed_dim: int = 64
    n_maps: int = 64  # TextCNN feature maps per width
    title_len: int = 24
    mall_len: int = 8
    branch_dim: int = 128  # every branch ends in a feature vector of this width
    image_size: int = 48  # pixels per side the image branch reads (serving resizes to this)
    image_channels: tuple[int, ...] = (24, 48, 96, 128)  # one stride-2 conv per entry: 48 px -> 3 px
    fcl_dim: int = 256  # the fusion head's hidden width (searched with Optuna in notebook 07)
    dropout: float = 0.3
    image_dropout: float = 0.3  # share of products whose image the fusion head does not see while training
    fusion_input: str = "features"  # or "logprobs": each branch's log-probabilities (for out-of-fold stacking)
    peer_branch: bool = False  # a fourth head input: the TF-IDF peer's out-of-fold log-probabilities (logprobs only)


class TextBranch(nn.Module):
    """Token ids of one text field -> branch_dim features (TextCNN + one hidden layer) -> logits."""

    def __init__(self, cfg: FusedConfig, key: str, widths: tuple[int, ...]):
        super().__init__()
        self.key = key  # the dataset field this branch reads: "title" or "mall"
        self.encoder = TextCNN(make_embedding(cfg.vocab_size, cfg.embed_dim), widths, cfg.n_maps, cfg.dropout)
        self.hidden = nn.Linear(self.encoder.out_dim, cfg.branch_dim)
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.branch_dim, cfg.n_classes)  # stage 1 only

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        return self.dropout(F.relu(self.hidden(self.encoder(ids))))

    def forward(self, **inputs: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(inputs[self.key]))


def conv_bn(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    conv = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
    return nn.Sequential(conv, nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class ImageBranch(nn.Module):
    """uint8 (B, S, S, 3) pixels -> branch_dim features (strided CNN + global pooling) -> logits."""

    def __init__(self, cfg: FusedConfig):
        super().__init__()
        widths = (3, *cfg.image_channels)
        self.convs = nn.Sequential(*(conv_bn(a, b, 2) for a, b in zip(widths[:-1], widths[1:], strict=True)))
        self.hidden = nn.Linear(widths[-1], cfg.branch_dim)
        self.dropout = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.branch_dim, cfg.n_classes)  # stage 1 only

    def features(self, image: torch.Tensor) -> torch.Tensor:
        # NHWC uint8 permuted to NCHW is already channels_last in memory, the faster layout for CPU convs
        x = image.permute(0, 3, 1, 2).float().div(255.0).sub(0.5).mul(4.0)
        if self.training:  # the one augmentation: products face either way
            flip = torch.rand(x.size(0), device=x.device) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
        x = self.convs(x).mean(dim=(2, 3))
        return self.dropout(F.relu(self.hidden(x)))

    def forward(self, image: torch.Tensor, **_) -> torch.Tensor:
        return self.head(self.features(image))

    def fuse_conv_bn(self) -> None:
        """Fold each batch norm into its convolution (inference only): one op fewer per layer."""
        from torch.nn.utils.fusion import fuse_conv_bn_eval

        for block in self.convs:
            if isinstance(block[1], nn.BatchNorm2d):
                block[0] = fuse_conv_bn_eval(block[0].eval(), block[1].eval())
                block[1] = nn.Identity()


class FusionHead(nn.Module):
    """Concatenated branch features (+ has_image) -> fcl_dim -> leaves; drops images at random in training."""

    def __init__(self, cfg: FusedConfig):
        super().__init__()
        self.image_dropout = cfg.image_dropout
        if cfg.peer_branch and cfg.fusion_input != "logprobs":
            raise ValueError("the peer branch needs fusion_input='logprobs' (its scores are leaf log-probabilities)")
        width = cfg.branch_dim if cfg.fusion_input == "features" else cfg.n_classes
        self.peer_branch = cfg.peer_branch
        n_inputs = 4 if cfg.peer_branch else 3
        self.hidden = nn.Linear(n_inputs * width + 1, cfg.fcl_dim)
        self.dropout = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.fcl_dim, cfg.n_classes)
        self.pool = None
        if cfg.fusion_input == "logprobs":
            # log-linear pooling of the branches (a weighted product of experts), with and without an image;
            # the hidden path starts at zero and learns only what the pooling misses
            weights = [[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]]  # name, mall, image (with, without an image)
            self.pool = nn.Parameter(torch.tensor([row + [1.0] for row in weights] if cfg.peer_branch else weights))
            nn.init.zeros_(self.out.weight)

    def forward(self, name: torch.Tensor, mall: torch.Tensor, image: torch.Tensor,
                has_image: torch.Tensor, peer: torch.Tensor | None = None) -> torch.Tensor:
        if (peer is not None) != self.peer_branch:
            raise ValueError("the peer's scores are an input exactly when the head was built with peer_branch")
        has_image = has_image.float().reshape(-1, 1)
        if self.training and self.image_dropout > 0:
            has_image = has_image * (torch.rand_like(has_image) >= self.image_dropout)
        inputs = [name, mall, image * has_image] + ([peer] if peer is not None else [])
        logits = self.out(self.dropout(F.relu(self.hidden(torch.cat([*inputs, has_image], dim=1)))))
        if self.pool is not None:
            w = has_image * self.pool[0] + (1 - has_image) * self.pool[1]  # (B, inputs)
            logits = logits + sum(w[:, i:i + 1] * x for i, x in enumerate(inputs))
        return logits


class FusedClassifier(nn.Module):
    """Name, mall category and image -> logits over the platform leaves."""

    def __init__(self, cfg: FusedConfig):
        super().__init__()
        self.cfg = cfg
        self.name = TextBranch(cfg, "title", widths=(3, 4, 5))
        self.mall = TextBranch(cfg, "mall", widths=(1, 2, 3))  # mall paths are a handful of tokens
        self.image = ImageBranch(cfg)
        self.head = FusionHead(cfg)

    def branch_features(self, title, mall, image, has_image) -> dict[str, torch.Tensor]:
        """The fusion head's inputs: each branch's features, or its log-probabilities (cfg.fusion_input)."""
        out = {"name": self.name.features(title), "mall": self.mall.features(mall),
               "image": self.image.features(image)}
        if self.cfg.fusion_input == "logprobs":
            heads = {"name": self.name.head, "mall": self.mall.head, "image": self.image.head}
            out = {k: F.log_softmax(heads[k](v), dim=1) for k, v in out.items()}
        return {**out, "has_image": has_image}

    def forward(self, title: torch.Tensor, mall: torch.Tensor, image: torch.Tensor,
                has_image: torch.Tensor, peer: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(**self.branch_features(title, mall, image, has_image), peer=peer)

    def with_head(self, cfg: FusedConfig) -> FusedClassifier:
        """The same (frozen) branches under a new fusion head built from `cfg`: several heads compared on one
        set of branches differ only by their heads."""
        fused = FusedClassifier.__new__(FusedClassifier)
        nn.Module.__init__(fused)
        fused.cfg, fused.name, fused.mall, fused.image = cfg, self.name, self.mall, self.image
        fused.head = FusionHead(cfg)
        return fused

    def freeze_branches(self) -> None:
        """Stage 2: only the fusion head learns."""
        for branch in (self.name, self.mall, self.image):
            branch.eval()
            for p in branch.parameters():
                p.requires_grad = False

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
