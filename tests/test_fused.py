"""The fused multi-task model: shapes, products without images, saved-model round trip, two-stage training."""

import copy
import dataclasses
import subprocess
import sys

import numpy as np
import pytest
import torch

from shopcat.models.fused import FusedClassifier, FusedConfig
from shopcat.models.predictor import FusedPredictor, fused_forward_throughput, save_fused_model
from shopcat.models.saved import read_meta
from shopcat.models.train import catalog_images, run_fused
from shopcat.sim import simulate_catalog
from shopcat.text import experiments as ex
from shopcat.text.tokenizer import Tokenizer

TINY = dict(embed_dim=16, n_maps=8, title_len=12, mall_len=6, branch_dim=16, image_channels=(16, 32, 64),
            fcl_dim=32, dropout=0.1)


def random_batch(cfg: FusedConfig, n: int, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    size = cfg.image_size
    return {"title": torch.randint(2, cfg.vocab_size, (n, cfg.title_len), generator=g),
            "mall": torch.randint(2, cfg.vocab_size, (n, cfg.mall_len), generator=g),
            "image": torch.randint(0, 256, (n, size, size, 3), generator=g, dtype=torch.uint8),
            "has_image": torch.ones(n)}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A fused model trained on a small simulated catalog, saved to a folder."""
    df = simulate_catalog(1500, seed=0).reset_index(drop=True)
    df, tokens = ex.prepare_corpus(df, Tokenizer(kind="whitespace"))
    corpus = ex.split_corpus(df, tokens, seed=0)
    images, has_image = catalog_images(df, 24, seed=0, missing_frac=0.1, cache=False)
    run = run_fused(corpus, df, images, has_image, seed=0, epochs=6, image_epochs=6, fusion_epochs=8,
                    batch_size=64, lr=5e-3, num_threads=1, **TINY)
    folder = save_fused_model(tmp_path_factory.mktemp("fused") / "latest", run["model"], run["vocab"],
                              corpus.leaves, "whitespace")
    return {"run": run, "corpus": corpus, "folder": folder, "df": df, "images": images}


def test_forward_shapes_and_branch_features():
    cfg = FusedConfig(vocab_size=50, n_classes=7, image_size=24, **TINY)
    model = FusedClassifier(cfg).eval()
    batch = random_batch(cfg, 5)
    with torch.no_grad():
        logits = model(**batch)
        features = model.branch_features(**batch)
    assert logits.shape == (5, 7)
    assert {k: tuple(v.shape) for k, v in features.items() if k != "has_image"} == {
        "name": (5, 16), "mall": (5, 16), "image": (5, 16)}


def test_image_dropout_only_while_training():
    cfg = FusedConfig(vocab_size=50, n_classes=7, image_size=24, image_dropout=0.5, **TINY)
    head = FusedClassifier(cfg).head
    features = [torch.randn(64, 16) for _ in range(3)]
    head.eval()
    assert torch.equal(head(*features, torch.ones(64)), head(*features, torch.ones(64)))
    head.train()
    head.dropout.p = 0.0  # isolate the image dropout
    torch.manual_seed(0)
    a, b = head(*features, torch.ones(64)), head(*features, torch.ones(64))
    assert not torch.equal(a, b)


def test_catalog_images_marks_missing_images():
    df = simulate_catalog(60, seed=1)
    images, has_image = catalog_images(df, 16, seed=1, missing_frac=0.5, cache=False)
    assert images.shape == (60, 16, 16, 3) and images.dtype == np.uint8
    assert 0 < has_image.sum() < 60
    assert images[has_image == 0].max() == 0 and images[has_image == 1].max() > 0


def test_training_beats_chance(trained):
    levels, corpus = trained["run"]["levels"], trained["corpus"]
    truth_l1 = [t.split(">")[0] for t in corpus.test_truth]
    majority_l1 = max(truth_l1.count(x) for x in set(truth_l1)) / len(truth_l1)
    fused = levels["fused (name + mall + image)"]
    assert fused["L1"] > majority_l1 + 0.2
    assert fused["leaf"] > 5 / len(corpus.leaves)
    assert levels["image only"]["L1"] > majority_l1  # the image branch learned something on its own
    assert set(levels) == {"name only", "mall only", "image only", "fused (name + mall + image)",
                           "fused, image removed"}


def test_save_load_round_trip_gives_identical_probabilities(trained):
    folder = trained["folder"]
    assert read_meta(folder)["kind"] == "fused"
    loaded = FusedPredictor.load(folder)
    in_memory = FusedPredictor(copy.deepcopy(trained["run"]["model"]), trained["run"]["vocab"],
                               Tokenizer(kind="whitespace"), trained["corpus"].leaves, "same")
    df, images = trained["df"], trained["images"]
    items = [loaded.preprocess(t, m, image=images[i])
             for i, (t, m) in enumerate(zip(df["title"][:8], df["mall_category"][:8], strict=True))]
    assert torch.equal(loaded.forward(loaded.collate(items)), in_memory.forward(in_memory.collate(items)))
    assert loaded.labels == trained["corpus"].leaves and loaded.version.startswith("fused-")
    assert loaded.image_size == 24
    # folding batch norm into the convolutions keeps the trained model's answers
    model = trained["run"]["model"].eval()
    with torch.no_grad():
        unfused = torch.softmax(model(**loaded.collate(items)), 1)
    assert torch.allclose(loaded.forward(loaded.collate(items)), unfused, atol=1e-5)


def test_product_without_image_is_classified(trained):
    predictor = FusedPredictor.load(trained["folder"])
    row = trained["df"].iloc[0]
    with_image = predictor.preprocess(row["title"], row["mall_category"], image=trained["images"][0])
    without = predictor.preprocess(row["title"], row["mall_category"])
    assert without["has_image"] == 0 and without["image"].max() == 0 and with_image["has_image"] == 1
    probs = predictor.forward(predictor.collate([with_image, without]))
    assert probs.shape == (2, len(predictor.labels))
    assert torch.allclose(probs.sum(1), torch.ones(2), atol=1e-5)
    top = predictor.topk(probs, 3)
    assert len(top[1]) == 3 and top[1][0][0] in predictor.labels
    # an image of another size is resized to image_size
    big = np.full((50, 40, 3), 200, dtype=np.uint8)
    assert predictor.preprocess("x", "", image=big)["image"].shape == (24, 24, 3)


def test_preprocess_returns_numpy_only(trained):
    predictor = FusedPredictor.load(trained["folder"])
    features = predictor.preprocess("삼성 갤럭시 케이스", "디지털/가전>휴대폰", image=trained["images"][1])
    assert set(features) == {"title", "mall", "image", "has_image"}
    assert all(isinstance(v, np.ndarray) for v in features.values())
    assert features["image"].dtype == np.uint8 and features["title"].dtype == np.int64


def test_predictor_module_imports_without_torch():
    code = "import sys, shopcat.models.predictor; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_fusion_uses_each_branch(trained):
    predictor = FusedPredictor.load(trained["folder"])
    df, images = trained["df"], trained["images"]
    items = [predictor.preprocess(t, m, image=images[i])
             for i, (t, m) in enumerate(zip(df["title"][:16], df["mall_category"][:16], strict=True))]
    batch = predictor.collate(items)
    base = predictor.forward(batch)
    blanked = {"title": {"title": torch.zeros_like(batch["title"])},
               "mall": {"mall": torch.zeros_like(batch["mall"])},
               "image": {"image": torch.zeros_like(batch["image"])},
               "has_image": {"has_image": torch.zeros_like(batch["has_image"])}}
    for name, change in blanked.items():
        changed = predictor.forward({**batch, **change})
        assert (changed - base).abs().max() > 1e-3, f"blanking {name} did not change the output"


def test_forward_throughput_reports_a_rate(trained):
    predictor = FusedPredictor.load(trained["folder"])
    figures = fused_forward_throughput(predictor, batch_size=16, n_batches=2, threads=1, repeats=1)
    assert figures["products_per_s"] > 0 and figures["batch_size"] == 16 and figures["image_size"] == 24


@pytest.mark.parametrize("fusion_input", ["features", "logprobs"])
def test_image_branch_alternatives_are_timed_under_either_head(trained, fusion_input):
    """Notebook 06 times MobileNetV2 trunks inside the served model, whose head may read log-probabilities."""
    from shopcat.models.tradeoff import MobileNetBranch, fused_throughput

    run = trained["run"]
    cfg = dataclasses.replace(run["cfg"], fusion_input=fusion_input)
    branch = MobileNetBranch(cfg, n_blocks=2)
    figures = fused_throughput(cfg, run["vocab"], trained["corpus"].leaves, "whitespace", image_branch=branch,
                               batch_size=8, n_batches=1, threads=1)
    assert figures["products_per_s"] > 0 and figures["batch_size"] == 8


def test_pipeline_serves_the_fused_model_from_a_jpeg_message(trained):
    """The serving path: load_predictor finds the fused folder, a message's JPEG reaches the image branch."""
    from shopcat.serve.feed import synthetic_messages
    from shopcat.serve.pipeline import preprocess_message
    from shopcat.serve.stand_in import load_predictor

    predictor = load_predictor(trained["folder"])
    assert isinstance(predictor, FusedPredictor)
    with_image, without = synthetic_messages(3, seed=2, image_px=96)[0], synthetic_messages(3, seed=2)[0]
    _, features = preprocess_message(predictor, with_image, 2000)
    assert features["image"].shape == (predictor.image_size, predictor.image_size, 3)
    assert features["has_image"] == 1 and features["image"].std() > 0
    _, plain = preprocess_message(predictor, without, 2000)
    assert plain["has_image"] == 0
    probs = predictor.forward(predictor.collate([features, plain]))
    assert probs.shape == (2, len(predictor.labels)) and not torch.allclose(probs[0], probs[1])


def head_inputs_and_provenance(monkeypatch, fusion_fit):
    """Train a tiny fused model; return what the fusion head trained on, and for each training row which
    branches produced that input and whether they had trained on the row (rows are told apart by image)."""
    from shopcat.models import train as ft
    from shopcat.models.fused import FusionHead
    from shopcat.text.vocab import Vocab

    df = simulate_catalog(600, seed=3).reset_index(drop=True)
    df, tokens = ex.prepare_corpus(df, Tokenizer(kind="whitespace"))
    corpus = ex.split_corpus(df, tokens, seed=0)
    images, has_image = catalog_images(df, 16, seed=0, cache=False)
    vocab = Vocab.build(corpus.tokens["train"]["title"] + corpus.tokens["train"]["mall"])
    cfg = FusedConfig(vocab_size=len(vocab), n_classes=len(corpus.leaves), image_size=16,
                      **{**TINY, "image_channels": (8, 16)}, fusion_input="logprobs")
    arrays = ft.split_arrays(corpus, df, images, has_image, vocab, cfg)
    key = lambda image: image.tobytes()  # noqa: E731  (each product's rendered image is its own)
    trained_on, produced, head_train = {}, [], {}
    real_train_branches, real_features, real_fit = ft.train_branches, ft.branch_features, ft.fit

    def spy_train_branches(model, train, *args, **kwargs):
        trained_on[id(model.name)] = {key(im) for im in train["image"]}
        return real_train_branches(model, train, *args, **kwargs)

    def spy_features(model, split_arrays, *args, **kwargs):
        out = real_features(model, split_arrays, *args, **kwargs)
        produced.append((id(model.name), [key(im) for im in split_arrays["image"]], out))
        return out

    def spy_fit(module, train_ds, val_ds, train_cfg, **kwargs):
        if isinstance(module, FusionHead):
            head_train.update({k: v.clone() for k, v in train_ds.tensors.items()})
        return real_fit(module, train_ds, val_ds, train_cfg, **kwargs)

    monkeypatch.setattr(ft, "train_branches", spy_train_branches)
    monkeypatch.setattr(ft, "branch_features", spy_features)
    monkeypatch.setattr(ft, "fit", spy_fit)
    ft.train_fused(corpus, arrays, cfg, epochs=1, image_epochs=1, fusion_epochs=1, batch_size=64, seed=0,
                   num_threads=1, fusion_fit=fusion_fit, oof_folds=2)
    saw_own_row = []
    for i, image in enumerate(arrays["train"]["image"]):
        sources = [model_id for model_id, keys, out in produced if key(image) in keys
                   and torch.equal(out["name"][keys.index(key(image))], head_train["name"][i])]
        assert sources, f"training row {i}: the head's input came from no branch output"
        saw_own_row.append(all(key(image) in trained_on[m] for m in sources))
    return np.array(saw_own_row)


def test_fusion_head_never_sees_its_branches_in_sample_outputs(monkeypatch):
    assert not head_inputs_and_provenance(monkeypatch, "oof").any()


def test_in_sample_fusion_is_caught_by_the_same_check(monkeypatch):
    """The deck's recipe feeds the head in-sample outputs: the check above must see it (so it can fail)."""
    assert head_inputs_and_provenance(monkeypatch, "in-sample").all()


def test_out_of_fold_fusion_needs_log_probabilities():
    cfg = FusedConfig(vocab_size=10, n_classes=3, **TINY)
    with pytest.raises(ValueError, match="logprobs"):
        from shopcat.models.train import train_fused

        train_fused(None, {}, cfg, fusion_fit="oof")


def small_corpus(n: int = 600):
    df = simulate_catalog(n, seed=3).reset_index(drop=True)
    df, tokens = ex.prepare_corpus(df, Tokenizer(kind="whitespace"))
    return df, ex.split_corpus(df, tokens, seed=0)


def test_the_peer_branch_scores_no_training_row_with_a_peer_that_trained_on_it(monkeypatch):
    from shopcat.models import peer_branch

    _, corpus = small_corpus()
    fits, real = [], peer_branch.peer_margins

    def spy(train, labels, frames, leaves, seed=0):
        fits.append((set(train["product_id"]), [set(f["product_id"]) for f in frames]))
        return real(train, labels, frames, leaves, seed)

    monkeypatch.setattr(peer_branch, "peer_margins", spy)
    fold = np.arange(len(corpus.y_train)) % 3
    scores = peer_branch.peer_log_probs(corpus, fold, seed=0)
    train_ids = set(corpus.train["product_id"])
    scored_train = [ids for trained, frames in fits for ids in frames if ids <= train_ids]
    assert sorted(len(ids) for ids in scored_train) == sorted(np.bincount(fold).tolist())  # each row once
    assert set().union(*scored_train) == train_ids
    for trained, frames in fits:
        for ids in frames:
            assert not (ids & trained), "a training row was scored by a peer fit on it"
    full_fit = [trained for trained, frames in fits if trained == train_ids]
    assert len(full_fit) == 1  # validation and test rows: the peer fit on every training row
    for split in ("train", "val", "test"):
        probs = np.exp(scores[split])
        assert probs.shape == (len(getattr(corpus, split)), len(corpus.leaves))
        np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-4)


def test_the_peer_branch_uses_the_folds_of_the_branch_copies(monkeypatch):
    from shopcat.models import train as ft

    df, corpus = small_corpus()
    images, has_image = catalog_images(df, 16, seed=0, cache=False)
    seen = {}
    real_peer, real_oof = ft.peer_log_probs, ft.oof_branch_outputs

    def spy_peer(corpus, fold, seed=0):
        seen["peer"] = fold.copy()
        return real_peer(corpus, fold, seed)

    def spy_oof(*args, **kwargs):
        out, fold = real_oof(*args, **kwargs)
        seen["branches"] = fold.copy()
        return out, fold

    monkeypatch.setattr(ft, "peer_log_probs", spy_peer)
    monkeypatch.setattr(ft, "oof_branch_outputs", spy_oof)
    heads = {"oof": {"fusion_fit": "oof", "fusion_input": "logprobs"},
             "oof + peer": {"fusion_fit": "oof", "fusion_input": "logprobs", "peer_branch": True}}
    run = ft.run_fused(corpus, df, images, has_image, seed=0, heads=heads, epochs=1, image_epochs=1,
                       fusion_epochs=1, batch_size=64, num_threads=1, oof_folds=2,
                       **{**TINY, "image_channels": (8, 16)})
    np.testing.assert_array_equal(seen["peer"], seen["branches"])
    assert run["peer_levels"] == ex.run_baselines(corpus, annotator=False)["levels"]["TF-IDF + linear SVM (name + mall)"]
    assert {"oof", "oof + peer", "oof + peer, image removed"} <= set(run["levels"])
    assert run["models"]["oof"].name is run["models"]["oof + peer"].name  # one set of branches, two heads


def test_a_peer_branch_head_needs_out_of_fold_scores():
    from shopcat.models.train import head_config

    cfg = FusedConfig(vocab_size=10, n_classes=3, fusion_input="logprobs", **TINY)
    with pytest.raises(ValueError, match="oof"):
        head_config(cfg, "in-sample", peer_branch=True)
    with pytest.raises(ValueError, match="logprobs"):
        FusedClassifier(FusedConfig(vocab_size=10, n_classes=3, peer_branch=True, **TINY))
