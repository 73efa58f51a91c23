"""What the service has read of the index's segments, kept: postings as arrays (reading them
costs more than the rest of most queries), field lengths and numeric columns, by segment (a
segment never changes, so what was read of it holds until it is merged away), least recently
used dropped past a memory budget. Lengths and columns come from the segment's mapped arrays
(search/segment_arrays.py) when the indexer wrote them, which cost no budget: the page cache
holds them once for every process.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np
from whoosh.reading import SegmentReader

from search.postings import Postings, field_lengths, read_postings
from search.segment_arrays import arrays_of, position_keys

CACHE_BYTES = 384 * 2**20  # the whole service's budget, however many processes serve
CACHE_ENV = "NEWSARCHIVE_CACHE_MB"  # that budget in MiB, when set
SHARES_ENV = "NEWSARCHIVE_CACHE_SHARES"  # how many processes share it (`newsarchive serve` sets it for its workers)


def budget_share(total: int, shares: int) -> int:
    """One process's part of a budget of `total` bytes that `shares` processes serve from:
    each worker keeps a cache of its own, and N of them each allowed the whole would need N
    times the memory of one process."""
    return total // max(1, shares)


def cache_budget(environ: Mapping[str, str] = os.environ) -> int:
    """This process's postings budget in bytes: the service's (NEWSARCHIVE_CACHE_MB MiB, else
    CACHE_BYTES) divided among the processes that share it (NEWSARCHIVE_CACHE_SHARES, else one).
    Read from the environment because it must reach the worker processes the search service
    is created in, whoever starts them."""
    total = int(environ[CACHE_ENV]) * 2**20 if environ.get(CACHE_ENV) else CACHE_BYTES
    return budget_share(total, int(environ.get(SHARES_ENV) or 1))


class PostingsCache:
    """Postings, field lengths and numeric columns by segment, least recently used dropped past
    the budget (by default this process's share of the service's: `cache_budget`); shared by
    the service's threads."""

    def __init__(self, budget: int | None = None):
        self.budget = cache_budget() if budget is None else budget
        self._entries: OrderedDict[tuple, Postings | np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._reading: dict[tuple, threading.Event] = {}

    def postings(self, segment: str, reader: SegmentReader, field: str, term: bytes, positions: bool) -> Postings:
        """The term's postings, read once even when several threads ask for them at once: a
        frequent word's from the segment's mapped arrays (only its position keys, made from
        them, take memory of this process's), any other's from Whoosh's files."""
        mapped = arrays_of(reader)
        kept = mapped.postings(field, term) if mapped is not None else None
        if kept is not None and not positions:
            return kept[0]
        key = (segment, field, term)
        while True:
            with self._lock:
                found = self._entries.get(key)
                if isinstance(found, Postings) and (found.keys is not None or not positions):
                    self._entries.move_to_end(key)
                    return found
                reading = self._reading.get(key)
                if reading is None:
                    self._reading[key] = threading.Event()
                    break
            reading.wait()
        try:
            if kept is not None:
                found, counts, places = kept
                made = Postings(found.docs, found.weights, position_keys(found.docs, counts, places))
            else:
                made = read_postings(reader, field, term, positions)
            self._put(key, made, made.nbytes)
            return made
        finally:
            with self._lock:
                self._reading.pop(key).set()

    def lengths(self, segment: str, reader: SegmentReader, field: str) -> np.ndarray:
        mapped = arrays_of(reader)
        if mapped is not None and (lengths := mapped.lengths(field)) is not None:
            return lengths
        found = self._get((segment, field))
        if isinstance(found, np.ndarray):
            return found
        made = field_lengths(reader, field)
        self._put((segment, field), made, made.nbytes)
        return made

    def numbers(self, segment: str, reader: SegmentReader, field: str) -> np.ndarray:
        """Each document's value of a numeric column (a date as Whoosh's long), as stored:
        a document without one holds the column's default."""
        mapped = arrays_of(reader)
        if mapped is not None and (column := mapped.column(field)) is not None:
            return column
        key = (segment, field, "column")
        found = self._get(key)
        if isinstance(found, np.ndarray):
            return found
        column = reader.column_reader(field, translate=False)
        made = np.fromiter(column, dtype=np.uint64, count=reader.doc_count_all())
        self._put(key, made, made.nbytes)
        return made

    def _get(self, key: tuple) -> Postings | np.ndarray | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _put(self, key: tuple, value: Postings | np.ndarray, size: int) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._entries[key] = value
            self._bytes += size
            while self._bytes > self.budget and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes
