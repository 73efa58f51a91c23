"""`newsarchive crawl --from-archive`: the sample site's captures at three site clocks, served by
a real pywb, harvested into a store that must hold what the site served at each capture time
(its ground truth then): each article once, its revisions in time order, each Most viewed list
seen at its capture time; and politely, resumably, once."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest

from archive.store import Store
from archive.times import utc
from archive.warc import read_response
from tests.archive_server import COLLECTION, archive_server
from tests.archived_site import Proxy, capture_site, files_served, proxied, site_clocks, steady_articles
from tests.crawling import NEWSARCHIVE, serve
from tests.handlers import QuietHandler, handled
from tests.scoring import token_f1
from tests.waiting import wait_for

EXACT_FIELDS = ["headline", "authors", "published", "updated", "section", "tags", "images"]
RATE = "20"  # requests a second to the local archive: quick, and still spaced


@pytest.fixture(scope="module")
def archived(corpus, tmp_path_factory):
    """(the capture plan, the site's address as captured, pywb's address, the folder of the WARC
    files it serves)."""
    clocks, edited = site_clocks(corpus, edited=2)
    site, server, base = serve(corpus, now=clocks[0])
    site.base = base
    folder = tmp_path_factory.mktemp("archived")
    try:
        articles = edited + steady_articles(corpus, clocks[0], 3)
        plan = capture_site(site, articles, clocks, folder / "a.warc.gz")
    finally:
        server.shutdown()
    with archive_server([folder / "a.warc.gz"], folder / "pywb") as archive:
        yield plan, base, archive, folder / "pywb" / "collections" / COLLECTION / "archive"


@pytest.fixture
def proxy(archived):
    _, _, archive, _ = archived
    parts = urlsplit(archive)
    with proxied(f"{parts.scheme}://{parts.netloc}") as proxy:
        yield proxy


@pytest.fixture(scope="module")
def harvested(archived, tmp_path_factory):
    """One whole harvest of the archive: (its data folder, the command's result, the proxy's log)."""
    _, base, archive, _ = archived
    parts = urlsplit(archive)
    data = tmp_path_factory.mktemp("harvested") / "data"
    with proxied(f"{parts.scheme}://{parts.netloc}") as proxy:
        result = harvest(proxy, base, data)
    assert result.returncode == 0, result.stderr[-3000:]
    return data, result, proxy.log


def command(proxy: Proxy, site_base: str, data: Path, *extra: str, rate: str = RATE, listing: str = "cdx") -> list[str]:
    """`newsarchive crawl --from-archive` of the site's captures, through the proxy, listed by
    the CDX API (`listing` "cdx") or by TimeMaps ("timemap/link/")."""
    endpoint = f"{proxy.base}/{COLLECTION}/{listing}"
    options = ["--base-url", site_base, "--archive-rate", rate, "--index-rate", "50", "--data-dir", str(data), *extra]
    return [NEWSARCHIVE, "crawl", "--from-archive", endpoint, *options]


def harvest(proxy: Proxy, site_base: str, data: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(proxy, site_base, data, *extra), capture_output=True, text=True, timeout=600)


def test_the_harvest_holds_what_the_site_served_at_each_capture_time(archived, harvested, corpus):
    plan, _, _, _ = archived
    data, result, _ = harvested
    articles = sorted({page.article for page in plan if page.article is not None})
    with Store(data / "archive.sqlite3") as store:
        assert store.article_count() == len(articles)
        for i in articles:
            article = corpus.article(i)
            moments = sorted(page.moment for page in plan if page.article == i)
            history = store.article_history(article.url, "")
            assert history is not None, article.url
            served = [article.truth(moment) for moment in moments]
            versions = [record for n, record in enumerate(served) if n == 0 or record != served[n - 1]]
            stored = [revision.record for revision in history.revisions]
            assert len(stored) == len(versions), (article.url, len(stored), len(versions))
            for got, want in zip(stored, versions, strict=True):
                assert {f: got[f] for f in EXACT_FIELDS} == {f: want[f] for f in EXACT_FIELDS}, article.url
                assert token_f1(got["body"], want["body"]) >= 0.99
            assert [c.fetched_at for c in history.captures] == [utc(moment) for moment in moments]
        for page in plan:
            shown = store.snapshot_at(page.moment)
            want = corpus.most_viewed_truth(page.moment)["entries"]
            assert shown is not None
            assert [(e.rank, e.url, e.title) for e in shown.entries] == [
                (e["rank"], e["url"], e["title"]) for e in want
            ]
    assert "0 not fetched" in result.stdout


def test_each_capture_keeps_the_archive_address_it_came_from(archived, harvested):
    plan, _, _, _ = archived
    data, _, log = harvested
    with sqlite3.connect(data / "archive.sqlite3") as db:
        rows = db.execute("SELECT url, fetched_at, archive_address FROM captures").fetchall()
    assert len(rows) == len(plan)
    for url, fetched_at, address in rows:
        timestamp = "".join(ch for ch in fetched_at if ch.isdigit())[:14]
        assert address.endswith(f"/{COLLECTION}/{timestamp}id_/{url}")
    fetched = [unquote(entry.path) for entry in log if "id_/" in entry.path]
    assert sorted(fetched) == sorted(unquote(urlsplit(row[2]).path) for row in rows), "each capture fetched once"
    with Store(data / "archive.sqlite3") as store:
        for capture in (store.stored_capture(n) for n in range(1, len(rows) + 1)):
            assert capture is not None
            response = read_response(data / "warc", capture.location)
            assert response.url == capture.url and utc(response.fetched_at) == capture.fetched_at


def test_a_second_harvest_fetches_and_stores_nothing_again(archived, harvested, proxy, tmp_path):
    _, base, _, _ = archived
    data, _, _ = harvested
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    before = counts(copy)
    result = harvest(proxy, base, copy)
    assert result.returncode == 0, result.stderr[-3000:]
    assert proxy.fetches() == [], "no capture asked for again"
    assert counts(copy) == before
    assert f"Harvested 0 of the {before['captures']} captures listed" in result.stdout


def counts(data: Path) -> dict[str, int]:
    with sqlite3.connect(data / "archive.sqlite3") as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("captures", "articles", "revisions", "snapshots", "article_captures")
        }


def stored_state(data: Path) -> tuple:
    """What a harvest stored, without what differs between two runs of it (ids, run numbers)."""
    with Store(data / "archive.sqlite3") as store:
        records = sorted((r["url"], r["headline"], r["updated"]) for r in store.current_records())
        snapshots = [
            (s["first_seen"], s["last_seen"], s["sightings"], [e["url"] for e in s["entries"]])
            for s in store.snapshot_lists()
        ]
    with sqlite3.connect(data / "archive.sqlite3") as db:
        captures = sorted(
            (url, fetched_at, urlsplit(address).path)
            for url, fetched_at, address in db.execute("SELECT url, fetched_at, archive_address FROM captures")
        )
    return records, snapshots, captures


def test_a_harvest_killed_half_way_is_resumed_by_the_next(archived, harvested, proxy, tmp_path):
    _, base, _, _ = archived
    whole, _, _ = harvested
    data = tmp_path / "data"
    process = subprocess.Popen(
        command(proxy, base, data, rate="4"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: len(proxy.fetches()) >= 10 or process.poll() is not None, "ten captures fetched")
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "killed before it ended"
    first = list(proxy.fetches())
    result = harvest(proxy, base, data)
    assert result.returncode == 0, result.stderr[-3000:]
    second = proxy.fetches()[len(first) :]
    assert set(first) | set(second) == {entry.path for entry in harvested[2] if "id_/" in entry.path}
    assert len(set(first) & set(second)) <= 1, "only the capture in flight when it was killed is asked for again"
    assert stored_state(data) == stored_state(whole)


def every_seventh_capture() -> Callable[[str], bool]:
    """Yes to the 1st, 8th, 15th … capture address asked for, in the order they are asked:
    the same captures whatever ports the servers were given."""
    seen: list[str] = []

    def refuse(path: str) -> bool:
        if "id_/" not in path:
            return False
        if path not in seen:
            seen.append(path)
        return seen.index(path) % 7 == 0

    return refuse


def test_the_archive_asking_to_wait_is_obeyed(archived, harvested, proxy, tmp_path):
    _, base, _, _ = archived
    whole, _, _ = harvested
    proxy.refuse = every_seventh_capture()
    proxy.retry_after = 1
    data = tmp_path / "data"
    result = harvest(proxy, base, data)
    assert result.returncode == 0, result.stderr[-3000:]
    log = proxy.log
    refused = [n for n, entry in enumerate(log) if entry.status == 429]
    assert len(refused) >= 2
    for n in refused:
        gap = log[n + 1].time - log[n].time
        assert log[n + 1].path == log[n].path, "the same capture asked for again"
        assert gap >= proxy.retry_after, f"asked again {gap:.2f} s after a 429 with Retry-After {proxy.retry_after}"
    spaced = log[refused[-1] + 1 :]
    if len(spaced) > 2:  # requests one after another, with no pause between them: at most RATE a second
        assert spaced[-1].time - spaced[0].time >= (len(spaced) - 1) / float(RATE) - 0.5
    assert f"{len(refused)} pauses the archive asked for" in result.stdout
    assert stored_state(data) == stored_state(whole)


def test_captures_read_by_byte_range_from_the_warc_files_are_those_replayed(archived, harvested, proxy, tmp_path):
    _, base, _, files = archived
    whole, _, _ = harvested
    data = tmp_path / "data"
    with files_served(files) as served:
        result = harvest(proxy, base, data, "--warc-files", served)
    assert result.returncode == 0, result.stderr[-3000:]
    assert proxy.fetches() == [], "nothing fetched from the replay"
    records, snapshots, captures = stored_state(data)
    assert (records, snapshots) == stored_state(whole)[:2]
    assert [c[:2] for c in captures] == [c[:2] for c in stored_state(whole)[2]]
    assert all(path.endswith(".warc.gz") for _, _, path in captures)
    with sqlite3.connect(data / "archive.sqlite3") as db:
        sources = [row[0] for row in db.execute("SELECT archive_address FROM captures")]
    assert all(source.startswith(served) and "#bytes=" in source for source in sources)


@pytest.mark.parametrize(
    ("options", "sentence"),
    [
        (["--sections", "national"], "--sections is for a crawl of the site; it does not apply with --from-archive."),
        (["--since", "2017-05-01", "--until", "2017-04-01"], "--since is after --until"),
        (["--archive-rate", "0"], "--archive-rate must be more than 0 requests a second."),
    ],
)
def test_a_mistake_in_a_harvest_is_one_sentence(options, sentence, tmp_path):
    result = subprocess.run(
        [NEWSARCHIVE, "crawl", "--from-archive", "http://127.0.0.1:9/post/cdx", "--data-dir", str(tmp_path), *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and sentence in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "archive.sqlite3").exists()


def test_a_real_web_archive_needs_a_contact_address(tmp_path):
    environment = {name: value for name, value in os.environ.items() if name != "NEWSARCHIVE_CONTACT"}
    result = subprocess.run(
        [NEWSARCHIVE, "crawl", "--from-archive", "https://web.archive.org/cdx/search/cdx", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert result.returncode == 2 and "before harvesting from a real web archive" in result.stderr


def test_an_archive_that_refuses_the_query_is_one_sentence(tmp_path):
    class Refusing(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with handled(Refusing) as base:
        result = subprocess.run(
            [NEWSARCHIVE, "crawl", "--from-archive", f"{base}/post/cdx", "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "The archive answered 400 to the CDX query" in result.stderr
    assert "run the same command again to resume" in result.stderr


def test_walking_the_timemaps_finds_what_the_cdx_api_lists(archived, harvested, proxy, tmp_path):
    _, base, _, _ = archived
    whole, _, _ = harvested
    data = tmp_path / "data"
    result = subprocess.run(
        command(proxy, base, data, listing="timemap/link/"), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (records, snapshots, captures), (cdx_records, cdx_snapshots, cdx_captures) = stored_state(data), stored_state(whole)
    assert records == cdx_records
    assert [s[:2] + s[3:] for s in snapshots] == [s[:2] + s[3:] for s in cdx_snapshots]
    assert all(got[2] >= listed[2] for got, listed in zip(snapshots, cdx_snapshots, strict=True))
    seen = {(url, fetched_at) for url, fetched_at, _ in captures}
    listed = {(url, fetched_at) for url, fetched_at, _ in cdx_captures}
    assert listed <= seen
    bodies = dict(captured_bodies(data))
    print(sorted(seen - listed))
    print(sorted(listed))
    for url, fetched_at in sorted(seen - listed):  # what the CDX API collapsed: the same bytes as the capture before
        before = max(moment for address, moment in seen if address == url and moment < fetched_at)
        assert bodies[url, fetched_at] == bodies[url, before]
    asked = [entry.path for entry in proxy.log if "/timemap/" in entry.path]
    assert not any("/cdx" in entry.path for entry in proxy.log), "no CDX query"
    assert len(asked) == len(set(asked)), "each address's TimeMap read once"


def captured_bodies(data: Path) -> Iterator[tuple[tuple[str, str], bytes]]:
    with Store(data / "archive.sqlite3") as store:
        for n in range(1, counts(data)["captures"] + 1):
            capture = store.stored_capture(n)
            assert capture is not None
            yield (capture.url, capture.fetched_at), read_response(data / "warc", capture.location).body


def test_each_harvested_capture_replays_as_the_site_served_it_then(archived, harvested, corpus, tmp_path):
    from search.indexer import rebuild
    from web import create_app

    plan, _, _, _ = archived
    data, _, _ = harvested
    with Store(data / "archive.sqlite3") as store:
        rebuild(store, tmp_path / "index", procs=1)
    client = create_app(tmp_path / "index", data, read_only=True).test_client()
    for page in (page for page in plan if page.article is not None):
        answer = client.get(f"/replay/{page.moment.astimezone(UTC):%Y%m%d%H%M%S}/{page.address}")
        assert answer.status_code == 200, page
        assert answer.headers["X-Archive-Captured-At"] == utc(page.moment)
        text = " ".join(lxml.html.document_fromstring(answer.data).text_content().split())
        assert corpus.article(page.article).truth(page.moment)["headline"] in text
