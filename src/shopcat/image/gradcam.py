"""Grad-CAM overlays (the `grad-cam` package): where in the photo the model looked for its prediction.

Each backbone built by `build_backbone` knows its last convolutional block (`model.target_layer`), which is
the default layer; `targets` are class ids to explain (None: the model's own top prediction).
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
