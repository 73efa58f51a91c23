"""A distributed crawl run as the README says: a real Redis server, one ingester that alone
writes the store, and two crawler processes — each with a data folder of its own, as on two
machines — sharing one frontier and one duplicate filter, against the sample site on
127.0.0.1."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from urllib.parse import unquote, urlsplit

import pytest
import redis

from archive.store import Store
from tests.crawling import NEWSARCHIVE, serve
from tests.redis_server import free_port, redis_server

WORKER_PACE = ["--delay", "0", "--concurrency", "4", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of its own, on a free port of 127.0.0.1, keeping nothing on disk."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="module")
def cluster_crawl(corpus, redis_url, tmp_path_factory):
    """The ingester and two workers against the 400-article site, each process waited for."""
    site, server, base = serve(corpus)
    root = tmp_path_factory.mktemp("cluster")
    store, workers = root / "store", [root / "worker-a", root / "worker-b"]
    ingester = subprocess.Popen(
        [NEWSARCHIVE, "ingest", "--redis", redis_url, "--crawl-id", "test", "--data-dir", str(store), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    crawlers = [
        subprocess.Popen(
            [
                NEWSARCHIVE,
                "crawl",
                "--redis",
                redis_url,
                "--crawl-id",
                "test",
                "--base-url",
                base,
                "--data-dir",
                str(folder),
                *WORKER_PACE,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folder in workers
    ]
    try:
        results = [process.communicate(timeout=300) for process in crawlers]
        ingested = ingester.communicate(timeout=120)
    finally:
        for process in [ingester, *crawlers]:
            if process.poll() is None:
                process.kill()
        server.shutdown()
    for process, (_, err) in zip(crawlers, results, strict=True):
        assert process.returncode == 0, err[-3000:]
    assert ingester.returncode == 0, ingested[1][-3000:]
    return site, store, workers, ingested[0]


def test_every_article_is_stored_exactly_once(cluster_crawl, truth):
    _, store, _, _ = cluster_crawl
    with Store(store / "archive.sqlite3") as archive:
        stored = [record["url"] for record in archive.current_records()]
        assert archive.db.execute("SELECT max(number) FROM revisions").fetchone()[0] == 1
        assert archive.integrity() == "ok"
    assert len(stored) == len(set(stored)) == len(truth)
    assert set(stored) == set(truth)


def test_the_workers_share_one_frontier_and_one_duplicate_filter(cluster_crawl, corpus, truth):
    site, _, _, _ = cluster_crawl
    paths = [r["path"] for r in site.requests]
    fetched = Counter(paths)
    assert fetched.pop("/robots.txt") == 2, "each worker reads robots.txt itself"
    assert set(fetched.values()) == {1}, [path for path, times in fetched.items() if times > 1][:5]
    articles = {unquote(urlsplit(path).path) for path in paths} & set(corpus.paths)
    assert len(articles) == len(truth)


def test_both_workers_fetch_a_share_and_only_the_ingester_opens_the_store(cluster_crawl, truth):
    _, store, workers, _ = cluster_crawl
    with Store(store / "archive.sqlite3") as archive:
        rows = archive.db.execute("SELECT warc_file FROM captures WHERE kind = 'article'").fetchall()
    shares = Counter(row[0].rsplit("-", 1)[0] for row in rows)
    assert len(shares) == 2, shares
    assert all(count >= 0.1 * len(truth) for count in shares.values()), shares
    for folder in workers:
        assert not (folder / "archive.sqlite3").exists()
        assert list((folder / "warc").glob("*.warc.gz"))


def test_the_workers_warc_files_brought_to_the_store_reparse_to_the_same_archive(cluster_crawl, tmp_path):
    _, store, workers, _ = cluster_crawl
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    for folder in workers:
        shutil.copytree(folder / "warc", copy / "warc", dirs_exist_ok=True)
    with Store(copy / "archive.sqlite3") as archive:
        before = {record["url"]: record for record in archive.current_records()}
    result = subprocess.run(
        [NEWSARCHIVE, "reparse", "--data-dir", str(copy)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    with Store(copy / "archive.sqlite3") as archive:
        assert {record["url"]: record for record in archive.current_records()} == before


def test_one_crawl_run_with_the_figures_of_both_workers(cluster_crawl, truth, redis_url):
    site, store, _, out = cluster_crawl
    with Store(store / "archive.sqlite3") as archive:
        runs = archive.db.execute("SELECT * FROM crawl_runs").fetchall()
        captures = archive.db.execute("SELECT count(*) FROM captures").fetchone()[0]
    assert len(runs) == 1
    run = runs[0]
    assert run["job"] == "distributed" and run["status"] == "finished"
    assert run["new_articles"] == len(truth) and run["snapshots"] == 1
    assert run["pages"] == captures == len(site.requests)
    workers = json.loads(run["stats"])["workers"]
    assert len(workers) == 2 and {w["reason"] for w in workers.values()} == {"finished"}
    assert sum(w["stats"]["scheduler_dequeued_redis"] for w in workers.values()) == len(site.requests) - 2
    assert f"crawl run 1 finished: {captures} pages, {len(truth)} new articles" in out
    assert redis.Redis.from_url(redis_url).keys("newsarchive:test:*") == [], "the crawl is forgotten in Redis"


def test_ingest_has_help():
    result = subprocess.run([NEWSARCHIVE, "ingest", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "usage: newsarchive ingest" in result.stdout and "--redis" in result.stdout


@pytest.mark.parametrize("command", [["crawl", "--base-url", "http://127.0.0.1:9"], ["ingest"]])
def test_an_unreachable_or_malformed_redis_address_is_one_sentence(command, tmp_path):
    for address, message in (
        (f"redis://127.0.0.1:{free_port()}/0", "Cannot reach Redis at"),
        ("http://127.0.0.1:6379", "is not a Redis URL"),
    ):
        result = subprocess.run(
            [NEWSARCHIVE, *command, "--redis", address, "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
