"""What the running scheduler tells the status page: its pid, and per job the trigger, the
next due time, whether a run is going, how many due times were folded into a running one, and
the last outcome. One small JSON file in the data folder, replaced whole on every change."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from scheduling.runner import Outcome

STATE_FILE = "scheduler.json"


class SchedulerState:
    def __init__(self, data_dir: Path, config: Path):
        self.path = data_dir / STATE_FILE
        self.lock = threading.Lock()
        self.data: dict = {
            "pid": os.getpid(),
            "config": str(config.resolve()),
            "started_at": stamp(datetime.now(UTC)),
            "stopped_at": None,
            "jobs": {},
        }

    def job(self, name: str, trigger: str, next_run: datetime | None) -> None:
        with self.lock:
            entry = self.data["jobs"].setdefault(name, {"running": False, "folded": 0, "skipped": 0, "last": None})
            entry.update(trigger=trigger, next_run=stamp(next_run))
            self._write()

    def running(self, name: str, running: bool, next_run: datetime | None = None) -> None:
        with self.lock:
            self.data["jobs"][name]["running"] = running
            if next_run is not None:
                self.data["jobs"][name]["next_run"] = stamp(next_run)
            self._write()

    def folded(self, name: str) -> None:
        """A due time passed while the job was still running: it is not made up later."""
        with self.lock:
            self.data["jobs"][name]["folded"] += 1
            self._write()

    def finished(self, outcome: Outcome, next_run: datetime | None) -> None:
        with self.lock:
            entry = self.data["jobs"][outcome.job]
            entry.update(running=False, last=asdict(outcome), next_run=stamp(next_run))
            if outcome.status == "skipped":
                entry["skipped"] += 1
            self._write()

    def stopped(self) -> None:
        with self.lock:
            self.data["stopped_at"] = stamp(datetime.now(UTC))
            for entry in self.data["jobs"].values():
                entry.update(running=False, next_run=None)
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.data, indent=2), encoding="utf-8")
        os.replace(temporary, self.path)


def read_state(data_dir: Path) -> dict | None:
    try:
        return json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def stamp(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None
