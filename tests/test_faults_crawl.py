"""Faults at the start of a crawl, met as a user meets them (real `newsarchive` processes
against the sample site on 127.0.0.1): a second writer on a data folder another is writing —
a crawl, a scheduled run, an ingester —, a base URL nothing can be fetched from, and a
damaged store. Each is refused in one sentence, exit 2, before anything is fetched or
written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from samplesite.corpus import Corpus, SiteConfig
from samplesite.server import SampleSite
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve
from tests.waiting import crawl_runs, wait_for

SLOW = ["--delay", "0.5", "--concurrency", "1", "-s", "AUTOTHROTTLE_ENABLED=False", "--no-requisites"]


def newsarchive(*arguments: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *arguments], capture_output=True, text=True, timeout=timeout)


def one_sentence(result: subprocess.CompletedProcess) -> str:
    """The refusal: exit 2 and one line on stderr, no traceback."""
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


def fetched_by(site: SampleSite, contact: str) -> list[str]:
    """What the site was asked for by the crawl whose user agent names `contact`."""
    return [r["path"] for r in site.requests if contact in (r["agent"] or "")]


def running_run(data: Path, pid: int) -> sqlite3.Row:
    """The run a crawl of process `pid` has recorded, once it has fetched a few pages."""
    return wait_for(
        lambda: next(
            (r for r in crawl_runs(data) if r["pid"] == pid and r["status"] == "running" and r["pages"] >= 2), None
        ),
        f"the crawl of pid {pid} under way",
    )


@contextmanager
def slow_crawl(base: str, data: Path, contact: str) -> Iterator[subprocess.Popen]:
    """A crawl that keeps running (half a second between requests) until the test is done."""
    data.parent.mkdir(parents=True, exist_ok=True)
    with (data.parent / f"{contact}.log").open("wb") as log:
        process = subprocess.Popen(
            [NEWSARCHIVE, "crawl", "--base-url", base, "--data-dir", str(data), "--contact", contact, *SLOW],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=60)


@pytest.fixture
def small_site() -> Iterator[tuple[Corpus, SampleSite, str]]:
    corpus = Corpus(SiteConfig(seed=11, count=120))
    site, server, base = serve(corpus, crawl_delay=0.5)
    yield corpus, site, base
    server.shutdown()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A redis-server of its own on a free port of 127.0.0.1, keeping nothing on disk."""
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    wait_for(lambda: server.poll() is None and client_answers(client), "redis-server", timeout=20)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def client_answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


# -- two writers on one data folder --------------------------------------------------------


def test_a_second_crawl_on_one_data_folder_is_refused_before_it_fetches(small_site, tmp_path):
    _, site, base = small_site
    data = tmp_path / "data"
    with slow_crawl(base, data, "first@example.org") as first:
        running_run(data, first.pid)
        second = newsarchive(
            "crawl",
            "--base-url",
            base,
            "--data-dir",
            str(data),
            "--contact",
            "second@example.org",
            *FAST,
            "--discover",
            "home",
            "--max-articles",
            "3",
        )
        assert first.poll() is None, "the first crawl was still running when the second was refused"
        sentence = one_sentence(second)
        assert f"A crawl (pid {first.pid}) is already writing the archive in {data}" in sentence
        assert fetched_by(site, "second@example.org") == []
        first.kill()  # the lock dies with its holder, however it dies
    third = crawl(base, data, "--contact", "third@example.org", *FAST, "--discover", "home", "--max-articles", "3")
    assert "crawl run 2 finished" in third.stderr
    assert [r["status"] for r in crawl_runs(data)] == ["interrupted", "finished"]


def write_schedule(folder: Path, base: str, jobs: str) -> Path:
    path = folder / "schedule.toml"
    path.write_text(f'[site]\nbase_url = "{base}"\ncontact = "scheduler@example.org"\n\n{jobs}', encoding="utf-8")
    return path


def run_job(folder: Path, config: Path, job: str) -> subprocess.CompletedProcess:
    return newsarchive(
        "schedule",
        "--config",
        str(config),
        "--data-dir",
        str(folder / "data"),
        "--index-dir",
        str(folder / "index"),
        "--run",
        job,
    )


def test_a_scheduled_run_that_finds_a_crawl_under_way_is_skipped(small_site, tmp_path):
    _, site, base = small_site
    data = tmp_path / "data"
    config = write_schedule(tmp_path, base, '[jobs.front]\ninterval = { minutes = 30 }\ndiscover = ["home"]\n')
    with slow_crawl(base, data, "first@example.org") as first:
        running_run(data, first.pid)
        result = run_job(tmp_path, config, "front")
        assert first.poll() is None
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"front: skipped: a crawl (pid {first.pid}) is already writing the archive"
    assert [r["job"] for r in crawl_runs(data)] == ["crawl"], "a skipped run is not recorded"
    assert fetched_by(site, "scheduler@example.org") == []


def test_a_crawl_is_refused_while_a_scheduled_run_crawls(small_site, tmp_path):
    _, site, base = small_site
    data = tmp_path / "data"
    config = write_schedule(
        tmp_path, base, "[jobs.deep]\ninterval = { hours = 1 }\ndelay = 0.5\nconcurrency = 1\nindex = false\n"
    )
    scheduled = subprocess.Popen(
        [
            NEWSARCHIVE,
            "schedule",
            "--config",
            str(config),
            "--data-dir",
            str(data),
            "--index-dir",
            str(tmp_path / "index"),
            "--run",
            "deep",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        run = wait_for(
            lambda: next(
                (r for r in crawl_runs(data) if r["job"] == "deep" and r["status"] == "running" and r["pages"] >= 2),
                None,
            ),
            "the scheduled crawl under way",
        )
        manual = newsarchive(
            "crawl",
            "--base-url",
            base,
            "--data-dir",
            str(data),
            "--contact",
            "manual@example.org",
            *FAST,
            "--discover",
            "home",
            "--max-articles",
            "3",
        )
        assert crawl_runs(data)[-1]["status"] == "running"
        os.kill(run["pid"], signal.SIGTERM)  # the scheduled crawl (the scheduler's child) stops cleanly
        scheduled.communicate(timeout=120)
    finally:
        if scheduled.poll() is None:
            scheduled.kill()
            scheduled.communicate()
    assert f"A crawl (pid {run['pid']}) is already writing the archive" in one_sentence(manual)
    assert fetched_by(site, "manual@example.org") == []
    assert [r["job"] for r in crawl_runs(data)] == ["deep"]


def test_crawl_and_ingest_exclude_each_other_but_workers_share_the_folder(small_site, redis_url, tmp_path):
    _, site, base = small_site
    shared = tmp_path / "shared"  # the ingester's folder, also the worker's (one shared mount)
    ingester = subprocess.Popen(
        [
            NEWSARCHIVE,
            "ingest",
            "--redis",
            redis_url,
            "--crawl-id",
            "faults",
            "--data-dir",
            str(shared),
            "--workers",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: redis.Redis.from_url(redis_url).get("newsarchive:faults:ingester"), "the ingester's claim")
        crawl_refused = newsarchive(
            "crawl",
            "--base-url",
            base,
            "--data-dir",
            str(shared),
            "--contact",
            "manual@example.org",
            *FAST,
            "--discover",
            "home",
            "--max-articles",
            "3",
        )
        other_ingester = newsarchive("ingest", "--redis", redis_url, "--crawl-id", "other", "--data-dir", str(shared))
        worker = newsarchive(
            "crawl",
            "--redis",
            redis_url,
            "--crawl-id",
            "faults",
            "--base-url",
            base,
            "--data-dir",
            str(shared),
            "--contact",
            "worker@example.org",
            *FAST,
            "--discover",
            "home",
            "--max-articles",
            "3",
        )
        _, ingested = ingester.communicate(timeout=120)
    finally:
        if ingester.poll() is None:
            ingester.kill()
            ingester.communicate()
    assert f"An ingester (pid {ingester.pid}) is already writing the archive in {shared}" in one_sentence(crawl_refused)
    assert f"An ingester (pid {ingester.pid})" in one_sentence(other_ingester)
    assert fetched_by(site, "manual@example.org") == []
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert ingester.returncode == 0, ingested[-3000:]
    assert [(r["job"], r["status"]) for r in crawl_runs(shared)] == [("distributed", "finished")]

    alone = tmp_path / "alone"
    with slow_crawl(base, alone, "first@example.org") as first:
        running_run(alone, first.pid)
        refused = newsarchive("ingest", "--redis", redis_url, "--crawl-id", "late", "--data-dir", str(alone))
    assert f"A crawl (pid {first.pid}) is already writing the archive in {alone}" in one_sentence(refused)
    assert not redis.Redis.from_url(redis_url).keys("newsarchive:late:*"), "refused before it claimed the crawl"


# -- a base URL nothing can be fetched from ------------------------------------------------


BAD_BASE_URLS = [
    "http://",
    "http://[::1",
    "not a url",
    "ftp://127.0.0.1:8000",
    "http://127.0.0.1:port",
    "http:///national",
    "https://:8000",
]


@pytest.mark.parametrize("address", BAD_BASE_URLS)
def test_a_bad_base_url_is_one_sentence_before_anything_starts(address, tmp_path):
    result = newsarchive(
        "crawl", "--base-url", address, "--data-dir", str(tmp_path / "data"), "--contact", "me@example.org"
    )
    assert f"--base-url {address!r}" in one_sentence(result)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("address", BAD_BASE_URLS)
def test_a_bad_base_url_in_a_schedule_file_stops_the_scheduler_before_it_starts(address, tmp_path):
    config = write_schedule(tmp_path, address, "[jobs.front]\ninterval = { minutes = 30 }\n")
    for action in (["--run", "front"], ["--print-crontab"]):
        result = newsarchive("schedule", "--config", str(config), "--data-dir", str(tmp_path / "data"), *action)
        assert f"base_url {address!r}" in one_sentence(result)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "address",
    ["http://127.0.0.1:8000", "https://www.phnompenhpost.com/", "http://[::1]:8000", "http://localhost/mirror"],
)
def test_a_good_base_url_passes(address):
    from archive.urls import check_base_url

    check_base_url(address)


# -- a damaged store -----------------------------------------------------------------------


def quick_check(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as error:
        return str(error)
    finally:
        db.close()


def damage(path: Path) -> int:
    """Overwrite the middle half of one page of the revisions table (as a torn write or a bad
    disk sector would), the first such page SQLite's quick check then notices; the tables a
    crawl reads first are left whole. Returns the page's number."""
    db = sqlite3.connect(path)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = [row[0] for row in db.execute("SELECT pageno FROM dbstat WHERE name = 'revisions' ORDER BY pageno")]
    db.close()
    assert not path.with_name(path.name + "-wal").exists() or not path.with_name(path.name + "-wal").stat().st_size
    intact = path.read_bytes()
    for page in pages:
        with path.open("r+b") as file:
            file.seek((page - 1) * page_size + page_size // 4)
            file.write(b"\xff" * (page_size // 2))
        if quick_check(path) != "ok":
            return page
        path.write_bytes(intact)
    raise AssertionError("no damage to the revisions table that SQLite's quick check notices")


@pytest.fixture
def damaged_store(tmp_path) -> Iterator[tuple[SampleSite, str, Path, int]]:
    """A data folder whose store, written by a real crawl, fails the quick check; the site
    that crawl read, and how many runs the store holds."""
    site, server, base = serve(Corpus(SiteConfig(seed=12, count=60)))
    data = tmp_path / "data"
    try:
        crawl(base, data, "--contact", "first@example.org", *FAST)
        store = data / "archive.sqlite3"
        assert quick_check(store) == "ok"
        damage(store)
        yield site, base, data, len(crawl_runs(data))
    finally:
        server.shutdown()


def test_a_crawl_into_a_damaged_store_is_refused(damaged_store):
    site, base, data, before = damaged_store
    result = newsarchive("crawl", "--base-url", base, "--data-dir", str(data), "--contact", "second@example.org", *FAST)
    sentence = one_sentence(result)
    assert f"The archive's store {data / 'archive.sqlite3'} fails SQLite's quick check (" in sentence
    assert sentence.endswith("); restore it from a bundle or a backup before crawling.")
    assert fetched_by(site, "second@example.org") == []
    assert len(crawl_runs(data)) == before == 1, "no run written"


def test_an_ingester_on_a_damaged_store_is_refused(damaged_store, redis_url):
    _, _, data, before = damaged_store
    result = newsarchive("ingest", "--redis", redis_url, "--crawl-id", "damaged", "--data-dir", str(data))
    assert "fails SQLite's quick check" in one_sentence(result)
    assert not redis.Redis.from_url(redis_url).keys("newsarchive:damaged:*")
    assert len(crawl_runs(data)) == before


def test_a_scheduled_run_on_a_damaged_store_fails_without_writing_a_run(damaged_store, tmp_path):
    site, base, data, before = damaged_store
    config = write_schedule(tmp_path, base, '[jobs.front]\ninterval = { minutes = 30 }\ndiscover = ["home"]\n')
    result = run_job(tmp_path, config, "front")
    assert result.returncode == 1
    assert result.stdout.startswith("front: failed: The archive's store "), result.stdout + result.stderr
    assert "fails SQLite's quick check" in result.stdout
    assert fetched_by(site, "scheduler@example.org") == []
    assert len(crawl_runs(data)) == before
