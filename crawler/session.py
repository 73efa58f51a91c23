"""What the parts of one crawl share — the capture middleware, the pipeline and the spider:
the WARC writer, what the archive already knows, and where captures and parsed pages go.
Opened with the spider and closed with it (ArchiveExtension).

A crawl on one machine writes its own SQLite store (ArchiveSession); a worker of a
distributed crawl hands everything to the one ingester instead (crawler.cluster). The
setting NEWSARCHIVE_SESSION names the class, so the spider, the middleware and the pipeline
are the same in both."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object

from archive.health import flag_run
from archive.locks import FileLock
from archive.space import no_space, no_space_sentence, out_of_space
from archive.store import Capture, Ingested, Store, StoreError
from archive.warc import WarcLocation, WarcWriter
from crawler.items import PageItem
from crawler.options import recorded_arguments

if TYPE_CHECKING:
    from crawler.spiders.newspaper import NewspaperSpider

logger = logging.getLogger(__name__)
DISK_FULL = "disk_full"  # the close reason of a crawl stopped by a write that found no room
REDIS_LOST = "redis_lost"  # of a worker of a distributed crawl whose Redis server stopped answering
LARGEST_PAGE = 65536  # SQLite's largest page: how far past its files a failed store write reached
SESSION_ATTRIBUTE = "_newsarchive_session"  # a crawler's session, in an attribute Scrapy's Crawler does not declare


class HaltedError(Exception):
    """The crawl is stopping because what it writes can no longer be kept (no room on disk, no
    Redis server): what was being written is dropped, quietly, as everything after it is."""


class NoRoomError(HaltedError):
    """A write to the archive found no room."""


def store_reach(path: Path) -> int:
    """The size the store's write tried to reach: one page past the largest of its files."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
    return max((file.stat().st_size for file in files if file.exists()), default=0) + LARGEST_PAGE


def data_dir(settings_value: str | None) -> Path:
    """The one data folder: the setting, else $NEWSARCHIVE_DATA, else ./data."""
    return Path(settings_value or os.environ.get("NEWSARCHIVE_DATA") or "data")


class StoreLock(FileLock):
    """One writer of a data folder's store at a time — a crawl or the ingester of a
    distributed crawl — so that two crawls never fetch every page twice. The scheduler takes
    the lock for a job's crawl and hands it down (LOCK_FD_VARIABLE names the inherited
    descriptor), so that the lock is held from the moment the run is decided and no other
    crawl can slip in before the child starts."""

    # A dot, which no job name has, keeps it apart from the scheduler's locks/JOB.lock.
    FILE_NAME = "store.writer.lock"
    LOCK_FD_VARIABLE = "NEWSARCHIVE_STORE_LOCK_FD"

    def __init__(self, folder: Path):
        super().__init__(folder / "locks" / self.FILE_NAME)

    def acquire(self, note: str = "crawl", fd: int | None = None) -> bool:
        """Take the lock, or the one handed down, if nobody else holds it."""
        return super().acquire(note, self.inherited() if fd is None else fd)

    def inherited(self) -> int | None:
        """The descriptor of this very lock file handed down by the scheduler, if any."""
        text = os.environ.get(self.LOCK_FD_VARIABLE, "")
        try:
            given, mine = os.fstat(int(text)), os.stat(self.path)
        except (ValueError, OSError):
            return None
        return int(text) if (given.st_dev, given.st_ino) == (mine.st_dev, mine.st_ino) else None

    def who(self) -> str:
        """Who holds it: "a crawl (pid 123)", "an ingester (pid 456)"."""
        pid, role = self.holder()
        name = "an ingester" if role == "ingest" else "a crawl"
        return f"{name} (pid {pid})" if pid else name


def claim_store(folder: Path, role: str) -> StoreLock:
    """Before a crawl or an ingester writes anything: take the store's lock, then check the
    store, so that no run is written into a store that is already damaged (SQLite would go on
    writing into it without a word). The lock is held until it is released or the process
    ends. Raises StoreError with the one sentence to show."""
    lock = StoreLock(folder)
    if not lock.acquire(role):
        raise StoreError(f"{lock.who().capitalize()} is already writing the archive in {folder}; wait for it to end.")
    try:
        with Store(folder / "archive.sqlite3") as store:
            problem = store.quick_check()
    except StoreError:
        lock.release()
        raise
    if problem != "ok":
        lock.release()
        raise StoreError(
            f"The archive's store {store.path} fails SQLite's quick check ({problem}); restore it "
            "from a bundle or a backup before crawling."
        )
    return lock


def unfetched_sentence(count: int) -> str:
    """What a run that ends with articles it could not fetch says of them."""
    if count == 1:
        return "1 article it knows of could not be fetched; the next run asks for it first"
    return f"{count} articles it knows of could not be fetched; the next run asks for them first"


class CrawlSession:
    """Opened lazily by whichever part of the crawl needs it first."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.folder = data_dir(crawler.settings.get("NEWSARCHIVE_DATA_DIR"))
        self.max_warc_bytes = crawler.settings.getint("NEWSARCHIVE_WARC_MAX_BYTES")
        self.warc: WarcWriter | None = None
        self.halted: str | None = None  # the sentence saying why the crawl stopped, once something ran out
        self.halt_reason: str | None = None

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlSession:
        """The crawl's one session, of the class the NEWSARCHIVE_SESSION setting names."""
        session = getattr(crawler, SESSION_ATTRIBUTE, None)
        if session is None:
            session = load_object(crawler.settings.get("NEWSARCHIVE_SESSION") or ArchiveSession)(crawler)
            setattr(crawler, SESSION_ATTRIBUTE, session)
        return session

    def open_warc(self, prefix: str) -> None:
        self.warc = WarcWriter(self.folder / "warc", prefix, self.max_warc_bytes)

    def halt(self, reason: str, sentence: str, error: type[HaltedError]) -> HaltedError:
        """Stop the crawl (close reason `reason`) with one logged error, the first time; the
        error to raise, now and at every write after."""
        if self.halted is None:
            self.halted, self.halt_reason = sentence, reason
            logger.error("%s", sentence)
            self.crawler.stats.set_value("newsarchive/halted", sentence)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))
        return error(self.halted)

    @contextmanager
    def room(self, path: Path) -> Iterator[None]:
        """Around a write under `path` (a WARC file, the store). The first that finds no room —
        a full device, a file-size limit — stops the crawl with one logged error; it and every
        write after it raise NoRoomError, so that no response in flight adds a traceback or a record
        that lacks its capture."""
        if self.halt_reason == DISK_FULL:
            raise NoRoomError(self.halted)
        try:
            yield
        except (OSError, sqlite3.Error) as error:
            full = (
                no_space(error, path, store_reach(path))
                if isinstance(error, sqlite3.Error)
                else error
                if out_of_space(error)
                else None
            )
            if full is None:
                raise
            raise self.halt(DISK_FULL, no_space_sentence(path, full, "crawling"), NoRoomError) from None

    def write_warc(
        self,
        url: str,
        request_headers: list[tuple[str, str]],
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
    ) -> WarcLocation:
        """WarcWriter.write, within room()."""
        assert self.warc is not None
        with self.room(self.folder / "warc"):
            return self.warc.write(url, request_headers, status, response_headers, body, fetched_at)

    def close_warc(self) -> None:
        """The WARC file closed; after a write found no room its unwritten tail is given up."""
        if self.warc is None:
            return
        try:
            self.warc.close()
        except OSError as error:
            if self.halt_reason != DISK_FULL or not out_of_space(error):
                raise

    def known_addresses(self) -> set[str]:
        """Addresses (host left out) that lead to an article already archived."""
        raise NotImplementedError

    def known_requisites(self) -> set[str]:
        """Addresses (host left out) of the page requisites already archived."""
        raise NotImplementedError

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified of each archived article's latest capture, by address."""
        raise NotImplementedError

    def pending_addresses(self) -> list[str]:
        """Articles earlier runs could not fetch (host left out), to ask for first. A worker of
        a distributed crawl has none: they are kept only by a crawl that writes its own store."""
        return []

    def article_failed(self, url: str, error: str) -> None:
        """An article request failed for good (retries spent): remembered for the next run."""

    def article_gone(self, url: str) -> None:
        """The site says an article is not there (404, 410): no longer to be asked for."""

    def add_capture(self, capture: Capture) -> int | str:
        """Record one response; returns the capture's identity for the pages read from it."""
        raise NotImplementedError

    def ingest(self, item: PageItem) -> Ingested | None:
        """Hand over one parsed page; returns what it changed, when that is known here."""
        raise NotImplementedError

    def open_run(self, spider: NewspaperSpider) -> None:
        raise NotImplementedError

    def close_run(self, reason: str) -> None:
        raise NotImplementedError


class ArchiveSession(CrawlSession):
    """A crawl on one machine: the store is written by the crawl itself."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.store = Store(self.folder / "archive.sqlite3")
        self.run_id: int | None = None

    def known_addresses(self) -> set[str]:
        return self.store.known_addresses()

    def known_requisites(self) -> set[str]:
        return self.store.known_requisites()

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        return self.store.validators()

    def pending_addresses(self) -> list[str]:
        return self.store.pending_addresses()

    def article_failed(self, url: str, error: str) -> None:
        try:
            with self.room(self.store.path):
                self.store.mark_pending(url, error)
        except NoRoomError:
            pass  # the next run finds the article again

    def article_gone(self, url: str) -> None:
        try:
            with self.room(self.store.path):
                self.store.settle_pending(url)
        except NoRoomError:
            pass  # the next run asks once more and is told again

    def add_capture(self, capture: Capture) -> int:
        with self.room(self.store.path):
            return self.store.add_capture(self.run_id, capture)

    def ingest(self, item: PageItem) -> Ingested:
        capture_id = cast(int | None, item.capture_id)  # what this session's add_capture returned
        with self.room(self.store.path):
            return self.store.ingest(item.page, capture_id, item.fetched_at, self.run_id, item.addresses)

    def open_run(self, spider: NewspaperSpider) -> None:
        job = self.crawler.settings.get("NEWSARCHIVE_JOB") or "crawl"
        self.run_id = self.store.start_run(spider.site.NAME, spider.base_url, recorded_arguments(spider), job)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.open_warc(f"{spider.site.NAME}-{stamp}-run{self.run_id}")
        logger.info("crawl run %d: archive in %s", self.run_id, self.folder)

    def close_run(self, reason: str) -> None:
        self.close_warc()
        if self.run_id is not None:
            unfetched = self.store.unfetched()
            self.crawler.stats.set_value("newsarchive/unfetched", unfetched)
            stats = {k.replace("/", "_"): v for k, v in (self.crawler.stats.get_stats() or {}).items()}
            if self.halted is not None:
                self.fail_run(stats)
            else:
                self.record_run(reason, stats, unfetched)
        self.store.close()

    def record_run(self, reason: str, stats: dict, unfetched: int) -> None:
        """The run's status and figures, and what looks wrong with them."""
        assert self.run_id is not None
        status = "finished" if reason in ("finished", "max_articles") else reason
        self.store.finish_run(self.run_id, status, stats)
        for flag in flag_run(self.store, self.run_id):
            logger.warning("crawl run %d: %s", self.run_id, flag)
        run = self.store.run(self.run_id)
        logger.info(
            "crawl run %d %s: %d pages, %d new articles, %d new revisions, %d unchanged, "
            "%d new snapshots, %d warnings, %d errors, %d unfetched",
            self.run_id,
            status,
            run.pages,
            run.new_articles,
            run.new_revisions,
            run.unchanged,
            run.snapshots,
            run.warnings,
            run.errors,
            unfetched,
        )
        if unfetched:
            logger.warning("crawl run %d: %s", self.run_id, unfetched_sentence(unfetched))

    def fail_run(self, stats: dict) -> None:
        """Record the run as failed, saying what ran out. The write-ahead log, where a store
        write that found no room failed, is checkpointed first so that these few rows can
        reuse it; if even they find no room the run stays 'running' and the next run marks
        it interrupted."""
        assert self.run_id is not None and self.halted is not None
        try:
            self.store.checkpoint()
            with self.store.transaction():
                self.store.finish_run(self.run_id, "failed", stats)
                self.store.annotate_run(self.run_id, note=self.halted)
        except (OSError, sqlite3.Error) as error:
            logger.warning("crawl run %d could not be recorded as failed: %s", self.run_id, error)
        else:
            logger.info("crawl run %d failed: %s", self.run_id, self.halted)


class ArchiveExtension:
    """Records the crawl run: started with the spider, its figures written when it closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    def spider_opened(self, spider: NewspaperSpider) -> None:
        CrawlSession.of(self.crawler).open_run(spider)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        CrawlSession.of(self.crawler).close_run(reason)
