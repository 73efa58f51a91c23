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
- `<field>.values.*`: every value of a facet field and the documents that have it;
- `text.frequent.*`: the postings of the text's frequent words (documents, weights and
  positions), those that cost a first search most to decode. A rarer word is decoded from
  Whoosh's files when first asked for, in a few milliseconds. Where "frequent" begins
  (`FREQUENT_SHARE`, `FREQUENT_LEAST`) is a judgement, made on the sample site's text: a
  word in 1% of a segment's documents, and in at least 128 (a block of Whoosh's).
A group of postings is `.terms.json` (the words, in order), `.docs.npy` (every word's
documents, one word's after the other's) and `.starts.npy` (where each word's documents
begin), with, for the text, `.weights.npy`, `.counts.npy` (positions per posting),
`.positions.npy` and `.position_starts.npy`; each array in the narrowest type that holds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh import index
from whoosh.reading import IndexReader, SegmentReader

from search.postings import POSITION_BITS, Postings, field_lengths, read_postings
from search.schema import CASELESS_FIELDS, FACETS
from search.tied import die_with_parent

FOLDER = "arrays"  # in a generation
ADDRESSES = "addresses"
VALUES, FREQUENT = "values", "frequent"  # the groups of postings kept: a facet's values, a text's frequent words
FREQUENT_FIELDS = ("text",)
FREQUENT_SHARE = 0.01  # of a segment's documents: a word in as many is frequent …
FREQUENT_LEAST = 128  # … if it is in as many documents too (one of Whoosh's blocks holds 128)
POSITION_MASK = 2**POSITION_BITS - 1
NARROWEST = {  # the types each array of a group may be written in, narrowest first
    "docs": (np.int32, np.int64),
    "weights": (np.float32, np.float64),
    "counts": (np.uint16, np.uint32),
    "positions": (np.uint16, np.uint32),
}
COPY_CHUNK = 2**22  # values copied at a time into a finished array
KEPT_SEGMENTS = 64  # segments whose mapped arrays a process keeps open (an index has a few at a time)
SIDE_BY_SIDE = 20_000  # documents in new segments from which each is written by a process of its own
COLUMNS = ("published", "best_rank", "minutes_listed")  # the date ranges and sorts read
VALUE_FIELDS = tuple(dict.fromkeys((*FACETS, *CASELESS_FIELDS)))  # counted, filtered or matched without case


class SegmentArrays:
    """One segment's arrays, mapped from its folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._arrays: dict[str, np.ndarray | None] = {}
        self._groups: dict[str, dict[bytes, int] | None] = {}

    def column(self, field: str) -> np.ndarray | None:
        return self._mapped(f"{field}.column.npy")

    def lengths(self, field: str) -> np.ndarray | None:
        return self._mapped(f"{field}.lengths.npy")

    def values(self, field: str) -> dict[bytes, np.ndarray] | None:
        """Each value of a facet field and its documents (ascending)."""
        group = f"{field}.{VALUES}"
        terms = self._terms(group)
        if terms is None:
            return None
        docs, starts = self._array(f"{group}.docs.npy"), self._array(f"{group}.starts.npy")
        return {term: docs[starts[k] : starts[k + 1]] for term, k in terms.items()}

    def postings(self, field: str, word: bytes) -> tuple[Postings, np.ndarray, np.ndarray] | None:
        """A frequent word's postings (no position keys), with its positions per posting and
        positions (within each document), if the indexer kept them."""
        group = f"{field}.{FREQUENT}"
        terms = self._terms(group)
        if terms is None or word not in terms:
            return None
        k = terms[word]
        begin, end = self._array(f"{group}.starts.npy")[k : k + 2]
        first, last = self._array(f"{group}.position_starts.npy")[k : k + 2]
        weights = np.asarray(self._array(f"{group}.weights.npy")[begin:end], dtype=np.float64)  # the scores' type
        found = Postings(self._array(f"{group}.docs.npy")[begin:end], weights, None)
        return found, self._array(f"{group}.counts.npy")[begin:end], self._array(f"{group}.positions.npy")[first:last]

    def _terms(self, group: str) -> dict[bytes, int] | None:
        """A group's words and each one's place, or None if the indexer wrote no such group."""
        if group not in self._groups:
            path = self.folder / f"{group}.terms.json"
            words = json.loads(path.read_text()) if path.is_file() else None
            self._groups[group] = None if words is None else {w.encode("utf-8"): k for k, w in enumerate(words)}
        return self._groups[group]

    def _array(self, name: str) -> np.ndarray:
        """An array of a group whose words file is there (a segment's folder is whole)."""
        found = self._mapped(name)
        if found is None:
            raise FileNotFoundError(f"{self.folder / name} is missing; run 'newsarchive index --rebuild'.")
        return found

    def _mapped(self, name: str) -> np.ndarray | None:
        if name not in self._arrays:
            path = self.folder / name
            self._arrays[name] = np.load(path, mmap_mode="r") if path.is_file() else None
        return self._arrays[name]


_opened: OrderedDict[tuple[str, str], SegmentArrays] = OrderedDict()  # the segments last read, newest last
_opening = threading.Lock()


def arrays_of(reader: SegmentReader) -> SegmentArrays | None:
    """The segment's arrays, if the indexer has written them (mapped once per process). A
    segment in one compound file (which `newsarchive index` never writes) has none."""
    generation = getattr(reader.storage(), "folder", None)
    if generation is None:
        return None
    segment = reader.segment().segment_id()
    key = (generation, segment)
    with _opening:
        found = _opened.get(key)
        if found is not None:
            _opened.move_to_end(key)
            return found
    folder = Path(generation) / FOLDER / segment
    if not folder.is_dir():
        return None
    with _opening:
        found = _opened.setdefault(key, SegmentArrays(folder))
        while len(_opened) > KEPT_SEGMENTS:  # segments merged away by updates: their files may be gone
            _opened.popitem(last=False)
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
    with index.open_dir(str(generation)).reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        missing = [leaf.segment().segment_id() for leaf in leaves if not (root / leaf.segment().segment_id()).is_dir()]
        absent = set(missing)
        sizes = {leaf.segment().segment_id(): leaf.doc_count_all() for leaf in leaves}
        if len(missing) > 1 and sum(sizes[name] for name in missing) >= SIDE_BY_SIDE:
            missing = _written_side_by_side(generation, missing)  # those a child could not write are left
        for leaf in leaves:
            if leaf.segment().segment_id() in missing:
                _write_segment(leaf, root / leaf.segment().segment_id())
        written = len(absent)
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


def _written_side_by_side(generation: Path, segments: list[str]) -> list[str]:
    """Write each segment's arrays in a process of its own, as many at once as this process
    may use cores (a rebuild's segments, one per writer process, are as big as each other);
    the segments a child failed to write. A child is a fresh interpreter (`python -m`), not a
    fork: whatever program runs the indexer, its threads and its main module stay its own."""
    environment = os.environ | {"PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    failed, waiting, cores = [], list(segments), len(os.sched_getaffinity(0))
    while waiting:
        batch, waiting = waiting[:cores], waiting[cores:]
        children = {
            segment: subprocess.Popen(
                [sys.executable, "-m", __name__, str(generation), segment],
                env=environment,
                preexec_fn=die_with_parent,
                stderr=subprocess.DEVNULL,
            )
            for segment in batch
        }
        failed += [segment for segment, child in children.items() if child.wait() != 0]
    return failed


def _write_segment_of(generation: Path, segment: str) -> None:
    """`_write_segment` in a process of its own, which opens the index itself."""
    with index.open_dir(str(generation)).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if leaf.segment().segment_id() == segment:
                _write_segment(leaf, generation / FOLDER / segment)


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
        _write_group(making / f"{field}.{VALUES}", reader, field, list(reader.lexicon(field)), positions=False)
    least = max(FREQUENT_LEAST, FREQUENT_SHARE * count)
    for field in FREQUENT_FIELDS:
        frequent = [word for word in reader.lexicon(field) if reader.doc_frequency(field, word) >= least]
        _write_group(making / f"{field}.{FREQUENT}", reader, field, frequent, positions=True)
    os.replace(making, folder)


def _write_group(path: Path, reader: SegmentReader, field: str, words: list[bytes], positions: bool) -> None:
    """One group of postings (see the module's description), its files named `path`.*, a
    word at a time: a segment's postings are never all in memory at once."""
    names = ("docs", "weights", "counts", "positions") if positions else ("docs",)
    parts = {name: _Appended(Path(f"{path}.{name}.npy"), NARROWEST[name]) for name in names}
    starts, position_starts = [0], [0]
    for word in words:
        found = read_postings(reader, field, word, positions)
        parts["docs"].add(found.docs)
        starts.append(starts[-1] + len(found.docs))
        if positions:
            keys = found.position_keys()
            parts["weights"].add(found.weights)
            parts["counts"].add(_per_posting(found.docs, keys))
            parts["positions"].add(keys & POSITION_MASK)
            position_starts.append(position_starts[-1] + len(keys))
    for part in parts.values():
        part.close()
    np.save(f"{path}.starts.npy", np.asarray(starts, dtype=np.int64))
    if positions:
        np.save(f"{path}.position_starts.npy", np.asarray(position_starts, dtype=np.int64))
    Path(f"{path}.terms.json").write_text(json.dumps([word.decode("utf-8") for word in words], ensure_ascii=False))


class _Appended:
    """An array written a part at a time to a file beside its .npy, which it becomes at the end
    in the narrowest of its types that holds every value (positions and counts in 16 bits, or
    weights in 32, where they fit: less to map and to keep in the page cache)."""

    def __init__(self, path: Path, types: tuple[type, ...]):
        self.path, self.types, self.count = path, types, 0
        self._fitting = list(types)
        self._part = Path(f"{path}.part")
        self._file = self._part.open("wb")

    def add(self, values: np.ndarray) -> None:
        widest: np.ndarray = values.astype(self.types[-1])
        self._fitting = [kind for kind in self._fitting if _holds(kind, widest)]
        self._file.write(widest.tobytes())
        self.count += len(widest)

    def close(self) -> None:
        self._file.close()
        kind = self._fitting[0]
        if not self.count:
            np.save(self.path, np.zeros(0, kind))
        else:
            source = np.memmap(self._part, dtype=self.types[-1], mode="r", shape=(self.count,))
            target = np.lib.format.open_memmap(self.path, mode="w+", dtype=kind, shape=(self.count,))
            for start in range(0, self.count, COPY_CHUNK):
                target[start : start + COPY_CHUNK] = source[start : start + COPY_CHUNK]
            target.flush()
            del source, target
        self._part.unlink()


def _holds(kind: type, values: np.ndarray) -> bool:
    """Whether every value is the same in `kind`."""
    if not len(values):
        return True
    if np.issubdtype(kind, np.integer):
        limits = np.iinfo(kind)
        return bool(limits.min <= values.min() and values.max() <= limits.max)
    return bool(np.array_equal(values.astype(kind), values))


def _per_posting(docs: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """How many of the position keys fall in each of the documents."""
    owners = keys >> POSITION_BITS
    return np.searchsorted(owners, docs, side="right") - np.searchsorted(owners, docs, side="left")


def position_keys(docs: np.ndarray, counts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """A frequent word's position keys (search/postings.py) from its mapped arrays."""
    return (np.repeat(docs.astype(np.int64), counts) << POSITION_BITS) | positions.astype(np.int64)


if __name__ == "__main__":  # a child of `_written_side_by_side`: GENERATION SEGMENT
    _write_segment_of(Path(sys.argv[1]), sys.argv[2])
