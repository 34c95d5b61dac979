"""The `shopcat` entry point dispatches every verb to a function that exists."""

import importlib

import pytest

from shopcat import cli


@pytest.mark.parametrize("table", [cli.VERBS, cli.BENCHMARKS])
def test_every_verb_points_at_a_real_function(table):
    for verb, (module, function, _) in table.items():
        assert callable(getattr(importlib.import_module(module), function)), verb


def test_help_lists_verbs_and_benchmarks(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for verb in [*cli.VERBS, "bench tokenizer", "bench serve"]:
        assert verb in out


def test_unknown_verb_and_bench_exit_2(capsys):
    assert cli.main(["nope"]) == 2
    assert "unknown verb 'nope'" in capsys.readouterr().err
    assert cli.main(["bench", "nope"]) == 2


def test_validate_through_the_entry_point(tmp_path, capsys):
    catalog = tmp_path / "c.csv"
    catalog.write_text(
        "product_id,title,mall_category,image,category,registered_at,seller_id\n"
        "1,갤럭시 S24 케이스,,,디지털/가전>휴대폰액세서리>케이스,2024-01-01,s1\n"
        "2,,,,디지털/가전>휴대폰액세서리>케이스,2024-01-01,s1\n",
        encoding="utf-8",
    )
    assert cli.main(["validate", str(catalog), "--rejects", str(tmp_path / "r.csv")]) == 0
    out = capsys.readouterr().out
    assert "accepted: 1" in out and "rejected: 1" in out and "title: empty value" in out
    assert "title" in (tmp_path / "r.csv").read_text(encoding="utf-8")
