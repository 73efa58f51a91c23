"""Building and updating the Whoosh index from the store.

The index folder holds generations (`gen-00001`, …) and a `current` link to the one that
serves. A rebuild writes a new generation and only then moves the link, so a failed rebuild
leaves the previous index serving. An update adds what changed since the generation's last
commit to the current generation. After each commit, the arrays of the new segments are
written beside them (search/segment_arrays.py). One indexer writes at a time: Whoosh locks
one generation's folder, and a rebuild writes another, so every update and rebuild also holds
`writer.lock` in the index folder; a second indexer gets one clear sentence.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index
from whoosh.index import LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import IndexWriter

from archive.exclusions import Withheld
from archive.locks import FileLock
from archive.store import Store
from search.documents import DOCUMENT_FORMAT, all_documents, changed_documents, high_water
from search.schema import build_schema
from search.segment_arrays import write_arrays
from search.tied import die_with_parent
from search.writer_pool import pool_in_chunks

STATE = "newsarchive-index.json"
WRITER_LOCK = "writer.lock"  # in the index root
Wrap = Callable[[Iterable, int | None, str], Iterable]


class IndexUnavailableError(Exception):
    """The index cannot be built or used; the text is one sentence for the user."""


@dataclass
class IndexReport:
    generation: str
    documents: int
    indexed: int
    rebuilt: bool


def current_generation(root: Path) -> Path | None:
    link = root / "current"
    return (root / os.readlink(link)) if link.is_symlink() else None


def read_state(generation: Path) -> dict:
    return json.loads((generation / STATE).read_text())


def _switch(root: Path, generation: Path) -> None:
    """Point `current` at `generation` in one rename, so readers see the old or the new."""
    temporary = root / f".current-{os.getpid()}"
    if temporary.is_symlink():
        temporary.unlink()
    os.symlink(generation.name, temporary)
    os.replace(temporary, root / "current")


@contextmanager
def writing(root: Path) -> Iterator[None]:
    """Hold the lock of the whole index folder: Whoosh's own lock covers one generation, and a
    rebuild writes a new one beside the one an update writes. The kernel drops it when the
    holder dies, however it dies, so a killed indexer never blocks the next."""
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(root / WRITER_LOCK)
    if not lock.acquire():
        holder, _ = lock.holder()
        who = f" (pid {holder})" if holder else ""
        raise IndexUnavailableError(f"Another indexer{who} is writing to {root}; try again when it has finished.")
    try:
        yield
    finally:
        lock.release()


class _TiedTask(SubWriterTask):
    """A writer child that dies with the indexer (Whoosh's own waits on its job queue forever
    once the parent is gone, holding the store and the writer lock open), its postings pooled
    in chunks (search/writer_pool.py)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.parent = os.getpid()

    def run(self) -> None:
        die_with_parent()
        if os.getppid() != self.parent:  # the parent died before the kernel was told
            os._exit(1)
        super().run()

    def _process_file(self, filename: str, doc_count: int) -> None:
        pool_in_chunks(self.writer)  # before the first posting: the writer is made in `run`
        super()._process_file(filename, doc_count)


class _TiedWriter(MpWriter):
    """Whoosh's multiprocess writer, starting children the kernel kills when the thread that
    started them ends (the indexer joins them before it returns)."""

    def _new_task(self) -> SubWriterTask:
        task = _TiedTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


def _bulk_writer(ix: index.Index, procs: int, limitmb: int) -> IndexWriter:
    """The build's writer: `procs` processes, each writing its own segments (no final merge)."""
    if procs == 1:
        single = ix.writer(limitmb=limitmb, compound=False)
        pool_in_chunks(single)
        return single
    writer = _TiedWriter if sys.platform == "linux" else MpWriter
    return writer(ix, procs=procs, limitmb=limitmb, multisegment=True, compound=False)


def rebuild(store: Store, root: Path, procs: int = 2, limitmb: int = 256, wrap: Wrap | None = None) -> IndexReport:
    """A whole new generation from the store; the previous one keeps serving until the end."""
    with writing(root):
        return _rebuild(store, root, procs, limitmb, wrap)


def _rebuild(store: Store, root: Path, procs: int = 2, limitmb: int = 256, wrap: Wrap | None = None) -> IndexReport:
    numbers = [int(p.name.removeprefix("gen-")) for p in root.glob("gen-*") if p.name.removeprefix("gen-").isdigit()]
    generation = root / f"gen-{max(numbers, default=0) + 1:05d}"
    generation.mkdir()
    try:
        revision, sighting = high_water(store)
        ix = index.create_in(str(generation), build_schema())
        writer = _bulk_writer(ix, procs, limitmb)
        count = 0
        documents: Iterator[dict] = all_documents(store)
        for document in wrap(documents, store.article_count(), "articles") if wrap else documents:
            writer.add_document(**document)
            count += 1
        writer.commit()
        with index.open_dir(str(generation)).searcher() as reader:
            if reader.doc_count() != count:
                raise IndexUnavailableError(
                    f"The index writer lost documents ({reader.doc_count()} of {count} "
                    "written); the previous index still serves."
                )
        write_arrays(generation)
        write_state(generation, revision, sighting, count, store.withheld().fingerprint())
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    previous = current_generation(root)
    _switch(root, generation)
    for old in root.glob("gen-*"):
        if old not in (generation, previous):
            shutil.rmtree(old, ignore_errors=True)
    return IndexReport(generation.name, count, count, True)


NOTHING_WITHHELD = Withheld([]).fingerprint()


def write_state(generation: Path, revision: int, sighting: str, documents: int, withheld: str) -> None:
    state = {
        "revision": revision,
        "sighting": sighting,
        "documents": documents,
        "withheld": withheld,  # the exclusions it was built under (archive.exclusions.Withheld.fingerprint)
        "format": DOCUMENT_FORMAT,
        "committed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    temporary = generation / (STATE + ".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, generation / STATE)


def update(store: Store, root: Path, wrap: Wrap | None = None) -> IndexReport:
    """Index what changed since the current generation's last commit (or rebuild if there
    is no index yet, or the index holds documents of another format)."""
    with writing(root):
        return _update(store, root, wrap)


def _update(store: Store, root: Path, wrap: Wrap | None) -> IndexReport:
    generation = current_generation(root)
    if generation is None or not (generation / STATE).is_file():
        return _rebuild(store, root, wrap=wrap)
    state = read_state(generation)
    withheld = state.get("withheld", NOTHING_WITHHELD)  # an index written before exclusions withheld nothing
    if state.get("format", 1) != DOCUMENT_FORMAT or withheld != store.withheld().fingerprint():
        return _rebuild(store, root, wrap=wrap)  # another layout, or what is withheld has changed
    revision, sighting = high_water(store)
    ix = index.open_dir(str(generation))
    try:
        writer = ix.writer(compound=False)
        pool_in_chunks(writer)
    except LockError:
        raise IndexUnavailableError(
            f"Another indexer is writing to {generation}; try again when it has finished."
        ) from None
    count = 0
    try:
        searcher = writer.searcher()
        documents = changed_documents(store, state["revision"], state["sighting"])
        for document in wrap(documents, None, "articles") if wrap else documents:
            writer.delete_by_term("url", document["url"], searcher=searcher)
            writer.add_document(**document)
            count += 1
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    with ix.searcher() as reader:
        total = reader.doc_count()
    write_arrays(generation)
    write_state(generation, revision, sighting, total, withheld)
    return IndexReport(generation.name, total, count, False)


def lock_writer(root: Path):
    """Take the current generation's Whoosh writer lock (what a running update holds)."""
    generation = current_generation(root)
    if generation is None:
        raise IndexUnavailableError(f"There is no index in {root}.")
    return index.open_dir(str(generation)).writer()
