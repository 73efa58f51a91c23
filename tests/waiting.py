"""What tests that drive real processes share: waiting for a condition without a wall-clock
assertion (a generous bound, then a readable failure), and the crawl runs a store records."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path


def wait_for(condition: Callable[[], object], what: str, timeout: float = 120.0, every: float = 0.1) -> object:
    """The first true value of `condition`, polled; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"gave up waiting for {what}")


def crawl_runs(data: Path, job: str | None = None) -> list[sqlite3.Row]:
    """The store's crawl runs (of one job), oldest first, read-only; none before it exists."""
    path = data / "archive.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    db.row_factory = sqlite3.Row
    try:
        if job is None:
            return db.execute("SELECT * FROM crawl_runs ORDER BY id").fetchall()
        return db.execute("SELECT * FROM crawl_runs WHERE job = ? ORDER BY id", (job,)).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        db.close()
