"""The read side of the store: what the pages, the indexer, exports, bundles and the
benchmarks ask of it, answered in dataclasses (archive.read_model) and plain values. The
crawler's own look-ups stay in archive.store beside the writes they serve."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime

from archive.exclusions import Exclusion, Withheld
from archive.model import completed
from archive.read_model import (
    ArticleCapture,
    ArticleHistory,
    ListedArticle,
    ListEntry,
    Listing,
    ShownEntry,
    ShownSnapshot,
    Sighting,
    SnapshotEntry,
    StoredCapture,
    StoredRevision,
)
from archive.times import parse_utc, utc, utc_second_end
from archive.urls import address_key

CURRENT_RECORDS = (
    "SELECT r.record FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision"
)
SQLITE_INTEGERS = 2**63
CAPTURE_COLUMNS = (
    "id, run_id, url, via, status, fetched_at, content_type, kind, size, etag, last_modified, "
    "warc_file, warc_offset, warc_record_id, archive_address"
)


def stored_record(text: str) -> dict:
    """A revision's stored record as this version reads it: every field of the model present,
    those it was stored without at their defaults (archive.model.completed)."""
    return completed(json.loads(text))


def stored_capture_of(row: sqlite3.Row) -> StoredCapture:
    """A row of CAPTURE_COLUMNS, its addresses on the way (via) read from their JSON."""
    return StoredCapture(**dict(row) | {"via": json.loads(row["via"])})


class ArchiveQueries:
    """Part of Store: every method reads through the store's connection."""

    db: sqlite3.Connection

    # -- articles -------------------------------------------------------------------------

    def article_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def article_urls(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT url FROM articles")]

    def current_records(self) -> Iterator[dict]:
        """The current revision of every article, as records (the JSON schema)."""
        for row in self.db.execute(f"{CURRENT_RECORDS} ORDER BY a.id"):
            yield stored_record(row["record"])

    def current_record(self, url: str) -> dict | None:
        row = self.db.execute(f"{CURRENT_RECORDS} WHERE a.url = ?", (url,)).fetchone()
        return stored_record(row["record"]) if row else None

    def current_records_of(self, urls: set[str]) -> list[dict]:
        """The current record of each of the articles at `urls` that the archive holds."""
        if not urls:
            return []
        marks = ",".join("?" * len(urls))
        return [
            stored_record(row[0])
            for row in self.db.execute(f"{CURRENT_RECORDS} WHERE a.url IN ({marks})", sorted(urls))
        ]

    def changed_article_urls(self, after_revision: int, after_sighting: str) -> set[str]:
        """Articles with a revision newer than `after_revision`, or in a Most viewed list seen
        after `after_sighting` (a stored time): what an index built at that high water lacks."""
        urls = {
            row[0]
            for row in self.db.execute(
                "SELECT a.url FROM revisions r JOIN articles a ON a.id = r.article_id WHERE r.id > ?", (after_revision,)
            )
        }
        urls |= {
            row[0]
            for row in self.db.execute(
                "SELECT e.url FROM snapshot_entries e JOIN snapshots s ON s.id = e.snapshot_id WHERE s.last_seen > ?",
                (after_sighting,),
            )
        }
        return urls

    def high_water(self) -> tuple[int, str]:
        """The newest revision id and the latest sighting (a stored time, '' before any)."""
        revision = self.db.execute("SELECT coalesce(max(id), 0) FROM revisions").fetchone()[0]
        sighting = self.db.execute("SELECT coalesce(max(last_seen), '') FROM snapshots").fetchone()[0]
        return revision, sighting

    def article_history(self, url: str | None, alias: str) -> ArticleHistory | None:
        """The article whose identity is `url`, or else the one once fetched from `alias` (an
        address with its host left out, archive.store.address_key)."""
        row = self.db.execute("SELECT * FROM articles WHERE url = ?", (url,)).fetchone() if url else None
        if row is None:
            row = self.db.execute(
                "SELECT a.* FROM aliases x JOIN articles a ON a.id = x.article_id WHERE x.address = ?", (alias,)
            ).fetchone()
        if row is None:
            return None
        revisions = [
            StoredRevision(r["number"], r["captured_at"], r["capture_id"], stored_record(r["record"]))
            for r in self.db.execute(
                "SELECT number, captured_at, capture_id, record FROM revisions WHERE article_id = ? ORDER BY number",
                (row["id"],),
            )
        ]
        captures = [
            ArticleCapture(**c)
            for c in self.db.execute(
                "SELECT c.id, c.url, c.status, c.fetched_at, c.archive_address, ac.revision FROM article_captures ac "
                "JOIN captures c "
                "ON c.id = ac.capture_id WHERE ac.article_id = ? ORDER BY c.fetched_at",
                (row["id"],),
            )
        ]
        history = [
            Listing(**h)
            for h in self.db.execute(
                "SELECT s.id AS snapshot, s.first_seen, s.last_seen, s.sightings, e.rank FROM snapshot_entries e "
                "JOIN snapshots s ON s.id = e.snapshot_id WHERE e.url = ? ORDER BY s.first_seen",
                (row["url"],),
            )
        ]
        return ArticleHistory(row["url"], row["first_captured"], row["last_captured"], revisions, captures, history)

    def repeated_revisions(self) -> int:
        """Revisions with the same content as another of their article's: none in a sound archive."""
        return self.db.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM revisions "
            "GROUP BY article_id, content_hash)"
        ).fetchone()[0]

    def articles_by_year(self) -> list[tuple[str, int]]:
        """(year of publication, articles), oldest first; undated articles left out."""
        return [
            tuple(row)
            for row in self.db.execute(
                "SELECT substr(published_utc, 1, 4), count(*) FROM articles WHERE published_utc IS NOT NULL "
                "GROUP BY 1 ORDER BY 1"
            )
        ]

    def articles_by_section(self) -> list[tuple[str | None, int]]:
        """(section, articles), the largest first."""
        return [
            tuple(row) for row in self.db.execute("SELECT section, count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC")
        ]

    def articles_by_era(self) -> list[tuple[str | None, int]]:
        """(template era of the current record, articles)."""
        return [
            tuple(row)
            for row in self.db.execute(
                "SELECT json_extract(r.record, '$.era'), count(*) FROM articles a JOIN revisions r "
                "ON r.article_id = a.id AND r.number = a.current_revision GROUP BY 1"
            )
        ]

    def provisional_count(self) -> int:
        """Articles whose current record is provisional, read by the generic extractor whole or in
        part (a record stored before the flag existed is not)."""
        return self.db.execute(
            "SELECT count(*) FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision "
            "WHERE json_extract(r.record, '$.provisional')"
        ).fetchone()[0]

    # -- captures -------------------------------------------------------------------------

    def stored_capture(self, capture_id: int) -> StoredCapture | None:
        if not 0 < capture_id < SQLITE_INTEGERS:  # no capture has a number SQLite cannot hold
            return None
        row = self.db.execute(f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE id = ?", (capture_id,)).fetchone()
        return stored_capture_of(row) if row else None

    def capture_tally(self) -> list[tuple[str, int, int]]:
        """(kind, HTTP status, captures) of every kind and status met, the most common first."""
        return [
            tuple(row)
            for row in self.db.execute(
                "SELECT kind, status, count(*) FROM captures GROUP BY kind, status ORDER BY 3 DESC"
            )
        ]

    def capture_bytes(self) -> int:
        """The size of every response body captured, added up."""
        return self.db.execute("SELECT coalesce(sum(size), 0) FROM captures").fetchone()[0]

    def withheld(self) -> Withheld:
        """What the archive withholds, as a matcher of addresses."""
        return Withheld(
            Exclusion(row["address"], row["key"], bool(row["prefix"]), row["reason"], row["decided"], row["added_at"])
            for row in self.db.execute("SELECT * FROM exclusions ORDER BY added_at, key")
        )

    def withheld_article_count(self) -> int:
        """How many of the articles the archive holds it withholds (archive.exclusions)."""
        withheld = self.withheld()
        if not withheld:
            return 0
        return sum(1 for url in self.article_urls() if withheld.of(url))

    def warc_files(self) -> list[str]:
        """Every WARC file a capture lies in (relative to the WARC folder), in order."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT warc_file FROM captures ORDER BY warc_file")]

    def article_capture_pages(self) -> Iterator[tuple[str, str, str | None]]:
        """(address as fetched, capture time, headline then) of every article capture answered
        200, oldest first."""
        yield from self.db.execute(
            "SELECT c.url, c.fetched_at, json_extract(r.record, '$.headline') FROM article_captures ac "
            "JOIN captures c ON c.id = ac.capture_id "
            "JOIN revisions r ON r.article_id = ac.article_id AND r.number = ac.revision "
            "WHERE c.status = 200 ORDER BY c.fetched_at, c.id"
        )

    def capture_near(self, address: str, moment: datetime) -> StoredCapture | None:
        """The capture of `address` (whichever host it was fetched from) answered 200 that a
        replay of `moment` shows: the latest taken by then, else the first taken after."""
        key, at = address_key(address), utc(moment)
        for comparison, order in (("<=", "DESC"), (">", "ASC")):
            row = self.db.execute(
                f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE address = ? AND status = 200 "
                f"AND fetched_at {comparison} ? ORDER BY fetched_at {order}, id {order} LIMIT 1",
                (key, at),
            ).fetchone()
            if row is not None:
                return stored_capture_of(row)
        return None

    def captures_of_article(self, url: str) -> list[StoredCapture]:
        """The captures of one article, oldest first, with where their raw copies lie."""
        return [
            stored_capture_of(row)
            for row in self.db.execute(
                f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE id IN (SELECT ac.capture_id FROM articles a "
                "JOIN article_captures ac ON ac.article_id = a.id WHERE a.url = ?) ORDER BY fetched_at, id",
                (url,),
            )
        ]

    # -- Most viewed ----------------------------------------------------------------------

    def list_entries(self, urls: set[str] | None = None) -> list[ListEntry]:
        """Every entry of every Most viewed snapshot (of the articles at `urls`, or all)."""
        rows = self.db.execute(
            "SELECT e.url, e.rank, s.first_seen, s.last_seen FROM snapshot_entries e "
            "JOIN snapshots s ON s.id = e.snapshot_id"
        )
        return [
            ListEntry(url, rank, parse_utc(first), parse_utc(last))
            for url, rank, first, last in rows
            if urls is None or url in urls
        ]

    def listed_articles(
        self, start: datetime | None, end: datetime | None, site: str | None = None
    ) -> list[ListedArticle]:
        """Every Most viewed entry whose list (of `site`, or of any paper) was up at some time
        within [start, end] (either open), with its article's headline and current record."""
        rows = self.db.execute(
            "SELECT e.url, e.rank, s.first_seen, s.last_seen, a.headline, r.record FROM snapshot_entries e "
            "JOIN snapshots s ON s.id = e.snapshot_id LEFT JOIN articles a ON a.url = e.url "
            "LEFT JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision "
            "WHERE ? IS NULL OR s.site = ?",
            (site, site),
        )
        records: dict[str, dict | None] = {}  # each article's record read once, however often it was listed
        listed = []
        for url, rank, first_seen, last_seen, headline, record in rows:
            first, last = parse_utc(first_seen), parse_utc(last_seen)
            if (start and last < start) or (end and first > end):
                continue
            if url not in records:
                records[url] = stored_record(record) if record else None
            listed.append(ListedArticle(url, rank, first, last, headline, records[url]))
        return listed

    def listed_url_count(self) -> int:
        """How many distinct addresses a Most viewed list ever named."""
        return self.db.execute("SELECT count(DISTINCT url) FROM snapshot_entries").fetchone()[0]

    def sightings(self, site: str | None = None) -> list[Sighting]:
        """Every snapshot's period (of `site`'s lists, or of every paper's), oldest first."""
        return [
            Sighting(**row)
            for row in self.db.execute(
                "SELECT id, site, first_seen, last_seen, sightings FROM snapshots WHERE ? IS NULL OR site = ? "
                "ORDER BY first_seen",
                (site, site),
            )
        ]

    def snapshot_at(self, moment: datetime, site: str | None = None) -> ShownSnapshot | None:
        """The list (of `site`, or of any paper) that was up at `moment`: the latest snapshot
        first seen by then (within its second)."""
        row = self.db.execute(
            "SELECT id, site, list_hash, first_seen, last_seen, sightings, page_url, capture_id, run_id "
            "FROM snapshots WHERE first_seen <= ? AND (? IS NULL OR site = ?) ORDER BY first_seen DESC LIMIT 1",
            (utc_second_end(moment), site, site),
        ).fetchone()
        if row is None:
            return None
        entries = [
            ShownEntry(**e)
            for e in self.db.execute(
                "SELECT e.rank, e.url, e.title, e.teaser, a.headline FROM snapshot_entries e LEFT JOIN articles a "
                "ON a.url = e.url WHERE e.snapshot_id = ? ORDER BY e.rank",
                (row["id"],),
            )
        ]
        return ShownSnapshot(**row, entries=entries)

    def snapshot_lists(self) -> list[dict]:
        """Every snapshot with its entries, oldest first."""
        snapshots = []
        for row in self.db.execute("SELECT * FROM snapshots ORDER BY first_seen, id").fetchall():
            entries = self.db.execute(
                "SELECT rank, url, title, teaser FROM snapshot_entries WHERE snapshot_id = ? ORDER BY rank",
                (row["id"],),
            ).fetchall()
            snapshots.append(dict(row) | {"entries": [dict(e) for e in entries]})
        return snapshots

    def snapshot_entries(self) -> Iterator[SnapshotEntry]:
        """Every entry of every Most viewed snapshot, oldest snapshot first, read as they are
        written out (an export of any size)."""
        for row in self.db.execute(
            "SELECT s.id AS snapshot_id, s.site, s.first_seen, s.last_seen, s.sightings, s.page_url, e.rank, e.url, "
            "e.title, e.teaser FROM snapshots s JOIN snapshot_entries e ON e.snapshot_id = s.id "
            "ORDER BY s.first_seen, s.id, e.rank"
        ):
            yield SnapshotEntry(**row)

    # -- the archive as a whole -----------------------------------------------------------

    def figures(self) -> dict:
        """What the archive holds, in the figures a bundle's manifest, an export's provenance
        and the about page cite: sites, counts and the span of publication dates."""
        db = self.db
        span = db.execute("SELECT min(published_utc), max(published_utc) FROM articles").fetchone()
        count = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("articles", "revisions", "snapshots", "snapshot_entries", "captures")
        }
        return {
            "sites": {r[0]: r[1] for r in db.execute("SELECT site, count(*) FROM articles GROUP BY 1 ORDER BY 1")},
            **count,
            "published_from": span[0],
            "published_to": span[1],
        }

    def snapshot_sites(self) -> list[str]:
        """The sites whose Most viewed lists the archive holds."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT site FROM snapshots ORDER BY site")]

    def paper_figures(self) -> list[dict]:
        """Each paper's figures, by site: articles (provisional ones among them), the span of
        their publication dates, their sections and its Most viewed snapshots."""
        db = self.db
        papers = {
            row["site"]: dict(row) | {"sections": {}, "snapshots": 0}
            for row in db.execute(
                "SELECT a.site, count(*) AS articles, coalesce(sum(json_extract(r.record, '$.provisional')), 0) "
                "AS provisional_articles, min(a.published_utc) AS published_from, max(a.published_utc) "
                "AS published_to FROM articles a JOIN revisions r ON r.article_id = a.id "
                "AND r.number = a.current_revision GROUP BY a.site ORDER BY a.site"
            )
        }
        for site, section, count in db.execute("SELECT site, section, count(*) FROM articles GROUP BY 1, 2"):
            papers[site]["sections"][section or "unknown"] = count
        for site, count in db.execute("SELECT site, count(*) FROM snapshots GROUP BY 1"):
            papers.setdefault(
                site,
                {"site": site, "articles": 0, "provisional_articles": 0, "published_from": None, "published_to": None}
                | {"sections": {}},
            )["snapshots"] = count
        return [papers[site] for site in sorted(papers)]

    def integrity(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    def quick_check(self) -> str:
        """SQLite's quick check (integrity() but for matching indexes to their tables, so cheap
        enough before every crawl): "ok", or its first complaint, on one line."""
        try:
            rows = self.db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as error:  # damage so bad that the check itself stops
            return str(error)
        complaints = [line for row in rows for line in row[0].splitlines() if line and not line.startswith("***")]
        return complaints[0] if complaints else "ok"
