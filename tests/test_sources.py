"""load_catalog: every source comes back validated, with an honest data description and its rejects."""

import pandas as pd
import pytest

from shopcat import config
from shopcat.data import sources
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


def test_file_source_is_real_unless_it_carries_true_category(tmp_path, data_dir):
    path = tmp_path / "mine.csv"
    path.write_text(
        "product_id,title,category,registered_at,seller_id\n1,텀블러,가구>소파,2025-10-30,s\n2,,가구>소파,2025-10-30,s\n",
        encoding="utf-8",
    )
    df, data = load_catalog(str(path))
    assert (len(df), data["kind"], data["name"]) == (1, "real", "mine.csv")
    assert "1 title: empty value" in data["detail"]
    assert (data_dir / "rejects" / "mine.rejects.csv").exists()
    df.assign(true_category=df["category"]).to_csv(tmp_path / "sim.csv", index=False)
    assert load_catalog(str(tmp_path / "sim.csv"))[1]["kind"] == "simulated"


def test_sim_source(data_dir):
    pytest.importorskip("shopcat.sim")
    df, data = load_catalog("sim", n_products=300, seed=1)
    assert len(df) == data["rows"] == 300
    assert data["kind"] == "simulated" and "seed 1, 300 products" in data["name"]
    assert "true_category" in df.columns and df["registered_at"].dtype == "datetime64[ns]"
