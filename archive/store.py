"""The archive of record, in SQLite: captures, articles with their revisions, Most viewed
snapshots, crawl runs.

Every change that belongs together is one transaction, so a process killed at any moment
leaves the store as it was before or after a page, never half-way. The schema is versioned
(PRAGMA user_version) and migrated forward on open.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from archive.exclusions import Exclusion, exclusion_key
from archive.model import Article, MostViewedSnapshot, ParsedPage
from archive.processes import pid_alive
from archive.queries import CAPTURE_COLUMNS, ArchiveQueries, stored_capture_of
from archive.read_model import StoredCapture
from archive.run_queries import RunQueries
from archive.times import parse_utc, utc
from archive.urls import address_key

REHASH_BATCH = 1000


def rehash_revisions(db: sqlite3.Connection) -> None:
    """Recompute every revision's content_hash from its stored record, so that a store written
    when the hash covered fewer fields does not see a change in the next capture of an
    unchanged article. Read in batches by id, as rows are rewritten meanwhile."""
    last = 0
    while rows := db.execute(
        "SELECT id, record FROM revisions WHERE id > ? ORDER BY id LIMIT ?", (last, REHASH_BATCH)
    ).fetchall():
        db.executemany(
            "UPDATE revisions SET content_hash = ? WHERE id = ?",
            [(content_hash(Article.from_dict(json.loads(row[1]))), row[0]) for row in rows],
        )
        last = rows[-1][0]


def address_captures(db: sqlite3.Connection) -> None:
    """Captures gain where a web archive's copy came from (archive_address: an address of the
    archive's; its capture time is the capture's fetched_at) and their own address with the host
    left out (address, filled in here), so that a replay finds a page's photo or stylesheet
    whichever host it was fetched from."""
    present = {row[1] for row in db.execute("PRAGMA table_info(captures)")}
    for column in ("archive_address", "address"):
        if column not in present:  # a store put back to an older schema by hand keeps its columns
            db.execute(f"ALTER TABLE captures ADD COLUMN {column} TEXT")
    last = 0
    while rows := db.execute(
        "SELECT id, url FROM captures WHERE id > ? ORDER BY id LIMIT ?", (last, REHASH_BATCH)
    ).fetchall():
        db.executemany("UPDATE captures SET address = ? WHERE id = ?", [(address_key(url), n) for n, url in rows])
        last = rows[-1][0]
    db.execute("CREATE INDEX IF NOT EXISTS captures_by_address ON captures(address, fetched_at)")


Migration = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE crawl_runs (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        job TEXT NOT NULL DEFAULT 'crawl',
        base_url TEXT,
        pid INTEGER,
        arguments TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL,
        pages INTEGER NOT NULL DEFAULT 0,
        new_articles INTEGER NOT NULL DEFAULT 0,
        new_revisions INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        snapshots INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        stats TEXT
    );
    CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES crawl_runs(id),
        url TEXT NOT NULL,
        via TEXT NOT NULL DEFAULT '[]',
        status INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        content_type TEXT,
        kind TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT,
        last_modified TEXT,
        warc_file TEXT NOT NULL,
        warc_offset INTEGER NOT NULL,
        warc_record_id TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        site TEXT NOT NULL,
        first_captured TEXT NOT NULL,
        last_captured TEXT NOT NULL,
        current_revision INTEGER NOT NULL,
        headline TEXT,
        published_utc TEXT,
        section TEXT,
        language TEXT
    );
    CREATE TABLE revisions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        number INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        captured_at TEXT NOT NULL,
        capture_id INTEGER REFERENCES captures(id),
        record TEXT NOT NULL,
        UNIQUE (article_id, number)
    );
    CREATE TABLE article_captures (
        capture_id INTEGER PRIMARY KEY REFERENCES captures(id),
        article_id INTEGER NOT NULL REFERENCES articles(id),
        revision INTEGER NOT NULL
    );
    CREATE TABLE aliases (
        address TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id)
    );
    CREATE TABLE redirects (
        address TEXT PRIMARY KEY,
        target TEXT NOT NULL
    );
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        list_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        sightings INTEGER NOT NULL,
        page_url TEXT NOT NULL,
        capture_id INTEGER REFERENCES captures(id),
        run_id INTEGER REFERENCES crawl_runs(id)
    );
    CREATE TABLE snapshot_entries (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        rank INTEGER NOT NULL,
        url TEXT NOT NULL,
        title TEXT,
        teaser TEXT,
        PRIMARY KEY (snapshot_id, rank)
    );
    CREATE TABLE warnings (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES crawl_runs(id),
        capture_id INTEGER REFERENCES captures(id),
        url TEXT,
        message TEXT NOT NULL
    );
    CREATE INDEX captures_by_run ON captures(run_id);
    CREATE INDEX revisions_by_article ON revisions(article_id, number);
    CREATE INDEX snapshots_by_hash ON snapshots(site, list_hash, last_seen);
    CREATE INDEX snapshots_by_time ON snapshots(site, first_seen);
    CREATE INDEX warnings_by_run ON warnings(run_id);
    """,
    # Runs: what looked wrong (flags, a JSON list of sentences), how many articles the index
    # step took in, and why a step failed. Captures found by record id (distributed ingest).
    """
    ALTER TABLE crawl_runs ADD COLUMN flags TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE crawl_runs ADD COLUMN indexed INTEGER;
    ALTER TABLE crawl_runs ADD COLUMN note TEXT;
    CREATE INDEX runs_by_job ON crawl_runs(job, started_at);
    CREATE INDEX captures_by_record ON captures(warc_record_id);
    """,
    # content_hash covers every field of the record but the fetch's own (it covered headline and body)
    rehash_revisions,
    # Articles a run asked for but could not fetch (retries spent): the next run asks for them
    # first. Addresses with the host left out, as in aliases.
    """
    CREATE TABLE IF NOT EXISTS pending_articles (
        address TEXT PRIMARY KEY,
        first_failed TEXT NOT NULL,
        last_failed TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        last_error TEXT
    );
    """,
    # What each worker process of a distributed crawl sent and what of it was stored, kept in
    # the transaction that stores each message (archive.ledger).
    """
    CREATE TABLE IF NOT EXISTS cluster_senders (
        sender TEXT PRIMARY KEY,
        crawl_id TEXT NOT NULL,
        round TEXT NOT NULL,
        worker TEXT NOT NULL,
        stored INTEGER NOT NULL DEFAULT 0,
        highest INTEGER NOT NULL DEFAULT 0,
        lost INTEGER NOT NULL DEFAULT 0,
        repeated INTEGER NOT NULL DEFAULT 0,
        report TEXT NOT NULL DEFAULT '{}',
        closed_run INTEGER REFERENCES crawl_runs(id)
    );
    CREATE INDEX IF NOT EXISTS cluster_senders_by_round ON cluster_senders(round);
    """,
    # content_hash leaves empty fields out
    rehash_revisions,
    address_captures,
    # What the archive withholds (archive.exclusions): addresses or prefixes, why, since when.
    """
    CREATE TABLE IF NOT EXISTS exclusions (
        key TEXT NOT NULL,
        prefix INTEGER NOT NULL,
        address TEXT NOT NULL,
        reason TEXT NOT NULL,
        decided TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (key, prefix)
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
RUN_COUNTERS = ("pages", "new_articles", "new_revisions", "unchanged", "snapshots", "warnings", "errors")


class StoreError(Exception):
    """The store cannot be used (too new, not a store); the text says why in one sentence."""


FETCH_FIELDS = frozenset({"fetched_url", "fetched_at", "warnings"})


def content_hash(article: Article) -> str:
    """What counts as a change worth a revision: any field of the record but FETCH_FIELDS. Those
    say where a page was fetched from, when, and what went wrong reading it; they differ between
    two captures of the same version, and a revision is a change of the article, not of a fetch.
    An empty field (a flag that is off too: provisional false) counts as no field, so that a field
    the record gains later, which older pages leave empty, does not make every article look
    changed. A provisional reading does count: when a template learns the page, its reading
    becomes a revision of its own even if every other field came out the same."""
    fields = {
        name: value
        for name, value in article.to_dict().items()
        if name not in FETCH_FIELDS and value is not False and value not in (None, "", [], {})
    }
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def list_hash(snapshot: MostViewedSnapshot) -> str:
    text = json.dumps([[e.rank, e.url, e.title] for e in snapshot.entries], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The row id of the INSERT `cursor` has just run."""
    return cast(int, cursor.lastrowid)  # None only on a cursor that has run no INSERT


@dataclass
class Capture:
    """One response as the crawler saw it, and where its raw copy lies (`location`: where a
    redirect pointed)."""

    url: str
    status: int
    fetched_at: datetime
    kind: str
    size: int
    warc_file: str
    warc_offset: int
    warc_record_id: str
    via: tuple[str, ...] = ()
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None
    archive_address: str | None = None  # a web archive's address the capture was fetched from


@dataclass
class Ingested:
    """What one page changed in the archive."""

    article: str | None = None  # "new", "revised", "unchanged"
    snapshot: str | None = None  # "new", "seen again"


class Store(ArchiveQueries, RunQueries):
    """One SQLite file; use as a context manager or call close(). Its read side for the pages,
    the indexer, exports, the scheduler and the benchmarks is archive.queries and
    archive.run_queries."""

    def __init__(self, path: Path, snapshot_gap: timedelta = timedelta(minutes=60), read_only: bool = False):
        self.path = path
        self.snapshot_gap = snapshot_gap
        if read_only:
            self._open_read_only()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as error:
            self.db.close()
            raise StoreError(f"{path} is not an archive store ({error}).") from None

    def _open_read_only(self) -> None:
        """Opened so that SQLite itself refuses every write (a served bundle, a backup source);
        such a store is not migrated: an older one is read as it is."""
        try:
            self.db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30
            )
            self.db.row_factory = sqlite3.Row
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not an archive store ({error}).") from None
        if version > SCHEMA_VERSION:
            self.db.close()
            raise StoreError(
                f"{self.path} was written by a newer version (schema {version}, this one knows {SCHEMA_VERSION})."
            )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def backup_to(self, target: Path) -> None:
        """A consistent copy of this store (a live one too) in `target`, in rollback-journal mode
        so that the one file is whole. SQLite's errors (sqlite3.OperationalError: a full disk) pass."""
        copy = sqlite3.connect(target)
        try:
            self.db.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()

    def checkpoint(self) -> None:
        """Move the write-ahead log into the store and start it over, so that its room is used
        again: what a run that found no room for a write does before it records its end."""
        self.db.execute("PRAGMA wal_checkpoint(RESTART)")

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer version (schema {version}, this one knows {SCHEMA_VERSION})."
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                self._apply(MIGRATIONS[number])
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    def _apply(self, migration: Migration) -> None:
        """One step: SQL statements, or a function for what SQL alone cannot compute."""
        if callable(migration):
            migration(self.db)
            return
        for statement in migration.split(";"):
            if statement.strip():
                self.db.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error. Inside another transaction it is a
        SAVEPOINT, so that a whole rebuild (reparse) can be one transaction made of the same steps."""
        if self.db.in_transaction:
            self.db.execute("SAVEPOINT step")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK TO step")
                self.db.execute("RELEASE step")
                raise
            self.db.execute("RELEASE step")
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- crawl runs ---------------------------------------------------------------------

    def start_run(self, site: str, base_url: str | None, arguments: dict, job: str = "crawl") -> int:
        """Record a new run (`base_url` None: a distributed crawl's, whose workers each say
        theirs); runs left 'running' by a process that no longer exists are marked
        'interrupted' first."""
        with self.transaction():
            for row in self.db.execute("SELECT id, pid FROM crawl_runs WHERE status = 'running'").fetchall():
                if not pid_alive(row["pid"]):
                    self.db.execute("UPDATE crawl_runs SET status = 'interrupted' WHERE id = ?", (row["id"],))
            cursor = self.db.execute(
                "INSERT INTO crawl_runs (site, job, base_url, pid, arguments, started_at, status) "
                "VALUES (?, ?, ?, ?, ?, ?, 'running')",
                (site, job, base_url, os.getpid(), json.dumps(arguments), utc(datetime.now(UTC))),
            )
            return inserted_id(cursor)

    def finish_run(self, run_id: int, status: str, stats: dict) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE crawl_runs SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                (utc(datetime.now(UTC)), status, json.dumps(stats, default=str), run_id),
            )

    def annotate_run(self, run_id: int, **values: object) -> None:
        """Set what was learnt after the crawl: flags (a list of sentences), indexed, note."""
        allowed = {"flags", "indexed", "note"}
        assert values and set(values) <= allowed
        if "flags" in values:
            values["flags"] = json.dumps(values["flags"])
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self.transaction():
            self.db.execute(f"UPDATE crawl_runs SET {assignments} WHERE id = ?", (*values.values(), run_id))

    def count(self, run_id: int | None, counter: str, by: int = 1) -> None:
        """Add to a run's figures; nothing for no run (None)."""
        if run_id is not None and by:
            assert counter in RUN_COUNTERS
            self.db.execute(f"UPDATE crawl_runs SET {counter} = {counter} + ? WHERE id = ?", (by, run_id))

    # -- captures -----------------------------------------------------------------------

    def add_capture(self, run_id: int | None, capture: Capture) -> int:
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO captures (run_id, url, via, status, fetched_at, content_type, kind, size, etag, "
                "last_modified, warc_file, warc_offset, warc_record_id, archive_address, address) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    capture.url,
                    json.dumps(list(capture.via)),
                    capture.status,
                    utc(capture.fetched_at),
                    capture.content_type,
                    capture.kind,
                    capture.size,
                    capture.etag,
                    capture.last_modified,
                    capture.warc_file,
                    capture.warc_offset,
                    capture.warc_record_id,
                    capture.archive_address,
                    address_key(capture.url),
                ),
            )
            if capture.location and 300 <= capture.status < 400:
                self.db.execute(
                    "INSERT OR REPLACE INTO redirects (address, target) VALUES (?, ?)",
                    (address_key(capture.url), address_key(capture.location)),
                )
            self.count(run_id, "pages")
            if capture.status >= 400 and capture.status not in (404, 410):
                self.count(run_id, "errors")
            return inserted_id(cursor)

    def capture_id(self, warc_record_id: str) -> int | None:
        """The capture whose response is WARC record `warc_record_id`: how the pages of a
        distributed crawl, parsed on other machines, name the capture they came from."""
        row = self.db.execute("SELECT id FROM captures WHERE warc_record_id = ?", (warc_record_id,)).fetchone()
        return row[0] if row else None

    def captures(self, kinds: tuple[str, ...] = ("article", "listing", "other")) -> list[StoredCapture]:
        marks = ",".join("?" * len(kinds))
        return [
            stored_capture_of(row)
            for row in self.db.execute(
                f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE kind IN ({marks}) ORDER BY id", kinds
            )
        ]

    # -- what the crawler needs to know before fetching ----------------------------------

    def known_addresses(self) -> set[str]:
        """Every fetched address (host left out) that led to a stored article, directly or
        through redirects the archive has seen."""
        known = {row[0] for row in self.db.execute("SELECT address FROM aliases")}
        redirects = dict(self.db.execute("SELECT address, target FROM redirects").fetchall())
        for address in redirects:
            target, hops = address, 0
            while target in redirects and hops < 10:
                target, hops = redirects[target], hops + 1
            if target in known:
                known.add(address)
        return known

    def add_exclusion(self, address: str, prefix: bool, reason: str, decided: str) -> Exclusion:
        """Withhold an address (or every address under a prefix); an entry for the same one is
        replaced, its reason and day with it."""
        entry = Exclusion(address, exclusion_key(address, prefix), prefix, reason, decided, utc(datetime.now(UTC)))
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO exclusions (key, prefix, address, reason, decided, added_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (entry.key, int(prefix), address, reason, decided, entry.added_at),
            )
        return entry

    def remove_exclusion(self, address: str, prefix: bool) -> bool:
        """Stop withholding; whether there was such an entry."""
        with self.transaction() as db:
            cursor = db.execute(
                "DELETE FROM exclusions WHERE key = ? AND prefix = ?", (exclusion_key(address, prefix), int(prefix))
            )
        return cursor.rowcount > 0

    def withheld_captures(self) -> tuple[list[StoredCapture], list[int]]:
        """What a purge deletes: the captures of withheld addresses or of withheld articles
        (under any address they were fetched from), and the withheld articles' ids."""
        withheld = self.withheld()
        articles = [row[0] for row in self.db.execute("SELECT id, url FROM articles") if withheld.of(row[1])]
        marks = ",".join("?" * len(articles))
        linked = (
            {
                row[0]
                for row in self.db.execute(
                    f"SELECT capture_id FROM article_captures WHERE article_id IN ({marks})", articles
                )
            }
            if articles
            else set()
        )
        captures = [
            stored_capture_of(row)
            for row in self.db.execute(f"SELECT {CAPTURE_COLUMNS} FROM captures ORDER BY id")
            if row["id"] in linked or withheld.of(row["url"])
        ]
        return captures, articles

    def forget_withheld(self, capture_ids: list[int], article_ids: list[int]) -> None:
        """Delete the purged articles (revisions, aliases, links to captures) and captures."""
        with self.transaction() as db:
            for article in article_ids:
                for table in ("revisions", "aliases", "article_captures"):
                    db.execute(f"DELETE FROM {table} WHERE article_id = ?", (article,))
                db.execute("DELETE FROM articles WHERE id = ?", (article,))
            for capture in capture_ids:
                db.execute("DELETE FROM article_captures WHERE capture_id = ?", (capture,))
                db.execute("UPDATE snapshots SET capture_id = NULL WHERE capture_id = ?", (capture,))
                db.execute("UPDATE revisions SET capture_id = NULL WHERE capture_id = ?", (capture,))
                db.execute("DELETE FROM warnings WHERE capture_id = ?", (capture,))
                db.execute("DELETE FROM captures WHERE id = ?", (capture,))

    def move_records(self, warc_file: str, into: str, moved: dict[int, int]) -> None:
        """The records of `warc_file` kept by a purge now lie in `into`, at other offsets."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE captures SET warc_file = ?, warc_offset = ? WHERE warc_file = ? AND warc_offset = ?",
                [(into, new, warc_file, old) for old, new in moved.items()],
            )

    def known_requisites(self) -> set[str]:
        """The address (host left out) of every page requisite stored whole (answered 200)."""
        return {
            row[0] for row in self.db.execute("SELECT address FROM captures WHERE kind = 'requisite' AND status = 200")
        }

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified of the latest capture of every stored article, by address."""
        rows = self.db.execute(
            "SELECT a.address, c.etag, c.last_modified FROM aliases a JOIN article_captures ac "
            "ON ac.article_id = a.article_id JOIN captures c ON c.id = ac.capture_id "
            "WHERE c.etag IS NOT NULL OR c.last_modified IS NOT NULL ORDER BY c.id"
        )
        return {row["address"]: (row["etag"], row["last_modified"]) for row in rows}

    def pending_addresses(self) -> list[str]:
        """Articles earlier runs asked for and could not fetch, those failed first first."""
        return [
            row[0] for row in self.db.execute("SELECT address FROM pending_articles ORDER BY first_failed, address")
        ]

    def mark_pending(self, url: str, error: str) -> None:
        """An article request failed for good in this run: keep it for the next one."""
        when = utc(datetime.now(UTC))
        with self.transaction():
            self.db.execute(
                "INSERT INTO pending_articles (address, first_failed, last_failed, attempts, last_error) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT (address) DO UPDATE SET last_failed = excluded.last_failed, "
                "attempts = attempts + 1, last_error = excluded.last_error",
                (address_key(url), when, when, error),
            )

    def settle_pending(self, url: str) -> None:
        """An article the site now says is gone (404, 410) is no longer waited for."""
        with self.transaction():
            self.db.execute("DELETE FROM pending_articles WHERE address = ?", (address_key(url),))

    def unfetched(self) -> int:
        """How many pending articles are still missing; those that an address now known leads
        to (stored under another address, or through a redirect) are dropped first."""
        known = self.known_addresses()
        with self.transaction():
            self.db.executemany(
                "DELETE FROM pending_articles WHERE address = ?",
                [(address,) for address in self.pending_addresses() if address in known],
            )
        return self.db.execute("SELECT count(*) FROM pending_articles").fetchone()[0]

    # -- ingest: one parsed page into the archive ----------------------------------------

    def ingest(
        self,
        page: ParsedPage,
        capture_id: int | None,
        captured_at: datetime,
        run_id: int | None,
        addresses: tuple[str, ...] = (),
        counted: bool = True,
    ) -> Ingested:
        """Store what one page says, in one transaction; `counted` adds it to the run's figures
        (a reparse rebuilds records without counting them again)."""
        result = Ingested()
        counted_run = run_id if counted else None
        with self.transaction():
            if page.article is not None:
                result.article = self._ingest_article(page.article, capture_id, captured_at, counted_run, addresses)
            if page.most_viewed is not None:
                result.snapshot = self._ingest_snapshot(page.most_viewed, capture_id, captured_at, run_id, counted_run)
            for warning in page.warnings:
                url = page.article.url if page.article else None
                self.db.execute(
                    "INSERT INTO warnings (run_id, capture_id, url, message) VALUES (?,?,?,?)",
                    (run_id, capture_id, url, warning),
                )
            self.count(counted_run, "warnings", len(page.warnings))
        return result

    def _ingest_article(
        self,
        article: Article,
        capture_id: int | None,
        captured_at: datetime,
        counted_run: int | None,
        addresses: tuple[str, ...],
    ) -> str:
        when = utc(captured_at)
        digest = content_hash(article)
        record = json.dumps(article.to_dict(), ensure_ascii=False)
        published = utc(datetime.fromisoformat(article.published)) if article.published else None
        row = self.db.execute("SELECT id, current_revision FROM articles WHERE url = ?", (article.url,)).fetchone()
        if row is None:
            article_id = inserted_id(
                self.db.execute(
                    "INSERT INTO articles (url, site, first_captured, last_captured, current_revision, headline, "
                    "published_utc, section, language) VALUES (?,?,?,?,1,?,?,?,?)",
                    (
                        article.url,
                        article.site,
                        when,
                        when,
                        article.headline,
                        published,
                        article.section,
                        article.language,
                    ),
                )
            )
            number, outcome = 1, "new"
        else:
            article_id, number = row["id"], row["current_revision"]
            current = self.db.execute(
                "SELECT content_hash FROM revisions WHERE article_id = ? AND number = ?", (article_id, number)
            ).fetchone()
            if current["content_hash"] == digest:
                outcome = "unchanged"
                self.db.execute(
                    "UPDATE articles SET last_captured = max(last_captured, ?) WHERE id = ?", (when, article_id)
                )
            else:
                number, outcome = number + 1, "revised"
                self.db.execute(
                    "UPDATE articles SET current_revision = ?, last_captured = max(last_captured, ?), headline = ?, "
                    "published_utc = ?, section = ?, language = ? WHERE id = ?",
                    (number, when, article.headline, published, article.section, article.language, article_id),
                )
        if outcome != "unchanged":
            self.db.execute(
                "INSERT INTO revisions (article_id, number, content_hash, captured_at, capture_id, record) "
                "VALUES (?,?,?,?,?,?)",
                (article_id, number, digest, when, capture_id, record),
            )
        if capture_id is not None:
            self.db.execute(
                "INSERT OR REPLACE INTO article_captures (capture_id, article_id, revision) VALUES (?,?,?)",
                (capture_id, article_id, number),
            )
        for address in addresses:
            self.db.execute(
                "INSERT OR IGNORE INTO aliases (address, article_id) VALUES (?, ?)", (address_key(address), article_id)
            )
            self.db.execute("DELETE FROM pending_articles WHERE address = ?", (address_key(address),))
        self.count(counted_run, {"new": "new_articles", "revised": "new_revisions", "unchanged": "unchanged"}[outcome])
        return outcome

    def _ingest_snapshot(
        self,
        snapshot: MostViewedSnapshot,
        capture_id: int | None,
        captured_at: datetime,
        run_id: int | None,
        counted_run: int | None,
    ) -> str:
        """One snapshot per distinct list while it stays up: a list seen again within the gap
        of its last sighting extends that snapshot instead of adding one."""
        digest = list_hash(snapshot)
        when = utc(captured_at)
        row = self.db.execute(
            "SELECT id, first_seen, last_seen FROM snapshots WHERE site = ? AND list_hash = ? "
            "ORDER BY last_seen DESC LIMIT 1",
            (snapshot.site, digest),
        ).fetchone()
        if row is not None:
            last, first = parse_utc(row["last_seen"]), parse_utc(row["first_seen"])
            if first - self.snapshot_gap <= captured_at <= last + self.snapshot_gap:
                self.db.execute(
                    "UPDATE snapshots SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?),"
                    " sightings = sightings + 1 WHERE id = ?",
                    (when, when, row["id"]),
                )
                return "seen again"
        snapshot_id = inserted_id(
            self.db.execute(
                "INSERT INTO snapshots (site, list_hash, first_seen, last_seen, sightings, page_url, capture_id, "
                "run_id) "
                "VALUES (?,?,?,?,1,?,?,?)",
                (snapshot.site, digest, when, when, snapshot.page_url, capture_id, run_id),
            )
        )
        self.db.executemany(
            "INSERT INTO snapshot_entries (snapshot_id, rank, url, title, teaser) VALUES (?,?,?,?,?)",
            [(snapshot_id, e.rank, e.url, e.title, e.teaser) for e in snapshot.entries],
        )
        self.count(counted_run, "snapshots")
        return "new"

    def capture_record_ids(self) -> set[str]:
        """The WARC record id of every capture, to recognise a capture already in the archive."""
        return {row[0] for row in self.db.execute("SELECT warc_record_id FROM captures")}

    def revision_like(self, article: Article) -> tuple[int, int] | None:
        """(article id, revision number) of a stored revision with the same content, if any."""
        row = self.db.execute(
            "SELECT a.id, r.number FROM articles a JOIN revisions r ON r.article_id = a.id "
            "WHERE a.url = ? AND r.content_hash = ? ORDER BY r.number LIMIT 1",
            (article.url, content_hash(article)),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def merge_capture(
        self,
        article_id: int,
        revision: int,
        capture_id: int,
        captured_at: datetime,
        run_id: int | None,
        addresses: tuple[str, ...] = (),
    ) -> None:
        """A capture of a revision the archive already has (one made elsewhere, perhaps earlier):
        linked to it, and the article's first capture and the revision's time moved back if it
        is older."""
        when = utc(captured_at)
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO article_captures (capture_id, article_id, revision) VALUES (?,?,?)",
                (capture_id, article_id, revision),
            )
            self.db.execute(
                "UPDATE articles SET first_captured = min(first_captured, ?), "
                "last_captured = max(last_captured, ?) WHERE id = ?",
                (when, when, article_id),
            )
            self.db.execute(
                "UPDATE revisions SET captured_at = ?, capture_id = ? WHERE article_id = ? AND number = ? "
                "AND captured_at > ?",
                (when, capture_id, article_id, revision, when),
            )
            for address in addresses:
                self.db.execute(
                    "INSERT OR IGNORE INTO aliases (address, article_id) VALUES (?, ?)",
                    (address_key(address), article_id),
                )
            self.count(run_id, "unchanged")

    def insert_earlier_revision(
        self,
        article: Article,
        capture_id: int,
        captured_at: datetime,
        run_id: int | None,
        addresses: tuple[str, ...] = (),
    ) -> bool:
        """A version captured (elsewhere) before the article's newest revision: put in its place
        in time, the later revisions renumbered after it, the current record unchanged. False
        when the article is not stored yet or the capture is not older than its newest revision."""
        when = utc(captured_at)
        with self.transaction():
            row = self.db.execute(
                "SELECT a.id, a.current_revision, r.captured_at FROM articles a JOIN revisions r "
                "ON r.article_id = a.id AND r.number = a.current_revision WHERE a.url = ?",
                (article.url,),
            ).fetchone()
            if row is None or row["captured_at"] <= when:
                return False
            article_id = row["id"]
            number = self.db.execute(
                "SELECT min(number) FROM revisions WHERE article_id = ? AND captured_at > ?", (article_id, when)
            ).fetchone()[0]
            for table, column in (("revisions", "number"), ("article_captures", "revision")):
                # two steps, so that no two revisions share a number on the way (UNIQUE)
                self.db.execute(
                    f"UPDATE {table} SET {column} = -({column} + 1) WHERE article_id = ? AND {column} >= ?",
                    (article_id, number),
                )
                self.db.execute(
                    f"UPDATE {table} SET {column} = -{column} WHERE article_id = ? AND {column} < 0", (article_id,)
                )
            self.db.execute(
                "INSERT INTO revisions (article_id, number, content_hash, captured_at, capture_id, record) "
                "VALUES (?,?,?,?,?,?)",
                (
                    article_id,
                    number,
                    content_hash(article),
                    when,
                    capture_id,
                    json.dumps(article.to_dict(), ensure_ascii=False),
                ),
            )
            self.db.execute(
                "INSERT OR REPLACE INTO article_captures (capture_id, article_id, revision) VALUES (?,?,?)",
                (capture_id, article_id, number),
            )
            self.db.execute(
                "UPDATE articles SET current_revision = current_revision + 1, "
                "first_captured = min(first_captured, ?) WHERE id = ?",
                (when, article_id),
            )
            for address in addresses:
                self.db.execute(
                    "INSERT OR IGNORE INTO aliases (address, article_id) VALUES (?, ?)",
                    (address_key(address), article_id),
                )
            self.count(run_id, "new_revisions")
        return True

    def first_capture_of(self, record_id: str) -> StoredCapture | None:
        """The capture a WARC record was first stored as."""
        row = self.db.execute(
            f"SELECT {CAPTURE_COLUMNS} FROM captures WHERE warc_record_id = ? ORDER BY id LIMIT 1", (record_id,)
        ).fetchone()
        return stored_capture_of(row) if row else None

    def repoint_capture(self, capture_id: int, run_id: int | None, capture: Capture) -> None:
        """A capture's raw copy is now `capture`'s (a complete copy in place of a damaged one)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE captures SET run_id = ?, kind = ?, size = ?, warc_file = ?, warc_offset = ?, "
                "content_type = ?, etag = ?, last_modified = ?, archive_address = ? WHERE id = ?",
                (
                    run_id,
                    capture.kind,
                    capture.size,
                    capture.warc_file,
                    capture.warc_offset,
                    capture.content_type,
                    capture.etag,
                    capture.last_modified,
                    capture.archive_address,
                    capture_id,
                ),
            )

    def forget_parse(self, capture_id: int) -> None:
        """Take out what a capture's parse put into the archive, so a complete copy can be parsed in
        its place: its warnings, a Most viewed sighting it made, its link to its article, and its
        revision unless another capture has that revision too (later ones renumbered, the article
        gone if nothing else is left of it). Run again after a kill, it takes out what the complete
        copy had put in so far, since that too is tied to the same capture."""
        with self.transaction() as db:
            db.execute("DELETE FROM warnings WHERE capture_id = ?", (capture_id,))
            sighted = db.execute("SELECT id, sightings FROM snapshots WHERE capture_id = ?", (capture_id,)).fetchall()
            for snapshot in sighted:
                if snapshot["sightings"] > 1:
                    db.execute("UPDATE snapshots SET sightings = sightings - 1 WHERE id = ?", (snapshot["id"],))
                else:
                    db.execute("DELETE FROM snapshot_entries WHERE snapshot_id = ?", (snapshot["id"],))
                    db.execute("DELETE FROM snapshots WHERE id = ?", (snapshot["id"],))
            link = db.execute(
                "SELECT article_id, revision FROM article_captures WHERE capture_id = ?", (capture_id,)
            ).fetchone()
            if link is None:
                return
            article_id, number = link
            db.execute("DELETE FROM article_captures WHERE capture_id = ?", (capture_id,))
            other = db.execute(
                "SELECT c.id, c.fetched_at FROM article_captures ac JOIN captures c "
                "ON c.id = ac.capture_id WHERE ac.article_id = ? AND ac.revision = ? "
                "ORDER BY c.fetched_at, c.id LIMIT 1",
                (article_id, number),
            ).fetchone()
            if other is not None:
                db.execute(
                    "UPDATE revisions SET capture_id = ?, captured_at = ? WHERE article_id = ? AND number = ? "
                    "AND capture_id = ?",
                    (other["id"], other["fetched_at"], article_id, number, capture_id),
                )
            else:
                db.execute("DELETE FROM revisions WHERE article_id = ? AND number = ?", (article_id, number))
                for table, column in (("revisions", "number"), ("article_captures", "revision")):
                    # two steps, so that no two revisions share a number on the way (UNIQUE)
                    db.execute(
                        f"UPDATE {table} SET {column} = -({column} - 1) WHERE article_id = ? AND {column} > ?",
                        (article_id, number),
                    )
                    db.execute(
                        f"UPDATE {table} SET {column} = -{column} WHERE article_id = ? AND {column} < 0", (article_id,)
                    )
                db.execute("UPDATE articles SET current_revision = current_revision - 1 WHERE id = ?", (article_id,))
            self._refresh_article(article_id)

    def _refresh_article(self, article_id: int) -> None:
        """The article's row again from its current revision and its captures, or the article gone
        if it has no revision left."""
        row = self.db.execute(
            "SELECT r.record FROM articles a JOIN revisions r ON r.article_id = a.id "
            "AND r.number = a.current_revision WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            self.db.execute("DELETE FROM aliases WHERE article_id = ?", (article_id,))
            self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            return
        article = Article.from_dict(json.loads(row["record"]))
        published = utc(datetime.fromisoformat(article.published)) if article.published else None
        first, last = self.db.execute(
            "SELECT min(t), max(t) FROM (SELECT captured_at AS t FROM revisions WHERE article_id = ? UNION ALL "
            "SELECT c.fetched_at FROM article_captures ac JOIN captures c ON c.id = ac.capture_id "
            "WHERE ac.article_id = ?)",
            (article_id, article_id),
        ).fetchone()
        self.db.execute(
            "UPDATE articles SET headline = ?, published_utc = ?, section = ?, language = ?, "
            "first_captured = ?, last_captured = ? WHERE id = ?",
            (article.headline, published, article.section, article.language, first, last, article_id),
        )

    def clear_derived(self) -> None:
        """Forget everything parsed from captures (for a reparse); captures and runs stay."""
        with self.transaction():
            for table in (
                "article_captures",
                "aliases",
                "revisions",
                "articles",
                "snapshot_entries",
                "snapshots",
                "warnings",
            ):  # redirects stay: they come from the captures themselves
                self.db.execute(f"DELETE FROM {table}")

    def keep_records_of(self, source: Store, captures: list[StoredCapture]) -> int:
        """After a rebuild (reparse) that could not read `captures`: what `source`, the store before
        it, derived from them, put back as it was in place of whatever was rebuilt without them —
        every article one of them belonged to (row, revisions, captures, addresses), every Most
        viewed snapshot whose span holds one of their times (the store does not say which list a
        page showed), and their parses' warnings. Returns how many articles were put back."""
        article_ids: set[int] = set()
        snapshot_ids: set[int] = set()
        for capture in captures:
            article_ids.update(
                row[0]
                for row in source.db.execute(
                    "SELECT article_id FROM article_captures WHERE capture_id = ?", (capture.id,)
                )
            )
            snapshot_ids.update(
                row[0]
                for row in source.db.execute(
                    "SELECT id FROM snapshots WHERE first_seen <= ? AND last_seen >= ?",
                    (capture.fetched_at, capture.fetched_at),
                )
            )
        with self.transaction():
            for article_id in sorted(article_ids):
                self._keep_article(
                    source, source.db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
                )
            for snapshot_id in sorted(snapshot_ids):
                self._keep_snapshot(
                    source, source.db.execute("SELECT * FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
                )
            for capture in captures:
                self.db.executemany(
                    "INSERT INTO warnings (run_id, capture_id, url, message) VALUES (?,?,?,?)",
                    [
                        tuple(row)
                        for row in source.db.execute(
                            "SELECT run_id, capture_id, url, message FROM warnings WHERE capture_id = ? ORDER BY id",
                            (capture.id,),
                        )
                    ],
                )
        return len(article_ids)

    def _keep_article(self, source: Store, old: sqlite3.Row) -> None:
        rebuilt = self.db.execute("SELECT id FROM articles WHERE url = ?", (old["url"],)).fetchone()
        if rebuilt is not None:
            for table in ("article_captures", "aliases", "revisions"):
                self.db.execute(f"DELETE FROM {table} WHERE article_id = ?", (rebuilt["id"],))
            self.db.execute("DELETE FROM articles WHERE id = ?", (rebuilt["id"],))
        article_id = inserted_id(
            self.db.execute(
                "INSERT INTO articles (url, site, first_captured, last_captured, current_revision, headline, "
                "published_utc, section, language) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    old["url"],
                    old["site"],
                    old["first_captured"],
                    old["last_captured"],
                    old["current_revision"],
                    old["headline"],
                    old["published_utc"],
                    old["section"],
                    old["language"],
                ),
            )
        )
        self.db.executemany(
            "INSERT INTO revisions (article_id, number, content_hash, captured_at, capture_id, record) "
            "VALUES (?,?,?,?,?,?)",
            [
                (article_id, *row)
                for row in source.db.execute(
                    "SELECT number, content_hash, captured_at, capture_id, record FROM revisions "
                    "WHERE article_id = ? ORDER BY number",
                    (old["id"],),
                )
            ],
        )
        # a capture read now that says it is another article stays linked to that one
        self.db.executemany(
            "INSERT OR IGNORE INTO article_captures (capture_id, article_id, revision) VALUES (?,?,?)",
            [
                (row[0], article_id, row[1])
                for row in source.db.execute(
                    "SELECT capture_id, revision FROM article_captures WHERE article_id = ?", (old["id"],)
                )
            ],
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO aliases (address, article_id) VALUES (?, ?)",
            [
                (row[0], article_id)
                for row in source.db.execute("SELECT address FROM aliases WHERE article_id = ?", (old["id"],))
            ],
        )

    def _keep_snapshot(self, source: Store, old: sqlite3.Row) -> None:
        """`old` in place of the rebuilt snapshots of the same list that overlap its span."""
        for row in self.db.execute(
            "SELECT id FROM snapshots WHERE site = ? AND list_hash = ? AND first_seen <= ? AND last_seen >= ?",
            (old["site"], old["list_hash"], old["last_seen"], old["first_seen"]),
        ).fetchall():
            self.db.execute("DELETE FROM snapshot_entries WHERE snapshot_id = ?", (row["id"],))
            self.db.execute("DELETE FROM snapshots WHERE id = ?", (row["id"],))
        snapshot_id = inserted_id(
            self.db.execute(
                "INSERT INTO snapshots (site, list_hash, first_seen, last_seen, sightings, page_url, capture_id, "
                "run_id) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (
                    old["site"],
                    old["list_hash"],
                    old["first_seen"],
                    old["last_seen"],
                    old["sightings"],
                    old["page_url"],
                    old["capture_id"],
                    old["run_id"],
                ),
            )
        )
        self.db.executemany(
            "INSERT INTO snapshot_entries (snapshot_id, rank, url, title, teaser) VALUES (?,?,?,?,?)",
            [
                (snapshot_id, *row)
                for row in source.db.execute(
                    "SELECT rank, url, title, teaser FROM snapshot_entries WHERE snapshot_id = ? ORDER BY rank",
                    (old["id"],),
                )
            ],
        )
