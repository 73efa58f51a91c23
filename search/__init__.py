"""Full-text search over the archive (Whoosh): schema, indexer, query service."""

from search import andnot as _andnot  # noqa: F401  (corrects Whoosh's AndNot before any query runs)
