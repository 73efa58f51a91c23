"""`newsarchive ingest`: the one process that writes the store during a distributed crawl
(`newsarchive crawl --redis …` on one or more machines)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from typing import TYPE_CHECKING

from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from cli.redis_args import add_redis_wait, redis_wait
from cli.site_option import add_site_option, chosen_site

if TYPE_CHECKING:
    from archive.read_model import CrawlRun
    from crawler.cluster.ingest import Ingester

REPORT_SECONDS = 10.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="store what the workers of a distributed crawl send",
        description="Run on the machine that holds the store, before the workers (`newsarchive crawl --redis URL "
        "--crawl-id ID` on any number of machines): records the crawl run, tells the workers which "
        "articles the archive already has, and stores every capture and page they send, in order. "
        "It is the only process that opens the store. It ends when every worker has stopped and "
        "everything they sent is stored.",
    )
    parser.add_argument(
        "--redis", required=True, metavar="URL", help="the Redis server the workers share, e.g. redis://10.0.0.5:6379/0"
    )
    parser.add_argument(
        "--crawl-id", default="crawl", help="the crawl's name on that server, as the workers give it (default: crawl)"
    )
    add_redis_wait(parser)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="wait for N workers to stop (default: every worker that has started)",
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="after a run, wait for the next crawl's workers; stop with Ctrl-C or SIGTERM",
    )
    add_site_option(parser, "which newspaper")
    add_data_dir(parser)
    parser.set_defaults(run=run)


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    import redis

    from archive.store import Store, StoreError
    from crawler.cluster.ingest import Ingester
    from crawler.cluster.keys import ClusterError, CrawlKeys, connect, safe_url
    from crawler.session import claim_store

    site = chosen_site(args)
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1.")
    try:
        keys = CrawlKeys(args.crawl_id)
        client = connect(args.redis, redis_wait(args))
        lock = claim_store(resolve(args), "ingest")  # no crawl writes the store while this runs
        store = Store(resolve(args) / "archive.sqlite3")
    except (ClusterError, StoreError) as error:
        raise UserError(str(error)) from None
    signal.signal(signal.SIGTERM, interrupt)
    with lock, store:
        while True:
            ingester = Ingester(
                client, keys, store, site.SITE, {"redis": safe_url(args.redis), "crawl_id": args.crawl_id}
            )
            try:
                ingester.open()
                print(
                    f"ready for the workers of crawl {args.crawl_id} on {safe_url(args.redis)}",
                    file=sys.stderr,
                    flush=True,
                )
                ingest_until_done(ingester, args.workers)
                run = ingester.close()
            except ClusterError as error:  # refused the crawl, or lost it to another ingester
                ingester.abandon()
                raise UserError(str(error)) from None
            except redis.RedisError as error:
                ingester.abandon(board=False)
                raise UserError(
                    f"Lost the Redis server at {safe_url(args.redis)} ({error}); crawl run "
                    f"{ingester.run_id} is recorded as interrupted, and an ingester started once Redis "
                    "is back goes on with the crawl."
                ) from None
            except KeyboardInterrupt:
                ingester.stop()
                if ingester.run_id is not None:
                    print(
                        f"crawl run {ingester.run_id} interrupted; the crawl stays in Redis for the next ingester",
                        file=sys.stderr,
                    )
                raise
            print(
                f"crawl run {run.id} {run.status}: {run.pages} pages, {run.new_articles} new articles, "
                f"{run.new_revisions} new revisions, {run.unchanged} unchanged, {run.snapshots} new "
                f"snapshots, {run.warnings} warnings, {run.errors} errors",
                flush=True,
            )
            status = ending(run)
            if not args.follow:
                return status


def ending(run: CrawlRun) -> int:
    """The exit status of one run, with its sentence: 0 when all is well; 2 for a run that ended
    early; 3 for one that ran to the end with something missing — messages that never reached
    the store (its WARC files hold them), or articles that could not be fetched."""
    from crawler.session import unfetched_sentence

    stats = json.loads(run.stats or "{}")
    if run.status == "incomplete":
        print(f"newsarchive: Crawl run {run.id} is incomplete: {run.note}.", file=sys.stderr, flush=True)
        return 3
    if run.status != "finished":
        print(
            f"newsarchive: Crawl run {run.id} ended early: a worker stopped before the crawl was done; the "
            "next crawl fetches what is missing.",
            file=sys.stderr,
            flush=True,
        )
        return 2
    if stats.get("newsarchive_unfetched"):
        print(
            f"newsarchive: crawl run {run.id}: {unfetched_sentence(stats['newsarchive_unfetched'])}.",
            file=sys.stderr,
            flush=True,
        )
        return 3
    return 0


def ingest_until_done(ingester: Ingester, expected: int | None) -> None:
    """Store messages until the workers are done, with a line of progress now and then."""
    last = time.monotonic()
    while True:
        if ingester.step() == 0:
            if ingester.finished(expected):
                return
            time.sleep(0.2)
        if time.monotonic() - last >= REPORT_SECONDS:
            last = time.monotonic()
            print(
                f"{ingester.captures} responses and {ingester.pages} pages stored, {ingester.waiting()} waiting; "
                f"workers: {ingester.board_line()}",
                file=sys.stderr,
                flush=True,
            )
