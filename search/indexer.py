"""Building and updating the Whoosh index from the store.

The index folder holds generations (`gen-00001`, …) and a `current` link to the one that
serves. A rebuild writes a new generation and only then moves the link, so a failed rebuild
leaves the previous index serving. An update adds what changed since the generation's last
commit to the current generation. Whoosh allows one writer: a second gets one clear sentence.
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index
from whoosh.index import LockError

from archive.store import Store
from search.documents import DOCUMENT_FORMAT, all_documents, changed_documents, high_water
from search.schema import build_schema

STATE = "newsarchive-index.json"
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


def rebuild(store: Store, root: Path, procs: int = 2, limitmb: int = 256, wrap: Wrap | None = None) -> IndexReport:
    """A whole new generation from the store; the previous one keeps serving until the end."""
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name.removeprefix("gen-")) for p in root.glob("gen-*") if p.name.removeprefix("gen-").isdigit()]
    generation = root / f"gen-{max(numbers, default=0) + 1:05d}"
    generation.mkdir()
    try:
        revision, sighting = high_water(store)
        ix = index.create_in(str(generation), build_schema())
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1, compound=False)
        count = 0
        documents: Iterator[dict] = all_documents(store)
        for document in wrap(documents, store.article_count(), "articles") if wrap else documents:
            writer.add_document(**document)
            count += 1
        writer.commit()
        with index.open_dir(str(generation)).searcher() as reader:
            if reader.doc_count() != count:
                raise IndexUnavailableError(f"The index writer lost documents ({reader.doc_count()} of {count} "
                                            "written); the previous index still serves.")
        write_state(generation, revision, sighting, count)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    previous = current_generation(root)
    _switch(root, generation)
    for old in root.glob("gen-*"):
        if old not in (generation, previous):
            shutil.rmtree(old, ignore_errors=True)
    return IndexReport(generation.name, count, count, True)


def write_state(generation: Path, revision: int, sighting: str, documents: int) -> None:
    state = {"revision": revision, "sighting": sighting, "documents": documents, "format": DOCUMENT_FORMAT,
             "committed_at": datetime.now(UTC).isoformat(timespec="seconds")}
    temporary = generation / (STATE + ".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, generation / STATE)


def update(store: Store, root: Path, wrap: Wrap | None = None) -> IndexReport:
    """Index what changed since the current generation's last commit (or rebuild if there
    is no index yet, or the index holds documents of another format)."""
    generation = current_generation(root)
    if generation is None or not (generation / STATE).is_file():
        return rebuild(store, root, wrap=wrap)
    state = read_state(generation)
    if state.get("format", 1) != DOCUMENT_FORMAT:
        return rebuild(store, root, wrap=wrap)
    revision, sighting = high_water(store)
    ix = index.open_dir(str(generation))
    try:
        writer = ix.writer(compound=False)
    except LockError:
        raise IndexUnavailableError(
            f"Another indexer is writing to {generation}; try again when it has finished.") from None
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
    write_state(generation, revision, sighting, total)
    return IndexReport(generation.name, total, count, False)


def lock_writer(root: Path):
    """Take the current generation's writer lock (what a running indexer holds)."""
    generation = current_generation(root)
    if generation is None:
        raise IndexUnavailableError(f"There is no index in {root}.")
    return index.open_dir(str(generation)).writer()
