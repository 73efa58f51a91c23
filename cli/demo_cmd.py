"""`newsarchive demo`: the main job on embedded defaults — serve the replica newspaper on
127.0.0.1, show pages of every template era parsed into records, crawl the whole site into an
archive, index it and sum up what it holds, then serve the researcher's front-end on that
archive beside the replica it came from."""

from __future__ import annotations

import argparse
import shlex
import signal
import subprocess
import sys
import textwrap
import urllib.request
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from archive.model import ParsedPage
from archive.store import Store
from cli.datadir import INDEX_FOLDER, add_data_dir, archive_options, resolve
from cli.errors import UserError
from cli.serve_cmd import DEFAULT_PORT, listen, on_port, stop
from crawler.parse import parse_page
from samplesite.corpus import SEED_SIDEBAR_MOMENT, Corpus, SiteConfig
from samplesite.server import SampleSite, Site, SiteClock, start_in_thread
from search.indexer import update
from search.service import SearchRequest, SearchService

SITE_PORT = 8000  # one address from run to run, so the captures of an earlier demo still lead to the site


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="serve the sample site, show pages of every era parsed, crawl it and serve the archive's front-end",
        description="Start the offline sample newspaper on 127.0.0.1, fetch the seed page and a page of "
        "each template era over HTTP and print what the parser reads from them, then crawl the whole "
        "sample site into the archive (<data dir>/demo), index it, sum up what it holds, and serve the "
        "archive's web front-end beside the sample site until Ctrl-C.",
    )
    parser.add_argument("--count", type=int, default=400, help="articles in the sample site (default: %(default)s)")
    parser.add_argument(
        "--once",
        action="store_true",
        help="stop after printing, with the 'newsarchive serve' command that serves the archive",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"the front-end's port (default {DEFAULT_PORT}, or a free one if it is taken; 0 picks a free one)",
    )
    parser.add_argument(
        "--site-port",
        type=int,
        default=None,
        help=f"the sample site's port (default {SITE_PORT}, or a free one if it is taken; 0 picks a free one)",
    )
    add_data_dir(parser, "the folder whose demo/ the archive (store, WARC files, index) is written to")
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
    sys.stdout.flush()  # what was printed comes before what the crawl prints, even into a pipe
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
        report = update(store, folder / INDEX_FOLDER)
    print(f"\n== indexed {report.indexed} articles into {folder / INDEX_FOLDER} ({report.documents} in the index)")
    service = SearchService(folder / INDEX_FOLDER)
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


def start_site(site: Site, port: int | None) -> tuple[ThreadingHTTPServer, str]:
    """The sample site on `port`, by the rules of `on_port` (SITE_PORT by default)."""
    return on_port(
        lambda wanted: start_in_thread(site, wanted), port, SITE_PORT, "127.0.0.1", "the sample site is served"
    )


def serve_command(folder: Path) -> str:
    """The command that serves the archive in `folder`, with absolute paths, to paste into any
    shell: the project's own `newsarchive` when it is beside this Python."""
    program = Path(sys.executable).with_name("newsarchive")
    archive = argparse.Namespace(data_dir=folder, index_dir=folder / INDEX_FOLDER)
    return shlex.join([str(program) if program.is_file() else "newsarchive", "serve", *archive_options(archive)])


def serve_both(folder: Path, site: ThreadingHTTPServer, base: str, port: int | None) -> int:
    """Serve the front-end over the demo's archive in this thread while the sample site goes on
    in its own (the captures' addresses lead to it), until Ctrl-C or SIGTERM stops both."""
    from web import create_app

    front = None
    try:
        signal.signal(signal.SIGTERM, stop)
        # Ctrl-C is how the demo ends, even when started from a shell that had it ignored (a background job)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        front = listen(create_app(folder / INDEX_FOLDER, folder), "127.0.0.1", port, threads=8)
        print(
            f"\nOpen http://127.0.0.1:{front.effective_port}/ in a browser to search the archive in {folder} "
            f"(the researcher's front-end).\nThe sample site it crawled is still served at {base}/ "
            "(Ctrl-C stops both).",
            flush=True,
        )
        front.run()  # waitress returns from its loop on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        if front is not None:
            front.close()
        site.shutdown()
        site.server_close()
    print("Stopped the front-end and the sample site.", flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    corpus = Corpus(SiteConfig(count=args.count))
    clock = SiteClock(SEED_SIDEBAR_MOMENT)
    server, base = start_site(SampleSite(corpus, clock, crawl_delay=0.0), args.site_port)  # our own: no Crawl-delay
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
    folder = resolve(args) / "demo"
    crawl_into(base, folder)
    search_in(folder)
    if args.once:
        server.shutdown()
        print(f"\nTo search it in a browser, serve its front-end with:\n  {serve_command(folder)}", flush=True)
        return 0
    return serve_both(folder, server, base, args.port)
