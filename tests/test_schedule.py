"""Scheduled crawls, run as a user runs them (`newsarchive schedule`) against the sample site
on 127.0.0.1 with its clock moving: runs on time, never overlapping, folded when missed,
stopped cleanly by SIGTERM, not blocked by a killed run, and a redesign of the site flagged."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from archive.processes import pid_alive
from archive.store import Store
from samplesite.corpus import Corpus
from samplesite.server import SampleSite, SiteClock, start_in_thread
from tests.crawling import NEWSARCHIVE
from tests.waiting import crawl_runs, wait_for

SPEED = 720.0  # site seconds per real second: a 60-minute Most viewed window lasts 5 s


class MovingSite:
    """The sample site with a moving clock, and the site time of any real moment."""

    def __init__(self, corpus: Corpus, start: datetime, speed: float = SPEED):
        self.start, self.speed = start, speed
        self.clock = SiteClock(start, speed)
        self.started = time.time()
        self.site = SampleSite(corpus, self.clock, crawl_delay=0.0)
        self.server, self.base = start_in_thread(self.site)

    def site_time(self, wall: datetime) -> datetime:
        return self.start + timedelta(seconds=(wall.timestamp() - self.started) * self.speed)


@pytest.fixture
def moving_site(corpus):
    site = MovingSite(corpus, corpus.config.end - timedelta(days=2))
    yield site
    site.server.shutdown()


def write_schedule(folder: Path, base: str, jobs: str) -> Path:
    path = folder / "schedule.toml"
    path.write_text(f'[site]\nbase_url = "{base}"\n\n[crawl]\ndelay = 0\nconcurrency = 8\n\n{jobs}', encoding="utf-8")
    return path


@contextmanager
def scheduler(folder: Path, config: Path) -> Iterator[subprocess.Popen]:
    """`newsarchive schedule` as a background process; killed if a test leaves it running."""
    log = (folder / "scheduler.log").open("wb")
    process = subprocess.Popen(
        [
            NEWSARCHIVE,
            "schedule",
            "--config",
            str(config),
            "--data-dir",
            str(folder / "data"),
            "--index-dir",
            str(folder / "index"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def run_once(folder: Path, config: Path, job: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            NEWSARCHIVE,
            "schedule",
            "--config",
            str(config),
            "--data-dir",
            str(folder / "data"),
            "--index-dir",
            str(folder / "index"),
            "--run",
            job,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def runs(folder: Path, job: str) -> list[sqlite3.Row]:
    return crawl_runs(folder / "data", job)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fired_times(log: str) -> list[datetime]:
    """The due times the scheduler fired runs for, as its log names them."""
    return [datetime.fromisoformat(t) for t in re.findall(r"Running job .*\(scheduled at (\S+ \S+)\)$", log, re.M)]


def grid_steps(fired: list[datetime], interval: timedelta) -> list[int]:
    """Each fired due time as a whole number of intervals after the first, strictly rising."""
    steps = [(t - fired[0]) / interval for t in fired]
    assert all(step == int(step) for step in steps), steps
    assert steps == sorted(set(steps)), steps
    return [int(step) for step in steps]


def test_most_viewed_snapshots_are_taken_on_schedule(moving_site, corpus, tmp_path):
    config = write_schedule(
        tmp_path, moving_site.base, '[jobs.most-viewed]\ninterval = { seconds = 3 }\ndiscover = ["home"]\n'
    )
    with scheduler(tmp_path, config) as process:
        wait_for(
            lambda: len([r for r in runs(tmp_path, "most-viewed") if r["indexed"] is not None]) >= 5,
            "five runs of the most-viewed job, crawled, stored and indexed",
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    done = [r for r in runs(tmp_path, "most-viewed") if r["indexed"] is not None]
    assert all(r["status"] == "finished" and r["note"] is None for r in done)
    fired = fired_times((tmp_path / "scheduler.log").read_text())
    assert len(fired) >= len(done)
    # each run started once its due time came, and the due times lie on the interval's grid:
    # a run that outlasted the interval folds the due times it covered, it does not drift them
    assert all(moment(r["started_at"]) >= due for r, due in zip(runs(tmp_path, "most-viewed"), fired, strict=False))
    steps = grid_steps(fired, timedelta(seconds=3))
    state = json.loads((tmp_path / "data" / "scheduler.json").read_text())
    assert sum(b - a - 1 for a, b in itertools.pairwise(steps)) <= state["jobs"]["most-viewed"]["folded"], steps

    db = sqlite3.connect(tmp_path / "data" / "archive.sqlite3")
    homes = db.execute(
        "SELECT c.run_id, c.fetched_at FROM captures c WHERE c.kind = 'listing' AND c.status = 200 ORDER BY c.id"
    ).fetchall()
    assert sorted({run for run, _ in homes}) == sorted(r["id"] for r in runs(tmp_path, "most-viewed"))
    snapshots = db.execute("SELECT id, first_seen, last_seen FROM snapshots ORDER BY first_seen").fetchall()
    stored = {
        sid: [
            tuple(e)
            for e in db.execute(
                "SELECT rank, url, title FROM snapshot_entries WHERE snapshot_id = ? ORDER BY rank", (sid,)
            )
        ]
        for sid, _, _ in snapshots
    }

    def truth_at(wall: datetime) -> list[tuple]:
        return [
            (e["rank"], e["url"], e["title"]) for e in corpus.most_viewed_truth(moving_site.site_time(wall))["entries"]
        ]

    seen_lists = []
    for _, fetched in homes:
        wall = moment(fetched)
        # the list the site showed then (or a moment before, had the window just turned)
        expected = {tuple(truth_at(wall)), tuple(truth_at(wall - timedelta(seconds=0.2)))}
        holding = [sid for sid, first, last in snapshots if moment(first) <= wall <= moment(last)]
        assert len(holding) == 1 and tuple(stored[holding[0]]) in expected
        if not seen_lists or seen_lists[-1] != stored[holding[0]]:
            seen_lists.append(stored[holding[0]])
    assert len(snapshots) == len(seen_lists) >= 3  # a new snapshot exactly when the list changed


def test_a_slow_run_never_overlaps_and_missed_times_fold_into_it(moving_site, tmp_path):
    # 1.5 s between requests makes each run outlast several 1-second due times
    config = write_schedule(
        tmp_path,
        moving_site.base,
        '[jobs.front]\ninterval = { seconds = 1 }\ndiscover = ["home"]\ndelay = 1.5\n'
        "concurrency = 1\nmax_articles = 1\nindex = false\n",
    )
    with scheduler(tmp_path, config) as process:
        running = wait_for(
            lambda: [r for r in runs(tmp_path, "front") if r["status"] == "running"], "a run in progress"
        )
        other = run_once(tmp_path, config, "front")  # cron or a second scheduler firing meanwhile
        assert other.returncode == 0
        assert "skipped" in other.stdout and "still holds the job's lock" in other.stdout
        wait_for(
            lambda: len([r for r in runs(tmp_path, "front") if r["status"] == "finished"]) >= 3, "three finished runs"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    done = runs(tmp_path, "front")
    assert done[0]["id"] == running[0]["id"]
    spans = [(moment(r["started_at"]), moment(r["finished_at"])) for r in done]
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(spans))
    shortest = min((end - start).total_seconds() for start, end in spans)
    assert shortest > 2  # each run outlasted two due times...
    state = json.loads((tmp_path / "data" / "scheduler.json").read_text())
    assert state["jobs"]["front"]["folded"] >= 2 * (len(done) - 1)  # ...which were folded, not queued
    elapsed = (spans[-1][1] - spans[0][0]).total_seconds()
    assert len(done) <= elapsed / shortest + 1  # no burst of make-up runs


def test_missed_due_times_while_stopped_make_one_run(moving_site, tmp_path):
    interval = timedelta(seconds=2)
    config = write_schedule(
        tmp_path,
        moving_site.base,
        '[jobs.most-viewed]\ninterval = { seconds = 2 }\ndiscover = ["home"]\nindex = false\n',
    )
    assert run_once(tmp_path, config, "most-viewed").returncode == 0
    time.sleep(7)  # three due times pass with no scheduler
    with scheduler(tmp_path, config) as process:
        wait_for(lambda: len(runs(tmp_path, "most-viewed")) >= 4, "three runs after the restart")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    log = (tmp_path / "scheduler.log").read_text()
    added = re.search(r"job most-viewed \(interval\[0:00:02\]\): next run (\S+ \S+) \(due times were missed", log)
    assert added, log
    first_due = datetime.fromisoformat(added[1])
    before = moment(runs(tmp_path, "most-viewed")[0]["started_at"])
    assert first_due - before > 3 * interval  # the scheduler started after three missed due times...
    fired = fired_times(log)
    assert fired[0] == first_due  # ...made up by one run at once, not one per missed time
    assert len(runs(tmp_path, "most-viewed")) - 1 <= len(fired)  # and no run but those fired
    steps = grid_steps(fired, interval)  # then due times on the interval's grid
    missed = sum(b - a - 1 for a, b in itertools.pairwise(steps))
    state = json.loads((tmp_path / "data" / "scheduler.json").read_text())
    assert missed <= state["jobs"]["most-viewed"]["folded"], (steps, state)  # a longer gap: due times folded


SLOW_DEEP_CRAWL = "[jobs.deep]\ninterval = { seconds = 1 }\ndelay = 0.3\nconcurrency = 1\n"


def test_sigterm_stops_after_the_current_step(moving_site, tmp_path):
    config = write_schedule(tmp_path, moving_site.base, SLOW_DEEP_CRAWL)
    with scheduler(tmp_path, config) as process:
        wait_for(
            lambda: [r for r in runs(tmp_path, "deep") if r["status"] == "running" and r["pages"] >= 5],
            "a deep crawl under way",
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    log = (tmp_path / "scheduler.log").read_text()
    assert "SIGTERM: finishing the current step" in log and "Traceback" not in log
    (run,) = runs(tmp_path, "deep")  # the crawl step ended, and nothing started after it
    assert run["status"] == "shutdown" and run["finished_at"] is not None
    assert run["indexed"] is None and "run it again to resume" in run["note"]
    assert not pid_alive(run["pid"])
    state = json.loads((tmp_path / "data" / "scheduler.json").read_text())
    assert state["stopped_at"] and not state["jobs"]["deep"]["running"]
    db = sqlite3.connect(tmp_path / "data" / "archive.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM captures WHERE run_id = ?", (run["id"],)).fetchone()[0] == run["pages"]


def test_a_killed_run_does_not_hold_the_job_forever(moving_site, tmp_path):
    config = write_schedule(tmp_path, moving_site.base, SLOW_DEEP_CRAWL)
    with scheduler(tmp_path, config) as process:
        (run,) = wait_for(
            lambda: [r for r in runs(tmp_path, "deep") if r["status"] == "running" and r["pages"] >= 3],
            "a deep crawl under way",
        )
        process.kill()  # the scheduler and its crawl die without a word
        os.kill(run["pid"], signal.SIGKILL)
        process.wait()
    lock = tmp_path / "data" / "locks" / "deep.lock"
    assert int(lock.read_text()) == process.pid  # the lock file stays, naming a dead holder
    quick = write_schedule(tmp_path, moving_site.base, '[jobs.deep]\ninterval = { hours = 1 }\ndiscover = ["home"]\n')
    result = run_once(tmp_path, quick, "deep")
    assert result.returncode == 0 and result.stdout.startswith("deep: finished"), result.stdout + result.stderr
    killed, again = runs(tmp_path, "deep")
    assert killed["id"] == run["id"] and killed["status"] == "interrupted"
    assert again["status"] == "finished"


def test_a_redesign_of_the_site_is_flagged(corpus, tmp_path):
    from web import create_app

    site = MovingSite(corpus, datetime(2025, 6, 1, 12, tzinfo=corpus.config.end.tzinfo), speed=0)
    try:
        config = write_schedule(
            tmp_path,
            site.base,
            '[jobs.front]\ncron = "5 * * * *"\ndiscover = ["home", "listings", "feeds"]\nlisting_pages = 1\n',
        )
        for _ in range(2):
            assert run_once(tmp_path, config, "front").returncode == 0
        site.site.redesign = True  # the current templates change their class names
        site.clock.set(corpus.config.end)  # and new articles appear in the new design
        assert run_once(tmp_path, config, "front").returncode == 0
    finally:
        site.server.shutdown()
    first, second, redesigned = runs(tmp_path, "front")
    assert json.loads(first["flags"]) == [] and json.loads(second["flags"]) == []
    flags = json.loads(redesigned["flags"])
    assert any("fewer" in flag and "listings" in flag for flag in flags)
    assert any("were provisional" in flag for flag in flags), flags
    with Store(tmp_path / "data" / "archive.sqlite3") as store:
        provisional = [record for record in store.current_records() if record["provisional"]]
    assert provisional, "a redesign degrades the archive instead of emptying it"
    truth = {
        corpus.article(i).url: corpus.article(i).truth(corpus.config.end)
        for i in corpus.newest_first(corpus.config.end)
    }
    for record in provisional:
        expected = truth[record["url"]]
        assert record["headline"] == expected["headline"] and record["published"] == expected["published"]
        assert bool(record["body"]) == bool(expected["body"]), record["url"]

    client = create_app(tmp_path / "index", tmp_path / "data").test_client()
    status = client.get("/status.json").get_json()
    assert [run["id"] for run in status["flagged"]] == [redesigned["id"]]
    (job,) = status["jobs"]
    assert job["name"] == "front" and [run["id"] for run in job["runs"]] == [
        redesigned["id"],
        second["id"],
        first["id"],
    ]
    page = client.get("/status").get_data(as_text=True)
    assert "Likely site redesign" in page and flags[0].split(":")[0] in page
    found = [json.loads(run["stats"])["newsarchive_listing_found"] for run in (first, second, redesigned)]
    assert found[2] < 0.7 * min(found[:2])  # the drop, drawn as the job's bars
    listed = [json.loads(run["stats"])["newsarchive_listed"] for run in (first, second, redesigned)]
    assert listed[2] > found[2], "the feeds still named articles the listings no longer did"
    assert all(
        f"<title>run {run['id']}: {count}</title>" in page
        for run, count in zip((first, second, redesigned), found, strict=True)
    )


def test_the_status_page_shows_jobs_next_runs_and_failures(moving_site, tmp_path):
    from web import create_app

    config = write_schedule(
        tmp_path,
        moving_site.base,
        '[jobs.most-viewed]\ninterval = { seconds = 2 }\ndiscover = ["home"]\n\n[jobs.broken]\ncron = "0 0 1 1 *"\n',
    )
    broken = tmp_path / "real-site.toml"  # the real site, and no contact address: refused before any request
    broken.write_text("[jobs.broken]\ninterval = { hours = 1 }\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_CONTACT"}
    refused = subprocess.run(
        [
            NEWSARCHIVE,
            "schedule",
            "--config",
            str(broken),
            "--data-dir",
            str(tmp_path / "data"),
            "--index-dir",
            str(tmp_path / "index"),
            "--run",
            "broken",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert refused.returncode == 1 and "broken: failed: Set NEWSARCHIVE_CONTACT" in refused.stdout
    with scheduler(tmp_path, config) as process:
        wait_for(lambda: any(r["indexed"] is not None for r in runs(tmp_path, "most-viewed")), "a run indexed")
        client = create_app(tmp_path / "index", tmp_path / "data").test_client()
        status = client.get("/status.json").get_json()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    assert status["scheduler"]["state"] == "running" and status["scheduler"]["pid"] == process.pid
    jobs = {job["name"]: job for job in status["jobs"]}
    assert jobs["most-viewed"]["trigger"] == "interval[0:00:02]" and jobs["most-viewed"]["next_run"]
    assert jobs["most-viewed"]["runs"][-1]["status"] == "finished"
    assert jobs["broken"]["next_run"].startswith(f"{datetime.now().year + 1}-01-01T00:00")
    (failure,) = status["failures"]
    assert failure["job"] == "broken" and failure["status"] != "finished" and failure["note"]
    stopped = client.get("/status.json").get_json()["scheduler"]
    assert stopped["state"] == "stopped" and stopped["stopped_at"]


def test_crontab_and_systemd_say_the_same_times_as_the_scheduler(repo_root, tmp_path):
    from apscheduler.triggers.cron import CronTrigger

    from scheduling.config import load
    from scheduling.triggers import trigger

    schedule = load(repo_root / "schedule.toml")
    assert {job.name for job in schedule.jobs} == {"most-viewed", "front", "sitemap", "deep"}
    printed = {}
    for kind in ("crontab", "systemd"):
        result = subprocess.run(
            [NEWSARCHIVE, "schedule", "--config", str(repo_root / "schedule.toml"), f"--print-{kind}"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        printed[kind] = result.stdout
    lines = [line for line in printed["crontab"].splitlines() if line and not line.startswith(("#", "CRON_TZ"))]
    calendars = [line.split("=", 1)[1] for line in printed["systemd"].splitlines() if line.startswith("OnCalendar=")]
    assert len(lines) == len(calendars) == 4
    start = datetime(2026, 11, 28, 22, 7, 13, tzinfo=schedule.timezone)
    for job, line, calendar in zip(schedule.jobs, lines, calendars, strict=True):
        assert line.endswith(f"--run {job.name}")
        expected = fire_times(trigger(job, schedule), start, 6)
        if job.cron is None:  # an interval counts from the scheduler's start; cron from the clock
            expected = fire_times(CronTrigger.from_crontab("*/30 * * * *", timezone=schedule.timezone), start, 6)
        assert (
            fire_times(CronTrigger.from_crontab(" ".join(line.split()[:5]), timezone=schedule.timezone), start, 6)
            == expected
        )
        assert systemd_times(calendar, start, 6) == expected


def fire_times(job_trigger, start: datetime, count: int) -> list[datetime]:
    times, previous, now = [], None, start
    for _ in range(count):
        previous = job_trigger.get_next_fire_time(previous, now)
        times.append(previous)
        now = previous + timedelta(seconds=1)
    return times


def systemd_times(calendar: str, start: datetime, count: int) -> list[datetime]:
    """The elapse times systemd itself computes for an OnCalendar= expression."""
    result = subprocess.run(
        [
            "systemd-analyze",
            "calendar",
            f"--iterations={count}",
            f"--base-time={start.isoformat(sep=' ').split('+')[0]} UTC",
            calendar,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    stamps = [
        line.split(":", 1)[1].strip()
        for line in result.stdout.splitlines()
        if line.strip().startswith(("Next elapse:", "Iter."))
    ]
    return [datetime.strptime(stamp, "%a %Y-%m-%d %H:%M:%S %Z").replace(tzinfo=start.tzinfo) for stamp in stamps]


@pytest.mark.parametrize(
    "text, says",
    [
        ("[site]\nbase_url = 1\n[jobs.a]\ninterval = {}\n", "interval takes whole numbers"),
        ('[jobs.a]\ncron = "61 * * * *"\n', "is not valid"),
        ('[jobs.a]\ncron = "0 * * * *"\ninterval = { hours = 1 }\n', "exactly one of cron"),
        ('[jobs.a]\ncron = "0 * * * *"\nspeed = 3\n', "unknown settings: speed"),
        ('[jobs.a]\ncron = "0 * * * *"\ndiscover = ["rumours"]\n', "discover is a list from"),
        ('[site]\nname = "phnompenhpost.com"\n', "nothing to schedule"),
        ("[jobs.a\n", "is not valid TOML"),
        ('[site]\ntimezone = "Mars/Olympus"\n[jobs.a]\ncron = "0 * * * *"\n', "not a known time zone"),
    ],
)
def test_a_bad_schedule_file_gets_one_sentence(tmp_path, text, says):
    config = tmp_path / "schedule.toml"
    config.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [NEWSARCHIVE, "schedule", "--config", str(config), "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and says in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()
