"""`newsarchive parse FILE --url URL`: one saved page in, its records out as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from cli.datadir import absolute
from cli.errors import UserError
from cli.site_option import add_site_option, chosen_site
from crawler import sites
from crawler.parse import parse_page


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse one saved page and print its records as JSON",
        description="Parse one saved HTML page (or - for standard input) and print the article "
        "record and the Most viewed snapshot as JSON (schema: docs/record.schema.json).",
    )
    parser.add_argument("file", help="the saved page, or - to read standard input")
    parser.add_argument("--url", required=True, help="the address the page was fetched from")
    parser.add_argument("--fetched-at", default=None, help="when it was fetched, ISO 8601 with zone (default: now)")
    add_site_option(
        parser,
        "which site's rules to use (default: the site of the --url's host, else the generic extractor's "
        f"reading of that host, else {sites.DEFAULT})",
        default=None,
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.site is None:
        args.site = sites.reading(args.url)
    site = chosen_site(args)
    if args.file == "-":
        html = sys.stdin.buffer.read()
    else:
        try:
            html = Path(args.file).read_bytes()
        except OSError as error:
            raise UserError(f"Cannot read {absolute(Path(args.file))}: {error.strerror}.") from None
    fetched_at = datetime.now(UTC)
    if args.fetched_at:
        try:
            fetched_at = datetime.fromisoformat(args.fetched_at)
        except ValueError:
            raise UserError(f"--fetched-at {args.fetched_at!r} is not an ISO 8601 time.") from None
        if fetched_at.tzinfo is None:
            raise UserError("--fetched-at needs a zone, e.g. 2021-04-12T09:30:00+07:00.")
    page = parse_page(html, args.url, fetched_at, site.NAME)
    json.dump(page.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
