"""`export warc`: the raw captures (response and request records, byte for byte as the archive
keeps them) of the articles a query selects, in one WARC file that opens with a warcinfo record
saying what was asked."""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.store import Store
from portable.exports import selection_details, write_provenance
from portable.manifest import chunks, tool_version
from portable.selection import Selection

Wrap = Callable[[Iterable, int | None, str], Iterable]


def record_ranges(stream: BinaryIO, offset: int) -> Iterator[tuple[int, int, object]]:
    """(offset, length, record) of the response record at `offset` and of the request written
    with it, if it follows."""
    stream.seek(offset)
    records = ArchiveIterator(stream)
    response = next(records)
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    records.read_to_end(response)
    yield records.get_record_offset(), records.get_record_length(), response
    following = next(records, None)
    if following is not None and following.rec_type == "request" and \
            following.rec_headers.get_header("WARC-Concurrent-To") == response_id:
        records.read_to_end(following)
        yield records.get_record_offset(), records.get_record_length(), following


def copy_range(source: BinaryIO, target: BinaryIO, offset: int, length: int) -> None:
    source.seek(offset)
    for block in chunks(source, length):
        target.write(block)


def export_warc(selection: Selection, store: Store, output: Path, wrap: Wrap | None = None) -> dict:
    """Write the captures of the selected articles to `output` (in place once complete)."""
    warc_folder = store.path.parent / "warc"
    partial = output.with_name(f".{output.name}.partial")
    articles = captures = 0
    try:
        with open(partial, "wb") as target:
            writer = WARCWriter(target, gzip=True)
            info = {"software": f"newsarchive {tool_version()}", "format": "WARC/1.1",
                    "description": "Captures exported from a newsarchive archive",
                    "selection": json.dumps(selection_details(selection), ensure_ascii=False)}
            writer.write_record(writer.create_warcinfo_record(output.name, info))
            hits = selection.hits()
            for hit in wrap(hits, selection.total, "articles") if wrap else hits:
                rows = [r for r in store.article_capture_rows(hit.url) if r["status"] == 200]
                articles += bool(rows)
                for row in rows:
                    with open(warc_folder / row["warc_file"], "rb") as source:
                        ranges = [(offset, length) for offset, length, _ in record_ranges(source,
                                                                                          row["warc_offset"])]
                        for offset, length in ranges:
                            copy_range(source, target, offset, length)
                    captures += 1
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return write_provenance(output, store, {"export": "warc", "format": "warc.gz", "articles": articles,
                                            "captures": captures, **selection_details(selection)})


