"""Politeness shared by every newspaper: robots.txt's Crawl-delay (which Scrapy itself does
not honour), AutoThrottle that never goes below it, and backing off on 429 and 503 for as
long as the site's Retry-After asks."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)
BACKOFF_STATUSES = (429, 503)


class PoliteThrottle(AutoThrottle):
    """AutoThrottle whose delay per site never drops below the site's robots.txt Crawl-delay.

    Scrapy waits a slot's delay between two requests to one host; this sets that delay to
    the Crawl-delay as soon as robots.txt is read, removes the random jitter that could
    shorten it, and keeps AutoThrottle's adjustments above it.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.floors: dict[str, float] = {}
        self.user_agent = crawler.settings.get("USER_AGENT", "*")
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    def _robots_parsed(self, robotparser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent) if hasattr(robotparser, "crawl_delay") else None
        host = urlparse_cached(request).hostname or ""
        if not delay:
            return
        self.floors[host] = float(delay)
        logger.info("robots.txt of %s asks for %.2f s between requests", host, delay)
        slot = self.crawler.engine.downloader.slots.get(host)
        if slot is not None:
            slot.delay = max(slot.delay, float(delay))
            slot.jitter = 0.0

    def _response_downloaded(self, response: Response, request: Request, spider=None) -> None:
        key, slot = self._get_slot(request, spider)
        super()._response_downloaded(response, request, spider)
        floor = self.floors.get(key or "", 0.0)
        if slot is not None and floor:
            slot.jitter = 0.0
            slot.delay = max(slot.delay, floor)


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries like Scrapy's RetryMiddleware, and on 429 or 503 first slows the whole site
    down for as long as Retry-After says (without it, twice the current delay, at least a
    second); the site's usual pace comes back once that time has passed."""

    max_backoff = 300.0

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.paused: dict[str, tuple[float, float]] = {}

    async def process_request(self, request: Request, spider=None) -> None:
        """Hold back a request to a site that asked for a pause until the pause is over."""
        host = urlparse_cached(request).hostname or ""
        if host in self.paused:
            wait = self.paused[host][1] - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        host = urlparse_cached(request).hostname or ""
        if response.status in BACKOFF_STATUSES and not request.meta.get("dont_retry", False):
            self.back_off(host, request, response)
            retry = get_retry_request(request, spider=self.crawler.spider, reason=f"HTTP {response.status}",
                                      max_retry_times=self.max_retry_times)
            return retry or response
        self.resume(host)
        return super().process_response(request, response)

    def back_off(self, host: str, request: Request, response: Response) -> None:
        slot = self.crawler.engine.downloader.slots.get(host)
        if slot is None:
            return
        usual = self.paused.get(host, (slot.delay, 0.0))[0]
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        wait = min(self.max_backoff, wait if wait is not None else max(1.0, 2 * slot.delay))
        self.paused[host] = (usual, time.monotonic() + wait)
        self.crawler.stats.inc_value("newsarchive/backoffs")
        logger.info("%s answered %s: waiting %.1f s before the next request to %s", request.url, response.status,
                    wait, host)
        slot.delay = max(usual, wait)
        slot.lastseen = time.monotonic()

    def resume(self, host: str) -> None:
        if host in self.paused and time.monotonic() >= self.paused[host][1]:
            usual, _ = self.paused.pop(host)
            slot = self.crawler.engine.downloader.slots.get(host)
            if slot is not None:
                slot.delay = usual


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
