"""`export wacz`: the archive as a WACZ (Web Archive Collection Zipped, the format ReplayWeb.page
and other web-archive tools open), written by the `wacz` package from the archive's own WARC
files, with a `pages.jsonl` written from the store: every capture of an article, at the moment
it was taken, under the headline it then had. What the archive withholds is left out: the WARC
files that hold it go in as copies without its records."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

from wacz.main import main as wacz_main

from archive.store import Store
from portable.manifest import tool_version
from portable.purge import kept_spans, rewrite

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Article captures"}


class WaczExportError(Exception):
    """The WACZ could not be written; one sentence."""


def page_lines(store: Store, withheld: set[tuple[str, str]]) -> list[dict]:
    """One page per article capture answered 200 and not withheld: its address as fetched,
    when, and the headline of the version it showed."""
    return [
        {"url": url, "ts": fetched_at, "title": headline or url}
        for url, fetched_at, headline in store.article_capture_pages()
        if (url, fetched_at) not in withheld
    ]


def without_withheld(store: Store, files: list[Path], work: Path) -> tuple[list[Path], set[tuple[str, str]]]:
    """The WARC files to put in the WACZ — those holding a withheld capture replaced by copies in
    `work` without it — and the withheld captures, as (address, time)."""
    captures, _ = store.withheld_captures()
    by_file: dict[str, set[int]] = {}
    for capture in captures:
        by_file.setdefault(capture.warc_file, set()).add(capture.warc_offset)
    chosen = []
    for path in files:
        if path.name in by_file:
            rewrite(path, kept_spans(path, by_file[path.name]).kept, work / path.name)
            path = work / path.name
        chosen.append(path)
    return chosen, {(capture.url, capture.fetched_at) for capture in captures}


def export_wacz(store: Store, output: Path) -> dict:
    """Write the WACZ to `output` (in place once complete); returns its figures."""
    folder = store.path.parent / "warc"
    files = [folder / name for name in store.warc_files() if (folder / name).is_file()]
    if not files:
        raise WaczExportError(f"There are no WARC files in {folder} to put in a WACZ.")
    partial = output.with_name(f".{output.name}.partial")
    said = io.StringIO()
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        files, withheld = without_withheld(store, files, Path(work))
        pages = page_lines(store, withheld)
        listing = Path(work) / "pages.jsonl"
        with listing.open("w", encoding="utf-8") as stream:
            for line in [PAGES_HEADER, *pages]:
                stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        arguments = ["create", "-o", str(partial), "-p", str(listing), "--title", "newsarchive"]
        arguments += ["--desc", f"Written by newsarchive {tool_version()} from {store.path.name}"]
        with contextlib.redirect_stdout(said):
            status = wacz_main([*arguments, *map(str, files)])
    if status:
        partial.unlink(missing_ok=True)
        last = said.getvalue().strip().splitlines()[-1:] or ["no reason given"]
        raise WaczExportError(f"The WACZ could not be written: {last[0]}")
    os.replace(partial, output)
    unmatched = said.getvalue().count("Invalid passed page")
    return {"warc_files": len(files), "pages": len(pages) - unmatched, "unmatched": unmatched}
