"""What tests that drive real processes share: waiting for a condition without a wall-clock
assertion (a generous bound, then a readable failure), a process's output read as it comes,
and the crawl runs a store records."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import threading
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


class Output:
    """A process's standard output read line by line in a thread of its own, so that a test
    waits for a line with a bound (and sees everything printed) instead of blocking on it."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def first(self, pattern: str, what: str, timeout: float = 600.0) -> re.Match[str]:
        """The first line matching `pattern`; fails as soon as the output has ended without
        one, and after `timeout` s if it never comes, showing what was printed."""

        def found() -> re.Match[str] | bool:
            ended = not self._reader.is_alive()  # read before the lines: none can follow it
            match = next((m for line in list(self.lines) if (m := re.search(pattern, line))), None)
            return match or ended

        try:
            outcome = wait_for(found, what, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}; the output so far:\n{self.text()[-4000:]}") from None
        if not isinstance(outcome, re.Match):
            raise AssertionError(f"the output ended before {what}:\n{self.text()[-4000:]}")
        return outcome


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
