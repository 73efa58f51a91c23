"""`newsarchive crawl --from-archive CDX_URL`: a newspaper's captures harvested from a web
archive (the Wayback Machine, Common Crawl, pywb, any CDX server) rather than from the site."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType
from urllib.parse import urlsplit

from archive.store import Store, StoreError
from cli.datadir import resolve
from cli.errors import UserError
from cli.progress import progress
from crawler import sites
from crawler.archives.cdx import replay_base
from crawler.archives.fetch import CAPTURE_RATE, INDEX_RATE, ArchiveUnavailableError, Pause, PoliteClient
from crawler.archives.sources import ByteRangeSource, CaptureSource, ReplaySource
from crawler.options import OPTIONS, day
from portable.from_archive import Harvest, list_captures, walk_timemaps

COMMON_CRAWL_INDEX = "index.commoncrawl.org"
COMMON_CRAWL_FILES = "https://data.commoncrawl.org/"
# Crawl options that shape a crawl of the site itself and mean nothing to a harvest.
SITE_ONLY = (
    "sections",
    "refresh",
    "concurrency",
    "urls",
    "discover",
    "listing_pages",
    "max_articles",
    "delay",
    "no_requisites",
)


def add_archive_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("harvest from a web archive")
    group.add_argument(
        "--from-archive",
        metavar="CDX_URL",
        help="harvest the site's captures from a web archive's CDX server instead of the site, e.g. "
        "https://web.archive.org/cdx/search/cdx or https://index.commoncrawl.org/CC-MAIN-2017-09-index, "
        "or from its Memento TimeMaps (an address ending in /timemap/link/), walked from the home page "
        "and the sections; --since and --until then bound the capture days; a second run fetches only "
        "what is new",
    )
    group.add_argument(
        "--archive-rate",
        type=float,
        default=CAPTURE_RATE,
        metavar="N",
        help=f"captures fetched a second from the web archive, at most (default {CAPTURE_RATE:g}); it pauses "
        "whenever the archive answers 429 or 503, for as long as the archive asks",
    )
    group.add_argument(
        "--index-rate",
        type=float,
        default=INDEX_RATE,
        metavar="N",
        help=f"CDX queries a second, at most (default {INDEX_RATE:g}: the Wayback Machine allows fewer queries "
        "than fetches)",
    )
    group.add_argument(
        "--replay",
        metavar="URL",
        help="where the archive replays captures, fetched in their id_ form (default: from the CDX address: "
        "/web for the Wayback Machine, the collection for pywb)",
    )
    group.add_argument(
        "--warc-files",
        metavar="URL",
        help="fetch each capture by byte range from the WARC file its index names, under this address "
        f"(the default for Common Crawl's index: {COMMON_CRAWL_FILES})",
    )


def is_timemap(endpoint: str) -> bool:
    """Whether an archive's address is a TimeMap base (…/timemap/link/) rather than a CDX server."""
    return "/timemap" in urlsplit(endpoint).path


def capture_source(args: argparse.Namespace, client: PoliteClient) -> CaptureSource:
    """Byte ranges of WARC files where asked (or for Common Crawl), else the archive's replay
    (for a TimeMap's mementos, the replay each one's address is under)."""
    endpoint = args.from_archive
    files = args.warc_files or (COMMON_CRAWL_FILES if urlsplit(endpoint).hostname == COMMON_CRAWL_INDEX else None)
    if files:
        if is_timemap(endpoint):
            raise UserError("--warc-files needs a CDX index, which names each capture's file; a TimeMap does not.")
        return ByteRangeSource(client, files)
    if is_timemap(endpoint):
        return ReplaySource(client, args.replay)
    replay = args.replay or replay_base(endpoint)
    if replay is None:
        raise UserError(
            f"Where {endpoint} replays its captures cannot be told from its address; give --replay "
            "(or --warc-files for an index of WARC files)."
        )
    return ReplaySource(client, replay)


def prefixes(args: argparse.Namespace, site: sites.Site) -> list[str]:
    """The URL prefixes asked for: the host of --base-url, else each of the site's hosts."""
    if args.base_url:
        return [f"{urlsplit(args.base_url).netloc}/"]
    return [f"{host}/" for host in site.HOSTS]


def seeds(base: str, site: sites.Site) -> list[str]:
    """Where a walk through TimeMaps starts: the home page and each section's first listing
    page, in both the forms a crawler of the time may have asked for."""
    listings = [site.listing_path(section, 0) for section in site.SECTIONS]
    return [f"{base}/"] + [base + path for listing in listings for path in (listing.split("?")[0], listing)]


def period(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """--since and --until as the archive's timestamps (the whole of each day, UTC)."""
    try:
        since = day(args.since).strftime("%Y%m%d") if args.since else None
        until = day(args.until).strftime("%Y%m%d") + "235959" if args.until else None
    except ValueError as error:
        raise UserError(f"--since or --until {error}.") from None
    if since and until and since > until:
        raise UserError("--since is after --until: no capture can be within that period.")
    return since, until


def refuse_site_options(args: argparse.Namespace) -> None:
    for option in OPTIONS:
        if option.name in SITE_ONLY and getattr(args, option.name) not in (None, False):
            raise UserError(f"{option.flag} is for a crawl of the site; it does not apply with --from-archive.")
    if args.redis:
        raise UserError("--redis is for a crawl of the site; a harvest from a web archive runs on one machine.")


def run_from_archive(args: argparse.Namespace, site: sites.Site) -> int:
    """Exit status 0 when every capture listed is stored; 2 for a mistake or an archive that
    stopped answering (the next run resumes); 3 when some listed captures could not be had."""
    from crawler.session import claim_store
    from crawler.spiders.newspaper import is_local

    refuse_site_options(args)
    endpoint = args.from_archive
    if urlsplit(endpoint).scheme not in ("http", "https"):
        raise UserError(f"--from-archive {endpoint!r} is not a web address (http:// or https://).")
    for flag, rate in (("--archive-rate", args.archive_rate), ("--index-rate", args.index_rate)):
        if rate <= 0:
            raise UserError(f"{flag} must be more than 0 requests a second.")
    if not args.contact and not is_local(urlsplit(endpoint).hostname or ""):
        raise UserError(
            "Set NEWSARCHIVE_CONTACT or --contact (an e-mail or web address where the archive can reach "
            "you) before harvesting from a real web archive."
        )
    since, until = period(args)
    contact = f"; contact {args.contact}" if args.contact else ""
    agent = f"newsarchive/0.1 (research archive{contact})"
    index = PoliteClient(agent, args.index_rate, on_pause=say_pause)
    client = PoliteClient(agent, args.archive_rate, on_pause=say_pause)
    source = capture_source(args, client)
    folder = resolve(args)
    try:
        lock = claim_store(folder, "crawl")
    except StoreError as error:
        raise UserError(str(error)) from None
    stop = {"asked": False}

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop["asked"] = True

    signal.signal(signal.SIGTERM, stopping)
    base = (args.base_url or site.ORIGIN).rstrip("/")
    try:
        with (
            Store(folder / "archive.sqlite3") as store,
            Harvest(store, site.NAME, source, endpoint, progress, lambda: stop["asked"], base) as harvest,
        ):
            if is_timemap(endpoint):
                read = walk_timemaps(harvest, index, endpoint, seeds(base, site), since, until)
                print(f"Read the TimeMaps of {read} addresses of {site.NAME}.", file=sys.stderr)
            else:
                listing = list_captures(index, endpoint, prefixes(args, site), since, until)
                print(f"{endpoint} lists {len(listing)} captures of {site.NAME}.", file=sys.stderr)
                harvest.take(listing)
        report = harvest.report
        with Store(folder / "archive.sqlite3") as store:
            run = store.run(report.run_id)
    except ArchiveUnavailableError as error:
        raise UserError(f"{str(error).rstrip('.')}; run the same command again to resume.") from None
    finally:
        lock.release()
    for line in report.unavailable:
        print(line)
    outcomes = ", ".join(f"{count} {name}" for name, count in sorted(report.outcomes.items())) or "nothing"
    pauses = len(index.pauses) + len(client.pauses)
    print(
        f"Harvested {report.fetched} of the {report.listed} captures listed (run {report.run_id}, "
        f"{report.status}): {outcomes}; {len(report.unavailable)} not fetched; {pauses} pauses "
        f"the archive asked for; {run.new_articles} new articles, {run.new_revisions} new revisions, "
        f"{run.snapshots} new Most viewed snapshots. Run 'newsarchive index' next."
    )
    if report.status == "shutdown":
        raise UserError("The harvest was stopped; run the same command again to resume.")
    return 3 if report.unavailable else 0


def say_pause(pause: Pause) -> None:
    print(f"The archive {pause.why} for {pause.url}: waiting {pause.seconds:.1f} s.", file=sys.stderr, flush=True)
