"""`shopcat train` on a user's catalog file, then `shopcat predict` with the model it wrote."""

import numpy as np
import pandas as pd

from shopcat.models.saved import load_model, read_meta
from shopcat.train.catalog import cli_train, train_on_catalog

SMALL = {"embed_dim": 16, "n_maps": 8, "fcl_dim": 16, "title_len": 16,
         "subword": {"kiwi_tokens": False, "title_maxn": 0, "buckets": 65536}}


def user_catalog(path, n=600):
    """A catalog as a user would export it: CP949 from Excel, Korean dates, no true_category."""
    from shopcat.sim import simulate_catalog

    df = simulate_catalog(n, seed=0).drop(columns=["true_category", "noise_kind"], errors="ignore")
    df["registered_at"] = pd.to_datetime(df["registered_at"]).dt.strftime("%Y.%m.%d")
    df.to_csv(path, index=False, encoding="cp949", errors="replace")
    return path


def test_train_writes_a_model_card_and_predict_serves_it(tmp_path, capsys, monkeypatch):
    catalog = user_catalog(tmp_path / "mine.csv")
    folder = train_on_catalog(catalog, tmp_path / "models" / "mine", epochs=3, progress=False, recipe=SMALL)
    meta = read_meta(folder)
    card = meta["card"]
    assert meta["kind"] == "text" and card["data"]["kind"] == "real" and card["data"]["rows"] == 600
    assert set(card["metrics"]) == {"validation", "test"} and 0 <= card["metrics"]["test"]["leaf"] <= 1
    assert card["training"]["epochs_run"] <= 3 and card["trained_at"] and card["train_seconds"] > 0
    text = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Test accuracy per level" in text and "600 accepted" in text
    products = tmp_path / "new.csv"
    pd.read_csv(catalog, encoding="cp949").head(20)[["product_id", "title", "mall_category"]].to_csv(
        products, index=False)
    from shopcat.models.predict import cli_predict

    assert cli_predict(["--model", str(folder), "--input", str(products), "--out", str(tmp_path / "p.csv")]) == 0
    predictions = pd.read_csv(tmp_path / "p.csv")
    assert len(predictions) == 20 and set(predictions["category_1"]) <= set(load_model(folder).labels)


def test_train_on_a_file_with_no_usable_rows_says_so_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("product_id,title,category\n1,,A>B\n2,,A>C\n", encoding="utf-8")
    assert cli_train(["--data", str(bad), "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("shopcat train:") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m" / "model.json").exists()


def test_an_abused_mall_category_is_listed_dropped_and_ignored_when_served(tmp_path):
    """An abusive seller files all kinds of products under 식품>선물세트>햄선물세트 and the labels follow it: the
    trained model lists that category, trains without the contradicted rows and reads it as empty when served."""
    from shopcat.sim import simulate_catalog

    df = simulate_catalog(800, seed=2).drop(columns=["true_category", "noise_kind"], errors="ignore")
    abused = "식품>선물세트>햄선물세트"
    abusive = df.index[df.index % 10 == 0]  # every tenth product, whatever it is
    df.loc[abusive, ["mall_category", "category"]] = abused
    df.to_csv(tmp_path / "catalog.csv", index=False)
    folder = train_on_catalog(tmp_path / "catalog.csv", tmp_path / "m", epochs=1, progress=False, recipe=SMALL)
    meta = read_meta(folder)
    assert abused in meta["blank_malls"]  # (the simulator's own abusive sellers may add another)
    assert meta["card"]["abused_malls"]["training_rows_dropped"] > 25
    assert abused in (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert abused in pd.read_csv(folder / "abused_malls.csv")["mall_category"].tolist()
    model = load_model(folder)
    title = df.loc[abusive[0], "title"]
    assert model.predict([title], [abused], k=3) == model.predict([title], [""], k=3)
    malls = df["mall_category"].fillna("")
    other = malls[(malls != "") & ~malls.isin(meta["blank_malls"])].value_counts().index[0]
    read, empty = model.preprocess(title, other), model.preprocess(title, "")
    assert any(not np.array_equal(read[k], empty[k]) for k in read)  # other mall categories are still read
    kept = train_on_catalog(tmp_path / "catalog.csv", tmp_path / "k", epochs=1, progress=False, recipe=SMALL,
                            abused_malls="keep")
    assert read_meta(kept)["blank_malls"] == [] and not (kept / "abused_malls.csv").exists()


def test_train_with_images_writes_a_fused_model_that_ignores_abused_malls_and_predict_reads_the_files(tmp_path):
    """`shopcat train --images`: the image column's local files are read, the fused model is written with the
    same abused-mall list as a text model, and `shopcat predict` serves it from the same files."""
    from PIL import Image

    from shopcat.models.predict import cli_predict
    from shopcat.sim import simulate_catalog
    from shopcat.sim.images import render_images

    df = simulate_catalog(800, seed=2).drop(columns=["true_category", "noise_kind"], errors="ignore")
    pixels = render_images(df["product_id"], df["category"], 48, seed=0)
    (tmp_path / "img").mkdir()
    paths = []
    for pid, image in zip(df["product_id"], pixels, strict=True):
        Image.fromarray(image).save(tmp_path / "img" / f"{pid}.png")
        paths.append(str(tmp_path / "img" / f"{pid}.png"))
    df["image"] = paths
    df.loc[df.index % 7 == 0, "image"] = ""  # some products come without an image
    abused = "식품>선물세트>햄선물세트"
    abusive = df.index[df.index % 10 == 0]
    df.loc[abusive, ["mall_category", "category"]] = abused
    df.to_csv(tmp_path / "catalog.csv", index=False)
    tiny = {"embed_dim": 16, "n_maps": 8, "branch_dim": 16, "fcl_dim": 16, "image_channels": (8, 8, 8, 8),
            "epochs": 1, "image_epochs": 1, "fusion_epochs": 1}
    folder = train_on_catalog(tmp_path / "catalog.csv", tmp_path / "m", images=True, progress=False, recipe=tiny)
    meta = read_meta(folder)
    card = meta["card"]
    assert meta["kind"] == "fused" and card["images_found"] == int((df["image"] != "").sum())
    assert meta["model"]["fusion_input"] == "logprobs"  # 06's best servable head: fit on out-of-fold outputs
    assert abused in meta["blank_malls"] and card["abused_malls"]["training_rows_dropped"] > 25
    model = load_model(folder)
    title = df.loc[abusive[0], "title"]
    assert model.predict([title], [abused], k=3) == model.predict([title], [""], k=3)
    with_image = model.preprocess(title, "", image=pixels[1])
    assert with_image["has_image"] == 1 and with_image["image"].any()
    products = tmp_path / "new.csv"
    df.head(30)[["product_id", "title", "mall_category", "image"]].to_csv(products, index=False)
    assert cli_predict(["--model", str(folder), "--input", str(products), "--out", str(tmp_path / "p.csv")]) == 0
    predictions = pd.read_csv(tmp_path / "p.csv")
    assert predictions["product_id"].tolist() == df.head(30)["product_id"].tolist()
    assert set(predictions["category_1"]) <= set(model.labels)
