"""What the store's read side answers with. Times the pages print stay as stored (UTC text,
archive.times), so the pages and their JSON twins show them as they were kept; times that are
only reckoned with (spans in a Most viewed list) come as aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archive.warc import WarcLocation


@dataclass
class ListEntry:
    """One article's place in one Most viewed snapshot, and the span that list was seen up."""

    url: str
    rank: int
    first_seen: datetime
    last_seen: datetime


@dataclass
class ListedArticle(ListEntry):
    """A list entry with what the archive holds of its article (None for one it never stored)."""

    headline: str | None
    record: dict | None


@dataclass
class StoredRevision:
    number: int
    captured_at: str
    capture_id: int | None
    record: dict


@dataclass
class ArticleCapture:
    """One capture of an article and the revision it showed."""

    id: int
    url: str
    status: int
    fetched_at: str
    archive_address: str | None
    revision: int


@dataclass
class Listing:
    """An article's place in one Most viewed snapshot, with that snapshot's span."""

    snapshot: int
    first_seen: str
    last_seen: str
    sightings: int
    rank: int


@dataclass
class ArticleHistory:
    """One article with its revisions (oldest first), captures and Most viewed history."""

    url: str
    first_captured: str
    last_captured: str
    revisions: list[StoredRevision]
    captures: list[ArticleCapture]
    most_viewed: list[Listing]


@dataclass
class StoredCapture:
    """One capture as the store keeps it: the response's facts and where its raw copy lies."""

    id: int
    run_id: int | None
    url: str
    via: list[str]
    status: int
    fetched_at: str
    content_type: str | None
    kind: str
    size: int
    etag: str | None
    last_modified: str | None
    warc_file: str
    warc_offset: int
    warc_record_id: str
    archive_address: str | None = None

    @property
    def location(self) -> WarcLocation:
        return WarcLocation(self.warc_file, self.warc_offset, self.warc_record_id)


@dataclass
class CrawlRun:
    """One crawl run as the store keeps it. Its arguments, stats and flags stay the JSON text
    they were stored as (archive.health reads the stats). A store older than flags, indexed and
    note, read as it is, has the defaults."""

    id: int
    site: str
    job: str
    base_url: str | None
    pid: int | None
    arguments: str | None
    started_at: str
    finished_at: str | None
    status: str
    pages: int
    new_articles: int
    new_revisions: int
    unchanged: int
    snapshots: int
    warnings: int
    errors: int
    stats: str | None
    flags: str = "[]"
    indexed: int | None = None
    note: str | None = None


@dataclass
class SnapshotEntry:
    """One entry of a Most viewed snapshot beside its snapshot's facts: a line of the snapshots
    export, in its column order."""

    snapshot_id: int
    site: str
    first_seen: str
    last_seen: str
    sightings: int
    page_url: str
    rank: int
    url: str
    title: str | None
    teaser: str | None


@dataclass
class Sighting:
    """A Most viewed snapshot's period: when its list was first and last seen, and how often."""

    id: int
    site: str
    first_seen: str
    last_seen: str
    sightings: int


@dataclass
class ShownEntry:
    """An entry of a Most viewed list as the time machine shows it, with the headline the
    archive has for it (None for an article it never stored)."""

    rank: int
    url: str
    title: str | None
    teaser: str | None
    headline: str | None


@dataclass
class ShownSnapshot:
    """A Most viewed snapshot and its entries, by rank."""

    id: int
    site: str
    list_hash: str
    first_seen: str
    last_seen: str
    sightings: int
    page_url: str
    capture_id: int | None
    run_id: int | None
    entries: list[ShownEntry]
