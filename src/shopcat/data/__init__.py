"""Catalog data: the schema and its validation (schema), the Naver search-API adapter (naver_api), the
category tree (taxonomy), splits and evaluation labels (splits), and where a catalog comes from (sources).

Import the module you need (`from shopcat.data.schema import read_catalog`); this package imports nothing
itself, so reading the taxonomy does not pull in the simulator or the report machinery.
"""
