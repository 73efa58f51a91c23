"""`newsarchive reparse`: rebuild every record from the WARC files with the current parser."""

from __future__ import annotations

import argparse
import sys

from archive.read_model import StoredCapture
from archive.store import Store, StoreError
from archive.times import parse_utc
from archive.warc import read_response
from cli.datadir import add_data_dir, existing_store
from cli.errors import UserError
from cli.progress import progress
from cli.site_option import add_site_option, chosen_site
from crawler import sites
from crawler.parse import parse_page


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reparse",
        help="rebuild every record from the WARC files, with no network",
        description="Parse every captured page again from the WARC files with the current parser and rebuild "
        "the articles, revisions and Most viewed snapshots from them, in capture order, in one "
        "transaction: stopped at any moment, the store keeps its earlier records. A capture that "
        "cannot be read is skipped and reported, its earlier records kept, and the exit status "
        "is 2. Captures and crawl runs are kept. Nothing is fetched.",
    )
    add_site_option(
        parser,
        "the parser of captures neither on a registered site's host nor of a crawl run that names a "
        "registered site (a capture on a site's host is read by that site's parser, any other by the "
        "parser of its run's site, so an archive of both editions keeps both)",
    )
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    site = chosen_site(args)
    path = existing_store(args)
    try:
        store = Store(path)
        # a second connection sees the records as committed before the rebuild, until it commits
        before = Store(path, read_only=True)
    except StoreError as error:
        raise UserError(str(error)) from None
    with store, before:
        captures = [capture for capture in store.captures() if capture.status == 200]
        site_of_run = {run.id: run.site for run in store.all_runs() if readable_site(run.site)}
        unread: dict[str, list[tuple[int, str]]] = {}  # WARC file: (offset, why) of each record not read
        skipped: list[StoredCapture] = []
        pages = 0
        with store.transaction():
            store.clear_derived()
            for capture in progress(captures, len(captures), "pages"):
                fetched_at = parse_utc(capture.fetched_at)
                try:
                    response = read_response(path.parent / "warc", capture.location)
                except (OSError, ValueError) as error:
                    unread.setdefault(capture.warc_file, []).append((capture.warc_offset, str(error)))
                    skipped.append(capture)
                    continue
                expected = capture.kind == "article"
                of_run = site_of_run.get(capture.run_id or 0, site.NAME)
                name = of_run if of_run.startswith(sites.GENERIC) else sites.reader_of(capture.url, of_run)
                page = parse_page(response.body, capture.url, fetched_at, name, article_expected=expected)
                addresses = (*capture.via, capture.url)
                store.ingest(page, capture.id, fetched_at, capture.run_id, addresses, counted=False)
                pages += 1
            kept = store.keep_records_of(before, skipped)
        summary = f"Reparsed {pages} pages: {store.article_count()} articles"
    if not unread:
        print(f"{summary}.")
        return 0
    for name, records in unread.items():
        offset, why = records[0]
        print(
            f"newsarchive: {len(records)} records of {name} could not be read, the first at offset {offset}: "
            f"{why.rstrip('.')}.",
            file=sys.stderr,
        )
    print(
        f"{summary}; {len(skipped)} pages could not be read and were skipped (listed above), "
        f"their earlier records kept ({kept} articles)."
    )
    return 2


def readable_site(name: str | None) -> bool:
    """Whether a run's site can still be read: registered, or a paper read without a module."""
    try:
        return name is not None and sites.site(name) is not None
    except sites.SiteError:
        return False
