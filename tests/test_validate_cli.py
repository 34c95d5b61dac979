"""`shopcat validate`: counts, one line per rejection reason, the rejects file, and exit codes."""

import pandas as pd
import pytest

from shopcat.data.validate_cli import cli_validate

HEADER = "product_id,title,category,registered_at,seller_id\n"


def test_validate_prints_counts_reasons_and_rejects_path(tmp_path, capsys):
    path = tmp_path / "catalog.csv"
    path.write_text(
        HEADER
        + "1,텀블러,가구>소파,2025-10-30,s\n"
        + "2,,가구>소파,2025-10-30,s\n"
        + "3,,가구>소파,2025-10-30,s\n"
        + "1,텀블러,가구>소파,2025-10-30,s\n"
        + "5,텀블러,가구>소파,someday,s\n",
        encoding="utf-8",
    )
    out_path = tmp_path / "out" / "rejects.csv"
    assert cli_validate([str(path), "--rejects", str(out_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{path}: 5 rows"
    assert lines[1:3] == ["accepted: 1", "rejected: 4"]
    assert [ln.split() for ln in lines[3:6]] == [
        ["2", "title:", "empty", "value"],
        ["1", "product_id:", "duplicate", "product_id"],  # ties in the order of their first row
        ["1", "registered_at:", "unparsable", "date"],
    ]
    assert lines[6] == f"rejects file: {out_path}"
    assert pd.read_csv(out_path)["row"].tolist() == [2, 3, 4, 5]


def test_validate_with_taxonomy_and_naver_format(tmp_path, capsys):
    tree = tmp_path / "leaves.txt"
    tree.write_text("생활/건강>주방용품>잔/컵>텀블러\n", encoding="utf-8")
    path = tmp_path / "naver_shopping_api_20251101.csv"
    path.write_text(
        "title,image,mall_name,product_id,category1,category2,category3,category4\n"
        "텀블러,https://i/1.jpg,몰,1,생활/건강,주방용품,잔/컵,텀블러\n"
        "보온병,https://i/2.jpg,몰,2,생활/건강,주방용품,보관/밀폐용기,보온/보냉병\n",
        encoding="utf-8",
    )
    args = [str(path), "--format", "naver-api", "--taxonomy", str(tree), "--rejects", str(tmp_path / "r.csv")]
    assert cli_validate(args) == 0
    out = capsys.readouterr().out
    assert "accepted: 1\nrejected: 1\n" in out
    assert "category: unknown category" in out


def test_unreadable_file_exits_2_with_one_sentence(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert cli_validate([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"Catalog file '{path}' is empty.\n"


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        cli_validate(["x.csv", "--format", "excel"])
    assert stop.value.code == 2


def test_a_cp949_export_with_flat_categories_and_dotted_dates_is_accepted(tmp_path, capsys):
    """The user's case: Korean Excel CSV, one-level categories, '2025.10.30' dates, no seller column."""
    path = tmp_path / "excel.csv"
    text = "product_id,title,category,registered_at\n1,스탠리 텀블러,Food,2025.10.30\n2,원피스,Fashion,2025. 10. 31.\n"
    path.write_bytes(text.encode("cp949"))
    assert cli_validate([str(path), "--rejects", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "accepted: 2\nrejected: 0\n" in out and "text encoding: CP949" in out
    assert cli_validate([str(path), "--encoding", "utf-8", "--rejects", str(tmp_path / "r.csv")]) == 1
    assert "bad encoding" in capsys.readouterr().out


def test_every_row_rejected_exits_1_with_one_sentence(tmp_path, capsys):
    path = tmp_path / "flat.csv"
    path.write_text("product_id,title,category\n1,a,Fashion\n2,b,Food\n", encoding="utf-8")
    rejects = tmp_path / "r.csv"
    assert cli_validate([str(path), "--min-depth", "2", "--rejects", str(rejects)]) == 1
    captured = capsys.readouterr()
    assert "rejected: 2" in captured.out
    assert captured.err == (
        f"Catalog file '{path}' has no usable row: all 2 rows were rejected, most for category: bad category "
        f"path (2 rows); the rejects are in {rejects}.\n"
    )
    assert len(pd.read_csv(rejects)) == 2
