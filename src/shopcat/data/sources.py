"""Where a notebook's catalog comes from: the simulator, the real Naver API sample, or a user's file.

Every source comes back as (catalog, data_dict): the catalog validated like any file, and the description
the report records, saying honestly whether the rows are simulated or real and how many were rejected.
Whether rows are simulated is said by the source ("sim"), or by the caller for a file (data_kind), never
guessed from the columns: a real catalog may well carry a `true_category` column of audited labels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from shopcat import config
from shopcat.data.naver_api import read_naver_api_and_rejects
from shopcat.data.schema import (
    concat_rejects,
    read_catalog_and_rejects,
    rejection_summary,
    require_accepted_rows,
    validate_catalog,
    write_rejects,
)
from shopcat.data.taxonomy import load_naver_categories, load_taxonomy
from shopcat.reproduce.report import data_source

NAVER_API_FILES = ["naver_shopping_api_20251030.csv", "naver_shopping_api_20251103.csv"]
NAVER_API_NAME = "Naver Shopping search-API sample (텀블러, 2025-10-30 and 2025-11-03)"


DATA_KINDS = ("real", "simulated")


def load_catalog(source: str = "sim", n_products: int = 20000, seed: int = 0, taxonomy=None,
                 data_kind: str = "real", encoding: str | None = None, **sim_kwargs):
    """(catalog, data_dict) for "sim", "naver-api" or a Parquet/CSV path.

    "sim" runs shopcat.sim.simulate_catalog(n_products, seed, taxonomy, **sim_kwargs). "naver-api" reads both
    shared API snapshots; a product seen on both dates is kept once, from its first date, and the repeat is
    counted as a rejected duplicate. For a file, `taxonomy` (None, 'naver' or a path) checks its categories,
    `data_kind` says whether its rows are "real" (the default) or "simulated", `encoding` overrides the
    detected one, and a relative path is taken from the directory the user ran the command in
    (config.caller_path). Rejected rows are written to DATA_DIR/rejects/<name>.rejects.csv and counted in
    the data dict; a source whose every row is rejected raises CatalogError.
    """
    if data_kind not in DATA_KINDS:
        raise ValueError(f"data_kind must be one of {DATA_KINDS}, not {data_kind!r}")
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
    path = config.caller_path(source)
    if isinstance(taxonomy, (str, Path)) and str(taxonomy) != "naver":
        taxonomy = config.caller_path(taxonomy)  # a tree file, like the catalog, is where the user ran from
    catalog, rejects = read_catalog_and_rejects(path, taxonomy=load_taxonomy(taxonomy), encoding=encoding)
    return catalog, _describe(data_kind, path.name, path.stem, catalog, rejects)


def catalog_fingerprint(path, chunk_bytes: int = 1 << 20) -> str:
    """A hash of a catalog file's bytes (sha256, hex): a run keyed on it is redone when the file changes,
    and not when the same file is reached by another path."""
    digest = hashlib.sha256()
    with open(config.caller_path(path), "rb") as f:
        while block := f.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


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
    """The report's data dict; writes the rejects first, so a source that yields nothing still leaves them
    behind for the one-sentence error to point at."""
    total = len(catalog) + len(rejects)
    detail = ""
    if len(rejects):
        path = write_rejects(rejects, config.DATA_DIR / "rejects" / f"{stem}.rejects.csv")
        detail = f"{rejection_summary(rejects)}; rejects in {path}"
        require_accepted_rows(catalog, rejects, f"Catalog '{name}'", path)
    return data_source(kind, name, detail=detail, rows=len(catalog), read=total, rejected=len(rejects))
