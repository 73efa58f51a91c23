"""Parsed pages into the archive of record, one transaction per page."""
from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.session import ArchiveSession

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item, spider: Spider | None = None):
        session = ArchiveSession.of(self.crawler)
        result = session.store.ingest(item.page, item.capture_id, item.fetched_at, session.run_id, item.addresses)
        stats = self.crawler.stats
        if result.article:
            stats.inc_value(f"newsarchive/articles_{result.article}")
        if result.snapshot:
            stats.inc_value(f"newsarchive/snapshots_{result.snapshot.replace(' ', '_')}")
        for warning in item.page.warnings:
            stats.inc_value(f"newsarchive/warnings_{warning.split(':')[0]}")
        return item
