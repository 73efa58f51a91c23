"""`export warc`: the raw captures (response and request records, byte for byte as the archive
keeps them) of the articles a query selects, in one WARC file that opens with a warcinfo record
saying what was asked."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from warcio.warcwriter import WARCWriter

from archive.store import Store
from portable.exports import selection_details, write_provenance
from portable.manifest import tool_version
from portable.selection import Selection
from portable.warc_records import copy_spans, read_capture

Wrap = Callable[[Iterable, int | None, str], Iterable]


def export_warc(selection: Selection, store: Store, output: Path, wrap: Wrap | None = None) -> dict:
    """Write the captures of the selected articles to `output` (in place once complete)."""
    warc_folder = store.path.parent / "warc"
    partial = output.with_name(f".{output.name}.partial")
    articles = captures = 0
    try:
        with open(partial, "wb") as target, contextlib.ExitStack() as stack:
            sources: dict[str, BinaryIO] = {}
            writer = WARCWriter(target, gzip=True)
            info = {
                "software": f"newsarchive {tool_version()}",
                "format": "WARC/1.1",
                "description": "Captures exported from a newsarchive archive",
                "selection": json.dumps(selection_details(selection), ensure_ascii=False),
            }
            writer.write_record(writer.create_warcinfo_record(output.name, info))
            hits = selection.hits()
            for hit in wrap(hits, selection.total, "articles") if wrap else hits:
                fetched = [c for c in store.captures_of_article(hit.url) if c.status == 200]
                articles += bool(fetched)
                for capture in fetched:
                    name = capture.warc_file
                    if name not in sources:
                        if not (warc_folder / name).is_file():
                            raise FileNotFoundError(
                                f"The archive has no WARC file {name} (a bundle installed without its WARC files?)"
                            )
                        sources[name] = stack.enter_context(open(warc_folder / name, "rb"))
                    copy_spans(sources[name], target, read_capture(sources[name], capture.warc_offset).spans)
                    captures += 1
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return write_provenance(
        output,
        store,
        {
            "export": "warc",
            "format": "warc.gz",
            "articles": articles,
            "captures": captures,
            **selection_details(selection),
        },
    )
