"""The crawl status a person or a monitor reads: is the scheduler running, per job the next
due time and the last runs with their figures, and every failed or flagged run."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from archive.health import figures
from archive.store import pid_alive
from scheduling.state import read_state

RUNS_PER_JOB = 10
FAILURES = 20
FIGURES = ("pages", "new_articles", "new_revisions", "unchanged", "snapshots", "warnings", "errors", "indexed")


def crawl_status(db: sqlite3.Connection, data_dir: Path) -> dict:
    state = read_state(data_dir) or {}
    jobs_state = state.get("jobs", {})
    names = list(jobs_state) + [row[0] for row in db.execute(
        "SELECT job FROM crawl_runs GROUP BY job ORDER BY max(id) DESC") if row[0] not in jobs_state]
    jobs = []
    for name in names:
        entry = jobs_state.get(name, {})
        runs = [run_dict(row) for row in db.execute(
            "SELECT * FROM crawl_runs WHERE job = ? ORDER BY id DESC LIMIT ?", (name, RUNS_PER_JOB))]
        jobs.append({"name": name, "trigger": entry.get("trigger"), "next_run": entry.get("next_run"),
                     "running": entry.get("running", False), "folded": entry.get("folded", 0),
                     "skipped": entry.get("skipped", 0), "runs": runs})
    troubled = [run_dict(row) for row in db.execute(
        "SELECT * FROM crawl_runs WHERE status NOT IN ('finished', 'running') OR note IS NOT NULL OR flags != '[]' "
        "ORDER BY id DESC LIMIT ?", (FAILURES,))]
    return {"scheduler": scheduler_summary(state), "jobs": jobs,
            "failures": [run for run in troubled if run["status"] != "finished" or run["note"]],
            "flagged": [run for run in troubled if run["flags"]]}


def scheduler_summary(state: dict) -> dict:
    if not state:
        return {"state": "never started", "pid": None, "config": None, "started_at": None, "stopped_at": None}
    running = not state.get("stopped_at") and pid_alive(state.get("pid"))
    return {"state": "running" if running else "stopped", "pid": state.get("pid"), "config": state.get("config"),
            "started_at": state.get("started_at"), "stopped_at": state.get("stopped_at")}


def run_dict(row: sqlite3.Row) -> dict:
    return {"id": row["id"], "job": row["job"], "status": row["status"], "started_at": row["started_at"],
            "finished_at": row["finished_at"], **{name: row[name] for name in FIGURES},
            "found": figures(row).get("newsarchive_listed", 0), "flags": json.loads(row["flags"] or "[]"),
            "note": row["note"]}
