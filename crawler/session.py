"""The store and the WARC writer of one crawl, shared by the capture middleware, the
pipeline and the spider; opened with the spider and closed with it (ArchiveExtension)."""
from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archive.health import redesign_flags
from archive.store import Store
from archive.warc import WarcWriter

logger = logging.getLogger(__name__)


def data_dir(settings_value: str | None) -> Path:
    """The one data folder: the setting, else $NEWSARCHIVE_DATA, else ./data."""
    return Path(settings_value or os.environ.get("NEWSARCHIVE_DATA") or "data")


class ArchiveSession:
    """Opened lazily by whichever part of the crawl needs it first."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.folder = data_dir(settings.get("NEWSARCHIVE_DATA_DIR"))
        self.store = Store(self.folder / "archive.sqlite3")
        self.run_id: int | None = None
        self.crawler = crawler
        self.warc: WarcWriter | None = None
        self.max_warc_bytes = settings.getint("NEWSARCHIVE_WARC_MAX_BYTES")

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveSession:
        session = getattr(crawler, "_newsarchive_session", None)
        if session is None:
            session = cls(crawler)
            crawler._newsarchive_session = session
        return session

    def open_run(self, spider: Spider) -> None:
        arguments = {k: v for k, v in vars(spider).items()
                     if k in ("base_url", "since", "until", "sections", "max_articles", "refresh", "extra_urls",
                              "discover", "listing_pages")}
        job = self.crawler.settings.get("NEWSARCHIVE_JOB") or "crawl"
        self.run_id = self.store.start_run(spider.site.SITE, spider.base_url, arguments, job)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.warc = WarcWriter(self.folder / "warc", f"{spider.site.NAME}-{stamp}-run{self.run_id}",
                               self.max_warc_bytes)
        logger.info("crawl run %d: archive in %s", self.run_id, self.folder)

    def close_run(self, reason: str) -> None:
        if self.warc is not None:
            self.warc.close()
        if self.run_id is not None:
            stats = {k.replace("/", "_"): v for k, v in (self.crawler.stats.get_stats() or {}).items()}
            status = "finished" if reason in ("finished", "max_articles") else reason
            self.store.finish_run(self.run_id, status, stats)
            flags = redesign_flags(self.store.run(self.run_id), self.store.earlier_runs(self.run_id))
            if flags:
                self.store.annotate_run(self.run_id, flags=flags)
                for flag in flags:
                    logger.warning("crawl run %d: %s", self.run_id, flag)
            run = self.store.run(self.run_id)
            logger.info("crawl run %d %s: %d pages, %d new articles, %d new revisions, %d unchanged, "
                        "%d new snapshots, %d warnings, %d errors", self.run_id, status, run["pages"],
                        run["new_articles"], run["new_revisions"], run["unchanged"], run["snapshots"],
                        run["warnings"], run["errors"])
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
        ArchiveSession.of(self.crawler).open_run(spider)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        ArchiveSession.of(self.crawler).close_run(reason)
