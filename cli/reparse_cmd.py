"""`newsarchive reparse`: rebuild every record from the WARC files with the current parser."""
from __future__ import annotations

import argparse
import json
from datetime import datetime

from archive.store import Store, StoreError
from archive.warc import WarcLocation, read_response
from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from cli.progress import progress
from crawler.parse import parse_page


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reparse", help="rebuild every record from the WARC files, with no network",
        description="Parse every captured page again from the WARC files with the current parser and rebuild "
                    "the articles, revisions and Most viewed snapshots from them, in capture order. Captures and "
                    "crawl runs are kept. Nothing is fetched.")
    parser.add_argument("--site", default="phnompenhpost", choices=["phnompenhpost"], help="which parser")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder = resolve(args)
    if not (folder / "archive.sqlite3").is_file():
        raise UserError(f"There is no archive in {folder} (no archive.sqlite3).")
    try:
        store = Store(folder / "archive.sqlite3")
    except StoreError as error:
        raise UserError(str(error)) from None
    with store:
        captures = [row for row in store.captures() if row["status"] == 200]
        store.clear_derived()
        pages = 0
        for row in progress(captures, len(captures), "pages"):
            location = WarcLocation(row["warc_file"], row["warc_offset"], row["warc_record_id"])
            try:
                response = read_response(folder / "warc", location)
            except (OSError, ValueError) as error:
                raise UserError(f"Cannot read {row['warc_file']} at {row['warc_offset']}: {error}.") from None
            fetched_at = datetime.fromisoformat(row["fetched_at"].replace("Z", "+00:00"))
            page = parse_page(response.body, row["url"], fetched_at, args.site)
            addresses = (*json.loads(row["via"]), row["url"])
            store.ingest(page, row["id"], fetched_at, row["run_id"], addresses, counted=False)
            pages += 1
        print(f"Reparsed {pages} pages: {store.article_count()} articles.")
    return 0
