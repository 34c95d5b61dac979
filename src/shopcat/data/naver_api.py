"""Naver Shopping search-API rows as a catalog.

The search API returns `title` (with <b> tags around the query words and HTML entities), `category1`..
`category4`, `image`, `mall_name`, `product_id`, `brand`, `maker`, `lprice`, ... . This module maps them
to the catalog schema and then validates them like any other catalog, so a bad API row is a rejection too.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from shopcat.data.schema import (
    CatalogError,
    concat_rejects,
    each,
    read_table,
    report_rejects,
    require_accepted_rows,
    validate_catalog,
)
from shopcat.data.taxonomy import SEP, Taxonomy

API_COLUMNS = ["title", "image", "mall_name", "product_id", "category1", "category2"]
LEVEL_COLUMNS = ["category1", "category2", "category3", "category4"]
_TAG = re.compile(r"<[^>]*>")
_DATE_IN_NAME = re.compile(r"(20\d{6})")  # naver_shopping_api_YYYYMMDD.csv


def clean_title(title: str) -> str:
    """'<b>텀블러</b> 캡&amp;캐리' -> '텀블러 캡&캐리'. Tags are removed before entities are decoded, so an
    escaped '&lt;b&gt;' in a title stays as text."""
    return html.unescape(_TAG.sub("", title))


def join_levels(levels: list[str]) -> str:
    """category1..4 as one path. Trailing empty levels are dropped (a shallower leaf); an empty level in the
    middle is kept as an empty level, so validation rejects the row instead of inventing a path."""
    levels = [lvl.strip() for lvl in levels]
    while levels and not levels[-1]:
        levels.pop()
    return SEP.join(levels)


def date_from_name(path) -> pd.Timestamp | None:
    """The snapshot date in a file name like naver_shopping_api_20251030.csv."""
    match = _DATE_IN_NAME.search(Path(path).stem)
    if match is None:
        return None
    try:
        return pd.Timestamp(match.group(1))
    except ValueError:
        return None


def naver_api_to_catalog(raw: pd.DataFrame, registered_at=None) -> pd.DataFrame:
    """API columns -> catalog columns (not yet validated). The other API columns (brand, maker, lprice,
    link, ...) are kept as they are, brand and maker with HTML entities decoded.

    mall_category is '' on every row: the search API does not return the seller's own category, only
    Naver's. registered_at is the file's registered_at column when there is one, else the snapshot date.
    """
    levels = raw.reindex(columns=LEVEL_COLUMNS).itertuples(index=False)
    out = pd.DataFrame(
        {
            "product_id": raw["product_id"],
            "title": _on_text(raw["title"], clean_title),
            "mall_category": "",
            "image": raw["image"],
            "category": [join_levels([v if isinstance(v, str) else "" for v in r]) for r in levels],
            "registered_at": raw["registered_at"] if "registered_at" in raw else registered_at,
            "seller_id": _on_text(raw["mall_name"], html.unescape),
        },
        index=raw.index,
        dtype=object,
    )
    extras = raw.drop(columns=[c for c in raw.columns if c in API_COLUMNS + LEVEL_COLUMNS + list(out)])
    for name in ("brand", "maker"):
        if name in extras:
            extras[name] = _on_text(extras[name], html.unescape)
    return pd.concat([out, extras], axis=1)


def _on_text(values: pd.Series, fn) -> pd.Series:
    """Apply fn to text values; anything else is left for validation to judge."""
    return each(values, lambda v: fn(v) if isinstance(v, str) else v)


def read_naver_api_and_rejects(path, taxonomy: Taxonomy | None = None, now=None, encoding=None):
    """(accepted, rejects) for one search-API CSV export."""
    raw, rows, early_rejects, encoding = read_table(path, encoding=encoding)
    missing = [c for c in API_COLUMNS if c not in raw.columns]
    if missing:
        raise CatalogError(
            f"File '{path}' is not a Naver Shopping API export: it lacks the column(s) {', '.join(missing)}."
        )
    snapshot = date_from_name(path)
    if "registered_at" not in raw.columns and snapshot is None:
        raise CatalogError(
            f"File '{path}' has no registered_at column and no YYYYMMDD date in its name to date its rows."
        )
    catalog = naver_api_to_catalog(raw, registered_at=snapshot)
    accepted, rejects = validate_catalog(catalog, taxonomy, rows=rows, now=now, encoding=encoding)
    accepted.attrs["encoding"] = encoding
    return accepted, concat_rejects(early_rejects, rejects)


def read_naver_api(path, taxonomy: Taxonomy | None = None, rejects_path=None, now=None) -> pd.DataFrame:
    """The accepted rows of a search-API CSV in the catalog schema (rejects written or warned about)."""
    accepted, rejects = read_naver_api_and_rejects(path, taxonomy=taxonomy, now=now)
    report_rejects(rejects, path, rejects_path)
    require_accepted_rows(accepted, rejects, f"File '{path}'")
    return accepted
