"""The long-lived scheduler: APScheduler fires each job on its trigger; the Runner does the
work. A job never overlaps itself (one instance, and the job's lock across processes); due
times that pass while it runs, or while no scheduler was running, fold into one run instead of
a burst; SIGTERM lets the current step finish and starts no other."""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from archive.store import Store
from scheduling.config import Job, Schedule
from scheduling.runner import Runner
from scheduling.state import SchedulerState
from scheduling.triggers import trigger

logger = logging.getLogger(__name__)


class Service:
    def __init__(self, schedule: Schedule, data_dir: Path, index_dir: Path):
        self.schedule = schedule
        self.runner = Runner(schedule, data_dir, index_dir)
        self.state = SchedulerState(data_dir, schedule.path)
        self.data_dir = data_dir
        self.active = 0  # runs in progress
        self.counting = threading.Lock()
        self.scheduler = BackgroundScheduler(
            timezone=schedule.timezone,
            executors={"default": ThreadPoolExecutor(len(schedule.jobs))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.scheduler.add_listener(self.on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES)

    def run_forever(self) -> None:
        """Until SIGTERM or SIGINT; then wait for the running steps and leave."""
        stop = threading.Event()

        def on_signal(signum: int, _frame: object) -> None:
            logger.info(
                "%s: finishing the current step of each running job, then stopping", signal.Signals(signum).name
            )
            self.runner.stop()
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.scheduler.start()
        for job in self.schedule.jobs:
            self.add(job)
        while not stop.wait(1.0):
            pass
        self.scheduler.pause()
        while self.active:  # APScheduler's shutdown holds its job store while it waits for them
            time.sleep(0.1)
        self.scheduler.shutdown(wait=True)
        self.state.stopped()
        logger.info("scheduler stopped")

    def add(self, job: Job) -> None:
        job_trigger = trigger(job, self.schedule)
        first = self.first_run(job, job_trigger)
        options = {"next_run_time": first} if first else {}
        added = self.scheduler.add_job(self.fire, job_trigger, args=[job.name], id=job.name, name=job.name, **options)
        self.state.job(job.name, str(job_trigger), added.next_run_time)
        logger.info(
            "job %s (%s): next run %s%s",
            job.name,
            job_trigger,
            first or added.next_run_time,
            " (due times were missed: one run now makes up for them)"
            if first and first <= datetime.now(self.schedule.timezone)
            else "",
        )

    def first_run(self, job: Job, job_trigger) -> datetime | None:
        """When the last recorded run of the job (by any scheduler or timer) says it is due:
        now if one or more due times were missed (one run for all of them), else the next due
        time after that run for an interval (cron keeps its own times)."""
        with Store(self.data_dir / "archive.sqlite3") as store:
            last = store.last_started(job.name)
        if last is None:
            return None
        now = datetime.now(self.schedule.timezone)
        if job.cron:
            due = job_trigger.get_next_fire_time(None, last + timedelta(seconds=1))
            return now if due and due <= now else None
        due = last + timedelta(**job.interval)
        return max(due, now)

    def fire(self, name: str) -> None:
        with self.counting:
            self.active += 1
        try:
            if self.runner.stopping.is_set():
                return
            outcome = self.runner.run(self.schedule.job(name))
            scheduled = None if self.runner.stopping.is_set() else self.scheduler.get_job(name)
            self.state.finished(outcome, scheduled.next_run_time if scheduled else None)
        finally:
            with self.counting:
                self.active -= 1

    def on_event(self, event: JobEvent) -> None:
        scheduled = self.scheduler.get_job(event.job_id)
        if event.code == EVENT_JOB_SUBMITTED:
            self.state.running(event.job_id, True, scheduled.next_run_time if scheduled else None)
        else:
            logger.info("job %s is still running: this due time is folded into it", event.job_id)
            self.state.folded(event.job_id)
