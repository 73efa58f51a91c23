"""Politeness shared by every newspaper, kept whatever else is switched off: robots.txt's
Crawl-delay (which Scrapy reads but does not act on) as the least gap between two requests to
a site, with AutoThrottle kept above it, and a pause on 429 and 503 for as long as the site's
Retry-After asks. Asking again for a page that failed is left to Scrapy's RetryMiddleware.

Each is a component of its own, subclassing none of Scrapy's, and answers only to its own
switch (NEWSARCHIVE_CRAWL_DELAY_FLOOR_ENABLED, NEWSARCHIVE_RETRY_AFTER_ENABLED): turning
AutoThrottle or Retry off leaves both at work."""

from __future__ import annotations

import asyncio
import logging
import time

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached

from crawler.retry_after import MAX_PAUSE, retry_after_seconds

logger = logging.getLogger(__name__)
BACKOFF_STATUSES = (403, 429, 503)  # 403: the anti-bot challenge a busy site answers with for a while
FLOOR_SWITCH = "NEWSARCHIVE_CRAWL_DELAY_FLOOR_ENABLED"
PAUSE_SWITCH = "NEWSARCHIVE_RETRY_AFTER_ENABLED"


def slot_key(crawler: Crawler, request: Request) -> str:
    """The downloader slot a request goes through: Scrapy spaces requests per slot."""
    return crawler.engine.downloader.get_slot_key(request)


class CrawlDelayFloor:
    """An extension that keeps each site's downloader slot at least its robots.txt Crawl-delay
    between two requests, without the random jitter that would shorten some gaps.

    The floor is put on the slot when robots.txt is read, again whenever a request reaches
    the downloader (a slot may have been dropped while idle and made anew), and after every
    answer, since AutoThrottle, when on, moves the delay then.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool(FLOOR_SWITCH):
            raise NotConfigured
        self.crawler = crawler
        self.user_agent: str = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or "*"
        self.floors: dict[str, float] = {}
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self._keep_floor, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlDelayFloor:
        return cls(crawler)

    def _spider_opened(self) -> None:
        """Listen to answers only now: AutoThrottle connected its own listener when it was
        made, and listeners run in the order they connected, so the floor comes after its
        adjustment."""
        self.crawler.signals.connect(self._keep_floor, signal=signals.response_downloaded)

    def _robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        host = urlparse_cached(request).hostname or ""
        self.floors[host] = float(delay)
        logger.info("robots.txt of %s asks for %.2f s between requests", host, delay)
        self._keep_floor(request)

    def _keep_floor(self, request: Request) -> None:
        floor = self.floors.get(urlparse_cached(request).hostname or "")
        if not floor:
            return
        slot = self.crawler.engine.downloader.slots.get(slot_key(self.crawler, request))
        if slot is not None:
            slot.delay = max(slot.delay, floor)
            slot.jitter = 0.0


class RetryAfterPause:
    """A downloader middleware that sends nothing to a site for a while after it answered
    429 or 503: as long as its Retry-After says, or else twice the slot's delay and at least
    a second. It only waits; RetryMiddleware decides whether the page is asked for again.

    The pause starts when the answer arrives, before the downloader sends the slot's next
    request. Requests already waiting in the slot are held by moving the slot's time of last
    request to the pause's end: the downloader sends nothing sooner than that plus the slot's
    delay. Requests on their way to the slot wait in process_request, which is all that
    holds them when the slot has no delay at all.
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool(PAUSE_SWITCH):
            raise NotConfigured
        self.crawler = crawler
        self.paused_until: dict[str, float] = {}
        crawler.signals.connect(self._response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterPause:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Hold a request to a paused site until its pause is over."""
        wait = self.paused_until.get(slot_key(self.crawler, request), 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    def _response_downloaded(self, response: Response, request: Request) -> None:
        if response.status not in BACKOFF_STATUSES:
            return
        key = slot_key(self.crawler, request)
        slot = self.crawler.engine.downloader.slots[key]  # the request is still being transferred through it
        wait = pause_seconds(response.headers.get(b"Retry-After"), slot.delay)
        until = max(self.paused_until.get(key, 0.0), time.monotonic() + wait)
        self.paused_until[key] = until
        slot.lastseen = max(slot.lastseen, until)
        self.crawler.stats.inc_value("newsarchive/backoffs")
        logger.info(
            "%s answered %s: waiting %.1f s before the next request to %s", request.url, response.status, wait, key
        )


def pause_seconds(retry_after: bytes | None, delay: float) -> float:
    """How long a 403, 429 or 503 answer pauses its site: its Retry-After, or else twice the
    slot's delay and at least a second; never more than MAX_PAUSE, whatever the site says."""
    asked = retry_after_seconds(retry_after)
    return min(MAX_PAUSE, asked if asked is not None else max(1.0, 2 * delay))
