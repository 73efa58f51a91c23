"""Article pages a site cannot serve, however often they are asked for: the run still
finishes, says how many articles it knows of are missing (its figures, exit status 3), keeps
them in the store, and the next run asks for them before anything else."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from archive.health import figures
from archive.read_model import CrawlRun
from archive.store import Store, address_key
from samplesite.corpus import Corpus, SiteConfig
from samplesite.server import Faults
from tests.crawling import FAST, NEWSARCHIVE, serve

UNFETCHED_EXIT = 3


def crawl(base: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSARCHIVE, "crawl", "--base-url", base, "--data-dir", str(data), *FAST],
        capture_output=True,
        text=True,
        timeout=300,
    )


def pending(data: Path) -> set[str]:
    with Store(data / "archive.sqlite3") as store:
        return {row["address"] for row in store.db.execute("SELECT * FROM pending_articles")}


def last_run(data: Path) -> CrawlRun:
    with Store(data / "archive.sqlite3") as store:
        run = store.last_run()
    assert run is not None
    return run


def test_articles_that_always_fail_are_counted_kept_and_asked_for_first_next_time(tmp_path):
    corpus = Corpus(SiteConfig(seed=21, count=30))
    ids = corpus.newest_first(corpus.config.end)
    broken = {corpus.path(i) for i in (ids[1], ids[6], ids[13])}
    site, server, base = serve(corpus, faults=Faults(broken=frozenset(broken)))
    data = tmp_path / "data"
    keys = {address_key(base + quote(path)) for path in broken}
    try:
        first = crawl(base, data)
        assert first.returncode == UNFETCHED_EXIT, first.stderr[-3000:]
        assert "3 articles it knows of could not be fetched; the next run asks for them first" in first.stderr
        run = last_run(data)
        assert run.status == "finished" and figures(run)["newsarchive_unfetched"] == len(broken)
        assert pending(data) == keys

        site.faults = Faults()  # the site is mended
        start = len(site.requests)
        second = crawl(base, data)
    finally:
        server.shutdown()
    assert second.returncode == 0, second.stderr[-3000:]
    log = [unquote(urlsplit(r["path"]).path) for r in site.requests[start:]]
    assert log[0] == "/robots.txt"
    articles = [path for path in log[1:] if path in corpus.paths]
    assert set(articles[: len(broken)]) == broken, "the missing articles are asked for first"
    assert pending(data) == set() and figures(last_run(data))["newsarchive_unfetched"] == 0
    with Store(data / "archive.sqlite3") as store:
        stored = {address_key(record["url"]) for record in store.current_records()}
    assert keys <= stored
