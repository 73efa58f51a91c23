"""One schedule, three ways to keep it: APScheduler triggers for `newsarchive schedule`, and
the same times as crontab lines or systemd timers for those who prefer the system's own."""

from __future__ import annotations

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduling.config import ConfigError, Job, Schedule

WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NAMED_DAYS = {name.lower(): str(number) for number, name in enumerate(WEEKDAYS[:7])}


def trigger(job: Job, schedule: Schedule) -> BaseTrigger:
    """The APScheduler trigger of a job, in the schedule's time zone."""
    if job.cron:
        try:
            return CronTrigger.from_crontab(job.cron, timezone=schedule.timezone)
        except ValueError as error:
            raise ConfigError(f"{schedule.path} [jobs.{job.name}]: cron {job.cron!r} is not valid ({error}).") from None
    return IntervalTrigger(timezone=schedule.timezone, **job.interval)


def as_cron(job: Job) -> str:
    """The job's times as five crontab fields; an interval must fit cron's calendar."""
    if job.cron:
        return job.cron
    seconds = (
        job.interval.get("weeks", 0) * 604800
        + job.interval.get("days", 0) * 86400
        + job.interval.get("hours", 0) * 3600
        + job.interval.get("minutes", 0) * 60
        + job.interval.get("seconds", 0)
    )
    if seconds % 60 == 0 and 60 <= seconds < 3600 and 3600 % seconds == 0:
        return f"*/{seconds // 60} * * * *" if seconds > 60 else "* * * * *"
    if seconds % 3600 == 0 and 3600 <= seconds < 86400 and 86400 % seconds == 0:
        return f"0 */{seconds // 3600} * * *" if seconds > 3600 else "0 * * * *"
    if seconds == 86400:
        return "0 0 * * *"
    if seconds == 604800:
        return "0 0 * * 0"
    raise ConfigError(
        f"Job {job.name} runs every {seconds} seconds, which cron cannot say: give it a cron line "
        f"instead of an interval."
    )


def command(job: Job, program: str) -> str:
    """`program` is the scheduler's own command line (`… newsarchive schedule --config …`)."""
    return f"{program} --run {job.name}"


def crontab(schedule: Schedule, program: str) -> str:
    """Crontab lines running each job once per due time (`schedule --run` keeps the same lock
    and run records as the scheduler)."""
    zone = schedule.timezone.key
    lines = [f"# newsarchive schedule from {schedule.path.resolve()}; times are {zone}.", f"CRON_TZ={zone}"]
    lines += [f"{as_cron(job)} {command(job, program)}" for job in schedule.jobs]
    return "\n".join(lines) + "\n"


def systemd(schedule: Schedule, program: str, workdir: str) -> str:
    """A oneshot service and a timer per job, as files to put in /etc/systemd/system."""
    units = []
    for job in schedule.jobs:
        unit = f"newsarchive-{job.name}"
        units.append(
            f"# /etc/systemd/system/{unit}.service\n[Unit]\nDescription=newsarchive job {job.name}\n"
            f"After=network-online.target\n\n[Service]\nType=oneshot\nWorkingDirectory={workdir}\n"
            f"ExecStart={command(job, program)}\nKillSignal=SIGTERM\n"
        )
        units.append(
            f"# /etc/systemd/system/{unit}.timer\n[Unit]\nDescription=newsarchive job {job.name}\n\n"
            f"[Timer]\nOnCalendar={on_calendar(as_cron(job), job)} {schedule.timezone.key}\n"
            f"# a run missed while the machine was off happens once at boot, not once per miss\n"
            f"Persistent=true\n\n[Install]\nWantedBy=timers.target\n"
        )
    return "\n".join(units)


def on_calendar(cron: str, job: Job) -> str:
    """Five crontab fields as a systemd calendar event."""
    minute, hour, day, month, weekday = cron.split()
    if day != "*" and weekday != "*":
        raise ConfigError(
            f"Job {job.name}: cron {cron!r} names both days of the month and of the week, which "
            f"systemd reads differently from cron; split it into two jobs."
        )
    days = "" if weekday == "*" else ",".join(weekday_part(part, job) for part in weekday.split(",")) + " "
    return f"{days}*-{field(month, 1, job)}-{field(day, 1, job)} {field(hour, 0, job)}:{field(minute, 0, job)}:00"


def field(text: str, first: int, job: Job) -> str:
    """One crontab field in systemd's words: */n → first/n, a-b → a..b, lists kept."""
    parts = []
    for part in text.split(","):
        if part == "*":
            parts.append("*")
        elif part.startswith("*/") and part[2:].isdigit():
            parts.append(f"{first:02d}/{int(part[2:])}")
        elif "-" in part and all(p.isdigit() for p in part.split("-", 1)):
            low, high = part.split("-", 1)
            parts.append(f"{int(low):02d}..{int(high):02d}")
        elif part.isdigit():
            parts.append(f"{int(part):02d}")
        else:
            raise ConfigError(
                f"Job {job.name}: the cron field {text!r} has no systemd form here; use numbers, ranges, lists or */n."
            )
    return ",".join(parts)


def weekday_part(part: str, job: Job) -> str:
    low, _, high = part.lower().partition("-")
    names = [NAMED_DAYS.get(low, low), NAMED_DAYS.get(high, high)] if high else [NAMED_DAYS.get(low, low)]
    if not all(n.isdigit() and int(n) <= 7 for n in names):
        raise ConfigError(f"Job {job.name}: the day of week {part!r} has no systemd form here.")
    return "..".join(WEEKDAYS[int(n)] for n in names)
