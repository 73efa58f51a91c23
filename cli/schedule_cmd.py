"""`newsarchive schedule`: run the crawls of a schedule file by themselves, or print the same
schedule for cron or systemd, or run one job now."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cli.datadir import absolute, add_data_dir, add_index_dir, index_dir, resolve
from cli.errors import UserError

if TYPE_CHECKING:
    from scheduling.config import Schedule


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="run crawls on a schedule (or print it for cron or systemd)",
        description="Run the jobs of a schedule file (TOML; see schedule.toml) until SIGTERM: each run crawls, "
        "stores and updates the index, and is recorded with its figures. A job never overlaps itself; "
        "due times missed while it ran or while nothing ran are folded into one run.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the schedule file (default: $NEWSARCHIVE_SCHEDULE, else ./schedule.toml)",
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--print-crontab", action="store_true", help="print the schedule as crontab lines")
    action.add_argument("--print-systemd", action="store_true", help="print the schedule as systemd timer units")
    action.add_argument(
        "--run", metavar="JOB", dest="run_job", help="run this job once now (what the crontab lines and timers call)"
    )
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from scheduling.config import ConfigError, load
    from scheduling.triggers import crontab, systemd, trigger

    path = absolute(args.config or Path(os.environ.get("NEWSARCHIVE_SCHEDULE") or "schedule.toml"))
    program = (
        f"{Path(sys.executable).parent / 'newsarchive'} schedule --config {path.resolve()} "
        f"--data-dir {resolve(args).resolve()} --index-dir {index_dir(args).resolve()}"
    )
    try:
        schedule = load(path)
        for job in schedule.jobs:
            trigger(job, schedule)
        if args.print_crontab:
            print(crontab(schedule, program), end="")
            return 0
        if args.print_systemd:
            print(systemd(schedule, program, str(Path.cwd())), end="")
            return 0
        if args.run_job:
            schedule.job(args.run_job)
    except ConfigError as error:
        raise UserError(str(error)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)sZ %(levelname)s %(name)s: %(message)s")
    logging.Formatter.converter = time.gmtime  # UTC, as the store's times
    if args.run_job:
        return run_once(schedule, args.run_job, resolve(args), index_dir(args))
    from scheduling.service import Service

    Service(schedule, resolve(args), index_dir(args)).run_forever()
    return 0


def run_once(schedule: Schedule, name: str, data_dir: Path, index: Path) -> int:
    from scheduling.runner import Runner

    outcome = Runner(schedule, data_dir, index).run(schedule.job(name))
    print(f"{name}: {outcome.status}{': ' + outcome.message if outcome.message else ''}")
    return 0 if outcome.status in ("finished", "skipped") else 1
