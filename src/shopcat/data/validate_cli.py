"""`shopcat validate FILE`: read a catalog file, print what was accepted and why rows were rejected, and
write the rejects file. Exit 0 when the file could be read and kept at least one row (rejected rows are
findings, not failures), 1 when every row was rejected, 2 when it could not be read; the reason for a
non-zero exit is one sentence on stderr."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shopcat import config
from shopcat.data.naver_api import read_naver_api_and_rejects
from shopcat.data.schema import (
    CatalogError,
    NoUsableRows,
    read_catalog_and_rejects,
    rejection_counts,
    require_accepted_rows,
    write_rejects,
)
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
        "--encoding",
        help="the CSV's text encoding, e.g. utf-8, cp949, euc-kr (default: detected: UTF-8, else CP949)",
    )
    parser.add_argument(
        "--min-depth", type=int, default=1, help="reject category paths with fewer levels (default 1)"
    )
    parser.add_argument("--max-depth", type=int, help="reject category paths with more levels (default: none)")
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
    rules = {"min_depth": args.min_depth, "max_depth": args.max_depth} if args.format == "catalog" else {}
    try:
        accepted, rejects = read(path, taxonomy=taxonomy, encoding=args.encoding, **rules)
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
    if "encoding" in accepted.attrs:
        print(f"text encoding: {accepted.attrs['encoding'].upper()}")
    try:
        require_accepted_rows(accepted, rejects, f"Catalog file '{path}'", rejects_path)
    except NoUsableRows as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0
