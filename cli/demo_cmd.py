"""`newsarchive demo`: the main job on embedded defaults — serve the replica newspaper on
127.0.0.1, show pages of every template era parsed into records, then crawl the whole site
into an archive and sum up what it holds."""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap
import threading
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from archive.model import ParsedPage
from archive.store import Store
from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from crawler.parse import parse_page
from samplesite.corpus import SEED_SIDEBAR_MOMENT, Corpus, SiteConfig
from samplesite.server import SampleSite, SiteClock, start_in_thread
from search.indexer import update
from search.service import SearchRequest, SearchService


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="serve the sample site and show pages of every era parsed into records",
        description="Start the offline sample newspaper on 127.0.0.1, fetch the seed page and a page of "
        "each template era over HTTP and print what the parser reads from them, then crawl the whole "
        "sample site into the archive (<data dir>/demo) and sum up what it holds.",
    )
    parser.add_argument("--count", type=int, default=400, help="articles in the sample site (default: %(default)s)")
    parser.add_argument("--once", action="store_true", help="stop after printing instead of serving on")
    add_data_dir(parser)
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
    print(
        f"   published: {article.published} (precision: {article.published_precision})"
        + (f", updated {article.updated}" if article.updated else "")
    )
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


def crawl_into(base: str, folder: Path) -> None:
    """Crawl the sample site with politeness lifted (it is our own, on 127.0.0.1)."""
    print(f"\n== crawling {base}/ into {folder}")
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "crawl",
        "--base-url",
        base,
        "--data-dir",
        str(folder.resolve()),
        "--delay",
        "0",
        "--concurrency",
        "8",
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "LOG_LEVEL=WARNING",
    ]
    result = subprocess.run(command, cwd=Path(__file__).resolve().parent.parent)
    if result.returncode != 0:
        raise UserError("The demo crawl failed; see the messages above.")
    with Store(folder / "archive.sqlite3") as store:
        runs = store.all_runs()
        eras = store.articles_by_era()
        last = runs[-1]
        print(
            f"   run {last.id} ({last.status}): {last.pages} pages fetched, {last.new_articles} new "
            f"articles, {last.new_revisions} new revisions, {last.snapshots} new Most viewed snapshots, "
            f"{last.warnings} warnings"
        )
        print(
            f"   the archive now holds {store.article_count()} articles ("
            + ", ".join(f"{count} {era}" for era, count in eras)
            + f") from {len(runs)} run(s)"
        )
        warc = sum(path.stat().st_size for path in (folder / "warc").glob("*.warc.gz"))
        print(f"   raw captures: {warc / 2**20:.1f} MB of WARC in {folder / 'warc'}")


def search_in(folder: Path) -> None:
    """Index the demo archive and ask it what a researcher might."""
    with Store(folder / "archive.sqlite3") as store:
        report = update(store, folder / "index")
    print(f"\n== indexed {report.indexed} articles into {folder / 'index'} ({report.documents} in the index)")
    service = SearchService(folder / "index")
    for text in ("defamation", 'tag:"Hun Sen" published:[2016-01-01 TO 2021-12-31]'):
        result = service.search(SearchRequest(query=text, histogram="year"))
        sections = ", ".join(f"{name} {count}" for name, count in result.facets["section"][:4])
        print(f"   search {text!r}: {result.total} articles (sections: {sections})")
        for hit in result.hits[:3]:
            print(f"     {hit.published[:10] if hit.published else 'undated'}  {hit.headline}")
        print(
            "     by year: "
            + " ".join(f"{year}:{hits}/{everything}" for year, hits, everything in result.histogram if hits)
        )


def show_khmer_edition() -> None:
    """A page of the Khmer edition, a site of its own, served on a port of its own."""
    khmer = Corpus(SiteConfig(count=60, edition="km"))
    server, base = start_in_thread(SampleSite(khmer, SiteClock(khmer.config.end), crawl_delay=0.0))
    try:
        article = khmer.article(khmer.newest_first(khmer.config.end)[0])
        html, url, fetched = fetch(base, article.path)
        show(parse_page(html, url, fetched, "postkhmer.com"), f"a page of the Khmer edition (postkhmer.com): {url}")
    finally:
        server.shutdown()


def run(args: argparse.Namespace) -> int:
    corpus = Corpus(SiteConfig(count=args.count))
    clock = SiteClock(SEED_SIDEBAR_MOMENT)
    server, base = start_in_thread(SampleSite(corpus, clock, crawl_delay=0.0))  # our own site: no Crawl-delay
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
    show_khmer_edition()
    crawl_into(base, resolve(args) / "demo")
    search_in(resolve(args) / "demo")
    if args.once:
        server.shutdown()
        return 0
    print(f"\nThe sample site is still served at {base}/ — open it in a browser; Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0
