"""Catalog description figures on a hand-made catalog whose answers are known."""

import pandas as pd
import pytest

from shopcat.data import overview


@pytest.fixture
def catalog():
    return pd.DataFrame({
        "product_id": ["1", "2", "3", "4", "5", "6"],
        "title": ["갤럭시 S24 케이스", "아이폰 15 필름", "원피스 여름", "원피스 롱", "원피스 미니", "다큐 DVD"],
        "mall_category": ["디지털/가전>케이스", "", "패션의류>원피스", "여성의류>원피스", "패션의류>원피스", "기타"],
        "image": ["", "a.jpg", "", "", "http://x/y.jpg", ""],
        "category": ["디지털/가전>휴대폰액세서리>케이스", "디지털/가전>휴대폰액세서리>보호필름",
                     "패션의류>원피스", "패션의류>원피스", "패션의류>원피스", "도서>DVD>다큐멘터리>자연"],
        "registered_at": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-01", "2024-03-01",
                                         "2024-03-02", "2024-03-03"]),
        "seller_id": ["s1", "s1", "s2", "s3", "s2", "s4"],
    })


def test_categories_per_level_counts_prefixes(catalog):
    table = overview.categories_per_level(catalog).set_index("level")
    assert table.loc["L1", "categories"] == 3
    assert table.loc["L2", "categories"] == 3  # 휴대폰액세서리, 원피스, DVD
    assert table.loc["L3", "products"] == 3  # only depth >= 3 paths have a third level
    assert table.loc["L4", "categories"] == 1
    assert table.loc["leaf", "categories"] == 4
    assert table.attrs["leaf_depths"] == {2: 3, 3: 2, 4: 1}


def test_imbalance_curve_and_ratio(catalog):
    assert overview.imbalance_curve(catalog).tolist() == [3, 1, 1, 1]
    assert overview.imbalance_ratio(catalog) == 3.0


def test_mall_agreement_counts_only_rows_with_a_mall_category(catalog):
    agreement = overview.mall_agreement(catalog)
    assert agreement["with_mall_category"] == pytest.approx(5 / 6)
    assert agreement["same_path"] == pytest.approx(2 / 5)
    assert agreement["same_leaf_name"] == pytest.approx(4 / 5)  # 케이스 and three 원피스
    assert agreement["same_top_level"] == pytest.approx(3 / 5)


def test_mall_agreement_without_mall_categories_is_none(catalog):
    assert overview.mall_agreement(catalog.assign(mall_category=""))["same_path"] is None


def test_summary_and_months(catalog):
    summary = overview.catalog_summary(catalog)
    assert summary["products"] == 6 and summary["sellers"] == 4 and summary["leaf_categories"] == 4
    assert summary["with_image"] == pytest.approx(2 / 6)
    assert (summary["first_date"], summary["last_date"]) == ("2024-01-05", "2024-03-03")
    assert overview.products_per_month(catalog).tolist() == [2, 1, 3]
    stats = overview.title_stats(catalog)
    assert stats.loc["tokens", "max"] == 3


def test_summary_of_a_catalog_without_dates_or_sellers(tmp_path):
    from shopcat.data.schema import read_catalog

    path = tmp_path / "flat.csv"
    path.write_text("product_id,title,category\n1,a,Fashion\n2,b,Food\n", encoding="utf-8")
    summary = overview.catalog_summary(read_catalog(path))
    assert (summary["products"], summary["sellers"], summary["first_date"], summary["last_date"]) == (2, 0, None, None)
