"""Where a distributed crawl keeps its shared state in Redis, and the board on which each
worker says what it is doing (so that none stops while another may still find work)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ConstantBackoff
from redis.retry import Retry

CRAWL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
STALE_SECONDS = 60.0  # a worker not heard of for this long has gone away (killed, or its machine)
REDIS_PATIENCE = 60.0  # how long a crawl's processes wait for a Redis server that stopped answering


class ClusterError(Exception):
    """Redis cannot be used as asked; the text says why in one sentence."""


@dataclass(frozen=True)
class CrawlKeys:
    """The Redis keys of one distributed crawl."""

    crawl_id: str

    def __post_init__(self) -> None:
        if not CRAWL_ID.fullmatch(self.crawl_id):
            raise ClusterError(
                f"The crawl id {self.crawl_id!r} must be 1 to 64 letters, digits, dots, dashes or underscores."
            )

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
    def pending(self) -> str:
        """Articles earlier runs could not fetch, for the workers to ask for first."""
        return self.key("pending")

    @property
    def round(self) -> str:
        """This life of the crawl in Redis (archive.ledger)."""
        return self.key("round")

    @property
    def workers(self) -> str:
        """The board: one field per worker (see Board)."""
        return self.key("workers")

    @property
    def ingester(self) -> str:
        """Held by the one ingester while it runs; says when it is ready for workers."""
        return self.key("ingester")

    def all(self) -> list[str]:
        return [
            self.requests,
            self.dupefilter,
            self.messages,
            self.known,
            self.validators,
            self.pending,
            self.round,
            self.workers,
            self.ingester,
        ]


def safe_url(url: str) -> str:
    """The Redis URL without its password, fit for logs and the crawl run's record."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}:***@" if parts.username else ":***@") + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def patient_retry(patience: float) -> Retry:
    """How every client of a crawl talks to Redis once it has reached it: a command that finds
    the server gone (a restart, a server still loading its data) is tried again each second for
    about `patience` seconds — longer when the server's machine does not answer at all, as each
    try then waits up to 10 s for its connection — before its error is raised."""
    return Retry(ConstantBackoff(1.0), retries=max(1, math.ceil(patience)))


def connect(url: str, patience: float = REDIS_PATIENCE) -> redis.Redis:
    """A client for `url` (redis://host:port/db), checked with one PING: a server that cannot
    be reached at the start is said at once."""
    try:
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=10,
            socket_timeout=30,
            retry=Retry(ConstantBackoff(0), retries=0),
        )
    except ValueError as error:
        raise ClusterError(f"{safe_url(url)!r} is not a Redis URL ({error}).") from None
    try:
        client.ping()
    except redis.RedisError as error:
        raise ClusterError(f"Cannot reach Redis at {safe_url(url)} ({error}).") from None
    client.set_retry(patient_retry(patience))
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
        board = cast(dict[str, str], self.redis.hgetall(self.keys.workers))  # connect() decodes replies to str
        return {name: WorkerState(**json.loads(value)) for name, value in board.items()}
