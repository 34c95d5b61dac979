"""Grad-CAM overlays (the `grad-cam` package): where in the photo the model looked for its prediction.

Each backbone built by `build_backbone` knows its last convolutional block (`model.target_layer`), which is
the default layer; `targets` are class ids to explain (None: the model's own top prediction). The fused
model's image branch (`shopcat.models.fused.ImageBranch`) reads uint8 NHWC pixels, which the package would
take for a 3-pixel-wide picture, so `image_branch_cams` feeds it NCHW through a thin adapter and explains
the branch's own head on its last strided convolution.
"""

from __future__ import annotations

import numpy as np
import torch
from pytorch_grad_cam import GradCAM
from pytorch_grad_cam.utils.image import show_cam_on_image
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget


def gradcam_overlays(model, images, target_layer=None, targets=None, resolution: int | None = None,
                     device: str = "auto") -> list[np.ndarray]:
    """One HxWx3 uint8 overlay per image (HxWx3 uint8 arrays); the heat map is computed at `resolution`."""
    from shopcat import config
    from shopcat.image.datasets import image_transform

    info = model.preprocess
    resolution = resolution or info.get("native_resolution", 224)
    transform = image_transform(resolution, info["mean"], info["std"], train=False)
    batch = torch.stack([transform(torch.from_numpy(np.ascontiguousarray(im)).permute(2, 0, 1)) for im in images])
    dev = config.device(device)
    model.to(dev).eval()
    cam_targets = None if targets is None else [ClassifierOutputTarget(int(t)) for t in targets]
    with GradCAM(model=model, target_layers=[target_layer or model.target_layer]) as cam:
        heat = cam(input_tensor=batch.to(dev), targets=cam_targets)  # N x res x res in [0, 1]
    overlays = []
    for image, mask in zip(images, heat, strict=True):
        h, w = image.shape[:2]
        mask = torch.nn.functional.interpolate(torch.from_numpy(mask)[None, None], size=(h, w), mode="bilinear")
        rgb = image.astype(np.float32) / 255.0
        overlays.append(show_cam_on_image(rgb, mask[0, 0].numpy(), use_rgb=True))
    return overlays


class _NCHWToBranch(torch.nn.Module):
    """NCHW pixels (0-255, float) -> the image branch's logits: the layout the grad-cam package expects."""

    def __init__(self, branch):
        super().__init__()
        self.branch = branch

    def forward(self, x):
        return self.branch(x.permute(0, 2, 3, 1))


def image_branch_cams(branch, images: np.ndarray, targets=None, device: str = "auto") -> dict:
    """Grad-CAM of the fused model's image branch: {"heat": N x S x S in [0, 1], "predicted": the branch's top
    leaf id per image, "overlays": one HxWx3 uint8 picture per image}. images: uint8 (N, S, S, 3) at the
    branch's own size; targets: leaf ids to explain (None: the branch's prediction)."""
    from shopcat import config

    dev = config.device(device)
    model = _NCHWToBranch(branch).to(dev).eval()
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().to(dev)
    with torch.no_grad():
        predicted = model(x).argmax(1).cpu().numpy()
    chosen = predicted if targets is None else np.asarray(targets)
    with GradCAM(model=model, target_layers=[branch.convs[-1]]) as cam:
        heat = cam(input_tensor=x, targets=[ClassifierOutputTarget(int(t)) for t in chosen])
    overlays = [show_cam_on_image(im.astype(np.float32) / 255.0, h, use_rgb=True)
                for im, h in zip(images, heat, strict=True)]
    return {"heat": heat, "predicted": predicted, "overlays": overlays}
