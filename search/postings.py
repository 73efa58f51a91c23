"""A term's postings in one index segment as arrays: document numbers, weights and, for
phrases, every position. Whoosh decodes a posting at a time in Python, which for a word in
most of the archive's articles costs more than the rest of a query; here a block of 128
postings is decoded at a time. The reading follows the block layout of Whoosh 2.7.4's codec
(pinned); a test holds it to Whoosh's own matchers. What is read is kept by
search/postings_cache.py.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from itertools import chain

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

POSITION_BITS = 32  # a position key is document << 32 | position
LENGTHS = np.array([0, *(byte_to_length(b) for b in range(1, 256))], dtype=np.float64)
INT_SIZE = 4  # Whoosh's Positions values start with the count as a 4-byte unsigned int
START = INT_SIZE + len(b"\x80\x02]q\x00")  # then a pickled list: protocol, new list, memo
MARK = ord("(")
LIST = b"\x80\x02]("


@dataclass(frozen=True)
class Postings:
    """One term in one segment: segment-local document numbers (ascending, deleted ones
    included), the term's weight in each, and, if asked for, position keys (document << 32 |
    position, ascending)."""

    docs: np.ndarray
    weights: np.ndarray
    keys: np.ndarray | None

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.weights.nbytes + (0 if self.keys is None else self.keys.nbytes)

    def position_keys(self) -> np.ndarray:
        """The position keys, which postings asked for with positions always have."""
        assert self.keys is not None
        return self.keys


EMPTY = Postings(np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int64))


def read_postings(reader: SegmentReader, field: str, term: bytes, positions: bool) -> Postings:
    """The term's postings in the segment, read block by block (or posting by posting for
    the few terms Whoosh stores some other way)."""
    if (field, term) not in reader:
        return EMPTY
    matcher = reader.postings(field, term)
    if isinstance(matcher, FilterMatcher):  # it hides deleted documents; the caller does that
        matcher = matcher.child
    if (
        isinstance(matcher, W3LeafMatcher)
        and not matcher._byteids
        and (not positions or type(matcher.format) is Positions)
    ):
        return _read_blocks(matcher, positions)
    return _read_one_by_one(matcher, positions)


def _read_blocks(matcher: W3LeafMatcher, positions: bool) -> Postings:
    deltas: list[tuple] = []
    weights: list = []
    values: list[tuple] = []
    last_ids: list[int] = []
    while matcher.is_active():
        matcher._read_data()
        ids, block_weights, block_values = matcher._data
        deltas.append(ids)
        last_ids.append(matcher._maxid)
        count = len(ids)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * count)
        else:
            weights.extend(block_weights)
        if positions:
            values.append(block_values)
        matcher._next_block()
    # Each block's ids are deltas from the block's first id, which is absolute: make it a
    # delta from the previous block's last id, and one running sum gives every id.
    starts = np.cumsum([0, *map(len, deltas[:-1])])
    steps = np.fromiter(chain.from_iterable(deltas), dtype=np.int64)
    steps[starts[1:]] -= np.asarray(last_ids[:-1], dtype=np.int64)
    docs = np.cumsum(steps)
    keys = _position_keys(docs, list(chain.from_iterable(values))) if positions else None
    return Postings(docs, np.asarray(weights, dtype=np.float64), keys)


def _position_keys(docs: np.ndarray, values: list[bytes]) -> np.ndarray:
    """Whoosh stores a document's positions as a 4-byte count and a pickled list of gaps
    (`]q\x00(` items `e.`, or for one gap `]q\x00` item `a.`): the items of every document
    go into one list, unpickled at once."""
    counts = np.frombuffer(b"".join([value[:INT_SIZE] for value in values]), dtype=">u4").astype(np.int64)
    items = b"".join([value[START + 1 : -2] if value[START] == MARK else value[START:-2] for value in values])
    gaps = np.asarray(pickle.loads(LIST + items + b"e."), dtype=np.int64)
    if len(gaps) != counts.sum():
        raise ValueError("positions not in the form Whoosh 2.7 writes")
    running = np.cumsum(gaps)
    firsts = np.cumsum(counts) - counts
    before = np.repeat(running[firsts] - gaps[firsts], counts)  # the running sum before each document
    return (np.repeat(docs, counts) << POSITION_BITS) | (running - before)


def _read_one_by_one(matcher, positions: bool) -> Postings:
    docs: list[int] = []
    weights: list[float] = []
    keys: list[int] = []
    while matcher.is_active():
        docnum = matcher.id()
        docs.append(docnum)
        weights.append(matcher.weight())
        if positions:
            keys.extend((docnum << POSITION_BITS) | p for p in matcher.value_as("positions"))
        matcher.next()
    return Postings(
        np.asarray(docs, dtype=np.int64),
        np.asarray(weights, dtype=np.float64),
        np.asarray(keys, dtype=np.int64) if positions else None,
    )


def field_lengths(reader: SegmentReader, field: str) -> np.ndarray:
    """Each document's length in the field, as Whoosh's scorers see it (one byte, decoded)."""
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    count = reader.doc_count_all()
    if column is None:
        return np.ones(count, dtype=np.float64)
    stored = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)  # a byte each
    return LENGTHS[np.pad(stored, (0, count - len(stored)))]
