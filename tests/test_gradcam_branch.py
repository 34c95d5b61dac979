"""Grad-CAM of the fused model's image branch looks where the planted evidence is."""

import numpy as np
import torch

from shopcat.image.gradcam import image_branch_cams
from shopcat.models.fused import FusedConfig, ImageBranch

torch.set_num_threads(1)


def quadrant_images(n=240, seed=0):
    """Grey noise with one bright 16 px square; the class is the quadrant the square is in (0-3)."""
    rng = np.random.default_rng(seed)
    images = rng.integers(90, 130, (n, 48, 48, 3)).astype(np.uint8)
    label = rng.integers(0, 4, n)
    for i, q in enumerate(label):
        r, c = 4 + 24 * (q // 2) + rng.integers(0, 5), 4 + 24 * (q % 2) + rng.integers(0, 5)
        images[i, r:r + 16, c:c + 16] = 250
    return images, label


def test_heat_falls_on_the_planted_square():
    torch.manual_seed(0)
    images, label = quadrant_images()
    branch = ImageBranch(FusedConfig(vocab_size=2, n_classes=4, dropout=0.0))
    opt = torch.optim.Adam(branch.parameters(), lr=3e-3)
    x, y = torch.from_numpy(images), torch.from_numpy(label)
    branch.train()
    for _ in range(12):
        for i in range(0, len(x), 32):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(branch(x[i:i + 32]), y[i:i + 32]).backward()
            opt.step()
    test, truth = quadrant_images(n=40, seed=1)
    out = image_branch_cams(branch, test, targets=truth, device="cpu")
    assert out["heat"].shape == (40, 48, 48) and len(out["overlays"]) == 40
    assert (out["predicted"] == truth).mean() >= 0.9
    closer = []
    for heat, q in zip(out["heat"], truth, strict=True):
        rows, cols = np.indices(heat.shape)
        centre = np.array([(heat * rows).sum(), (heat * cols).sum()]) / max(heat.sum(), 1e-9)
        square = np.array([12 + 24 * (q // 2), 12 + 24 * (q % 2)])
        opposite = np.array([12 + 24 * (1 - q // 2), 12 + 24 * (1 - q % 2)])
        closer.append(np.linalg.norm(centre - square) < np.linalg.norm(centre - opposite))
    assert np.mean(closer) >= 0.9  # the heat's centre lies nearer the square than the opposite quadrant
