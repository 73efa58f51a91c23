"""The one ingest path of a distributed crawl: the only process that opens the store. It
records the run, tells the workers which articles the archive already has, and stores what
they send in the order they sent it, one message at a time."""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import redis

from archive.health import flag_run
from archive.store import Store, pid_alive
from crawler.cluster.keys import Board, ClusterError, CrawlKeys
from crawler.cluster.messages import capture_of, decode, page_of

logger = logging.getLogger(__name__)
LOCK_SECONDS = 60
# Set the claim KEYS[1] to ARGV[2] if it is still ARGV[1] (or has lapsed), in one step.
REPLACE_CLAIM = ("local held = redis.call('GET', KEYS[1]) if held == false or held == ARGV[1] then "
                 "return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end return false")
RELEASE_CLAIM = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
GOOD_ENDINGS = ("finished", "max_articles")


def pid_space() -> str | None:
    """What the pids of this process's neighbours mean: the kernel's boot and this process's
    pid namespace (containers may share a host name, not their pids). None where /proc does
    not say."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot} {os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return None


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
        self.claim: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(), "pid_space": pid_space(),
                                      "token": uuid.uuid4().hex, "ready": False}
        self.held: str | None = None  # the claim as last written to Redis
        self.run_id: int | None = None
        self.captures = 0
        self.pages = 0
        self.reports: dict[str, dict[str, Any]] = {}

    def open(self) -> None:
        """Claim the crawl and publish what the archive knows; then workers may start."""
        self.take_claim()
        self.publish_known()
        self.claim["ready"] = True
        self.hold()

    def take_claim(self) -> None:
        """Claim the crawl unless another ingester holds it. A claim made where this process's
        pids mean the same is stale as soon as its pid is dead (or is this process's own, left
        by an earlier process, as in a restarted container); any other lapses LOCK_SECONDS
        after its ingester stopped renewing it."""
        value = json.dumps(self.claim)
        while not self.redis.set(self.keys.ingester, value, nx=True, ex=LOCK_SECONDS):
            held = self.redis.get(self.keys.ingester)
            if held is None:  # lapsed since
                continue
            holder = json.loads(held)
            pid = holder.get("pid")
            here = self.claim["pid_space"] is not None and holder.get("pid_space") == self.claim["pid_space"]
            if not here or (pid != os.getpid() and pid_alive(pid)):
                raise ClusterError(f"Another ingester (pid {pid} on {holder.get('host')}) is already running for "
                                   f"crawl {self.keys.crawl_id}.")
            if self.redis.eval(REPLACE_CLAIM, 1, self.keys.ingester, held, value, LOCK_SECONDS):
                logger.warning("took crawl %s over from ingester pid %s, which is no longer running",
                               self.keys.crawl_id, pid)
                break
        self.held = value

    def run(self) -> int:
        """The crawl run, recorded when the first worker's first message arrives (so an
        ingester that waited in vain leaves no empty run behind)."""
        if self.run_id is None:
            self.run_id = self.store.start_run(self.site, None, self.arguments, job="distributed")
        return self.run_id

    def hold(self) -> None:
        """Renew the claim (it lapses LOCK_SECONDS after the ingester stops renewing it) — unless
        another ingester took the crawl over meanwhile (this one was paused past the lapse):
        then this one must stop, not write over the other's claim."""
        value = json.dumps(self.claim)
        if not self.redis.eval(REPLACE_CLAIM, 1, self.keys.ingester, self.held, value, LOCK_SECONDS):
            holder = json.loads(self.redis.get(self.keys.ingester) or "{}")
            raise ClusterError(f"Another ingester (pid {holder.get('pid')} on {holder.get('host')}) took crawl "
                               f"{self.keys.crawl_id} over while this one was not renewing its claim.")
        self.held = value

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
        if self.held is not None:
            self.redis.eval(RELEASE_CLAIM, 1, self.keys.ingester, self.held)
