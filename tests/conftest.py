"""Shared fixtures: a real sample site on 127.0.0.1 and its ground truth written to disk."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from samplesite.corpus import Corpus, SiteConfig
from samplesite.server import SampleSite, SiteClock, start_in_thread
from samplesite.truth import write_truth
from samplesite.wordpress_site import site_for

SITE_ARTICLES = 400
KHMER_ARTICLES = 360  # enough for every hard case and page form on 8 pages


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, headers: dict[str, str] | None = None):
    """(status, headers, body) of one GET, redirects not followed."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def served(corpus: Corpus) -> Iterator[SampleSite]:
    """The sample site served over real HTTP; tests that move its clock put it back."""
    clock = SiteClock(corpus.config.end)
    sample = site_for(corpus, clock, crawl_delay=1.0)
    server, base = start_in_thread(sample)
    sample.base = base
    yield sample
    server.shutdown()


def written_truth(corpus: Corpus, out: Path) -> dict[str, dict]:
    """The ground truth as the generator writes it to disk, keyed by record URL."""
    write_truth(corpus, corpus.config.end, out)
    lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {record["url"]: record for record in map(json.loads, lines)}


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus(SiteConfig(seed=1, count=SITE_ARTICLES))


@pytest.fixture(scope="session")
def site(corpus):
    yield from served(corpus)


@pytest.fixture(scope="session")
def truth(corpus, tmp_path_factory) -> dict[str, dict]:
    return written_truth(corpus, tmp_path_factory.mktemp("truth"))


@pytest.fixture(scope="session")
def khmer_corpus() -> Corpus:
    """The Khmer edition (postkhmer.com), a site of its own."""
    return Corpus(SiteConfig(seed=1, count=KHMER_ARTICLES, edition="km"))


@pytest.fixture(scope="session")
def khmer_site(khmer_corpus):
    yield from served(khmer_corpus)


@pytest.fixture(scope="session")
def khmer_truth(khmer_corpus, tmp_path_factory) -> dict[str, dict]:
    return written_truth(khmer_corpus, tmp_path_factory.mktemp("khmer-truth"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def indexed_archive(corpus, tmp_path_factory) -> Path:
    """The sample site crawled into a store (data/) and indexed (index/)."""
    from archive.store import Store
    from search.indexer import rebuild
    from tests.crawling import WITH_REQUISITES, crawl, serve

    _, server, base = serve(corpus)
    folder = tmp_path_factory.mktemp("archive")
    crawl(base, folder / "data", *WITH_REQUISITES)
    server.shutdown()
    with Store(folder / "data" / "archive.sqlite3") as store:
        rebuild(store, folder / "index", procs=2)
    return folder


@pytest.fixture(scope="session")
def khmer_archive(khmer_corpus, tmp_path_factory) -> Path:
    """The Khmer edition crawled (`--site postkhmer.com`) into a store and indexed."""
    from archive.store import Store
    from search.indexer import rebuild
    from tests.crawling import FAST, crawl, serve

    _, server, base = serve(khmer_corpus)
    folder = tmp_path_factory.mktemp("khmer-archive")
    try:
        crawl(base, folder / "data", *FAST, "--site", "postkhmer.com")
    finally:
        server.shutdown()
    with Store(folder / "data" / "archive.sqlite3") as store:
        rebuild(store, folder / "index", procs=2)
    return folder


@pytest.fixture(scope="module")
def server(indexed_archive):
    """The front-end over the indexed sample archive, served over HTTP for a browser."""
    from tests.browsing import serving

    yield from serving(indexed_archive)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright, one per test module."""
    from tests.browsing import launched

    yield from launched()


@pytest.fixture(scope="session")
def web_app(indexed_archive):
    """The front-end over the indexed sample archive, as `newsarchive serve` runs it."""
    from web import create_app

    app = create_app(indexed_archive / "index", indexed_archive / "data")
    app.testing = True
    return app


@pytest.fixture(scope="session")
def client(web_app):
    return web_app.test_client()


def revise_some_articles(data: Path, index: Path, count: int) -> None:
    """A later crawl: `count` articles get a new revision, and the index is updated."""
    from datetime import UTC, datetime

    from archive.model import Article, ParsedPage
    from archive.store import Store
    from search.indexer import update

    with Store(data / "archive.sqlite3") as store:
        for record in list(store.current_records())[:count]:
            revised = Article.from_dict(record | {"headline": (record["headline"] or "") + " (corrected)"})
            store.ingest(ParsedPage(revised, None), None, datetime.now(UTC), None)
        update(store, index)
