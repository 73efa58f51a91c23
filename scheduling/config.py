"""The schedule file (TOML): which site, and per job a trigger and what to crawl.

    [site]
    name = "phnompenhpost.com"
    base_url = "http://127.0.0.1:8000"
    timezone = "UTC"

    [jobs.most-viewed]
    interval = { minutes = 30 }
    discover = ["home"]

    [jobs.deep]
    cron = "40 4 * * sun"
    refresh = true

A job has either `cron` (five crontab fields) or `interval` (weeks, days, hours, minutes,
seconds), and may say what its crawl reads (discover, listing_pages, sections, refresh,
max_articles), how politely (delay, concurrency; [crawl] gives defaults for every job), and
whether the index is updated after it (index, default true). The crawl settings, and how each
is checked, are the crawl options that crawler.options lets a schedule give.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler import sites
from crawler.options import BASE_URL, SCHEDULED

JOB_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
CRAWL_KEYS = set(SCHEDULED)
JOB_KEYS = CRAWL_KEYS | {"cron", "interval", "index"}


class ConfigError(ValueError):
    """The schedule file cannot be used; the text says why in one sentence."""


@dataclass(frozen=True)
class Job:
    name: str
    cron: str | None
    interval: dict[str, int]
    crawl: dict[str, Any]
    index: bool = True

    def crawl_arguments(self) -> list[str]:
        """The job's crawl as `newsarchive crawl` flags."""
        arguments = ["--job", self.name]
        for key, value in self.crawl.items():
            arguments += SCHEDULED[key].flag_arguments(value)
        return arguments


@dataclass(frozen=True)
class Schedule:
    path: Path
    site: str
    base_url: str | None
    contact: str | None
    timezone: ZoneInfo
    jobs: list[Job] = field(default_factory=list)

    def job(self, name: str) -> Job:
        for job in self.jobs:
            if job.name == name:
                return job
        raise ConfigError(f"{self.path} has no job {name!r} (it has {', '.join(j.name for j in self.jobs)}).")


def load(path: Path) -> Schedule:
    """Read and check the whole file, so that a mistake stops the scheduler before it starts."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"There is no schedule file at {path}.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML ({error}).") from None
    site = table(data, "site", path)
    zone_name = site.get("timezone", "UTC")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: timezone {zone_name!r} is not a known time zone.") from None
    defaults = table(data, "crawl", path)
    check_keys(defaults, CRAWL_KEYS, f"{path} [crawl]")
    jobs_table = table(data, "jobs", path)
    if not jobs_table:
        raise ConfigError(f"{path} has no [jobs.NAME] tables: there is nothing to schedule.")
    jobs = [make_job(name, spec, defaults, path) for name, spec in jobs_table.items()]
    base_url = site.get("base_url")
    if base_url is not None:
        check_site_address(base_url, path)
    name = site.get("name", sites.DEFAULT)
    try:
        sites.site(str(name))
    except sites.SiteError as error:
        raise ConfigError(f"{path} [site]: name {error}.") from None
    return Schedule(path=path, site=str(name), base_url=base_url, contact=site.get("contact"), timezone=zone, jobs=jobs)


def check_site_address(base_url: object, path: Path) -> None:
    """The same check as `crawl --base-url`, so that a bad address stops the scheduler now
    rather than failing every run."""
    if not BASE_URL.kind.fits(base_url):
        raise ConfigError(f'{path} [site]: base_url is {BASE_URL.what()}, e.g. "http://127.0.0.1:8000".')
    try:
        BASE_URL.value(cast(str, base_url))  # an address fits only as a str
    except ValueError as error:
        raise ConfigError(f"{path} [site]: {error}.") from None


def table(data: dict, name: str, path: Path) -> dict:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table.")
    return value


def check_keys(spec: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ConfigError(f"{where} has unknown settings: {', '.join(unknown)} (known: {', '.join(sorted(allowed))}).")


def make_job(name: str, spec: Any, defaults: dict, path: Path) -> Job:
    where = f"{path} [jobs.{name}]"
    if not JOB_NAME.fullmatch(name):
        raise ConfigError(f"{where}: a job name is lower-case letters, digits, - and _ (at most 40).")
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a table.")
    check_keys(spec, JOB_KEYS, where)
    if ("cron" in spec) == ("interval" in spec):
        raise ConfigError(f'{where} needs exactly one of cron = "…" or interval = {{ minutes = … }}.')
    interval = spec.get("interval", {})
    if "interval" in spec and not valid_interval(interval):
        raise ConfigError(f"{where}: interval takes whole numbers of {', '.join(INTERVAL_UNITS)}, not all zero.")
    cron = spec.get("cron")
    if cron is not None and (not isinstance(cron, str) or len(cron.split()) != 5):
        raise ConfigError(f'{where}: cron is five crontab fields, e.g. "0 * * * *".')
    crawl = {k: v for k, v in {**defaults, **spec}.items() if k in CRAWL_KEYS}
    check_crawl(crawl, where)
    index = spec.get("index", True)
    if not isinstance(index, bool):
        raise ConfigError(f"{where}: index is true or false.")
    return Job(name=name, cron=cron, interval=interval, crawl=crawl, index=index)


def valid_interval(interval: object) -> bool:
    """Whole, non-negative numbers of known units, not all zero."""
    return (
        isinstance(interval, dict)
        and not set(interval) - set(INTERVAL_UNITS)
        and any(interval.values())
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in interval.values())
    )


def check_crawl(crawl: dict, where: str) -> None:
    for key, value in crawl.items():
        option = SCHEDULED[key]
        if not option.fits(value):
            raise ConfigError(f"{where}: {key} is {option.what()}.")
