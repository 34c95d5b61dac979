"""Every image backbone is built by one function from a name and a weights choice (timm's habit).

`build_backbone(name, pretrained, num_classes)` returns (model, feature_dim, preprocess_info) for all names,
so experiments loop over names instead of branching on them. torchvision models go through torchvision's own
`weights=` API: with internet that is the official download; here only the hub-cache file seeded by
`shopcat.image.weights` is used, and its presence is checked BEFORE torchvision is asked, so a missing file
never triggers a download. When pretrained weights are absent the caller chooses, and the status says which:
  missing_weights="scratch": random initialisation, status "absent: trained from scratch, not comparable";
  missing_weights="skip":    raises WeightsMissing (the notebook records the skip in its report);
  missing_weights="download": let torchvision download as usual (for users with internet).
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from shopcat.image import weights as weight_cache

BACKBONES = ("mobilenet_v2", "resnet50", "efficientnet_lite0", "efficientnet_lite2")
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
LITE_MEAN, LITE_STD = (0.498, 0.498, 0.498), (0.502, 0.502, 0.502)  # TF EfficientNet-Lite: (x - 127) / 128

STATUS_PRETRAINED = "pretrained"
STATUS_SCRATCH = "absent: trained from scratch, not comparable"
STATUS_RANDOM = "random init (pretrained=False)"


class WeightsMissing(FileNotFoundError):
    """Pretrained weights were asked for, are not in the hub cache, and missing_weights='skip'."""


class ImageModel(nn.Module):
    """A backbone trunk, global pooling and a head; `forward(image)` returns logits (or features if no head).

    Modules listed in `frozen` stay in eval mode while training, so a partial fine-tune does not drift the
    batch-norm statistics of the blocks it does not train; `batchnorm_frozen` keeps every batch norm on its
    ImageNet statistics (a fine-tune on a few thousand photos in batches of 32 estimates them worse).
    """

    def __init__(self, name: str, net: nn.Sequential, feature_dim: int, head: nn.Module, target_layer: nn.Module,
                 preprocess: dict):
        super().__init__()
        self.name, self.net, self.feature_dim, self.head = name, net, feature_dim, head
        self.target_layer = target_layer  # default Grad-CAM layer: the last convolutional block
        self.blocks = list(net)[:-2]  # the trunk's blocks in order (without pooling), for partial fine-tuning
        self.preprocess = preprocess
        self.frozen: list[nn.Module] = []
        self.batchnorm_frozen = False

    def features(self, image: torch.Tensor) -> torch.Tensor:
        return self.net(image)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        # channels-last input: with channels-last weights (see features.fine_tune) about 25% faster on CPU
        return self.head(self.net(image.contiguous(memory_format=torch.channels_last)))

    def split(self, n_blocks: int) -> tuple[nn.Sequential, nn.Sequential]:
        """(front, back): front(image) gives the maps that the last `n_blocks` blocks, pooling and head take."""
        cut = len(self.blocks) - n_blocks
        return self.net[:cut], nn.Sequential(*list(self.net)[cut:], self.head)

    def train(self, mode: bool = True):
        super().train(mode)
        for module in self.frozen:
            module.eval()
        if self.batchnorm_frozen:
            for module in self.modules():
                if isinstance(module, nn.modules.batchnorm._BatchNorm):
                    module.eval()
        return self

    def freeze_all_but(self, n_blocks: int) -> None:
        """Train only the last `n_blocks` trunk blocks and the head (n_blocks=0: linear head only)."""
        for p in self.net.parameters():
            p.requires_grad = False
        trainable = self.blocks[len(self.blocks) - n_blocks:] if n_blocks > 0 else []
        for block in trainable:
            for p in block.parameters():
                p.requires_grad = True
        for p in self.head.parameters():
            p.requires_grad = True
        self.frozen = [b for b in self.blocks if b not in trainable]


def _sequential(stages: list[nn.Module]) -> nn.Sequential:
    """The trunk as one flat Sequential of blocks ending in pooled features, so it can be cut anywhere:
    the frozen front runs once (cached), the back trains (partial fine-tune on cached maps)."""
    return nn.Sequential(*stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(1))


def _torchvision_net(name: str, use_weights: bool):
    from torchvision import models

    if name == "mobilenet_v2":
        net = models.mobilenet_v2(weights=models.MobileNet_V2_Weights.IMAGENET1K_V1 if use_weights else None)
        stages = list(net.features)
        return _sequential(stages), net.classifier[-1].in_features, stages[-1]
    if name == "resnet50":
        net = models.resnet50(weights=models.ResNet50_Weights.IMAGENET1K_V2 if use_weights else None)
        stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        stages = [stem, net.layer1, net.layer2, net.layer3, net.layer4]
        return _sequential(stages), net.fc.in_features, net.layer4[-1]
    raise KeyError(name)


class _LiteBlock(nn.Module):
    """An EfficientNet-Lite block with its depth-scaled drop-connect rate, callable as block(x)."""

    def __init__(self, block, drop_connect_rate: float):
        super().__init__()
        self.block, self.drop_connect_rate = block, drop_connect_rate

    def forward(self, x):
        return self.block(x, drop_connect_rate=self.drop_connect_rate)


def _lite_net(name: str, use_weights: bool):
    from efficientnet_lite_pytorch import EfficientNet

    variant = name.replace("efficientnet_", "efficientnet-")  # efficientnet-lite0
    net = EfficientNet.from_name(variant, image_size=None)  # image_size=None: padding computed per input size
    if use_weights:
        state = torch.load(weight_cache.weight_path(name), map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    rate, n = net._global_params.drop_connect_rate or 0.0, len(net._blocks)
    stages = [nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())]
    stages += [_LiteBlock(block, rate * i / n) for i, block in enumerate(net._blocks)]
    stages += [nn.Sequential(net._conv_head, net._bn1, nn.ReLU6())]
    return _sequential(stages), net._fc.in_features, stages[-1]


def build_backbone(name: str, pretrained: bool = True, num_classes: int | None = None,
                   missing_weights: str = "scratch", device: str = "auto"):
    """(model, feature_dim, preprocess_info) for `name`; preprocess_info says mean/std and the weights status."""
    from shopcat import config

    if name not in BACKBONES:
        raise KeyError(f"unknown backbone {name!r}; choose from {BACKBONES}")
    if missing_weights not in ("scratch", "skip", "download"):
        raise ValueError(f"missing_weights must be 'scratch', 'skip' or 'download', not {missing_weights!r}")
    use_weights, status = False, STATUS_RANDOM
    if pretrained:
        if weight_cache.weights_available(name) or missing_weights == "download":
            use_weights, status = True, STATUS_PRETRAINED
        elif missing_weights == "skip":
            raise WeightsMissing(f"{name}: ImageNet weights not in {weight_cache.weight_path(name)}; skipped")
        else:
            status = STATUS_SCRATCH
            warnings.warn(f"{name}: ImageNet weights absent ({weight_cache.weight_path(name)}); {status}",
                          stacklevel=2)
    if name.startswith("efficientnet_lite"):
        if use_weights and not weight_cache.weights_available(name):
            raise WeightsMissing(f"{name}: no official download exists; run `python -m shopcat.image.weights seed`")
        net, dim, target_layer = _lite_net(name, use_weights)
        mean, std = LITE_MEAN, LITE_STD
    else:
        net, dim, target_layer = _torchvision_net(name, use_weights)
        mean, std = IMAGENET_MEAN, IMAGENET_STD
    head = nn.Linear(dim, num_classes) if num_classes else nn.Identity()
    info = {"name": name, "status": status, "pretrained": use_weights, "mean": mean, "std": std,
            "native_resolution": 260 if name == "efficientnet_lite2" else 224}
    model = ImageModel(name, net, dim, head, target_layer, info)
    return model.to(config.device(device)), dim, info
