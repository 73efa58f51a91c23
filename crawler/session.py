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
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object

from archive.health import flag_run
from archive.locks import FileLock
from archive.store import Capture, Ingested, Store, StoreError
from archive.warc import WarcWriter

if TYPE_CHECKING:
    from crawler.spiders.newspaper import PageItem

logger = logging.getLogger(__name__)
SPIDER_ARGUMENTS = ("base_url", "since", "until", "sections", "max_articles", "refresh", "extra_urls", "discover",
                    "listing_pages")


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
        raise StoreError(f"{lock.who().capitalize()} is already writing the archive in {folder}; wait for it "
                         "to end.")
    try:
        with Store(folder / "archive.sqlite3") as store:
            problem = store.quick_check()
    except StoreError:
        lock.release()
        raise
    if problem != "ok":
        lock.release()
        raise StoreError(f"The archive's store {store.path} fails SQLite's quick check ({problem}); restore it "
                         "from a bundle or a backup before crawling.")
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

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlSession:
        """The crawl's one session, of the class the NEWSARCHIVE_SESSION setting names."""
        session = getattr(crawler, "_newsarchive_session", None)
        if session is None:
            session = load_object(crawler.settings.get("NEWSARCHIVE_SESSION") or ArchiveSession)(crawler)
            crawler._newsarchive_session = session
        return session

    def open_warc(self, prefix: str) -> None:
        self.warc = WarcWriter(self.folder / "warc", prefix, self.max_warc_bytes)

    def known_addresses(self) -> set[str]:
        """Addresses (host left out) that lead to an article already archived."""
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

    def open_run(self, spider: Spider) -> None:
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

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        return self.store.validators()

    def pending_addresses(self) -> list[str]:
        return self.store.pending_addresses()

    def article_failed(self, url: str, error: str) -> None:
        self.store.mark_pending(url, error)

    def article_gone(self, url: str) -> None:
        self.store.settle_pending(url)

    def add_capture(self, capture: Capture) -> int:
        return self.store.add_capture(self.run_id, capture)

    def ingest(self, item: PageItem) -> Ingested:
        return self.store.ingest(item.page, item.capture_id, item.fetched_at, self.run_id, item.addresses)

    def open_run(self, spider: Spider) -> None:
        arguments = {k: v for k, v in vars(spider).items() if k in SPIDER_ARGUMENTS}
        job = self.crawler.settings.get("NEWSARCHIVE_JOB") or "crawl"
        self.run_id = self.store.start_run(spider.site.SITE, spider.base_url, arguments, job)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.open_warc(f"{spider.site.NAME}-{stamp}-run{self.run_id}")
        logger.info("crawl run %d: archive in %s", self.run_id, self.folder)

    def close_run(self, reason: str) -> None:
        if self.warc is not None:
            self.warc.close()
        if self.run_id is not None:
            unfetched = self.store.unfetched()
            self.crawler.stats.set_value("newsarchive/unfetched", unfetched)
            stats = {k.replace("/", "_"): v for k, v in (self.crawler.stats.get_stats() or {}).items()}
            status = "finished" if reason in ("finished", "max_articles") else reason
            self.store.finish_run(self.run_id, status, stats)
            for flag in flag_run(self.store, self.run_id):
                logger.warning("crawl run %d: %s", self.run_id, flag)
            run = self.store.run(self.run_id)
            logger.info("crawl run %d %s: %d pages, %d new articles, %d new revisions, %d unchanged, "
                        "%d new snapshots, %d warnings, %d errors, %d unfetched", self.run_id, status, run["pages"],
                        run["new_articles"], run["new_revisions"], run["unchanged"], run["snapshots"],
                        run["warnings"], run["errors"], unfetched)
            if unfetched:
                logger.warning("crawl run %d: %s", self.run_id, unfetched_sentence(unfetched))
        self.store.close()


class ArchiveExtension:
    """Records the crawl run: started with the spider, its figures written when it closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveExtension:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        CrawlSession.of(self.crawler).open_run(spider)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        CrawlSession.of(self.crawler).close_run(reason)
