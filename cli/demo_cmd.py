"""`newsarchive demo`: the main job on embedded defaults — serve the replica newspaper on
127.0.0.1, fetch pages of every template era over HTTP and show the records parsed from them."""
from __future__ import annotations

import argparse
import textwrap
import threading
import urllib.request
from datetime import UTC, datetime
from urllib.parse import quote

from archive.model import ParsedPage
from crawler.parse import parse_page
from samplesite.corpus import SEED_SIDEBAR_MOMENT, Corpus, SiteConfig
from samplesite.server import SampleSite, SiteClock, start_in_thread


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="serve the sample site and show pages of every era parsed into records",
        description="Start the offline sample newspaper on 127.0.0.1, fetch the seed page and a page of "
                    "each template era over HTTP, and print what the parser reads from them.")
    parser.add_argument("--count", type=int, default=400, help="articles in the sample site (default: %(default)s)")
    parser.add_argument("--once", action="store_true", help="stop after printing instead of serving on")
    parser.set_defaults(run=run)


def fetch(base: str, path: str) -> tuple[bytes, str, datetime]:
    url = base + quote(path)
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), response.geturl(), datetime.now(UTC)


def show(page: ParsedPage, seen_as: str) -> None:
    article = page.article
    print(f"\n== {seen_as}")
    if article is None:
        print("   (not an article page)")
        return
    print(f"   headline : {article.headline}")
    print(f"   era      : {article.era}, language {article.language}, section {article.section}")
    print(f"   authors  : {', '.join(article.authors) or '(none)'}   [byline as printed: {article.byline!r}]")
    print(f"   published: {article.published} (precision: {article.published_precision})"
          + (f", updated {article.updated}" if article.updated else ""))
    print(f"   tags     : {', '.join(article.tags) or '(none)'}")
    for image in article.images:
        print(f"   caption  : {image.caption!r}  credit: {image.credit!r}")
    if article.body:
        print(f"   body     : {len(article.body)} paragraphs, {article.word_count} words")
        print(textwrap.indent(textwrap.fill(article.body[0], 92), "     | "))
    for warning in article.warnings:
        print(f"   warning  : {warning}")
    if page.most_viewed:
        print(f"   most viewed at {page.most_viewed.seen_at}:")
        for entry in page.most_viewed.entries:
            print(f"     {entry.rank}. {entry.title}")


def run(args: argparse.Namespace) -> int:
    corpus = Corpus(SiteConfig(count=args.count))
    clock = SiteClock(SEED_SIDEBAR_MOMENT)
    server, base = start_in_thread(SampleSite(corpus, clock, crawl_delay=1.0))
    print(f"Sample site ({len(corpus.order)} articles) served at {base}/")
    seed = corpus.article(corpus.config.count)
    html, url, fetched = fetch(base, seed.path)
    show(parse_page(html, url, fetched), f"the seed page, as captured on {SEED_SIDEBAR_MOMENT:%d %B %Y %H:%M} ICT")
    clock.set(corpus.config.end)
    shown: set[str] = set()
    for i in corpus.newest_first(corpus.config.end):
        article = corpus.article(i)
        kind = f"{article.era}/{article.language}"
        if kind in shown or article.flags & {"no-body", "truncated", "wrong-charset"}:
            continue
        shown.add(kind)
        html, url, fetched = fetch(base, article.path)
        show(parse_page(html, url, fetched), f"a {article.era}-era page ({article.language}): {url}")
    if args.once:
        server.shutdown()
        return 0
    print(f"\nThe sample site is still served at {base}/ — open it in a browser; Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0
