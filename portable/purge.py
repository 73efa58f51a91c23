"""`exclude purge`: what the archive withholds deleted for good — the withheld articles with
their revisions, and every capture of them, from the store, and those captures' records (each
response with the request written after it) from the WARC files. Each WARC file that holds one
is rewritten without it into a new file beside the original, made durable; then, in one
transaction, the store is told where the records kept (copied byte for byte) now lie, and the
original is deleted. A marker beside the original names its replacement until it is gone, so a
purge killed on the way is finished by the next: the store names one of the two files, and the
other is deleted. The Most viewed
snapshots stay as they were read: a list that named a purged article still names it."""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.store import Store
from portable.warc_records import Span, copy_spans, is_request_of


@dataclass
class PurgeReport:
    articles: int = 0
    captures: int = 0
    records: int = 0
    files: int = 0


def purge(store: Store, dry_run: bool = False) -> PurgeReport:
    """Delete what is withheld (with `dry_run`, only count it)."""
    captures, articles = store.withheld_captures()
    by_file: dict[str, set[int]] = {}
    for capture in captures:
        by_file.setdefault(capture.warc_file, set()).add(capture.warc_offset)
    report = PurgeReport(len(articles), len(captures), 0, len(by_file))
    folder = store.path.parent / "warc"
    if not dry_run:
        finish_earlier_purge(store, folder)
    for name, offsets in sorted(by_file.items()):
        path = folder / name
        if not path.is_file():  # a copy not brought home (a distributed crawl's worker holds it)
            continue
        spans = kept_spans(path, offsets)
        report.records += spans.dropped
        if not dry_run:
            replacement = replacement_of(path)
            moved = rewrite(path, spans.kept, replacement)
            marker = marker_of(path)
            marker.write_text(replacement.name)
            store.move_records(name, replacement.name, moved)
            path.unlink()
            marker.unlink()
    if not dry_run:
        store.forget_withheld([capture.id for capture in captures], articles)
    return report


@dataclass
class Spans:
    kept: list[Span]
    dropped: int


def kept_spans(path: Path, dropped_offsets: set[int]) -> Spans:
    """Where the records of a file to keep lie: all but the responses at `dropped_offsets` and
    the requests written right after them."""
    kept, dropped = [], 0
    with open(path, "rb") as stream, contextlib.redirect_stderr(io.StringIO()):
        records = ArchiveIterator(stream)
        previous = None
        for record in records:
            records.read_to_end(record)
            span = Span(records.get_record_offset(), records.get_record_length())
            drop = span.offset in dropped_offsets or (
                previous is not None and previous[1] and is_request_of(record, previous[0])
            )
            previous = (record, span.offset in dropped_offsets)
            if drop:
                dropped += 1
            else:
                kept.append(span)
    return Spans(kept, dropped)


def marker_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.purged-into")


def replacement_of(path: Path) -> Path:
    """A new name beside `path` for the file a purge rewrites it into."""
    stem = path.name.removesuffix(".warc.gz").removesuffix(".warc")
    number = 1
    while (replacement := path.with_name(f"{stem}-purged{number}.warc.gz")).exists():
        number += 1
    return replacement


def rewrite(path: Path, kept: list[Span], into: Path) -> dict[int, int]:
    """`into`: a copy of `path` with only its `kept` records, made durable; old offset -> new."""
    moved: dict[int, int] = {}
    with open(path, "rb") as source, open(into, "wb") as target:
        for span in kept:
            moved[span.offset] = target.tell()
            copy_spans(source, target, [span])
        target.flush()
        os.fsync(target.fileno())
    return moved


def finish_earlier_purge(store: Store, folder: Path) -> None:
    """Of each original and replacement an earlier purge left, delete the one the store does
    not name."""
    named = set(store.warc_files())
    for marker in folder.glob(".*.purged-into"):
        original = marker.with_name(marker.name.removeprefix(".").removesuffix(".purged-into"))
        replacement = folder / marker.read_text().strip()
        loser = original if replacement.name in named else replacement
        loser.unlink(missing_ok=True)
        marker.unlink()
