"""`newsarchive search "query"`: everything the web front-end offers, on the command line."""

from __future__ import annotations

import argparse
import html
import json
import re
from dataclasses import asdict

from cli.datadir import add_data_dir, add_index_dir, existing_index
from cli.errors import UserError
from search.service import HISTOGRAMS, SORTS, QueryError, SearchRequest, SearchService


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search",
        help="search the archive",
        description='Search the index. Words must all match; "phrases", OR, NOT, fields (author:, section:, '
        "tag:, headline:, year:, …), date ranges (published:[2016-01-01 TO 2016-03-31]) and "
        "wildcards (defam*) work.",
    )
    parser.add_argument("query", nargs="?", default="", help="the query (empty: everything)")
    parser.add_argument(
        "--facet",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="keep only hits with this facet value (repeat: values of one facet widen, facets "
        "narrow); NAME!=VALUE excludes",
    )
    parser.add_argument("--sort", default="relevance", choices=SORTS)
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--histogram", choices=HISTOGRAMS, default="year")
    parser.add_argument("--all", action="store_true", help="every hit (JSON Lines with --json)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def request_from(args: argparse.Namespace) -> SearchRequest:
    request = SearchRequest(
        query=args.query, sort=args.sort, page=args.page, page_size=args.page_size, histogram=args.histogram
    )
    for item in args.facet:
        match = re.fullmatch(r"(\w+)(!?=)(.+)", item)
        if not match:
            raise UserError(f"--facet {item!r} is not NAME=VALUE or NAME!=VALUE.")
        name, operator, value = match.groups()
        target = request.filters if operator == "=" else request.excludes
        target.setdefault(name, []).append(value)
    return request


def text(snippet: str) -> str:
    return html.unescape(re.sub(r"<mark[^>]*>(.*?)</mark>", r"[\1]", snippet))


def run(args: argparse.Namespace) -> int:
    request = request_from(args)
    root = existing_index(args)
    try:
        service = SearchService(root)
        if args.all:
            hits = service.harvest(request)
            for hit in hits:
                print(json.dumps(asdict(hit), ensure_ascii=False) if args.json else f"{hit.published}  {hit.headline}")
            return 0
        result = service.search(request)
    except QueryError as error:
        raise UserError(str(error)) from None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(
        f"{result.total} articles for {result.query!r} (page {result.page} of {result.pages}, "
        f"index {result.index_version})"
    )
    if result.did_you_mean:
        print(f"Did you mean: {result.did_you_mean}?")
    for number, hit in enumerate(result.hits, (result.page - 1) * result.page_size + 1):
        mark = f"  [most viewed, best rank {hit.best_rank}]" if hit.best_rank else ""
        print(f"\n{number}. {text(hit.headline_html)}{mark}")
        print(f"   {hit.published or 'undated'} · {', '.join(hit.authors) or 'no byline'} · {hit.section}")
        print(f"   {text(hit.snippet)[:300]}")
        print(f"   {hit.url}")
    for name, values in result.facets.items():
        if values:
            shown = ", ".join(f"{value} ({count})" for value, count in values[:8])
            print(f"\n{name}: {shown}{' …' if len(values) > 8 else ''}")
    if result.histogram:
        print(f"\nby {result.histogram_by}: " + ", ".join(f"{p} {n}/{all_}" for p, n, all_ in result.histogram if n))
    return 0
