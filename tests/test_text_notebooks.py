"""Notebook 01 runs end to end on a real-format catalog file (no true_category column, no real rows)."""

import json
import os
import subprocess
import sys

from shopcat import config

NOTEBOOK = config.NOTEBOOKS_DIR / "01_baseline_vs_human.ipynb"
TINY = {"profile": "smoke", "seeds": [0], "epochs": 1, "embed_dim": 16, "n_maps": 8, "fcl_dim": 16,
        "title_len": 16, "save_model": False}


def write_real_format_catalog(path, n=600, seed=0):
    """A catalog file as a real export would look: simulated rows written in the schema, the ground truth dropped."""
    from shopcat.sim import simulate_catalog

    df = simulate_catalog(n, seed=seed)
    df.drop(columns=[c for c in ("true_category", "noise_kind") if c in df.columns]).to_csv(path, index=False)
    return path


def test_notebook_01_runs_on_a_real_format_catalog(tmp_path):
    catalog = write_real_format_catalog(tmp_path / "catalog.csv")
    params = ["-y", json.dumps({**TINY, "data": str(catalog)})]  # JSON is YAML
    env = {**os.environ, "SHOPCAT_REPORTS": str(tmp_path / "reports"), "SHOPCAT_MODELS": str(tmp_path / "models")}
    run = subprocess.run([sys.executable, "-m", "papermill", str(NOTEBOOK), str(tmp_path / "01.out.ipynb"),
                          *params], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads((tmp_path / "reports" / "01_baseline_vs_human.json").read_text(encoding="utf-8"))
    assert record["data"]["kind"] == "real"  # a catalog file counts as real data
    first = record["verdicts"][0]  # no human-labelled truth, so no annotator row
    assert first["part"] == "the machine trails a human annotator" and first["label"] == "not applicable"
    systems = {row["system"] for row in record["metrics"]["per_system"]}
    assert {"TextCNN (name)", "TextCNN (name + mall)", "rule (mall category similarity)"} <= systems
