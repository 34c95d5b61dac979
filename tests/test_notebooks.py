"""Every notebook, end to end, on the smoke profile: what `make reproduce PROFILE=smoke` does, into a temp folder.

The notebooks run in DAG order in one shared temporary project state, so a notebook that reads what an
earlier one saved (the serving notebook reads notebook 01's model) is tested the way make runs it.
"""

import json

import pytest

from shopcat.reproduce.runner import list_notebooks, reproduce

NOTEBOOKS = [nb.stem for nb in list_notebooks()]


@pytest.fixture(scope="module")
def smoke_dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("smoke")
    patch = pytest.MonkeyPatch()
    patch.setenv("SHOPCAT_MODELS", str(base / "models"))
    patch.setenv("SHOPCAT_DATA", str(base / "data"))
    yield base / "reports"
    patch.undo()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_smoke_profile(name, smoke_dirs):
    assert reproduce("smoke", only=[name], force=True, reports_dir=smoke_dirs) == 0
    record = json.loads((smoke_dirs / f"{name}.json").read_text(encoding="utf-8"))
    assert record["status"] == "ok"
    assert record["profile"] == "smoke"
    assert record["data"]["kind"] in ("simulated", "real") and record["data"]["name"]
    assert record["verdict"] and record["deck"] and record["ours"]
    assert record["metrics"], f"{name} saved no metrics"
    assert (smoke_dirs / f"{name}.html").stat().st_size > 10_000
