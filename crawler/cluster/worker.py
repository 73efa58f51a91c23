"""One worker of a distributed crawl: requests from the shared frontier (scrapy-redis),
responses into WARC files on this machine, captures and parsed pages to the ingester
through Redis. Nothing here opens the store."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from archive.store import Capture
from crawler.cluster.keys import REDIS_PATIENCE, Board, ClusterError, CrawlKeys, connect, patient_retry, safe_url
from crawler.cluster.messages import capture_fields, encode, page_fields
from crawler.items import PageItem
from crawler.options import recorded_arguments
from crawler.session import REDIS_LOST, CrawlSession, HaltedError

if TYPE_CHECKING:
    from crawler.spiders.newspaper import NewspaperSpider

logger = logging.getLogger(__name__)
ALIVE_SECONDS = 5.0
INGESTER_WAIT_SECONDS = 60.0


def worker_name(pid: int | None = None) -> str:
    """Unique among the workers of a crawl, and readable in WARC file names: host and pid (of
    this process, or of `pid` on this host)."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()).strip("-.") or "host"
    return f"{host}-{pid or os.getpid()}"


class RedisLostError(HaltedError):
    """The worker's Redis server stopped answering for good."""


def cluster_settings(redis_url: str, crawl_id: str, patience: float = REDIS_PATIENCE) -> dict[str, Any]:
    """The Scrapy settings that make a crawl one worker of crawl `crawl_id`, waiting up to
    `patience` seconds for a Redis server that stops answering. A component dictionary
    (EXTENSIONS) names what the worker adds to the crawl's own components; only a worker loads
    this package."""
    keys = CrawlKeys(crawl_id)
    return {
        "NEWSARCHIVE_SESSION": "crawler.cluster.worker.ClusterSession",
        "EXTENSIONS": {"crawler.cluster.worker.ClusterWatch": 110},
        "NEWSARCHIVE_REDIS_URL": redis_url,
        "NEWSARCHIVE_REDIS_PATIENCE": patience,
        "NEWSARCHIVE_CRAWL_ID": crawl_id,
        "REDIS_URL": redis_url,
        "REDIS_PARAMS": {"retry": patient_retry(patience)},
        "SCHEDULER": "crawler.cluster.worker.ClusterScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_PERSIST": True,  # one worker closing must not empty the frontier of the others
        "SCHEDULER_SERIALIZER": "crawler.cluster.frontier_json",  # JSON, not scrapy-redis's pickles
    }


def wait_for_ingester(
    redis_url: str, crawl_id: str, on_wait: Callable[[], None], timeout: float = INGESTER_WAIT_SECONDS
) -> None:
    """Return once the ingester of `crawl_id` has published what the archive knows (a worker
    started before it would fetch every known article again)."""
    keys = CrawlKeys(crawl_id)
    client = connect(redis_url)
    deadline = time.monotonic() + timeout
    told = False
    while not json.loads(client.get(keys.ingester) or "{}").get("ready"):
        if time.monotonic() >= deadline:
            raise ClusterError(
                f"No ingester is running for crawl {crawl_id} on {safe_url(redis_url)}: start "
                f"`newsarchive ingest --redis URL --crawl-id {crawl_id}` where the store is, first."
            )
        if not told:
            on_wait()
            told = True
        time.sleep(0.5)


class ClusterSession(CrawlSession):
    """The session of a worker: what the archive knows comes from the ingester, and captures
    and pages go to it, numbered (crawler.cluster.messages)."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.keys = CrawlKeys(crawler.settings.get("NEWSARCHIVE_CRAWL_ID"))
        self.redis_url = crawler.settings.get("NEWSARCHIVE_REDIS_URL")
        self.redis = connect(self.redis_url, crawler.settings.getfloat("NEWSARCHIVE_REDIS_PATIENCE", REDIS_PATIENCE))
        self.board = Board(self.redis, self.keys)
        self.name = worker_name()
        self.sender = uuid.uuid4().hex
        self.sent = 0
        self.state = ""
        self.since = 0.0

    @contextmanager
    def through_redis(self) -> Iterator[None]:
        """Around every use of Redis. Once the server has stopped answering for good (each
        command is first tried again for the patience the settings give) the worker stops,
        saying so once; this use and every one after raise RedisLostError."""
        if self.halt_reason == REDIS_LOST:
            raise RedisLostError(self.halted)
        try:
            yield
        except redis.RedisError as error:
            sentence = (
                f"Lost the Redis server at {safe_url(self.redis_url)} ({error}); worker {self.name} stopped, "
                f"and what it fetched is in its WARC files in {self.folder / 'warc'}: `newsarchive import "
                "warc` on them, where the store is, keeps what the ingester did not get."
            )
            raise self.halt(REDIS_LOST, sentence, RedisLostError) from None

    def set_state(self, state: str) -> None:
        """busy, idle or done, on the board (written only when it changes)."""
        if state != self.state:
            with self.through_redis():
                self.state, self.since = state, self.board.now()
                self.board.put(self.name, state, self.since)

    def alive(self) -> None:
        with self.through_redis():
            self.board.put(self.name, self.state, self.since)

    def send(self, kind: str, **fields: Any) -> None:
        """One message to the ingester, numbered after the one before."""
        with self.through_redis():
            self.sent += 1
            self.redis.rpush(self.keys.messages, encode(kind, self.name, self.sender, self.sent, **fields))

    def known_addresses(self) -> set[str]:
        with self.through_redis():
            return set(cast(set[str], self.redis.smembers(self.keys.known)))  # connect() decodes replies to str

    def known_requisites(self) -> set[str]:
        """None: each worker keeps a run's requisites apart by its own duplicate filter and the
        crawl's, so a later distributed crawl fetches a photo again (the ingester stores every
        copy) [not shared through Redis yet]."""
        return set()

    def validators(self) -> dict[str, tuple[str | None, str | None]]:
        with self.through_redis():
            stored = cast(dict[str, str], self.redis.hgetall(self.keys.validators))  # connect() decodes to str
        return {address: tuple(json.loads(pair)) for address, pair in stored.items()}

    def pending_addresses(self) -> list[str]:
        with self.through_redis():
            return cast(list[str], self.redis.lrange(self.keys.pending, 0, -1))  # connect() decodes to str

    def article_failed(self, url: str, error: str) -> None:
        with suppress(RedisLostError):  # the article is found again by the next run
            self.send("unfetched", url=url, error=error)

    def article_gone(self, url: str) -> None:
        with suppress(RedisLostError):  # the next run asks once more and is told again
            self.send("gone", url=url)

    def add_capture(self, capture: Capture) -> str:
        self.send("capture", **capture_fields(capture))
        return capture.warc_record_id

    def ingest(self, item: PageItem) -> None:
        record_id = cast(str | None, item.capture_id)  # what this session's add_capture returned
        self.send("page", **page_fields(record_id, item.page, item.fetched_at, item.addresses))

    def open_run(self, spider: NewspaperSpider) -> None:
        arguments = recorded_arguments(spider)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        self.open_warc(f"{spider.site.NAME}-{stamp}-{self.name}")
        logger.info("worker %s of crawl %s: WARC files in %s", self.name, self.keys.crawl_id, self.folder / "warc")
        try:
            self.set_state("busy")
            self.send("hello", base_url=spider.base_url, arguments=arguments)
        except RedisLostError:
            pass  # the crawl is stopping, and has said why

    def close_run(self, reason: str) -> None:
        self.close_warc()
        try:
            self.send("done", reason=reason, stats=self.crawler.stats.get_stats() or {}, sent=self.sent + 1)
            self.set_state("done")
        except RedisLostError:
            return
        logger.info("worker %s of crawl %s %s", self.name, self.keys.crawl_id, reason)


class ClusterScheduler(Scheduler):
    """scrapy-redis's scheduler, which also marks this worker busy as soon as it takes a
    request, so that the other workers wait for what the page may lead to, and drops with one
    line of log an entry of the frontier that is not a request in its JSON form (scrapy-redis
    has already taken it out of Redis, so the next one follows)."""

    session: ClusterSession

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.session = CrawlSession.of(crawler)
        return scheduler

    def next_request(self) -> Request | None:
        try:
            with self.session.through_redis():
                request = self.next_readable()
                if request is not None:
                    self.session.set_state("busy")
                return request
        except RedisLostError:
            return None

    def next_readable(self) -> Request | None:
        while True:
            try:
                return super().next_request()
            except ValueError as error:  # from frontier_json.loads, or request_from_dict (no such callback, …)
                logger.error(
                    "dropped an entry of the shared frontier of crawl %s: %s.",
                    self.session.keys.crawl_id,
                    str(error).rstrip("."),
                )
                self.stats.inc_value("newsarchive/frontier_dropped")

    def enqueue_request(self, request: Request) -> bool:
        try:
            with self.session.through_redis():
                return super().enqueue_request(request)
        except RedisLostError:
            return False

    def has_pending_requests(self) -> bool:
        try:
            with self.session.through_redis():
                return super().has_pending_requests()
        except RedisLostError:
            return False


class ClusterWatch:
    """Keeps a worker open while the crawl may still grow — the shared frontier holds requests,
    or another worker is busy and its pages may name more — and says on the board every few
    seconds that this worker is alive. A worker closes once the frontier is empty and every
    other worker has been idle, done or gone since its previous look (the engine looks again
    every 5 s)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.quiet_since: float | None = None
        self.heartbeat = LoopingCall(self.alive)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.idle, signal=signals.spider_idle)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterWatch:
        return cls(crawler)

    @property
    def session(self) -> ClusterSession:
        return cast(ClusterSession, CrawlSession.of(self.crawler))  # cluster_settings names ClusterSession

    def opened(self, spider: Spider) -> None:
        self.heartbeat.start(ALIVE_SECONDS, now=False)

    def closed(self, spider: Spider) -> None:
        if self.heartbeat.running:
            self.heartbeat.stop()

    def alive(self) -> None:
        try:
            self.session.alive()
        except RedisLostError:
            self.heartbeat.stop()

    def idle(self, spider: Spider) -> None:
        if getattr(spider, "pending", None):
            raise DontCloseSpider  # the spider is about to release the articles it held
        session = self.session
        try:
            with session.through_redis():
                session.set_state("idle")
                now = session.board.now()
                stay = not self.quiet(session, now, self.quiet_since or now)
        except RedisLostError:
            return  # the crawl is stopping
        if stay:
            self.quiet_since = None
            raise DontCloseSpider
        if self.quiet_since is None:
            self.quiet_since = now
            raise DontCloseSpider

    @staticmethod
    def quiet(session: ClusterSession, now: float, before: float) -> bool:
        """Whether the frontier is empty and no other worker has been busy since `before`."""
        if session.redis.zcard(session.keys.requests):
            return False
        for name, worker in session.board.workers().items():
            if name == session.name or worker.state == "done" or worker.gone(now):
                continue
            if worker.state != "idle" or worker.since > before:
                return False
        return True
