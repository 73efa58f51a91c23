"""One run of one job: crawl (a child process, since Scrapy's reactor runs once per process),
then an incremental index update, each recorded on the crawl run. A job whose previous run
still holds its lock is skipped, not queued: the next due time will come soon enough. So is a
run that finds another crawl (another job's, one started by hand, an ingester) writing the
archive: two would fetch every page twice."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.health import figures
from archive.locks import FileLock
from archive.read_model import CrawlRun
from archive.store import Store, StoreError
from cli.crawl_cmd import UNFETCHED_EXIT
from crawler.session import StoreLock, unfetched_sentence
from scheduling.config import Job, Schedule
from search.indexer import IndexUnavailableError, update

logger = logging.getLogger(__name__)
INDEX_ATTEMPTS = 30  # another writer (a rebuild, another job) usually lets go within a minute
INDEX_WAIT = 2.0


@dataclass
class Outcome:
    job: str
    status: str  # finished, failed, stopped, skipped
    started_at: str
    ended_at: str
    run_id: int | None = None
    message: str = ""


@dataclass
class Runner:
    """Runs jobs for one data folder and index; shared by the scheduler's threads."""

    schedule: Schedule
    data_dir: Path
    index_dir: Path
    stopping: threading.Event = field(default_factory=threading.Event)
    children: set[subprocess.Popen] = field(default_factory=set)
    index_lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, job: Job) -> Outcome:
        started = now()
        lock = FileLock(self.data_dir / "locks" / f"{job.name}.lock")
        if not lock.acquire():
            message = f"the previous run (pid {lock.holder()[0]}) still holds the job's lock"
            logger.info("job %s skipped: %s", job.name, message)
            return Outcome(job.name, "skipped", started, now(), message=message)
        store_lock = StoreLock(self.data_dir)
        try:
            if not store_lock.acquire("crawl"):
                message = f"{store_lock.who()} is already writing the archive"
                logger.info("job %s skipped: %s", job.name, message)
                return Outcome(job.name, "skipped", started, now(), message=message)
            return self.crawl_and_index(job, lock, store_lock, started)
        finally:
            store_lock.release()
            lock.release()

    def crawl_and_index(self, job: Job, lock: FileLock, store_lock: StoreLock, started: str) -> Outcome:
        try:
            code, pid, last_line = self.crawl(job, lock, store_lock)
        finally:
            store_lock.release()  # the index update may overlap another crawl
        with Store(self.data_dir / "archive.sqlite3") as store:
            run = store.latest_run_of(pid, job.name)
            run_id = run.id if run else None
            if run_id is None:  # the crawl stopped before it could record itself
                problem = store.quick_check()
                if problem != "ok":  # it refused a damaged store: nothing is written into it here either
                    note = last_line or f"the store fails SQLite's quick check ({problem})"
                    logger.warning("job %s failed: %s", job.name, note)
                    return Outcome(job.name, "failed", started, now(), message=note)
                run_id = store.start_run(self.schedule.site, self.schedule.base_url or "", {}, job.name)
                store.finish_run(run_id, "failed", {})
            if run and run.status == "running":  # killed before it could say how it ended
                store.finish_run(run_id, "interrupted", {})
            if code == UNFETCHED_EXIT:  # finished; what it missed is said on the run, and asked for next time
                missing = figures(store.run(run_id)).get("newsarchive_unfetched", 0)
                store.annotate_run(run_id, note=unfetched_sentence(missing))
            elif code != 0:
                note = last_line or (
                    f"the crawl was stopped by {signal.Signals(-code).name}"
                    if code < 0
                    else f"the crawl exited with code {code}"
                )
                store.annotate_run(run_id, note=note)
                status = "stopped" if self.stopping.is_set() else "failed"
                logger.warning("job %s run %d %s: %s", job.name, run_id, status, note)
                return Outcome(job.name, status, started, now(), run_id, note)
            if self.stopping.is_set():
                store.annotate_run(run_id, note="stopped before the index update (the next run's update covers it)")
                return Outcome(job.name, "stopped", started, now(), run_id, "stopped before the index update")
            if not job.index:
                return Outcome(job.name, "finished", started, now(), run_id, summary(store.run(run_id)))
            return self.index(job, store, run_id, started)

    def crawl(self, job: Job, lock: FileLock, store_lock: StoreLock) -> tuple[int, int, str]:
        """Run the crawl as a child that shares the job's lock and the store's, so the locks
        stay held while the crawl lives even if this process is killed."""
        arguments = [
            sys.executable,
            "-m",
            "cli.main",
            "crawl",
            "--site",
            self.schedule.site,
            "--data-dir",
            str(self.data_dir),
            *job.crawl_arguments(),
        ]
        if self.schedule.base_url:
            arguments += ["--base-url", self.schedule.base_url]
        if self.schedule.contact:
            arguments += ["--contact", self.schedule.contact]
        assert lock.fd is not None and store_lock.fd is not None  # both taken by run() before the crawl
        log_path = self.data_dir / "logs" / f"{job.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            log.write(f"\n== {now()} job {job.name}: {' '.join(arguments[2:])}\n".encode())
            log.flush()
            start = log.tell()
            child = subprocess.Popen(
                arguments,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(lock.fd, store_lock.fd),
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", StoreLock.LOCK_FD_VARIABLE: str(store_lock.fd)},
            )
            self.children.add(child)
            if self.stopping.is_set():
                child.terminate()
            try:
                code = child.wait()
            finally:
                self.children.discard(child)
        return code, child.pid, last_error(log_path, start)

    def index(self, job: Job, store: Store, run_id: int, started: str) -> Outcome:
        """The incremental update; a writer already at work is waited for, not fought."""
        for _attempt in range(INDEX_ATTEMPTS):
            try:
                with self.index_lock:
                    report = update(store, self.index_dir)
                store.annotate_run(run_id, indexed=report.indexed)
                message = f"{summary(store.run(run_id))}; {report.indexed} indexed"
                logger.info("job %s run %d finished: %s", job.name, run_id, message)
                return Outcome(job.name, "finished", started, now(), run_id, message)
            except IndexUnavailableError as error:
                last = str(error)
                if self.stopping.wait(INDEX_WAIT):
                    break
            except (StoreError, OSError) as error:
                last = str(error)
                break
        note = f"the index update failed: {last}"
        store.annotate_run(run_id, note=note)
        logger.warning("job %s run %d: %s", job.name, run_id, note)
        return Outcome(job.name, "failed", started, now(), run_id, note)

    def stop(self) -> None:
        """Finish cleanly: crawls stop as Scrapy stops on SIGTERM (requests in flight land,
        the run is recorded); no new step starts."""
        self.stopping.set()
        for child in list(self.children):
            child.terminate()


def summary(run: CrawlRun) -> str:
    return (
        f"{run.pages} pages, {run.new_articles} new articles, {run.new_revisions} new revisions, "
        f"{run.snapshots} new snapshots, {run.warnings} warnings, {run.errors} errors"
    )


def last_error(log_path: Path, start: int) -> str:
    """The crawl's own one-sentence reason when it refused to run ("newsarchive: …"), from
    what this run wrote to the log after `start`."""
    with log_path.open("rb") as log:
        log.seek(max(start, log_path.stat().st_size - 4096))
        lines = log.read().decode("utf-8", "replace").splitlines()
    reasons = [line.removeprefix("newsarchive: ") for line in lines if line.startswith("newsarchive: ")]
    return reasons[-1] if reasons else ""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
