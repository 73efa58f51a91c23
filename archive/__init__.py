"""The archive of record: the data model and, later, the store."""
