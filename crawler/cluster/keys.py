"""Where a distributed crawl keeps its shared state in Redis, and the board on which each
worker says what it is doing (so that none stops while another may still find work)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis

CRAWL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
STALE_SECONDS = 60.0  # a worker not heard of for this long has gone away (killed, or its machine)


class ClusterError(Exception):
    """Redis cannot be used as asked; the text says why in one sentence."""


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of one distributed crawl."""

    crawl_id: str

    def __post_init__(self) -> None:
        if not CRAWL_ID.fullmatch(self.crawl_id):
            raise ClusterError(f"The crawl id {self.crawl_id!r} must be 1 to 64 letters, digits, dots, dashes or "
                               "underscores.")

    def key(self, name: str) -> str:
        return f"newsarchive:{self.crawl_id}:{name}"

    @property
    def requests(self) -> str:
        """The shared frontier (scrapy-redis priority queue)."""
        return self.key("requests")

    @property
    def dupefilter(self) -> str:
        """Fingerprints of every request any worker has scheduled."""
        return self.key("dupefilter")

    @property
    def messages(self) -> str:
        """Captures and parsed pages on their way to the ingester, in the order sent."""
        return self.key("messages")

    @property
    def known(self) -> str:
        """Addresses of the articles the archive had when the ingester started."""
        return self.key("known")

    @property
    def validators(self) -> str:
        """ETag and Last-Modified of those articles, for --refresh."""
        return self.key("validators")

    @property
    def workers(self) -> str:
        """The board: one field per worker (see Board)."""
        return self.key("workers")

    @property
    def ingester(self) -> str:
        """Held by the one ingester while it runs; says when it is ready for workers."""
        return self.key("ingester")

    def all(self) -> list[str]:
        return [self.requests, self.dupefilter, self.messages, self.known, self.validators, self.workers,
                self.ingester]


def safe_url(url: str) -> str:
    """The Redis URL without its password, fit for logs and the crawl run's record."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}:***@" if parts.username else ":***@") + host + (f":{parts.port}" if parts.port
                                                                                  else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def connect(url: str) -> redis.Redis:
    """A client for `url` (redis://host:port/db), checked with a PING."""
    try:
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=10, socket_timeout=30)
    except ValueError as error:
        raise ClusterError(f"{safe_url(url)!r} is not a Redis URL ({error}).") from None
    try:
        client.ping()
    except redis.RedisError as error:
        raise ClusterError(f"Cannot reach Redis at {safe_url(url)} ({error}).") from None
    return client


@dataclass
class WorkerState:
    """`state` is busy, idle or done; `since` is when it became so, `seen` when the worker last
    said it was alive (both on the Redis server's clock, so machines need not agree)."""

    state: str
    since: float
    seen: float

    def gone(self, now: float) -> bool:
        return self.state != "done" and now - self.seen > STALE_SECONDS


class Board:
    """What every worker of one crawl is doing."""

    def __init__(self, client: redis.Redis, keys: CrawlKeys):
        self.redis = client
        self.keys = keys

    def now(self) -> float:
        seconds, microseconds = self.redis.time()
        return seconds + microseconds / 1e6

    def put(self, worker: str, state: str, since: float) -> None:
        value = {"state": state, "since": since, "seen": self.now()}
        self.redis.hset(self.keys.workers, worker, json.dumps(value))

    def workers(self) -> dict[str, WorkerState]:
        return {name: WorkerState(**json.loads(value)) for name, value in self.redis.hgetall(self.keys.workers).items()}
