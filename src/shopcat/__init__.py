"""shopcat: product-category classification for shopping catalogs."""
__version__ = "0.1.0"
