"""load_catalog: every source comes back validated, with an honest data description and its rejects."""

import pandas as pd
import pytest

from shopcat import config
from shopcat.data import sources
from shopcat.data.schema import CatalogError
from shopcat.data.sources import load_catalog


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / "data")
    return tmp_path / "data"


def test_naver_api_source_keeps_each_product_once(data_dir):
    try:
        paths = [config.shared_path(f"naver-shopping-api-sample/{f}") for f in sources.NAVER_API_FILES]
    except FileNotFoundError as exc:
        pytest.skip(f"shared Naver API sample not available: {exc}")
    raw_ids = pd.concat([pd.read_csv(p, encoding="utf-8-sig", dtype=str)["product_id"] for p in paths])
    df, data = load_catalog("naver-api")
    assert len(df) == raw_ids.nunique()
    assert df["product_id"].is_unique
    repeats = len(raw_ids) - raw_ids.nunique()
    assert data["kind"] == "real" and data["rows"] == len(df)
    assert (data["read"], data["rows"], data["rejected"]) == (len(raw_ids), len(df), repeats)
    rejects = pd.read_csv(data_dir / "rejects" / "naver-api.rejects.csv")
    assert len(rejects) == repeats and set(rejects["reason"]) == {"duplicate product_id"}


def test_file_source_is_real_unless_the_caller_says_simulated(tmp_path, data_dir):
    path = tmp_path / "mine.csv"
    path.write_text(
        "product_id,title,category,registered_at,seller_id\n1,텀블러,가구>소파,2025-10-30,s\n2,,가구>소파,2025-10-30,s\n",
        encoding="utf-8",
    )
    df, data = load_catalog(str(path))
    assert (len(df), data["kind"], data["name"]) == (1, "real", "mine.csv")
    assert "1 title: empty value" in data["detail"]
    assert (data_dir / "rejects" / "mine.rejects.csv").exists()
    df.assign(true_category=df["category"]).to_csv(tmp_path / "audited.csv", index=False)
    assert load_catalog(str(tmp_path / "audited.csv"))[1]["kind"] == "real"  # a column proves nothing
    assert load_catalog(str(tmp_path / "audited.csv"), data_kind="simulated")[1]["kind"] == "simulated"
    with pytest.raises(ValueError, match="data_kind"):
        load_catalog(str(path), data_kind="sim")


def test_sim_source(data_dir):
    pytest.importorskip("shopcat.sim")
    df, data = load_catalog("sim", n_products=300, seed=1)
    assert len(df) == data["rows"] == 300
    assert data["kind"] == "simulated" and "seed 1, 300 products" in data["name"]
    assert "true_category" in df.columns and df["registered_at"].dtype == "datetime64[ns]"


def test_relative_path_is_taken_from_the_callers_directory(tmp_path, monkeypatch, data_dir):
    """make reproduce runs the kernel in notebooks/: the runner passes the user's directory along."""
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "my.csv").write_text("product_id,title,category\n1,텀블러,생활\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # stands in for notebooks/: my.csv is not here
    monkeypatch.setenv("SHOPCAT_CALLER_CWD", str(tmp_path / "user"))
    df, data = load_catalog("my.csv")
    assert (len(df), data["name"]) == (1, "my.csv")


def test_catalog_fingerprint_follows_the_content_not_the_path(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_bytes(b"product_id,title,category\n1,x,y\n")
    b.write_bytes(a.read_bytes())
    assert sources.catalog_fingerprint(a) == sources.catalog_fingerprint(b)
    b.write_bytes(b"product_id,title,category\n1,x,z\n")
    assert sources.catalog_fingerprint(a) != sources.catalog_fingerprint(b)
    assert len(sources.catalog_fingerprint(a)) == 64


def test_a_source_whose_every_row_is_rejected_stops_with_one_sentence(tmp_path, data_dir):
    path = tmp_path / "bad.csv"
    path.write_text("product_id,title,category\n1,,생활\n2,,생활\n", encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        load_catalog(str(path))
    text = str(error.value)
    assert text.startswith("Catalog 'bad.csv' has no usable row: all 2 rows were rejected, most for title")
    assert text.endswith(".") and "\n" not in text
    assert (data_dir / "rejects" / "bad.rejects.csv").exists()
