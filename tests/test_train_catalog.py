"""`shopcat train` on a user's catalog file, then `shopcat predict` with the model it wrote."""

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
