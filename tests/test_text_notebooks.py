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


def test_notebook_06_runs_on_a_catalog_file_with_image_files(tmp_path):
    """A user's catalog with local image files (some missing) trains and scores the fused model."""
    from PIL import Image

    from shopcat.sim import simulate_catalog
    from shopcat.sim.images import render_images

    df = simulate_catalog(500, seed=1)
    pixels = render_images(df["product_id"].astype(str).tolist(), df["true_category"].astype(str).tolist(), 32, seed=1)
    paths = []
    for i, (pid, image) in enumerate(zip(df["product_id"], pixels, strict=True)):
        path = tmp_path / "images" / f"{pid}.png"
        path.parent.mkdir(exist_ok=True)
        if i % 5:  # every fifth product has no image file: served without one
            Image.fromarray(image).save(path)
        paths.append(str(path))
    catalog = tmp_path / "catalog.csv"
    df.assign(image=paths).drop(columns=["true_category", "noise_kind"], errors="ignore").to_csv(catalog, index=False)
    params = {"profile": "smoke", "seeds": [0], "data": str(catalog), "epochs": 1, "name_mall_epochs": 1,
              "image_epochs": 1, "fusion_epochs": 1, "embed_dim": 16, "n_maps": 8, "title_len": 16, "branch_dim": 16,
              "fcl_dim": 16, "image_size": 32, "image_channels": [8, 16], "throughput_batches": 1, "tradeoff": False,
              "save_model": True}
    env = {**os.environ, "SHOPCAT_REPORTS": str(tmp_path / "reports"), "SHOPCAT_MODELS": str(tmp_path / "models"),
           "SHOPCAT_DATA": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-m", "papermill", str(config.NOTEBOOKS_DIR / "06_multitask.ipynb"),
                          str(tmp_path / "06.out.ipynb"), "-y", json.dumps(params)], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads((tmp_path / "reports" / "06_multitask.json").read_text(encoding="utf-8"))
    assert record["data"]["kind"] == "real" and record["data"]["rows"] == 500
    systems = {row["system"] for row in record["metrics"]["per_system"]}
    assert {"fused (name + mall + image)", "image only", "fused, image removed"} <= systems
    # the served model (notebook 13 loads it) is the out-of-fold head, with the tokenizer's settings, as
    # `shopcat train --images` writes it
    saved = json.loads((tmp_path / "models" / "fused" / "latest" / "model.json").read_text(encoding="utf-8"))
    assert saved["card"]["head"] == "fused, out-of-fold head" and saved["model"]["fusion_input"] == "logprobs"
    assert saved["tokenizer"]["kind"] in ("kiwi", "whitespace") and len(saved["tokenizer"]) > 1
