"""Crawl runs as the crawler, the scheduler, its status page, the about page and the demo read
them: each run a CrawlRun (archive.read_model), the form archive.health reads a run's figures
from."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from archive.read_model import CrawlRun
from archive.times import parse_utc


class RunQueries:
    """Usable on a store, or on a bare connection to one."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def _runs(self, condition: str, parameters: tuple = ()) -> list[CrawlRun]:
        """The runs `condition` picks, the table named r in it."""
        cursor = self.db.execute(f"SELECT r.* FROM crawl_runs r {condition}", parameters)
        columns = [column[0] for column in cursor.description]
        return [CrawlRun(**dict(zip(columns, row, strict=True))) for row in cursor]

    def run(self, run_id: int) -> CrawlRun:
        """A run the store recorded (its id from start_run)."""
        (run,) = self._runs("WHERE id = ?", (run_id,))
        return run

    def earlier_runs(self, run_id: int, limit: int = 10) -> list[CrawlRun]:
        """The runs of the same job and site before `run_id`, newest first."""
        return self._runs(
            "JOIN crawl_runs this ON this.id = ? WHERE r.job = this.job AND r.site = this.site AND r.id < this.id "
            "ORDER BY r.id DESC LIMIT ?",
            (run_id, limit),
        )

    def all_runs(self) -> list[CrawlRun]:
        """Every run, oldest first."""
        return self._runs("ORDER BY id")

    def last_run(self) -> CrawlRun | None:
        runs = self._runs("ORDER BY id DESC LIMIT 1")
        return runs[0] if runs else None

    def latest_run_of(self, pid: int, job: str) -> CrawlRun | None:
        """The newest run of `job` that process `pid` recorded."""
        runs = self._runs("WHERE pid = ? AND job = ? ORDER BY id DESC LIMIT 1", (pid, job))
        return runs[0] if runs else None

    def recent_runs(self, job: str, limit: int) -> list[CrawlRun]:
        """The last `limit` runs of `job`, newest first."""
        return self._runs("WHERE job = ? ORDER BY id DESC LIMIT ?", (job, limit))

    def troubled_runs(self, limit: int) -> list[CrawlRun]:
        """The last `limit` runs that did not finish, or carry a note or flags, newest first."""
        return self._runs(
            "WHERE status NOT IN ('finished', 'running') OR note IS NOT NULL OR flags != '[]' ORDER BY id DESC LIMIT ?",
            (limit,),
        )

    def job_names(self) -> list[str]:
        """Every job that ever ran, the one that ran last first."""
        return [row[0] for row in self.db.execute("SELECT job FROM crawl_runs GROUP BY job ORDER BY max(id) DESC")]

    def last_started(self, job: str) -> datetime | None:
        """When the newest run of `job` started."""
        started = self.db.execute("SELECT max(started_at) FROM crawl_runs WHERE job = ?", (job,)).fetchone()[0]
        return parse_utc(started) if started else None
