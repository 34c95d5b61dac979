"""`shopcat validate FILE`: read a catalog file, print what was accepted and why rows were rejected, and
write the rejects file. Exit 0 when the file could be read (rejected rows are findings, not failures),
2 when it could not, with the reason in one sentence on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopcat import config
from shopcat.data.naver_api import read_naver_api_and_rejects
from shopcat.data.schema import CatalogError, read_catalog_and_rejects, rejection_counts, write_rejects
from shopcat.data.taxonomy import load_taxonomy


def cli_validate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shopcat validate", description=__doc__.split("\n")[0])
    parser.add_argument("file", help="a catalog as Parquet or CSV, or a Naver search-API CSV")
    parser.add_argument("--format", choices=["catalog", "naver-api"], default="catalog")
    parser.add_argument(
        "--taxonomy",
        help="'naver' (the shared Naver tree), a Naver-style JSON, or a text "
        "file with one leaf path per line: categories must be leaves of it",
    )
    parser.add_argument(
        "--rejects", help="where to write the rejects CSV (default: data/rejects/<file name>.rejects.csv)"
    )
    args = parser.parse_args(argv)

    path = Path(args.file)
    rejects_path = (
        Path(args.rejects) if args.rejects else config.DATA_DIR / "rejects" / f"{path.stem}.rejects.csv"
    )
    read = read_naver_api_and_rejects if args.format == "naver-api" else read_catalog_and_rejects
    try:
        taxonomy = load_taxonomy(args.taxonomy)
    except (OSError, ValueError) as exc:
        print(f"Cannot load the taxonomy '{args.taxonomy}': {exc}", file=sys.stderr)
        return 2
    try:
        accepted, rejects = read(path, taxonomy=taxonomy)
    except CatalogError as exc:
        print(exc, file=sys.stderr)
        return 2
    write_rejects(rejects, rejects_path)

    print(f"{path}: {len(accepted) + len(rejects)} rows")
    print(f"accepted: {len(accepted)}")
    print(f"rejected: {len(rejects)}")
    for r in rejection_counts(rejects).itertuples():
        print(f"  {r.rows:>7}  {r.field}: {r.reason}")
    print(f"rejects file: {rejects_path}")
    return 0
