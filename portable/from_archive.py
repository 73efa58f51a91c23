"""`crawl --from-archive`: a newspaper's captures in a web archive brought into the archive, as
if crawled when the web archive captured them.

The captures are listed through the archive's CDX server API (every page of its answer, where
it pages), oldest first; each one not yet in the archive is fetched (crawler.archives.sources),
written to the archive's own WARC files as a record of its own dated at its capture and naming
where it came from, and stored as `import warc` stores a page: parsed with the capture time as
its fetch time, a capture whose content the archive has linked to that revision, one older
than the archive's newest revision put in its place among the revisions, its Most viewed
sidebar a sighting at the capture time. A capture's record id is derived from the capture as
listed (crawler.archives.records), so a run that was stopped is resumed by the next one, which
fetches only what is not yet stored, and a capture listed twice is stored once. Pages the parser finds nothing
in are kept too (as captures, in the WARC files), so they are not fetched again."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from archive.model import ParsedPage
from archive.store import Store
from archive.urls import fetched_from
from crawler import sites
from crawler.archives.cdx import ArchivedCapture, distinct, page_count_url, query_url, read_captures, read_page_count
from crawler.archives.fetch import ArchiveUnavailableError, PoliteClient
from crawler.archives.records import record_id, warc_record
from crawler.archives.sources import CaptureSource, CaptureUnavailableError
from crawler.archives.timemap import read_timemap, timemap_url
from portable.warc_import import (
    ArchiveWarc,
    UnusableRecordError,
    Wrap,
    add_page,
    capture_of,
    page_worth_keeping,
    parsed,
    read_page,
)

JOB = "from-archive"
TIMEMAP_PARTS = 1000  # parts of one TimeMap read at most: a bound on an archive that pages forever


@dataclass
class HarvestReport:
    run_id: int
    listed: int
    status: str = "running"
    fetched: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    unavailable: list[str] = field(default_factory=list)
    warc_files: list[str] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def list_captures(
    client: PoliteClient, endpoint: str, prefixes: list[str], since: str | None, until: str | None
) -> list[ArchivedCapture]:
    """Every HTML capture answered 200 under the prefixes within the period, each address's same
    bytes once (its first capture), oldest first. A server that pages its answers is asked for
    each page; one that does not answers the question of how many with the captures themselves."""
    found: dict[tuple[str, str], ArchivedCapture] = {}
    for prefix in prefixes:
        first = cdx_answer(client, page_count_url(endpoint, prefix, since, until))
        pages = read_page_count(first)
        answers = (
            [first]
            if pages is None
            else (cdx_answer(client, query_url(endpoint, prefix, since, until, page)) for page in range(pages))
        )
        for text in answers:
            for capture in read_captures(text):
                if capture.status == 200 and "html" in capture.mime.lower():
                    found.setdefault((capture.url, capture.timestamp), capture)
    return list(distinct(sorted(found.values(), key=lambda capture: (capture.timestamp, capture.url))))


def timemap_captures(
    client: PoliteClient, base: str, address: str, since: str | None, until: str | None
) -> list[ArchivedCapture]:
    """The captures of one address that its TimeMap under `base` lists within the period,
    every part of the TimeMap read, oldest first."""
    first = timemap_url(base, address)
    pending, read = [first], set[str]()
    found: dict[str, ArchivedCapture] = {}
    while pending and len(read) < TIMEMAP_PARTS:
        part = pending.pop(0)
        read.add(part)
        answer = client.get(part)
        if answer.status == 404:  # an address the archive holds nothing of
            continue
        if answer.status != 200:
            raise ArchiveUnavailableError(f"The archive answered {answer.status} to the TimeMap {part}.")
        timemap = read_timemap(answer.body.decode("utf-8", "replace"), part)
        for capture in timemap.captures:
            if (not since or capture.timestamp >= since) and (not until or capture.timestamp <= until):
                found.setdefault(capture.timestamp, capture)
        pending += [other for other in timemap.parts if other not in read and other not in pending]
    return [found[timestamp] for timestamp in sorted(found)]


def walk_timemaps(
    run: Harvest, client: PoliteClient, base: str, seeds: list[str], since: str | None, until: str | None
) -> int:
    """Harvest what the TimeMaps of `seeds` list, then what the TimeMaps of the articles those
    captures link to list, and so on until no capture names an article not asked for: a crawl
    through the archive, for an archive with no CDX API. Returns how many TimeMaps were read."""
    asked: set[str] = set()
    pending = list(dict.fromkeys(seeds))
    while pending and run.report.status != "shutdown":
        captures = []
        for address in pending:
            asked.add(address)
            captures += timemap_captures(client, base, address, since, until)
        linked = run.take(sorted(captures, key=lambda capture: (capture.timestamp, capture.url)))
        pending = sorted(linked - asked)
    return len(asked)


def cdx_answer(client: PoliteClient, url: str) -> str:
    answer = client.get(url)
    if answer.status == 404:  # pywb's answer when nothing matches
        return ""
    if answer.status != 200:
        raise ArchiveUnavailableError(f"The archive answered {answer.status} to the CDX query {url}.")
    return answer.body.decode("utf-8", "replace")


class Harvest:
    """One harvest run: captures taken in (`take`, as often as a walk finds more), each not yet
    in the archive fetched and stored; the run recorded when the block ends ('finished',
    'shutdown' when `stopping` said so between two captures or on Ctrl-C, else 'failed')."""

    def __init__(
        self,
        store: Store,
        site: str,
        source: CaptureSource,
        endpoint: str,
        wrap: Wrap | None = None,
        stopping: Callable[[], bool] = lambda: False,
        base_url: str | None = None,
    ):
        self.store, self.site, self.source, self.wrap, self.stopping = store, site, source, wrap, stopping
        self.base_url = base_url or sites.site(site).ORIGIN  # where the links found are filed: see article_links
        run_id = store.start_run(site, f"archive:{endpoint}", {"endpoint": endpoint}, job=JOB)
        self.report = HarvestReport(run_id, 0)
        self.known = store.capture_record_ids()
        self.target = ArchiveWarc(
            store.path.parent / "warc",
            f"{JOB}-{datetime.now(UTC):%Y%m%dT%H%M%S}-run{run_id}",
            f"Captures fetched from the web archive {endpoint}",
        )

    def __enter__(self) -> Harvest:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: object) -> None:
        report = self.report
        if kind is KeyboardInterrupt or (kind is None and report.status == "shutdown"):
            report.status = "shutdown"
        else:
            report.status = "failed" if kind is not None else "finished"
        self.target.close()
        report.warc_files = self.target.files
        self.store.finish_run(
            report.run_id,
            report.status,
            {
                "captures listed": report.listed,
                "fetched": report.fetched,
                **report.outcomes,
                "not fetched": len(report.unavailable),
            },
        )

    def take(self, captures: list[ArchivedCapture]) -> set[str]:
        """Fetch and store each capture not yet in the archive, in the order given; returns the
        addresses of the articles the stored pages link to (listings and Most viewed lists)."""
        report, linked = self.report, set()
        report.listed += len(captures)
        for capture in self.wrap(captures, len(captures), "captures") if self.wrap else captures:
            if report.status == "shutdown" or self.stopping():
                report.status = "shutdown"
                break
            identity = record_id(capture)
            if identity in self.known:
                report.add("already in the archive")
                continue
            try:
                harvested = self.source.fetch(capture)
            except CaptureUnavailableError as unavailable:
                report.unavailable.append(f"Not fetched: {unavailable}.")
                continue
            report.fetched += 1
            outcome, page = keep(
                self.store, report.run_id, self.site, io.BytesIO(warc_record(harvested, identity)), self.target
            )
            report.add(outcome)
            self.known.add(identity)
            if page is not None:
                linked |= article_links(self.site, harvested.url, harvested.body, page, self.base_url)
        return linked


def keep(
    store: Store, run_id: int, site: str, record: io.BytesIO, target: ArchiveWarc
) -> tuple[str, ParsedPage | None]:
    """Store one harvested capture's record; returns what it did to the archive, and the page
    as parsed if it was stored."""
    try:
        raw = read_page(record, 0)
    except UnusableRecordError as unusable:
        return f"not stored, {unusable.kind}", None
    page = parsed(raw, site)
    if not page_worth_keeping(page):
        store.add_capture(run_id, capture_of(raw, "other", *target.append(record, raw.spans)))
        return "not an article page", page
    return add_page(store, run_id, page, raw, *target.append(record, raw.spans)), page


def article_links(site_name: str, url: str, body: bytes, page: ParsedPage, base_url: str) -> set[str]:
    """The articles a stored page names — the items of a listing (the home page's and a
    section's), the entries of its Most viewed list — as addresses on `base_url`."""
    site = sites.site(site_name)
    named = [entry.url for entry in page.most_viewed.entries] if page.most_viewed else []
    if page.article is None:
        named += [href for href, _ in site.listing_items(body.decode("utf-8", "replace"))]
    found = {fetched_from(href, url, base_url, site.HOSTS) for href in named}
    return {address for address in found if address is not None and site.is_article_path(urlsplit(address).path)}
