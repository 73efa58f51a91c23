"""The one ingest path of a distributed crawl: the only process that opens the store. It
records the run, tells the workers which articles the archive already has, and stores what
they send in the order they sent it, one message at a time."""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
from typing import Any

import redis

from archive.health import flag_run
from archive.store import Store
from crawler.cluster.keys import Board, ClusterError, CrawlKeys
from crawler.cluster.messages import capture_of, decode, page_of

logger = logging.getLogger(__name__)
LOCK_SECONDS = 60
GOOD_ENDINGS = ("finished", "max_articles")


class Ingester:
    """Use: open(), then step() until finished(), then close() — or stop() to leave the
    crawl's frontier and the messages not yet stored in Redis for the next ingester."""

    def __init__(self, client: redis.Redis, keys: CrawlKeys, store: Store, site: str, arguments: dict[str, Any]):
        self.redis = client
        self.keys = keys
        self.store = store
        self.site = site
        self.arguments = arguments
        self.board = Board(client, keys)
        self.claim: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(), "ready": False}
        self.run_id: int | None = None
        self.captures = 0
        self.pages = 0
        self.reports: dict[str, dict[str, Any]] = {}

    def open(self) -> None:
        """Claim the crawl and publish what the archive knows; then workers may start."""
        if not self.redis.set(self.keys.ingester, json.dumps(self.claim), nx=True, ex=LOCK_SECONDS):
            holder = json.loads(self.redis.get(self.keys.ingester) or "{}")
            raise ClusterError(f"Another ingester (pid {holder.get('pid')} on {holder.get('host')}) is already "
                               f"running for crawl {self.keys.crawl_id}.")
        self.publish_known()
        self.claim["ready"] = True
        self.hold()

    def run(self) -> int:
        """The crawl run, recorded when the first worker's first message arrives (so an
        ingester that waited in vain leaves no empty run behind)."""
        if self.run_id is None:
            self.run_id = self.store.start_run(self.site, None, self.arguments, job="distributed")
        return self.run_id

    def hold(self) -> None:
        """Renew the claim (it lapses LOCK_SECONDS after the ingester stops renewing it)."""
        self.redis.set(self.keys.ingester, json.dumps(self.claim), ex=LOCK_SECONDS)

    def publish_known(self) -> None:
        known = sorted(self.store.known_addresses())
        validators = {address: json.dumps(pair) for address, pair in self.store.validators().items()}
        pipe = self.redis.pipeline()
        pipe.delete(self.keys.known, self.keys.validators)
        for start in range(0, len(known), 10_000):
            pipe.sadd(self.keys.known, *known[start:start + 10_000])
        items = list(validators.items())
        for start in range(0, len(items), 10_000):
            pipe.hset(self.keys.validators, mapping=dict(items[start:start + 10_000]))
        pipe.execute()

    def step(self, limit: int = 200) -> int:
        """Store up to `limit` waiting messages; returns how many there were. Each is removed
        from the list only once stored."""
        self.hold()
        batch = self.redis.lrange(self.keys.messages, 0, limit - 1)
        for text in batch:
            self.handle(decode(text))
            self.redis.lpop(self.keys.messages)
        return len(batch)

    def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "capture":
            capture = capture_of(message)
            if self.store.capture_id(capture.warc_record_id) is None:  # not stored before a restart
                self.store.add_capture(self.run(), capture)
                self.captures += 1
        elif kind == "page":
            page, fetched_at, addresses = page_of(message)
            capture_id = self.store.capture_id(message["capture"]) if message.get("capture") else None
            self.store.ingest(page, capture_id, fetched_at, self.run(), addresses)
            self.pages += 1
        elif kind in ("hello", "done"):
            self.run()
            fields = {k: v for k, v in message.items() if k not in ("kind", "worker")}
            self.reports.setdefault(message["worker"], {}).update(fields)
        else:
            logger.warning("a message of unknown kind %r from %s was left out", kind, message.get("worker"))

    def waiting(self) -> int:
        return self.redis.llen(self.keys.messages)

    def finished(self, expected: int | None = None) -> bool:
        """Whether every worker (at least `expected` of them) has stopped, or gone away, and
        everything sent is stored. The board is read first: a worker says it is done only
        after its last message."""
        workers = self.board.workers()
        now = self.board.now()
        stopped = [name for name, worker in workers.items() if worker.state == "done" or worker.gone(now)]
        if not workers or len(stopped) < max(len(workers), expected or 0):
            return False
        return self.waiting() == 0

    def board_line(self) -> str:
        now = self.board.now()
        return ", ".join(f"{name} {'gone' if worker.gone(now) else worker.state}"
                         for name, worker in sorted(self.board.workers().items())) or "none yet"

    def close(self) -> sqlite3.Row:
        """Finish the run with each worker's figures and forget the crawl in Redis, so the
        same crawl id starts afresh next time."""
        now = self.board.now()
        workers = self.board.workers()
        summary = {}
        for name, worker in sorted(workers.items()):
            report = self.reports.get(name, {})
            reason = "gone" if worker.gone(now) else report.get("reason", "unknown")
            stats = {k.replace("/", "_"): v for k, v in report.get("stats", {}).items()}
            summary[name] = {"base_url": report.get("base_url"), "reason": reason, "stats": stats}
        troubled = [name for name, worker in summary.items() if worker["reason"] not in GOOD_ENDINGS]
        for name in troubled:
            logger.warning("worker %s ended early (%s)", name, summary[name]["reason"])
        status = "interrupted" if troubled else "finished"
        run_id = self.run()
        totals: dict[str, int] = {}  # the crawl's own figures, summed over the workers
        for worker in summary.values():
            for key, value in worker["stats"].items():
                if key.startswith("newsarchive_") and isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        self.store.finish_run(run_id, status, {**totals, "workers": summary})
        for flag in flag_run(self.store, run_id):
            logger.warning("crawl run %d: %s", run_id, flag)
        self.redis.delete(*self.keys.all())
        return self.store.run(run_id)

    def stop(self) -> None:
        """Mark the run interrupted and let another ingester take over the crawl."""
        if self.run_id is not None:
            self.store.finish_run(self.run_id, "interrupted", {"workers": self.reports})
        holder = json.loads(self.redis.get(self.keys.ingester) or "{}")
        if (holder.get("host"), holder.get("pid")) == (self.claim["host"], self.claim["pid"]):
            self.redis.delete(self.keys.ingester)
