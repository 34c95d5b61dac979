"""Where a notebook's catalog comes from: the simulator, the real Naver API sample, or a user's file.

Every source comes back as (catalog, data_dict): the catalog validated like any file, and the description
the report records, saying honestly whether the rows are simulated or real and how many were rejected.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shopcat import config
from shopcat.data.naver_api import read_naver_api_and_rejects
from shopcat.data.schema import (
    concat_rejects,
    read_catalog_and_rejects,
    rejection_summary,
    validate_catalog,
    write_rejects,
)
from shopcat.data.taxonomy import load_naver_categories, load_taxonomy
from shopcat.reproduce.report import data_source

NAVER_API_FILES = ["naver_shopping_api_20251030.csv", "naver_shopping_api_20251103.csv"]
NAVER_API_NAME = "Naver Shopping search-API sample (텀블러, 2025-10-30 and 2025-11-03)"


def load_catalog(source: str = "sim", n_products: int = 20000, seed: int = 0, taxonomy=None, **sim_kwargs):
    """(catalog, data_dict) for "sim", "naver-api" or a Parquet/CSV path.

    "sim" runs shopcat.sim.simulate_catalog(n_products, seed, taxonomy, **sim_kwargs). "naver-api" reads both
    shared API snapshots; a product seen on both dates is kept once, from its first date, and the repeat is
    counted as a rejected duplicate. For a file, `taxonomy` (None, 'naver' or a path) checks its categories.
    Rejected rows are written to DATA_DIR/rejects/<name>.rejects.csv and counted in the data dict.
    """
    if source == "sim":
        from shopcat.sim import simulate_catalog  # imported here: the simulator is heavy and optional

        raw = simulate_catalog(n_products, seed=seed, taxonomy=taxonomy, **sim_kwargs)
        catalog, rejects = validate_catalog(raw)
        name = f"shopcat.sim (seed {seed}, {n_products} products, taxonomy {taxonomy or 'builtin'})"
        return catalog, _describe("simulated", name, "sim", catalog, rejects)
    if source == "naver-api":
        tree = load_naver_categories()
        parts = [
            read_naver_api_and_rejects(config.shared_path(f"naver-shopping-api-sample/{f}"), tree)
            for f in NAVER_API_FILES
        ]
        catalog, rejects = _merge_snapshots(parts)
        return catalog, _describe("real", NAVER_API_NAME, "naver-api", catalog, rejects)
    path = Path(source)
    catalog, rejects = read_catalog_and_rejects(path, taxonomy=load_taxonomy(taxonomy))
    kind = "simulated" if "true_category" in catalog.columns else "real"
    return catalog, _describe(kind, path.name, path.stem, catalog, rejects)


def _merge_snapshots(parts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-file results and validate again, so ids repeated across files are caught too.
    Row numbers run on across the files (file two's row 1 is row len(file one) + 1 + its rejects)."""
    frames, rejects, offset = [], [], 0
    rows = []
    for accepted, rejected in parts:
        file_rows = len(accepted) + len(rejected)
        kept = sorted(set(range(1, file_rows + 1)) - set(rejected["row"]))
        rows += [offset + r for r in kept]
        rejects.append(rejected.assign(row=rejected["row"] + offset))
        frames.append(accepted)
        offset += file_rows
    catalog, repeats = validate_catalog(pd.concat(frames, ignore_index=True), rows=rows)
    return catalog, concat_rejects(*rejects, repeats)


def _describe(kind: str, name: str, stem: str, catalog: pd.DataFrame, rejects: pd.DataFrame) -> dict:
    total = len(catalog) + len(rejects)
    detail = ""
    if len(rejects):
        path = write_rejects(rejects, config.DATA_DIR / "rejects" / f"{stem}.rejects.csv")
        detail = f"{rejection_summary(rejects)}; rejects in {path}"
    return data_source(kind, name, detail=detail, rows=len(catalog), read=total, rejected=len(rejects))
