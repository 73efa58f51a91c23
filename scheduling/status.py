"""The crawl status a person or a monitor reads: is the scheduler running, per job the next
due time and the last runs with their figures, and every failed or flagged run."""

from __future__ import annotations

import json
from pathlib import Path

from archive.health import figures, found_in_listings, provisional_pages
from archive.processes import pid_alive
from archive.read_model import CrawlRun
from archive.run_queries import RunQueries
from scheduling.state import read_state

RUNS_PER_JOB = 10
FAILURES = 20
FIGURES = ("pages", "new_articles", "new_revisions", "unchanged", "snapshots", "warnings", "errors", "indexed")


def crawl_status(stored: RunQueries, data_dir: Path) -> dict:
    """The status from the store's crawl runs and the scheduler's state file."""
    state = read_state(data_dir) or {}
    jobs_state = state.get("jobs", {})
    names = list(jobs_state) + [name for name in stored.job_names() if name not in jobs_state]
    jobs = []
    for name in names:
        entry = jobs_state.get(name, {})
        runs = [run_dict(run) for run in stored.recent_runs(name, RUNS_PER_JOB)]
        jobs.append(
            {
                "name": name,
                "trigger": entry.get("trigger"),
                "next_run": entry.get("next_run"),
                "running": entry.get("running", False),
                "folded": entry.get("folded", 0),
                "skipped": entry.get("skipped", 0),
                "runs": runs,
            }
        )
    troubled = [run_dict(run) for run in stored.troubled_runs(FAILURES)]
    return {
        "scheduler": scheduler_summary(state),
        "jobs": jobs,
        "failures": [run for run in troubled if run["status"] != "finished" or run["note"]],
        "flagged": [run for run in troubled if run["flags"]],
    }


def scheduler_summary(state: dict) -> dict:
    if not state:
        return {"state": "never started", "pid": None, "config": None, "started_at": None, "stopped_at": None}
    running = not state.get("stopped_at") and pid_alive(state.get("pid"))
    return {
        "state": "running" if running else "stopped",
        "pid": state.get("pid"),
        "config": state.get("config"),
        "started_at": state.get("started_at"),
        "stopped_at": state.get("stopped_at"),
    }


def run_dict(run: CrawlRun) -> dict:
    """A stored run as the status shows it."""
    return {
        "id": run.id,
        "job": run.job,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        **{name: getattr(run, name) for name in FIGURES},
        "found": found_in_listings(figures(run)),
        "provisional": provisional_pages(run),
        "flags": json.loads(run.flags or "[]"),
        "note": run.note,
    }
