"""The account a distributed crawl's ingester keeps of what each worker process sent, in
the store and in the transaction that stores each message: so a message handed over twice (a
Redis server that restarted from an older copy, an ingester killed between storing and
removing it) is stored once, and one that never arrived is counted, not forgotten.

A worker numbers its messages 1, 2, 3 … and they reach the one list in Redis in that order;
so a number at or below the highest already stored is a repeat, and a jump past the next one
is a loss. A worker's `done` message says how many it sent in all.

Rows belong to a round: one life of the crawl in Redis, from the first ingester's start to
the close that forgets the crawl there. A row moves to the current round with each message
of its sender, so a worker goes on being counted across ingester restarts and even a Redis
server that lost everything."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from archive.store import Store


@dataclass
class Account:
    """One worker process's messages: the highest number stored, how many were stored, lost
    (numbers skipped) and repeated (handed over again), and what its hello and done said."""

    sender: str
    worker: str
    stored: int = 0
    highest: int = 0
    lost: int = 0
    repeated: int = 0
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def sent(self) -> int | None:
        """How many messages the worker says it sent; None until its done arrives."""
        return self.report.get("sent")


class Ledger:
    def __init__(self, store: Store, crawl_id: str, round_id: str):
        self.store = store
        self.crawl_id = crawl_id
        self.round = round_id

    def account(self, sender: str) -> Account | None:
        row = self.store.db.execute("SELECT * FROM cluster_senders WHERE sender = ?", (sender,)).fetchone()
        if row is None:
            return None
        return Account(
            row["sender"],
            row["worker"],
            row["stored"],
            row["highest"],
            row["lost"],
            row["repeated"],
            json.loads(row["report"]),
        )

    def accept(self, message: dict[str, Any]) -> bool:
        """Count `message` in; False when it is a repeat, not to be stored again. Call inside
        the transaction that stores it."""
        sender, seq = message["sender"], int(message["seq"])
        account = self.account(sender) or Account(sender, message["worker"])
        if seq <= account.highest:
            account.repeated += 1
            self.save(account)
            return False
        account.lost += seq - account.highest - 1
        account.highest = seq
        account.stored += 1
        if message["kind"] in ("hello", "done"):
            account.report.update({k: v for k, v in message.items() if k not in ("kind", "worker", "sender", "seq")})
        self.save(account)
        return True

    def save(self, account: Account) -> None:
        self.store.db.execute(
            "INSERT INTO cluster_senders (sender, crawl_id, round, worker, stored, highest, lost, repeated, report) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender) DO UPDATE SET round = excluded.round, "
            "stored = excluded.stored, highest = excluded.highest, lost = excluded.lost, "
            "repeated = excluded.repeated, report = excluded.report, closed_run = NULL",
            (
                account.sender,
                self.crawl_id,
                self.round,
                account.worker,
                account.stored,
                account.highest,
                account.lost,
                account.repeated,
                json.dumps(account.report, default=str),
            ),
        )

    def accounts(self) -> list[Account]:
        """Every worker process of this round not yet closed, by name."""
        senders = self.store.db.execute(
            "SELECT sender FROM cluster_senders WHERE round = ? AND closed_run IS NULL ORDER BY worker, sender",
            (self.round,),
        ).fetchall()
        return [account for (sender,) in senders if (account := self.account(sender)) is not None]

    def close(self, run_id: int) -> None:
        """The round's accounts belong to run `run_id` from now on."""
        with self.store.transaction():
            self.store.db.execute(
                "UPDATE cluster_senders SET closed_run = ? WHERE round = ? AND closed_run IS NULL", (run_id, self.round)
            )
