"""The crawl from the sample site to the store, run as a user runs it (`newsarchive crawl`)
against the replica on 127.0.0.1, and checked against the replica's ground truth and its
request log."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from archive.store import Store
from samplesite.corpus import Corpus, SiteConfig
from samplesite.server import Faults, SampleSite
from tests.crawling import FAST, NEWSARCHIVE, WITH_REQUISITES, crawl, serve
from tests.scoring import token_f1

EXACT_FIELDS = ["headline", "authors", "published", "section", "tags", "images"]


def records(data: Path) -> dict[str, dict]:
    with Store(data / "archive.sqlite3") as store:
        return {record["url"]: record for record in store.current_records()}


def article_fetches(site: SampleSite, corpus: Corpus, since: int = 0) -> list[str]:
    """Article pages the crawler fetched (200 answers), as site paths."""
    paths = set(corpus.paths)
    return [
        unquote(urlsplit(r["path"]).path)
        for r in site.requests[since:]
        if r["status"] == 200 and unquote(urlsplit(r["path"]).path) in paths
    ]


@pytest.fixture(scope="module")
def full_crawl(corpus, tmp_path_factory):
    """One complete crawl of the 400-article site into a fresh data folder."""
    site, server, base = serve(corpus)
    data = tmp_path_factory.mktemp("full") / "data"
    result = crawl(
        base, data, *WITH_REQUISITES, "-s", "NEWSARCHIVE_WARC_MAX_BYTES=400000"
    )  # the article truth with photos fetched too
    server.shutdown()
    return site, data, result


def test_a_full_crawl_stores_every_article_once_and_right(full_crawl, corpus, truth):
    site, data, _ = full_crawl
    stored = records(data)
    assert set(stored) == set(truth)
    for field in EXACT_FIELDS:
        wrong = [url for url in truth if stored[url][field] != truth[url][field]]
        assert len(wrong) <= 0.01 * len(truth), (field, wrong[:5])
    scores = [token_f1(stored[url]["body"], truth[url]["body"]) for url in truth]
    assert sum(scores) / len(scores) >= 0.99
    fetched = article_fetches(site, corpus)
    assert len(fetched) == len(set(fetched)) == len(truth), "every article page fetched exactly once"


def test_the_crawl_run_is_recorded_with_its_figures(full_crawl, truth):
    _, data, result = full_crawl
    with Store(data / "archive.sqlite3") as store:
        run = store.run(1)
        assert run.status == "finished" and run.new_articles == len(truth)
        assert run.snapshots == 1
        assert run.warnings == sum(len(r["warnings"]) for r in truth.values())
        assert run.pages == store.db.execute("SELECT count(*) FROM captures").fetchone()[0]
        kinds = {row[0] for row in store.db.execute("SELECT DISTINCT kind FROM captures")}
    assert {"article", "listing", "sitemap", "feed", "robots"} <= kinds
    assert "crawl run 1 finished" in result.stderr


def test_one_snapshot_per_list_with_the_window_truth(full_crawl, corpus):
    _, data, _ = full_crawl
    with Store(data / "archive.sqlite3") as store:
        snapshots = store.snapshot_lists()
    assert len(snapshots) == 1 and snapshots[0]["sightings"] > 100
    expected = corpus.most_viewed_truth(corpus.config.end)["entries"]
    assert [(e["rank"], e["url"], e["title"]) for e in snapshots[0]["entries"]] == [
        (e["rank"], e["url"], e["title"]) for e in expected
    ]


def test_every_response_is_in_a_warc_file_with_its_request(full_crawl):
    from warcio.archiveiterator import ArchiveIterator

    _, data, _ = full_crawl
    types: dict[str, int] = {}
    for path in (data / "warc").glob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                types[record.rec_type] = types.get(record.rec_type, 0) + 1
    with Store(data / "archive.sqlite3") as store:
        captures = store.db.execute("SELECT count(*) FROM captures").fetchone()[0]
        linked = store.db.execute("SELECT count(*) FROM revisions WHERE capture_id IS NULL").fetchone()[0]
    assert types["response"] == types["request"] == captures
    assert linked == 0, "every revision points at the capture it came from"
    files = sorted((data / "warc").glob("*.warc.gz"))
    assert len(files) >= 3, "files are rotated by size"
    assert all(f.stat().st_size < 400000 + 200000 for f in files)


def test_reparse_from_the_warc_files_reproduces_the_store(full_crawl, tmp_path):
    _, data, _ = full_crawl
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    with Store(copy / "archive.sqlite3") as store:
        before = (list(store.current_records()), strip_ids(store.snapshot_lists()))
    result = subprocess.run(
        [NEWSARCHIVE, "reparse", "--data-dir", str(copy)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    with Store(copy / "archive.sqlite3") as store:
        after = (list(store.current_records()), strip_ids(store.snapshot_lists()))
        assert store.integrity() == "ok"
    assert after == before


def strip_ids(snapshots: list[dict]) -> list[dict]:
    return [{k: v for k, v in s.items() if k != "id"} for s in snapshots]


def test_a_later_crawl_fetches_only_what_is_new_and_adds_one_snapshot(tmp_path):
    corpus = Corpus(SiteConfig(seed=4, count=300))
    earlier = corpus.config.end - timedelta(days=120)
    site, server, base = serve(corpus, earlier)
    data = tmp_path / "data"
    try:
        crawl(base, data, *FAST)
        first_count = len(site.requests)
        site.clock.set(corpus.config.end)
        crawl(base, data, *FAST)
    finally:
        server.shutdown()
    new = {corpus.path(i) for i in corpus.newest_first(corpus.config.end) if not corpus.visible(i, earlier)}
    assert new, "the site grew"
    second = article_fetches(site, corpus, first_count)
    assert sorted(second) == sorted(new)
    later_paths = [r["path"] for r in site.requests[first_count:]]
    assert any(p.startswith("/sitemap.xml") for p in later_paths) and "/rss.xml" in later_paths
    assert any(p.startswith("/national?page=") for p in later_paths)
    with Store(data / "archive.sqlite3") as store:
        assert store.article_count() == len(corpus.newest_first(corpus.config.end))
        assert len(store.snapshot_lists()) == 2
        assert store.run(2).new_articles == len(new) and store.run(2).snapshots == 1


def test_refresh_rechecks_known_articles_and_keeps_both_versions_of_an_edited_one(tmp_path):
    corpus = Corpus(SiteConfig(seed=5, count=200))
    edited = [a for a in map(corpus.article, corpus.order) if a.revised]
    assert edited
    moment = min(a.updated for a in edited) - timedelta(minutes=1)
    site, server, base = serve(corpus, moment)
    data = tmp_path / "data"
    try:
        crawl(base, data, *FAST)
        site.clock.set(corpus.config.end)
        crawl(base, data, *FAST, "--refresh")
        crawl(base, data, *FAST, "--refresh")
    finally:
        server.shutdown()
    changed = [a for a in edited if corpus.visible(a.id, moment) and a.updated > moment]
    with Store(data / "archive.sqlite3") as store:
        marks = ",".join("?" * len(changed))
        rows = store.db.execute(
            "SELECT a.url, r.record FROM revisions r JOIN articles a ON a.id = r.article_id "
            f"WHERE a.url IN ({marks}) ORDER BY a.url, r.number",
            [a.url for a in changed],
        ).fetchall()
        assert store.run(2).new_revisions == len(changed)
        third = store.db.execute(
            "SELECT status, count(*) FROM captures WHERE run_id = 3 AND kind = 'article' GROUP BY status"
        ).fetchall()
        assert dict(third).get(304, 0) >= store.article_count() - 5, "unchanged pages answer 304"
        assert store.run(3).new_revisions == 0
    versions = {}
    for url, record in rows:
        versions.setdefault(url, []).append(json.loads(record)["headline"])
    for article in changed:
        assert versions[article.url] == [article.original.headline, article.revised.headline]


def test_faults_still_give_every_article(tmp_path):
    corpus = Corpus(SiteConfig(seed=6, count=150))
    faults = Faults(error_rate=0.2, drop_rate=0.05, slow_rate=0.05, slow_seconds=0.3, retry_after=0)
    site, server, base = serve(corpus, faults=faults)
    data = tmp_path / "data"
    try:
        crawl(base, data, *FAST)
    finally:
        server.shutdown()
    failed = [r for r in site.requests if r["status"] in (0, 500, 503, 429)]
    assert len(failed) >= 0.15 * len(site.requests)
    assert set(records(data)) == {corpus.article(i).url for i in corpus.newest_first(corpus.config.end)}


def test_a_crawl_killed_half_way_resumes_with_nothing_lost_or_doubled(tmp_path, corpus):
    _, server, base = serve(corpus)
    data = tmp_path / "data"
    process = subprocess.Popen(
        [
            NEWSARCHIVE,
            "crawl",
            "--base-url",
            base,
            "--data-dir",
            str(data),
            "--delay",
            "0.01",
            "--concurrency",
            "1",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "--no-requisites",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and stored_articles(data) < 100:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        halfway = stored_articles(data)
        assert 100 <= halfway < len(corpus.order)
        crawl(base, data, *FAST)
    finally:
        server.shutdown()
    with Store(data / "archive.sqlite3") as store:
        assert store.integrity() == "ok"
        assert store.article_count() == len(corpus.order)
        assert store.db.execute("SELECT max(number) FROM revisions").fetchone()[0] == 1
        assert len(store.snapshot_lists()) == 1
        statuses = [row[0] for row in store.db.execute("SELECT status FROM crawl_runs ORDER BY id")]
    assert statuses == ["interrupted", "finished"]


def stored_articles(data: Path) -> int:
    path = data / "archive.sqlite3"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=5) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_a_real_site_needs_a_contact_address(tmp_path):
    result = subprocess.run(
        [
            NEWSARCHIVE,
            "crawl",
            "--base-url",
            "https://mirror.example.invalid",
            "--data-dir",
            str(tmp_path),
            "--max-articles",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_CONTACT"},
    )
    assert result.returncode == 2
    assert "NEWSARCHIVE_CONTACT" in result.stderr and "Traceback" not in result.stderr


def test_a_crawl_bounded_by_dates_sections_and_count(tmp_path, corpus):
    _, server, base = serve(corpus)
    try:
        dated = tmp_path / "dated"
        crawl(base, dated, *FAST, "--since", "2019-01-01", "--until", "2020-12-31")
        counted = tmp_path / "counted"
        crawl(base, counted, *FAST, "--max-articles", "25")
    finally:
        server.shutdown()
    end = corpus.config.end
    in_range = {
        corpus.article(i).url
        for i in corpus.newest_first(end)
        if "2019-01-01" <= corpus.article(i).published.date().isoformat() <= "2020-12-31"
    }
    stored = records(dated)
    assert in_range <= set(stored)
    outside = [url for url, r in stored.items() if url not in in_range]
    assert len(outside) <= 0.1 * len(corpus.order), "only sidebar and sitemap strays beyond the range"
    newest = [corpus.article(i).url for i in corpus.newest_first(end)]
    got = set(records(counted))
    assert 20 <= len(got) <= 25, "no more than asked (an old address and its new one count twice)"
    with Store(counted / "archive.sqlite3") as store:
        pages = store.db.execute("SELECT count(*) FROM captures WHERE kind = 'article' AND status = 200").fetchone()
    assert pages[0] <= 25
    assert len(got & set(newest[:40])) >= len(got) - 2, "newest first"
