"""The one ingest path of a distributed crawl: the only process that opens the store. It
records the run, tells the workers which articles the archive already has, and stores what
they send in the order they sent it, one message at a time, each once, counting in the
ledger what never arrived."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from pathlib import Path
from typing import Any, cast

import redis

from archive.health import flag_run
from archive.ledger import Account, Ledger
from archive.processes import pid_alive
from archive.read_model import CrawlRun
from archive.store import Store
from crawler.cluster.keys import Board, ClusterError, CrawlKeys, WorkerState
from crawler.cluster.messages import capture_of, decode, page_of

logger = logging.getLogger(__name__)
LOCK_SECONDS = 60
# Set the claim KEYS[1] to ARGV[2] if it is still ARGV[1] (or has lapsed), in one step.
REPLACE_CLAIM = (
    "local held = redis.call('GET', KEYS[1]) if held == false or held == ARGV[1] then "
    "return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end return false"
)
RELEASE_CLAIM = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
# Remove the list KEYS[1]'s first message if its SHA-1 is ARGV[1]: the one just stored, unless
# the list changed under the ingester (a Redis server restarted from an older copy).
POP_STORED = (
    "local head = redis.call('LINDEX', KEYS[1], 0) if head and redis.sha1hex(head) == ARGV[1] then "
    "redis.call('LPOP', KEYS[1]) return 1 end return 0"
)
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
        self.claim: dict[str, Any] = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "pid_space": pid_space(),
            "token": uuid.uuid4().hex,
            "ready": False,
        }
        self.held: str | None = None  # the claim as last written to Redis
        self.run_id: int | None = None
        self.ledger: Ledger | None = None
        self.captures = 0
        self.pages = 0

    def open(self) -> None:
        """Claim the crawl and publish what the archive knows; then workers may start."""
        self.take_claim()
        self.redis.set(self.keys.round, uuid.uuid4().hex, nx=True)
        round_id = cast(str, self.redis.get(self.keys.round))  # set just above if absent; decoded to str by connect()
        self.ledger = Ledger(self.store, self.keys.crawl_id, round_id)
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
                raise ClusterError(
                    f"Another ingester (pid {pid} on {holder.get('host')}) is already running for "
                    f"crawl {self.keys.crawl_id}."
                )
            if self.redis.eval(REPLACE_CLAIM, 1, self.keys.ingester, held, value, LOCK_SECONDS):
                logger.warning(
                    "took crawl %s over from ingester pid %s, which is no longer running", self.keys.crawl_id, pid
                )
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
        assert self.held is not None
        value = json.dumps(self.claim)
        if not self.redis.eval(REPLACE_CLAIM, 1, self.keys.ingester, self.held, value, LOCK_SECONDS):
            holder = json.loads(self.redis.get(self.keys.ingester) or "{}")
            raise ClusterError(
                f"Another ingester (pid {holder.get('pid')} on {holder.get('host')}) took crawl "
                f"{self.keys.crawl_id} over while this one was not renewing its claim."
            )
        self.held = value

    def publish_known(self) -> None:
        known = sorted(self.store.known_addresses())
        validators = {address: json.dumps(pair) for address, pair in self.store.validators().items()}
        pipe = self.redis.pipeline()
        pipe.delete(self.keys.known, self.keys.validators, self.keys.pending)
        pending = self.store.pending_addresses()
        if pending:
            pipe.rpush(self.keys.pending, *pending)
        for start in range(0, len(known), 10_000):
            pipe.sadd(self.keys.known, *known[start : start + 10_000])
        items = list(validators.items())
        for start in range(0, len(items), 10_000):
            pipe.hset(self.keys.validators, mapping=dict(items[start : start + 10_000]))
        pipe.execute()

    def step(self, limit: int = 200) -> int:
        """Store up to `limit` waiting messages; returns how many there were. Each is removed
        from the list only once stored, and only if it is still the first."""
        self.hold()
        batch = cast(list[str], self.redis.lrange(self.keys.messages, 0, limit - 1))  # connect() decodes to str
        for text in batch:
            self.handle(decode(text))
            digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
            if not self.redis.eval(POP_STORED, 1, self.keys.messages, digest):
                logger.warning(
                    "the messages of crawl %s changed in Redis while being stored (did the Redis server "
                    "restart?); reading them again",
                    self.keys.crawl_id,
                )
                break
        return len(batch)

    def handle(self, message: dict[str, Any]) -> None:
        """Store one message, and count it in the ledger in the same transaction."""
        assert self.ledger is not None
        with self.store.transaction():
            if "sender" not in message or not isinstance(message.get("seq"), int):
                logger.warning(
                    "a message from %s without a sequence number was stored but not counted", message.get("worker")
                )
            elif not self.ledger.accept(message):
                return
            self.apply(message)

    def apply(self, message: dict[str, Any]) -> None:
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
        elif kind == "unfetched":
            self.store.mark_pending(message["url"], message["error"])
        elif kind == "gone":
            self.store.settle_pending(message["url"])
        elif kind in ("hello", "done"):
            self.run()
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
        return (
            ", ".join(
                f"{name} {'gone' if worker.gone(now) else worker.state}"
                for name, worker in sorted(self.board.workers().items())
            )
            or "none yet"
        )

    def summary(self, board: bool = True) -> dict[str, dict[str, Any]]:
        """Each worker's ending and figures: what it says it sent, and what of that was stored,
        lost on the way or handed over again. A worker on the board of which no message arrived
        is in it too. Without the board (Redis is gone), a worker not known to have stopped is
        'running'."""
        assert self.ledger is not None
        now = self.board.now() if board else 0.0
        workers = self.board.workers() if board else {}
        summary: dict[str, dict[str, Any]] = {}
        for account in self.ledger.accounts():
            name = account.worker if account.worker not in summary else f"{account.worker} ({account.sender[:8]})"
            summary[name] = worker_figures(
                account, workers.get(account.worker) if board else None, now, "gone" if board else "running"
            )
        for name, worker in sorted(workers.items()):
            if name not in summary:
                summary[name] = worker_figures(Account("", name), worker, now, "gone")
        return summary

    def close(self) -> CrawlRun:
        """Finish the run with each worker's figures and forget the crawl in Redis, so the
        same crawl id starts afresh next time. A run some of whose messages never reached the
        store is 'incomplete' and says so in its note."""
        assert self.ledger is not None
        summary = self.summary()
        troubled = [name for name, worker in summary.items() if worker["reason"] not in GOOD_ENDINGS]
        for name in troubled:
            logger.warning("worker %s ended early (%s)", name, summary[name]["reason"])
        missing = missing_sentence(summary)
        status = "incomplete" if missing else "interrupted" if troubled else "finished"
        run_id = self.run()
        totals: dict[str, int] = {}  # the crawl's own figures, summed over the workers
        for worker in summary.values():
            for key, value in worker["stats"].items():
                if key.startswith("newsarchive_") and isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        totals["newsarchive_unfetched"] = self.store.unfetched()
        totals["newsarchive_messages_missing"] = sum(worker["missing"] or 0 for worker in summary.values())
        totals["newsarchive_messages_repeated"] = sum(worker["repeated"] for worker in summary.values())
        with self.store.transaction():
            self.store.finish_run(run_id, status, {**totals, "workers": summary})
            if missing:
                self.store.annotate_run(run_id, note=missing)
            self.ledger.close(run_id)
        for flag in flag_run(self.store, run_id):
            logger.warning("crawl run %d: %s", run_id, flag)
        self.redis.delete(*self.keys.all())
        return self.store.run(run_id)

    def abandon(self, board: bool = True) -> None:
        """Mark the run interrupted, with what each worker sent so far; the crawl stays in Redis
        (if Redis is still there) for the next ingester, which goes on counting."""
        if self.run_id is not None and self.ledger is not None:
            self.store.finish_run(self.run_id, "interrupted", {"workers": self.summary(board)})

    def stop(self) -> None:
        """Abandon the run and let another ingester take over the crawl."""
        self.abandon()
        if self.held is not None:
            self.redis.eval(RELEASE_CLAIM, 1, self.keys.ingester, self.held)


def worker_figures(account: Account, worker: WorkerState | None, now: float, unheard: str) -> dict[str, Any]:
    """One worker's line of the run's figures; its reason is `unheard` when neither it nor the
    board says it stopped. `missing` is how many of its messages are known not to have been
    stored: what it says it sent less what was stored, or — when it stopped without a word —
    the numbers skipped; None when it said on the board that it was done and not one of its
    messages arrived."""
    report = account.report
    reason = report.get("reason") or (unheard if worker is None or worker.gone(now) else "unknown")
    if account.sent is not None:
        missing: int | None = account.sent - account.stored
    elif reason == "unknown" and not account.stored:
        missing = None
    else:
        missing = account.lost
    stats = {k.replace("/", "_"): v for k, v in report.get("stats", {}).items()}
    return {
        "base_url": report.get("base_url"),
        "reason": reason,
        "sent": account.sent,
        "stored": account.stored,
        "missing": missing,
        "repeated": account.repeated,
        "stats": stats,
    }


def missing_sentence(summary: dict[str, dict[str, Any]]) -> str | None:
    """What a run says of messages its workers sent that never reached the store; None when
    none is known to be missing."""
    short = {name: worker["missing"] for name, worker in summary.items() if worker["missing"] != 0}
    if not short:
        return None
    known = sum(count for count in short.values() if count)
    per_worker = ", ".join(f"{name}: {'all' if count is None else count}" for name, count in sorted(short.items()))
    amount = "1 message" if known == 1 else f"{known} messages" if known else "Messages"
    return (
        f"{amount} the workers sent never reached the store ({per_worker}); what they carried is in those "
        "workers' WARC files, and `newsarchive import warc` on them stores it"
    )
