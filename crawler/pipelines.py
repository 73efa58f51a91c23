"""Parsed pages into the archive of record, one transaction per page (or, in a distributed
crawl, to the one ingester that writes it)."""

from __future__ import annotations

import logging

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.session import CrawlSession, HaltedError

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item, spider: Spider | None = None):
        try:
            result = CrawlSession.of(self.crawler).ingest(item)
        except HaltedError as error:
            raise DropItem(str(error)) from None
        stats = self.crawler.stats
        for warning in item.page.warnings:
            stats.inc_value(f"newsarchive/warnings_{warning.split(':')[0]}")
        if result is not None and result.article:
            stats.inc_value(f"newsarchive/articles_{result.article}")
        if result is not None and result.snapshot:
            stats.inc_value(f"newsarchive/snapshots_{result.snapshot.replace(' ', '_')}")
        return item
