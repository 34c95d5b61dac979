"""A notebook run on a user's catalog file checks its categories against the taxonomy the user names.

Issue 16: notebooks 00-03 used to drop `taxonomy` for files, so a catalog with categories outside the
user's tree was read as if every path were valid.
"""

import json
import re

from shopcat.reproduce.runner import list_notebooks, reproduce
from shopcat.sim import simulate_catalog


def test_overview_on_a_file_rejects_rows_outside_the_named_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOPCAT_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("SHOPCAT_DATA", str(tmp_path / "data"))
    catalog = simulate_catalog(300, seed=0)
    catalog.to_csv(tmp_path / "catalog.csv", index=False)
    leaves = sorted(set(catalog["category"]) | set(catalog["true_category"]))  # both columns are checked
    outside = catalog["category"].iloc[0]
    leaves.remove(outside)
    (tmp_path / "tree.txt").write_text("\n".join(leaves), encoding="utf-8")
    monkeypatch.setenv("SHOPCAT_CALLER_CWD", str(tmp_path))  # relative paths as typed where the user stands
    code = reproduce("smoke", only=["00_catalog_overview"], force=True, reports_dir=tmp_path / "reports",
                     overrides={"data": "catalog.csv", "taxonomy": "tree.txt"})
    assert code == 0
    record = json.loads((tmp_path / "reports" / "00_catalog_overview.json").read_text(encoding="utf-8"))
    expected = int(((catalog["category"] == outside) | (catalog["true_category"] == outside)).sum())
    assert record["data"]["rejected"] == expected > 0
    assert record["data"]["kind"] == "real"


def test_every_notebook_that_reads_a_catalog_passes_the_taxonomy():
    for path in list_notebooks():
        source = path.read_text(encoding="utf-8")
        for call in re.findall(r"load_catalog\(data,[^\n]*", source):
            assert "taxonomy=" in call, f"{path.name} reads a catalog file without its taxonomy: {call}"
