"""Arrays of each index segment, written by `newsarchive index` beside the generation when the
segment is written, as numpy files that every serving process memory-maps: the page cache
holds one copy for all the workers, and a process just started answers from them at once
instead of first decoding Whoosh's files into memory of its own. A segment never changes once
written (deletions are kept apart, in the commit), so an update writes arrays only for the
segments it adds and removes those of the segments merged away; a segment without arrays (an
update landing, an index of an older version) is read from Whoosh's files as before.

One array is of the whole commit: `arrays/addresses-<digest of its segments>.npy`, each
document's place in address order (the last key of every sort), which an update rewrites.

In `arrays/<segment id>/`, for the segment's documents in order (deleted ones included):
- `<field>.column.npy`: each one's raw value of a numeric column (the date, the sort keys);
- `<field>.lengths.npy`: each one's length in a scored field, as Whoosh's scorer sees it;
- `<field>.terms.json`, `<field>.docs.npy`, `<field>.starts.npy`: every value of a facet
  field and the documents that have it, one value's after the other's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np
from whoosh import index
from whoosh.reading import IndexReader, SegmentReader

from search.postings import field_lengths, read_postings
from search.schema import CASELESS_FIELDS, FACETS

FOLDER = "arrays"  # in a generation
ADDRESSES = "addresses"
COLUMNS = ("published", "best_rank", "minutes_listed")  # the date ranges and sorts read
VALUE_FIELDS = tuple(dict.fromkeys((*FACETS, *CASELESS_FIELDS)))  # counted, filtered or matched without case


class SegmentArrays:
    """One segment's arrays, mapped from its folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._arrays: dict[str, np.ndarray | None] = {}
        self._values: dict[str, dict[bytes, np.ndarray]] = {}

    def column(self, field: str) -> np.ndarray | None:
        return self._mapped(f"{field}.column.npy")

    def lengths(self, field: str) -> np.ndarray | None:
        return self._mapped(f"{field}.lengths.npy")

    def values(self, field: str) -> dict[bytes, np.ndarray] | None:
        """Each value of a facet field and its documents (ascending)."""
        if field not in self._values:
            docs, starts = self._mapped(f"{field}.docs.npy"), self._mapped(f"{field}.starts.npy")
            terms_file = self.folder / f"{field}.terms.json"
            if docs is None or starts is None or not terms_file.is_file():
                return None
            terms = [term.encode("utf-8") for term in json.loads(terms_file.read_text())]
            self._values[field] = {term: docs[starts[k] : starts[k + 1]] for k, term in enumerate(terms)}
        return self._values[field]

    def _mapped(self, name: str) -> np.ndarray | None:
        if name not in self._arrays:
            path = self.folder / name
            self._arrays[name] = np.load(path, mmap_mode="r") if path.is_file() else None
        return self._arrays[name]


_opened: dict[tuple[str, str], SegmentArrays] = {}
_opening = threading.Lock()


def arrays_of(reader: SegmentReader) -> SegmentArrays | None:
    """The segment's arrays, if the indexer has written them (mapped once per process). A
    segment in one compound file (which `newsarchive index` never writes) has none."""
    generation = getattr(reader.storage(), "folder", None)
    if generation is None:
        return None
    segment = reader.segment().segment_id()
    key = (generation, segment)
    found = _opened.get(key)
    if found is None:
        folder = Path(generation) / FOLDER / segment
        if not folder.is_dir():
            return None
        with _opening:
            found = _opened.setdefault(key, SegmentArrays(folder))
    return found


def rank_addresses(reader: IndexReader) -> np.ndarray:
    """Each document's place in the order of the documents' addresses."""
    addresses = list(reader.column_reader("url"))
    ranks = np.empty(len(addresses), dtype=np.int64)
    ranks[sorted(range(len(addresses)), key=addresses.__getitem__)] = np.arange(len(addresses))
    return ranks


def address_ranks(reader: IndexReader) -> np.ndarray | None:
    """The commit's address ranks as the indexer wrote them, if it has (mapped)."""
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    folder = getattr(leaves[0].storage(), "folder", None) if leaves else None
    path = Path(folder) / FOLDER / _addresses_name(leaves) if folder else None
    return np.load(path, mmap_mode="r") if path is not None and path.is_file() else None


def _addresses_name(leaves: list[SegmentReader]) -> str:
    segments = " ".join(leaf.segment().segment_id() for leaf in leaves)
    return f"{ADDRESSES}-{hashlib.sha256(segments.encode()).hexdigest()[:16]}.npy"


def write_arrays(generation: Path) -> int:
    """Write the arrays of every segment of the generation's latest commit that has none and
    the commit's address ranks, and remove those of segments and commits no longer current;
    the number of segments written."""
    root = generation / FOLDER
    root.mkdir(exist_ok=True)
    written = 0
    with index.open_dir(str(generation)).reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        for leaf in leaves:
            folder = root / leaf.segment().segment_id()
            if not folder.is_dir():
                _write_segment(leaf, folder)
                written += 1
        current = {leaf.segment().segment_id() for leaf in leaves} | {_addresses_name(leaves)}
        making = root / f".{ADDRESSES}-{os.getpid()}.npy"
        np.save(making, rank_addresses(reader))
        os.replace(making, root / _addresses_name(leaves))
    for path in root.iterdir():
        if path.is_dir() and path.name not in current:
            shutil.rmtree(path, ignore_errors=True)
        elif path.name not in current:
            path.unlink(missing_ok=True)
    return written


def _write_segment(reader: SegmentReader, folder: Path) -> None:
    """Into a folder of its own first, renamed into place when whole: a reader finds all of a
    segment's arrays or none."""
    making = folder.with_name(f".{folder.name}-{os.getpid()}")
    shutil.rmtree(making, ignore_errors=True)
    making.mkdir()
    schema = reader.schema
    count = reader.doc_count_all()
    for field in COLUMNS:
        column = reader.column_reader(field, translate=False)
        np.save(making / f"{field}.column.npy", np.fromiter(column, dtype=np.uint64, count=count))
    for field, kind in schema.items():
        if kind.scorable:
            np.save(making / f"{field}.lengths.npy", field_lengths(reader, field))
    for field in VALUE_FIELDS:
        terms = list(reader.lexicon(field))
        docs = [read_postings(reader, field, term, False).docs for term in terms]
        starts = np.cumsum([0, *map(len, docs)], dtype=np.int64)
        np.save(making / f"{field}.docs.npy", np.concatenate(docs).astype(np.int32) if docs else np.zeros(0, np.int32))
        np.save(making / f"{field}.starts.npy", starts)
        (making / f"{field}.terms.json").write_text(json.dumps([term.decode("utf-8") for term in terms]))
    os.replace(making, folder)
