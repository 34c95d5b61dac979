"""The Naver search-API adapter on the real shared sample and on small hand-made exports."""

import csv

import pandas as pd
import pytest

from shopcat import config
from shopcat.data.naver_api import (
    clean_title,
    date_from_name,
    join_levels,
    read_naver_api,
    read_naver_api_and_rejects,
)
from shopcat.data.schema import COLUMNS, CatalogError
from shopcat.data.taxonomy import load_naver_categories

SAMPLES = {"naver_shopping_api_20251030.csv": 700, "naver_shopping_api_20251103.csv": 705}
HEADER = "title,link,image,lprice,hprice,mall_name,product_id,brand,maker,category1,category2,category3,category4\n"


def sample(name: str):
    try:
        return config.shared_path(f"naver-shopping-api-sample/{name}")
    except FileNotFoundError as exc:
        pytest.skip(f"shared Naver API sample not available: {exc}")


@pytest.mark.parametrize("name, rows", SAMPLES.items())
def test_real_sample_reads_every_row(name, rows):
    path = sample(name)
    with open(path, encoding="utf-8-sig", newline="") as f:
        raw = list(csv.DictReader(f))
    accepted, rejects = read_naver_api_and_rejects(path, taxonomy=load_naver_categories())
    assert len(raw) == rows
    assert (len(accepted), len(rejects)) == (rows, 0)
    assert list(accepted.columns[: len(COLUMNS)]) == COLUMNS
    assert {"brand", "maker", "lprice"} <= set(accepted.columns)
    # categories are the API's levels joined by '>', checked against an independent reading of the file
    expected = [">".join(r[f"category{i}"] for i in range(1, 5) if r[f"category{i}"]) for r in raw]
    assert accepted["category"].tolist() == expected
    assert accepted["seller_id"].tolist() == [r["mall_name"] for r in raw]
    assert (accepted["mall_category"] == "").all()
    assert (accepted["registered_at"] == date_from_name(path)).all()
    # entities are decoded, no markup is left
    assert not accepted["title"].str.contains("&amp;|<b>|</b>", regex=True).any()
    escaped = [r["title"] for r in raw if "&amp;" in r["title"]]
    assert escaped, "the sample has titles with &amp; to decode"
    assert set(accepted["title"]) >= {t.replace("&amp;", "&") for t in escaped}


def test_clean_title_strips_tags_then_unescapes():
    assert clean_title("<b>텀블러</b> 캡&amp;캐리 &lt;b&gt; 1+1") == "텀블러 캡&캐리 <b> 1+1"


def test_join_levels_drops_trailing_but_keeps_inner_gaps():
    assert join_levels(["생활/건강", "주방용품", "잔/컵", ""]) == "생활/건강>주방용품>잔/컵"
    assert join_levels(["생활/건강", "", "잔/컵", ""]) == "생활/건강>>잔/컵"


def test_date_from_name():
    assert date_from_name("x/naver_shopping_api_20251030.csv") == pd.Timestamp("2025-10-30")
    assert date_from_name("export.csv") is None


def test_synthetic_export_rows_are_mapped_and_bad_ones_rejected(tmp_path):
    path = tmp_path / "naver_shopping_api_20251101.csv"
    lines = [
        "<b>스탠리</b> 텀블러 &amp; 빨대,l,https://img/1.jpg,100,0,스탠리 &amp; 코,1,스탠리,,생활/건강,주방용품,잔/컵,텀블러\n",
        "보온병,l,https://img/2.jpg,100,0,몰,2,,,생활/건강,주방용품,보관/밀폐용기,\n",
        "구멍난 분류,l,https://img/3.jpg,100,0,몰,3,,,생활/건강,,잔/컵,텀블러\n",
        ",l,https://img/4.jpg,100,0,몰,4,,,생활/건강,주방용품,잔/컵,텀블러\n",
    ]
    path.write_bytes(("\ufeff" + HEADER + "".join(lines)).encode("utf-8") + b"\xff\xfe,l,,1,0,m,5,,,a,b,,\n")
    accepted, rejects = read_naver_api_and_rejects(path, now="2025-11-10")
    assert accepted[["product_id", "title", "seller_id", "category"]].values.tolist() == [
        ["1", "스탠리 텀블러 & 빨대", "스탠리 & 코", "생활/건강>주방용품>잔/컵>텀블러"],
        ["2", "보온병", "몰", "생활/건강>주방용품>보관/밀폐용기"],
    ]
    assert accepted["registered_at"].tolist() == [pd.Timestamp("2025-11-01")] * 2
    assert rejects[["row", "field", "reason", "detail"]].values.tolist() == [
        [3, "category", "bad category path", "an empty level"],
        [4, "title", "empty value", "empty or only spaces"],
        [5, "title", "bad encoding", "bytes that are not UTF-8"],
    ]


def test_rejects_are_written_when_asked(tmp_path):
    path = tmp_path / "naver_shopping_api_20251101.csv"
    path.write_text(
        HEADER + ",l,https://img/4.jpg,100,0,몰,4,,,생활/건강,주방용품,잔/컵,텀블러\n", encoding="utf-8"
    )
    with pytest.raises(CatalogError, match="has no usable row: all 1 rows were rejected"):
        read_naver_api(path, rejects_path=tmp_path / "rejects.csv")
    assert len(pd.read_csv(tmp_path / "rejects.csv")) == 1  # written before stopping


def test_export_without_a_date_or_api_columns_is_unreadable(tmp_path):
    undated = tmp_path / "export.csv"
    undated.write_text(HEADER + "t,l,https://i/1.jpg,1,0,m,1,,,a,b,,\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="no YYYYMMDD date in its name"):
        read_naver_api(undated)
    catalog_like = tmp_path / "naver_shopping_api_20251101.csv"
    catalog_like.write_text("product_id,title\n1,t\n", encoding="utf-8")
    with pytest.raises(
        CatalogError, match=r"not a Naver Shopping API export: it lacks the column\(s\) image"
    ):
        read_naver_api(catalog_like)
