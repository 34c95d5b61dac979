"""The catalog reader rejects each kind of bad row with its exact field and reason, keeps the good rows
around it, never loses a row, and fails on unreadable files with one sentence naming the file."""

import numpy as np
import pandas as pd
import pytest

from shopcat.data.schema import (
    COLUMNS,
    REJECT_COLUMNS,
    CatalogError,
    read_catalog,
    read_catalog_and_rejects,
    require_columns,
    validate_catalog,
    write_rejects,
)
from shopcat.data.taxonomy import Taxonomy

NOW = "2025-11-10"
TAXONOMY = Taxonomy.from_paths(["가구>침대>프레임", "가구>소파", "생활>주방>잔/컵>텀블러"])
GOOD = {
    "product_id": "p1",
    "title": "스탠리 퀜처 텀블러 887ml",
    "mall_category": "주방>텀블러",
    "image": "https://shopping-phinf.pstatic.net/main_1/1.jpg",
    "category": "생활>주방>잔/컵>텀블러",
    "registered_at": "2025-10-30",
    "seller_id": "mall-1",
    "brand": "스탠리",
}


def csv_bytes(rows: list[dict], columns=None) -> bytes:
    """A CSV where every field is quoted; bytes values go in raw, so a row can hold bytes that are not UTF-8."""
    columns = columns or list(rows[0])

    def cell(value) -> bytes:
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return b'"' + raw.replace(b'"', b'""') + b'"'

    lines = [b",".join(cell(c) for c in columns)]
    lines += [b",".join(cell(row.get(c, "")) for c in columns) for row in rows]
    return b"\n".join(lines) + b"\n"


def three_rows(bad: dict) -> list[dict]:
    """A good row, the bad row, another good row."""
    return [dict(GOOD), {**GOOD, "product_id": "p2", **bad}, {**GOOD, "product_id": "p3"}]


# (case id, values that spoil row 2, field, reason, detail)
MALFORMED_CSV = [
    ("empty title", {"title": ""}, "title", "empty value", "empty or only spaces"),
    ("blank title", {"title": "   \t "}, "title", "empty value", "empty or only spaces"),
    ("title too long", {"title": "가" * 1001}, "title", "too long", "1001 characters > 1000"),
    (
        "title U+FFFD",
        {"title": "텀블러 \ufffd 887ml"},
        "title",
        "bad encoding",
        "replacement character U+FFFD",
    ),
    (
        "title bad bytes",
        {"title": b"\xc5\xd2\xba\xed\xb7\xaf cp949"},
        "title",
        "bad encoding",
        "bytes that are not UTF-8",
    ),
    (
        "title cut UTF-8",
        {"title": "텀블러".encode()[:-1]},
        "title",
        "bad encoding",
        "bytes that are not UTF-8",
    ),
    (
        "title control",
        {"title": "텀블러\x1b[31m"},
        "title",
        "control character",
        "a control character (e.g. NUL, ESC)",
    ),
    (
        "mall bad bytes",
        {"mall_category": b"\xff\xfe"},
        "mall_category",
        "bad encoding",
        "bytes that are not UTF-8",
    ),
    ("empty id", {"product_id": ""}, "product_id", "empty value", "empty or only spaces"),
    ("blank id", {"product_id": "  "}, "product_id", "empty value", "empty or only spaces"),
    ("float id", {"product_id": "1.5"}, "product_id", "wrong type", "text that looks like a float number"),
    (
        "excel id",
        {"product_id": "8.60141E+10"},
        "product_id",
        "wrong type",
        "text that looks like a float number",
    ),
    ("duplicate id", {"product_id": "p1"}, "product_id", "duplicate product_id", "first seen at row 1"),
    ("id bad bytes", {"product_id": b"p\xff"}, "product_id", "bad encoding", "bytes that are not UTF-8"),
    ("empty category", {"category": ""}, "category", "empty value", "empty or only spaces"),
    ("leading sep", {"category": ">생활>주방"}, "category", "bad category path", "leading or trailing '>'"),
    ("trailing sep", {"category": "생활>주방>"}, "category", "bad category path", "leading or trailing '>'"),
    ("empty level", {"category": "생활>>잔/컵"}, "category", "bad category path", "an empty level"),
    ("blank level", {"category": "생활> >잔/컵"}, "category", "bad category path", "an empty level"),
    ("unknown leaf", {"category": "생활>주방>냄비"}, "category", "unknown category", "not in the taxonomy"),
    ("inner node", {"category": "가구>침대"}, "category", "unknown category", "an inner node, not a leaf"),
    (
        "category bad bytes",
        {"category": b"\xb0\xa1\xb1\xb8>a"},
        "category",
        "bad encoding",
        "bytes that are not UTF-8",
    ),
    (
        "word date",
        {"registered_at": "yesterday"},
        "registered_at",
        "unparsable date",
        "not a date like 2025-10-30",
    ),
    (
        "feb 30",
        {"registered_at": "2025-02-30"},
        "registered_at",
        "unparsable date",
        "not a date like 2025-10-30",
    ),
    (
        "month 13",
        {"registered_at": "2025-13-01"},
        "registered_at",
        "unparsable date",
        "not a date like 2025-10-30",
    ),
    (
        "us date",
        {"registered_at": "10/30/2025"},
        "registered_at",
        "unparsable date",
        "not a date like 2025-10-30",
    ),
    (
        "before 2000",
        {"registered_at": "1970-01-01"},
        "registered_at",
        "date out of range",
        "before 2000-01-01",
    ),
    (
        "future",
        {"registered_at": "2025-11-12"},
        "registered_at",
        "date out of range",
        "more than 1 day in the future",
    ),
    ("seller bad bytes", {"seller_id": b"\xba\xed"}, "seller_id", "bad encoding", "bytes that are not UTF-8"),
    (
        "ftp image",
        {"image": "ftp://host/a.jpg"},
        "image",
        "not a path or URL",
        "not an http(s) URL or a path to an image file",
    ),
    (
        "n/a image",
        {"image": "N/A"},
        "image",
        "not a path or URL",
        "not an http(s) URL or a path to an image file",
    ),
    (
        "hostless url",
        {"image": "http://"},
        "image",
        "not a path or URL",
        "not an http(s) URL or a path to an image file",
    ),
    (
        "script image",
        {"image": "javascript:alert(1)"},
        "image",
        "not a path or URL",
        "not an http(s) URL or a path to an image file",
    ),
    ("extra bad bytes", {"brand": b"\xbd\xba\xc5\xc4"}, "brand", "bad encoding", "bytes that are not UTF-8"),
]


@pytest.mark.parametrize(
    "bad, field, reason, detail", [c[1:] for c in MALFORMED_CSV], ids=[c[0] for c in MALFORMED_CSV]
)
def test_malformed_csv_row_is_rejected_with_its_field_and_reason(tmp_path, bad, field, reason, detail):
    path = tmp_path / "catalog.csv"
    path.write_bytes(csv_bytes(three_rows(bad)))
    accepted, rejects = read_catalog_and_rejects(path, taxonomy=TAXONOMY, now=NOW)
    assert list(rejects.columns) == REJECT_COLUMNS
    assert rejects[["row", "field", "reason", "detail"]].to_dict("records") == [
        {"row": 2, "field": field, "reason": reason, "detail": detail}
    ]
    assert accepted["product_id"].tolist() == ["p1", "p3"]


@pytest.mark.parametrize(
    "bad, field, reason, detail",
    [
        ({"true_category": "가구>"}, "true_category", "bad category path", "leading or trailing '>'"),
        ({"true_category": ""}, "true_category", "empty value", "empty or only spaces"),
        ({"true_category": "가구>침대>매트리스"}, "true_category", "unknown category", "not in the taxonomy"),
    ],
)
def test_invalid_true_category_is_rejected(tmp_path, bad, field, reason, detail):
    rows = [{**r, "true_category": r.get("true_category", "가구>소파")} for r in three_rows(bad)]
    path = tmp_path / "sim.csv"
    path.write_bytes(csv_bytes(rows))
    accepted, rejects = read_catalog_and_rejects(path, taxonomy=TAXONOMY, now=NOW)
    assert rejects[["row", "field", "reason", "detail"]].to_dict("records") == [
        {"row": 2, "field": field, "reason": reason, "detail": detail}
    ]
    assert accepted["true_category"].tolist() == ["가구>소파", "가구>소파"]


# Values only a typed source (Parquet, a DataFrame) can hold.
MALFORMED_TYPED = [
    ("float id", {"product_id": 1.5}, "product_id", "wrong type", "float 1.5"),
    ("bool id", {"product_id": True}, "product_id", "wrong type", "boolean True"),
    ("list title", {"title": ["텀블러", "컵"]}, "title", "wrong type", "a list, not text"),
    ("dict title", {"title": {"ko": "텀블러"}}, "title", "wrong type", "a dict, not text"),
    (
        "array mall category",
        {"mall_category": np.array(["a", "b"])},
        "mall_category",
        "wrong type",
        "a list, not text",
    ),
    ("missing title", {"title": None}, "title", "empty value", "empty or only spaces"),
    ("int date", {"registered_at": 1761782400}, "registered_at", "wrong type", "int, not a date"),
    (
        "ancient timestamp",
        {"registered_at": pd.Timestamp("1900-01-01")},
        "registered_at",
        "date out of range",
        "before 2000-01-01",
    ),
]


@pytest.mark.parametrize(
    "bad, field, reason, detail", [c[1:] for c in MALFORMED_TYPED], ids=[c[0] for c in MALFORMED_TYPED]
)
def test_malformed_typed_value_is_rejected(bad, field, reason, detail):
    df = pd.DataFrame(three_rows({}), dtype=object)
    for name, value in bad.items():
        df.at[1, name] = value
    accepted, rejects = validate_catalog(df, now=NOW)
    assert rejects[["row", "field", "reason", "detail"]].to_dict("records") == [
        {"row": 2, "field": field, "reason": reason, "detail": detail}
    ]
    assert accepted["product_id"].tolist() == ["p1", "p3"]


def test_rows_with_wrong_number_of_fields_are_rejected(tmp_path):
    text = (
        "product_id,title,category,registered_at,seller_id\n"
        "p1,텀블러,가구>소파,2025-10-30,s1\n"
        "p2,텀블러, 1+1,가구>소파,2025-10-30,s1\n"
        "p3,텀블러,가구>소파\n"
        "p4,텀블러,가구>소파,2025-10-30,s1\n"
    )
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8")
    accepted, rejects = read_catalog_and_rejects(path, now=NOW)
    assert rejects[["row", "product_id", "field", "reason", "detail"]].to_dict("records") == [
        {
            "row": 2,
            "product_id": "p2",
            "field": "(row)",
            "reason": "wrong number of fields",
            "detail": "6 fields where the header has 5",
        },
        {
            "row": 3,
            "product_id": "p3",
            "field": "(row)",
            "reason": "wrong number of fields",
            "detail": "3 fields where the header has 5",
        },
    ]
    assert accepted["product_id"].tolist() == ["p1", "p4"]


def test_a_row_is_rejected_once_for_its_first_problem():
    df = pd.DataFrame(three_rows({"title": "", "category": "x", "registered_at": "never"}), dtype=object)
    accepted, rejects = validate_catalog(df, now=NOW)
    assert rejects[["field", "reason"]].values.tolist() == [["title", "empty value"]]


def test_duplicate_is_judged_against_the_first_valid_row():
    rows = [{**GOOD, "title": ""}, {**GOOD}, {**GOOD}]  # the first p1 is bad, so the second is the one kept
    accepted, rejects = validate_catalog(pd.DataFrame(rows, dtype=object), now=NOW)
    assert rejects[["row", "reason", "detail"]].values.tolist() == [
        [1, "empty value", "empty or only spaces"],
        [3, "duplicate product_id", "first seen at row 2"],
    ]
    assert len(accepted) == 1


def test_rows_are_never_lost(tmp_path):
    """Accepted + rejected == rows read, and every row number appears once, on a file mixing all cases."""
    rng = np.random.default_rng(0)
    spoilers = [c[1] for c in MALFORMED_CSV]
    rows = []
    for i in range(300):
        row = {**GOOD, "product_id": f"p{i}"}
        for k in rng.choice(len(spoilers), size=rng.integers(0, 3), replace=False):
            row.update(spoilers[k])
        rows.append(row)
    path = tmp_path / "mixed.csv"
    path.write_bytes(csv_bytes(rows, columns=list(GOOD)))
    accepted, rejects = read_catalog_and_rejects(path, taxonomy=TAXONOMY, now=NOW)
    assert len(accepted) + len(rejects) == 300
    assert 0 < len(rejects) < 300
    assert rejects["row"].is_unique
    ids = {r["product_id"] for r in rows}
    assert set(accepted["product_id"]) <= ids


def test_accepted_rows_are_in_the_catalog_schema(tmp_path):
    path = tmp_path / "c.csv"
    rows = [
        {**GOOD, "category": " 생활 > 주방 > 잔/컵 > 텀블러 ", "registered_at": "2025-10-30T09:00:00+09:00"}
    ]
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes(rows))  # UTF-8 with BOM, as Excel writes it
    df = read_catalog(path, now=NOW)
    assert list(df.columns) == COLUMNS + ["brand"]
    assert df["registered_at"].dtype == "datetime64[ns]"
    assert df.loc[0, "registered_at"] == pd.Timestamp("2025-10-30 00:00:00")  # converted to UTC
    assert df.loc[0, "category"] == "생활>주방>잔/컵>텀블러"
    assert df.loc[0, "title"] == GOOD["title"]


def test_mall_category_and_image_columns_may_be_absent(tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text("product_id,title,category,registered_at,seller_id\n7,텀블러,가구>소파,2025/10/30,s\n")
    df = read_catalog(path, now=NOW)
    assert df[["product_id", "mall_category", "image"]].values.tolist() == [["7", "", ""]]
    assert df.loc[0, "registered_at"] == pd.Timestamp("2025-10-30")


def test_images_that_are_paths_or_urls_are_accepted():
    images = ["", "images/p1.jpg", "/data/img/P 2.PNG", "C:\\img\\3.webp", "HTTPS://cdn.example.com/x?id=1"]
    df = pd.DataFrame(
        [{**GOOD, "product_id": f"p{i}", "image": im} for i, im in enumerate(images)], dtype=object
    )
    accepted, rejects = validate_catalog(df, now=NOW)
    assert rejects.empty
    assert accepted["image"].tolist() == [
        "",
        "images/p1.jpg",
        "/data/img/P 2.PNG",
        "C:\\img\\3.webp",
        "HTTPS://cdn.example.com/x?id=1",
    ]


def test_csv_round_trip(tmp_path):
    rows = [{**GOOD, "product_id": f"p{i}", "title": f'텀블러 "{i}", 줄\n바꿈'} for i in range(5)]
    first = read_catalog(_write(tmp_path / "a.csv", rows), now=NOW)
    first.to_csv(tmp_path / "b.csv", index=False)
    second = read_catalog(tmp_path / "b.csv", now=NOW)
    pd.testing.assert_frame_equal(first, second)
    assert second.loc[3, "title"] == '텀블러 "3", 줄\n바꿈'


def test_parquet_round_trip_keeps_types_and_whole_number_ids(tmp_path):
    df = pd.DataFrame([{**GOOD, "product_id": float(i), "lprice": 1000 * i} for i in range(1, 4)])
    df["registered_at"] = pd.to_datetime(df["registered_at"]).dt.tz_localize("Asia/Seoul")
    df.loc[1, "product_id"] = 2.5
    df.to_parquet(tmp_path / "c.parquet")
    accepted, rejects = read_catalog_and_rejects(tmp_path / "c.parquet", now=NOW)
    assert accepted["product_id"].tolist() == ["1", "3"]
    assert rejects[["row", "field", "reason", "detail"]].values.tolist() == [
        [2, "product_id", "wrong type", "float 2.5"]
    ]
    assert accepted["lprice"].tolist() == [1000, 3000]
    assert accepted.loc[0, "registered_at"] == pd.Timestamp("2025-10-29 15:00")
    accepted.to_parquet(tmp_path / "d.parquet")
    pd.testing.assert_frame_equal(read_catalog(tmp_path / "d.parquet", now=NOW), accepted)


def test_rejects_file_is_written_and_readable(tmp_path):
    path = _write(tmp_path / "c.csv", three_rows({"title": b"\xff\xfe"}))
    with pytest.warns(UserWarning, match="1 rows rejected"):
        read_catalog(path, now=NOW)
    read_catalog(path, rejects_path=tmp_path / "out" / "rejects.csv", now=NOW)
    back = pd.read_csv(tmp_path / "out" / "rejects.csv", dtype=str, keep_default_na=False)
    assert back.columns.tolist() == REJECT_COLUMNS
    assert back[["row", "product_id", "field", "value"]].values.tolist() == [
        ["2", "p2", "title", "\\xff\\xfe"]
    ]


def test_empty_rejects_file_has_its_header(tmp_path):
    _, rejects = read_catalog_and_rejects(_write(tmp_path / "c.csv", [GOOD]), now=NOW)
    write_rejects(rejects, tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text().strip() == ",".join(REJECT_COLUMNS)


def test_header_only_file_is_an_empty_catalog(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(",".join(COLUMNS) + "\n")
    accepted, rejects = read_catalog_and_rejects(path, now=NOW)
    assert len(accepted) == 0 and len(rejects) == 0
    assert list(accepted.columns) == COLUMNS


UNREADABLE = [
    ("missing", None, "does not exist"),
    ("empty", b"", "is empty"),
    ("blank", b"\n\n  \n", "is empty"),
    ("binary", bytes(range(256)) * 4, "is binary"),
    ("not parquet", b"this is not parquet at all", "is not a readable Parquet file"),
    ("no required columns", b"name,price\nx,1\n", "lacks the required column(s) product_id, title, category"),
    (
        "doubled column",
        ",".join(COLUMNS + ["title"]).encode() + b"\n",
        "has the column(s) title more than once",
    ),
    ("garbage header", b"\xff\xfe\xfd,\xfa\n1,2\n", "has a header that is not UTF-8 text"),
]


@pytest.mark.parametrize("content, message", [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE])
def test_unreadable_file_fails_with_one_sentence_naming_it(tmp_path, content, message):
    path = tmp_path / ("catalog.parquet" if "Parquet" in message else "catalog.csv")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CatalogError) as error:
        read_catalog(path)
    text = str(error.value)
    assert message in text
    assert str(path) in text
    assert text.endswith(".") and "\n" not in text


def test_directory_is_not_a_catalog(tmp_path):
    with pytest.raises(CatalogError, match="is a directory"):
        read_catalog(tmp_path)


def test_validate_needs_the_required_columns():
    with pytest.raises(CatalogError, match=r"lacks the required column\(s\) category"):
        validate_catalog(pd.DataFrame([GOOD]).drop(columns="category"))


def _write(path, rows):
    path.write_bytes(csv_bytes(rows))
    return path


# --------------------------------------------------------------------------- what a real catalog looks like

MINIMAL = "product_id,title,category\n"


def test_a_cp949_csv_is_read_with_every_korean_row(tmp_path):
    """Korean Excel saves CSV as CP949: detected, so no Korean row is rejected as 'not UTF-8'."""
    text = (
        "product_id,title,category,registered_at,seller_id\n"
        "1,스탠리 텀블러 887ml,생활/건강>주방용품,2025-10-30,몰1\n"
        "2,원피스 여름,패션의류>여성의류,2025-10-30,몰2\n"
        "3,plain ascii,Food>Snacks,2025-10-30,m3\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp949"))
    accepted, rejects = read_catalog_and_rejects(path, now=NOW)
    assert rejects.empty
    assert accepted["title"].tolist() == ["스탠리 텀블러 887ml", "원피스 여름", "plain ascii"]
    assert accepted.attrs["encoding"] == "cp949"


def test_a_cp949_csv_with_one_broken_row_rejects_only_that_row(tmp_path):
    good = (MINIMAL + "1,스탠리 텀블러,생활\n3,원피스,패션의류\n").encode("cp949")
    broken = b"2,\xff\xfe broken,\xc5\xd2\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(good.replace(b"3,", broken + b"3,"))
    accepted, rejects = read_catalog_and_rejects(path, now=NOW)
    assert accepted["product_id"].tolist() == ["1", "3"]
    assert rejects[["row", "field", "detail"]].values.tolist() == [[2, "title", "bytes that are not CP949"]]


def test_an_encoding_can_be_given(tmp_path):
    path = tmp_path / "euc.csv"
    path.write_bytes((MINIMAL + "1,텀블러,생활\n").encode("euc-kr"))
    assert read_catalog(path, encoding="euc-kr", now=NOW)["title"].tolist() == ["텀블러"]
    accepted, rejects = read_catalog_and_rejects(path, encoding="utf-8", now=NOW)  # told wrong: row rejected
    assert accepted.empty and rejects["detail"].tolist() == ["bytes that are not UTF-8"]
    with pytest.raises(CatalogError, match="'klingon' is not a text encoding"):
        read_catalog(path, encoding="klingon")


def test_category_paths_of_any_depth_are_accepted_unless_the_caller_bounds_them(tmp_path):
    rows = [{**GOOD, "product_id": "flat", "category": "Fashion"},
            {**GOOD, "product_id": "deep", "category": "a>b>c>d>e"}]
    path = _write(tmp_path / "c.csv", rows)
    accepted, rejects = read_catalog_and_rejects(path, now=NOW)
    assert rejects.empty and accepted["category"].tolist() == ["Fashion", "a>b>c>d>e"]
    accepted, rejects = read_catalog_and_rejects(path, now=NOW, min_depth=2, max_depth=4)
    assert accepted.empty
    assert rejects["detail"].tolist() == ["depth 1 < 2", "depth 5 > 4"]


def test_a_flat_catalog_checks_against_a_flat_taxonomy(tmp_path):
    flat = Taxonomy.from_paths(["Fashion", "Food"])
    rows = [{**GOOD, "product_id": "1", "category": "Food"}, {**GOOD, "product_id": "2", "category": "Toys"}]
    accepted, rejects = read_catalog_and_rejects(_write(tmp_path / "c.csv", rows), taxonomy=flat, now=NOW)
    assert accepted["category"].tolist() == ["Food"]
    assert rejects[["field", "detail"]].values.tolist() == [["category", "not in the taxonomy"]]


DATES = [
    ("2025.10.30", "2025-10-30"),
    ("2025. 10. 30.", "2025-10-30"),
    ("2025-10-30", "2025-10-30"),
    ("2025/10/30", "2025-10-30"),
    ("20251030", "2025-10-30"),
    ("2025년 10월 30일", "2025-10-30"),
    ("2025.1.5", "2025-01-05"),
    ("2025.10.30 14:05", "2025-10-30 14:05"),
    ("2025. 10. 30. 오후 2:05:09", "2025-10-30 14:05:09"),
    ("2025년 10월 30일 오전 12:30", "2025-10-30 00:30"),
    ("2025-10-30 09:00:00+09:00", "2025-10-30 00:00"),
]


def test_korean_and_iso_dates_are_read(tmp_path):
    rows = [{**GOOD, "product_id": f"p{i}", "registered_at": text} for i, (text, _) in enumerate(DATES)]
    accepted, rejects = read_catalog_and_rejects(_write(tmp_path / "c.csv", rows), now=NOW)
    assert rejects.empty, rejects.to_dict("records")
    assert accepted["registered_at"].tolist() == [pd.Timestamp(want) for _, want in DATES]


def test_dates_that_are_not_year_first_or_not_real_stay_rejected():
    for text in ("10/30/2025", "30.10.2025", "2025.02.30", "2025년 13월 1일", "2025.10.30 25:00"):
        df = pd.DataFrame([{**GOOD, "registered_at": text}], dtype=object)
        rejects = validate_catalog(df, now=NOW)[1]
        assert rejects["reason"].tolist() == ["unparsable date"], text


def test_registered_at_and_seller_id_are_optional_until_a_caller_needs_them(tmp_path):
    path = tmp_path / "real.csv"
    path.write_text(MINIMAL + "1,텀블러,생활\n2,원피스,패션\n", encoding="utf-8")
    df = read_catalog(path, now=NOW)
    assert list(df.columns) == COLUMNS and df["registered_at"].isna().all()
    assert df["seller_id"].tolist() == ["", ""]
    require_columns(df, ["title", "category"], who="01_text_baseline")
    with pytest.raises(CatalogError) as error:
        require_columns(df, ["registered_at"], who="09_trend")
    assert str(error.value) == "09_trend needs the column registered_at, which is empty on every row of this catalog."
    with pytest.raises(CatalogError, match="09_trend needs the column brand, which this catalog does not have."):
        require_columns(df, ["brand"], who="09_trend")
    partly = pd.DataFrame([{**GOOD, "product_id": "a"}, {**GOOD, "product_id": "b", "seller_id": ""}], dtype=object)
    accepted, rejects = validate_catalog(partly, now=NOW)
    assert rejects.empty
    with pytest.raises(CatalogError, match="needs the column seller_id on every row, but 1 of 2 rows have none"):
        require_columns(accepted, ["seller_id"], who="05_sellers")


def test_a_file_whose_every_row_is_rejected_stops_with_one_sentence(tmp_path):
    path = tmp_path / "all-bad.csv"
    path.write_text(MINIMAL + "1,,생활\n2,,생활\n3,x,>\n", encoding="utf-8")
    with pytest.raises(CatalogError) as error:
        read_catalog(path, rejects_path=tmp_path / "r.csv", now=NOW)
    assert str(error.value) == (
        f"Catalog file '{path}' has no usable row: all 3 rows were rejected, most for "
        f"title: empty value (2 rows)."
    )
    assert len(pd.read_csv(tmp_path / "r.csv")) == 3  # the rejects are still written
