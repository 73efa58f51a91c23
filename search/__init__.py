"""Full-text search over the archive (Whoosh): schema, indexer, query service."""
