"""The index writer's pool of postings, with its runs written and read a chunk at a time.

Whoosh's writer gathers every posting of a segment in a pool, and once the pool passes its
memory limit (`limitmb`) it sorts it and writes it to a run file, to be merged at commit.
Whoosh pickles and unpickles each posting on its own there, two Python calls per posting: on
the sample site a build passes its limit after a few thousand articles, and those calls were
a seventh of the whole build. Here a run holds lists of postings, so each call moves
thousands; what is written, sorted and merged is the same, and the pool stays within its limit.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

from whoosh.writing import PostingPool, SegmentWriter

RUN_CHUNK = 4096  # postings per pickle in a run file


class ChunkedPostingPool(PostingPool):
    """Whoosh's posting pool, its runs in chunks of `RUN_CHUNK` postings."""

    def _write_run(self, f: IO[bytes], items: Iterable[Any]) -> None:
        postings = iter(items)
        while chunk := list(islice(postings, RUN_CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def pool_in_chunks(writer: SegmentWriter) -> None:
    """Give a writer that has not been given a posting yet the chunked pool, with its limit."""
    pool = writer.pool
    if type(pool) is PostingPool:
        if pool.current or pool.runs:
            raise ValueError("the writer's pool already holds postings")
        writer.pool = ChunkedPostingPool(pool.tempstore, pool.segment, limitmb=pool.limit // 2**20)
