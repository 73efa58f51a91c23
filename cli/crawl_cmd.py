"""`newsarchive crawl`: harvest a newspaper (the real site, a mirror, or the local sample
site) into the archive: WARC files for every response, the SQLite store for the records."""
from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urlsplit

from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from cli.redis_args import add_redis_wait, redis_wait

UNFETCHED_EXIT = 3  # the run finished, but articles it knows of are still missing


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl", help="harvest a newspaper into the archive",
        description="Crawl a newspaper site politely (robots.txt, its Crawl-delay, at most one request a second "
                    "by default) from its section listings, sitemaps and feeds; keep every response in WARC files "
                    "and every article, revision and Most viewed snapshot in the store. A second run fetches only "
                    "what is new; a run that was killed is resumed by the next one.")
    parser.add_argument("--site", default="phnompenhpost", choices=["phnompenhpost"], help="which newspaper")
    parser.add_argument("--base-url", default=None,
                        help="where to fetch it from: the real site (default), a mirror, or the sample site, "
                             "e.g. http://127.0.0.1:8000")
    parser.add_argument("--since", help="only articles published on or after this day (YYYY-MM-DD)")
    parser.add_argument("--until", help="only articles published on or before this day (YYYY-MM-DD)")
    parser.add_argument("--sections", help="only these section listings, comma-separated (e.g. national,business)")
    parser.add_argument("--max-articles", type=int, help="stop asking for articles after this many")
    parser.add_argument("--refresh", action="store_true",
                        help="re-check known articles too (conditional requests; a change makes a new revision)")
    parser.add_argument("--contact", default=os.environ.get("NEWSARCHIVE_CONTACT"),
                        help="an e-mail or web address put in the user agent; required for a real site "
                             "(default: $NEWSARCHIVE_CONTACT)")
    parser.add_argument("--delay", type=float, default=None,
                        help="seconds between requests to the site (default 1; robots.txt's Crawl-delay wins "
                             "if longer)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests in flight at once (default 1); one site is crawled at a time, so a pause "
                             "the site asks for holds every request")
    parser.add_argument("--urls", help="more addresses to start from, comma-separated")
    parser.add_argument("--discover", help="where to look for articles, comma-separated from home, listings, "
                                           "sitemaps, feeds (default: all)")
    parser.add_argument("--listing-pages", type=int, help="read at most this many pages of each section listing")
    parser.add_argument("--job", default="crawl",
                        help="the name the run is recorded under (runs are compared with earlier runs of the "
                             "same job to spot a site redesign; default: crawl)")
    parser.add_argument("--redis", metavar="URL",
                        help="be one worker of a distributed crawl: share the frontier and duplicate filter kept on "
                             "this Redis server (e.g. redis://10.0.0.5:6379/0) and send what is found to "
                             "`newsarchive ingest`, which writes the store; WARC files stay in --data-dir")
    parser.add_argument("--crawl-id", help="with --redis: which distributed crawl to join (default: crawl)")
    add_redis_wait(parser)
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="any Scrapy setting, e.g. -s LOG_LEVEL=DEBUG")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 when every article asked for was fetched; 2 for a mistake in the command
    or a run that ended early (a full disk among them); 3 when the run finished but articles it knows of could not be
    fetched (the next run asks for them first)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from archive.store import StoreError
    from archive.urls import check_base_url
    from crawler.session import DISK_FULL, REDIS_LOST, claim_store, data_dir, unfetched_sentence
    from crawler.spiders.newspaper import is_local, sources

    if args.base_url is not None:
        try:
            check_base_url(args.base_url)
        except ValueError as error:
            raise UserError(f"--base-url {error}.") from None
    if not args.contact and not is_local(urlsplit(args.base_url or "https://www.phnompenhpost.com").hostname or ""):
        raise UserError("Set NEWSARCHIVE_CONTACT or --contact (an e-mail or web address where the site can reach "
                        "you) before crawling a real site.")
    if args.listing_pages is not None and args.listing_pages < 1:
        raise UserError("--listing-pages must be at least 1.")
    try:
        sources(args.discover)
    except ValueError as error:
        raise UserError(f"--{error}.") from None
    settings = get_project_settings()
    base = (args.base_url or "https://www.phnompenhpost.com").rstrip("/")
    settings.set("NEWSARCHIVE_DATA_DIR", str(resolve(args)))
    settings.set("NEWSARCHIVE_JOB", args.job)
    if args.contact:
        settings.set("NEWSARCHIVE_CONTACT", args.contact)
        settings.set("USER_AGENT", f"newsarchive/0.1 (research archive; contact {args.contact})")
    if args.delay is not None:
        if args.delay < 0:
            raise UserError("--delay cannot be negative.")
        settings.set("DOWNLOAD_DELAY", args.delay)
        settings.set("AUTOTHROTTLE_START_DELAY", args.delay)
    if args.concurrency is not None:
        if args.concurrency < 1:
            raise UserError("--concurrency must be at least 1.")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", args.concurrency)
        settings.set("CONCURRENT_REQUESTS", args.concurrency)
    if (args.crawl_id or args.redis_wait is not None) and not args.redis:
        raise UserError("--crawl-id and --redis-wait are for a distributed crawl; give --redis too.")
    if args.redis:
        from crawler.cluster.keys import ClusterError
        from crawler.cluster.worker import cluster_settings, wait_for_ingester

        crawl_id = args.crawl_id or "crawl"
        try:
            wait_for_ingester(args.redis, crawl_id,
                              lambda: print(f"waiting for the ingester of crawl {crawl_id}", file=sys.stderr))
        except ClusterError as error:
            raise UserError(str(error)) from None
        for name, value in cluster_settings(args.redis, crawl_id, redis_wait(args)).items():
            settings.set(name, value)
    for assignment in args.set:
        name, equals, value = assignment.partition("=")
        if not equals or not name:
            raise UserError(f"-s {assignment!r} is not NAME=VALUE.")
        settings.set(name, value)
    lock = None
    if not args.redis:  # a worker never opens the store: the ingester, which writes it, holds the lock
        try:
            lock = claim_store(data_dir(settings.get("NEWSARCHIVE_DATA_DIR")), "crawl")
        except StoreError as error:
            raise UserError(str(error)) from None
    spider_args = {k: v for k, v in {
        "base_url": args.base_url, "since": args.since, "until": args.until, "sections": args.sections,
        "max_articles": str(args.max_articles) if args.max_articles else None, "refresh": "1" if args.refresh else "0",
        "urls": args.urls, "discover": args.discover,
        "listing_pages": str(args.listing_pages) if args.listing_pages is not None else None}.items() if v is not None}
    process = CrawlerProcess(settings)
    try:
        crawler = process.create_crawler(args.site)
        process.crawl(crawler, **spider_args)
        process.start()
    except ValueError as error:
        raise UserError(f"{error}.") from None
    finally:
        if lock is not None:
            lock.release()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "unknown")
    if reason in (DISK_FULL, REDIS_LOST):
        raise UserError(stats["newsarchive/halted"])
    if reason == "unreachable" or not stats.get("response_received_count"):
        raise UserError(f"{base} did not answer (its home page could not be fetched, even after retries).")
    if reason not in ("finished", "max_articles"):
        raise UserError(f"The crawl ended early ({reason}); run it again to resume.")
    unfetched = stats.get("newsarchive/unfetched", 0)
    if unfetched:
        print(f"newsarchive: {unfetched_sentence(unfetched)}.", file=sys.stderr)
        return UNFETCHED_EXIT
    return 0

