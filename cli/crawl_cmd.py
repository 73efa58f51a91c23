"""`newsarchive crawl`: harvest a newspaper (the real site, a mirror, or the local sample
site) into the archive: WARC files for every response, the SQLite store for the records."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cli.archive_crawl import add_archive_options
from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from cli.redis_args import add_redis_wait, redis_wait
from cli.site_option import add_site_option, chosen_site
from crawler.options import OPTIONS, SWITCH, CrawlOption

if TYPE_CHECKING:
    from scrapy.settings import Settings

UNFETCHED_EXIT = 3  # the run finished, but articles it knows of are still missing


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "crawl",
        help="harvest a newspaper into the archive",
        description="Crawl a newspaper site politely (robots.txt, its Crawl-delay, at most one request a second "
        "by default) from its section listings, sitemaps and feeds; keep every response in WARC files "
        "and every article, revision and Most viewed snapshot in the store. A second run fetches only "
        "what is new; a run that was killed is resumed by the next one.",
    )
    add_site_option(parser, "which newspaper")
    for option in OPTIONS:
        add_option(parser, option)
    parser.add_argument(
        "--contact",
        default=os.environ.get("NEWSARCHIVE_CONTACT"),
        help="an e-mail or web address put in the user agent; required for a real site (default: $NEWSARCHIVE_CONTACT)",
    )
    parser.add_argument(
        "--job",
        default="crawl",
        help="the name the run is recorded under (runs are compared with earlier runs of the "
        "same job to spot a site redesign; default: crawl)",
    )
    parser.add_argument(
        "--redis",
        metavar="URL",
        help="be one worker of a distributed crawl: share the frontier and duplicate filter kept on "
        "this Redis server (e.g. redis://10.0.0.5:6379/0) and send what is found to "
        "`newsarchive ingest`, which writes the store; WARC files stay in --data-dir",
    )
    parser.add_argument("--crawl-id", help="with --redis: which distributed crawl to join (default: crawl)")
    add_redis_wait(parser)
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy setting, e.g. -s LOG_LEVEL=DEBUG",
    )
    add_archive_options(parser)
    add_data_dir(parser)
    parser.set_defaults(run=run)


def add_option(parser: argparse.ArgumentParser, option: CrawlOption) -> None:
    """One crawl option as a flag; it is checked in `run`, so a mistake is one sentence."""
    if option.kind is SWITCH:
        parser.add_argument(option.flag, action="store_true", help=option.help)
    else:
        parser.add_argument(option.flag, type=option.kind.flag_type, default=None, help=option.help)


def checked_options(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, Any]]:
    """The spider's arguments (as text) and the Scrapy settings the crawl options ask for."""
    spider_args: dict[str, str] = {}
    settings: dict[str, Any] = {}
    for option in OPTIONS:
        value = getattr(args, option.name)
        if value is None or (option.kind is SWITCH and not value):  # a switch not given: its default
            continue
        try:
            text = option.checked_text(value)
        except ValueError as error:
            raise UserError(f"{error}.") from None
        if option.for_spider:
            spider_args[option.name] = text
        else:
            settings.update(dict.fromkeys(option.settings, value))
    return spider_args, settings


def add_settings(settings: Settings, values: dict[str, Any]) -> None:
    """Scrapy settings set; a component dictionary (EXTENSIONS, …) gains the components named
    rather than losing the project's own."""
    from scrapy.settings import BaseSettings

    for name, value in values.items():
        if isinstance(settings.get(name), BaseSettings):
            settings.set(name, {**settings.getdict(name), **value}, settings.getpriority(name) or "cmdline")
        else:
            settings.set(name, value)


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 when every article asked for was fetched; 2 for a mistake in the command
    or a run that ended early (a full disk among them); 3 when the run finished but articles it knows of could not be
    fetched (the next run asks for them first)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from archive.store import StoreError
    from crawler.session import DISK_FULL, REDIS_LOST, claim_store, data_dir, unfetched_sentence
    from crawler.spiders.newspaper import is_local

    site = chosen_site(args)
    if args.from_archive:
        from cli.archive_crawl import run_from_archive

        return run_from_archive(args, site)
    spider_args, option_settings = checked_options(args)
    base = (args.base_url or site.ORIGIN).rstrip("/")
    if not args.contact and not is_local(urlsplit(base).hostname or ""):
        raise UserError(
            "Set NEWSARCHIVE_CONTACT or --contact (an e-mail or web address where the site can reach "
            "you) before crawling a real site."
        )
    if (args.crawl_id or args.redis_wait is not None) and not args.redis:
        raise UserError("--crawl-id and --redis-wait are for a distributed crawl; give --redis too.")
    settings = get_project_settings()
    settings.set("NEWSARCHIVE_DATA_DIR", str(resolve(args)))
    settings.set("NEWSARCHIVE_JOB", args.job)
    if args.contact:
        settings.set("NEWSARCHIVE_CONTACT", args.contact)
        settings.set("USER_AGENT", f"newsarchive/0.1 (research archive; contact {args.contact})")
    add_settings(settings, option_settings)
    if args.redis:
        from crawler.cluster.keys import ClusterError
        from crawler.cluster.worker import cluster_settings, wait_for_ingester

        crawl_id = args.crawl_id or "crawl"
        try:
            wait_for_ingester(
                args.redis, crawl_id, lambda: print(f"waiting for the ingester of crawl {crawl_id}", file=sys.stderr)
            )
        except ClusterError as error:
            raise UserError(str(error)) from None
        add_settings(settings, cluster_settings(args.redis, crawl_id, redis_wait(args)))
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
    process = CrawlerProcess(settings)
    try:
        crawler = process.create_crawler(site.NAME)
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
