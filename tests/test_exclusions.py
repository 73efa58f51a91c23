"""What the archive must be able to withhold: an address, or every address under a prefix, with
its reason and day; honoured by search (totals and facet counts), article pages, replays, raw
captures, exports, WACZ and bundles; the material kept in the WARC files until a purge, which
deletes it from the store and the files and leaves every other capture readable."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tarfile
import zipfile
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.store import Store
from archive.urls import address_key
from archive.warc import read_response
from samplesite.corpus import Corpus, SiteConfig
from tests.crawling import NEWSARCHIVE, WITH_REQUISITES, crawl, serve


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A crawled and indexed archive of a small site: its folder (data/, index/)."""
    _, server, base = serve(Corpus(SiteConfig(seed=7, count=40)))
    folder = tmp_path_factory.mktemp("withheld")
    try:
        crawl(base, folder / "data", *WITH_REQUISITES)
    finally:
        server.shutdown()
    assert run("index", "--data-dir", str(folder / "data"), "--index-dir", str(folder / "index")).returncode == 0
    return folder


@pytest.fixture
def archive(crawled, tmp_path) -> Path:
    """A copy of the crawled archive of a test's own."""
    copy = tmp_path / "archive"
    subprocess.run(["cp", "-a", str(crawled), str(copy)], check=True)
    return copy


def dirs(archive: Path) -> list[str]:
    return ["--data-dir", str(archive / "data"), "--index-dir", str(archive / "index")]


def records(archive: Path) -> dict[str, dict]:
    with Store(archive / "data" / "archive.sqlite3") as store:
        return {record["url"]: record for record in store.current_records()}


def searched(archive: Path) -> dict:
    result = run("search", "--json", "--page-size", "100", *dirs(archive))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def withhold(archive: Path) -> tuple[str, str, set[str]]:
    """One article withheld by its address (given in another of its forms) and one section by
    prefix; returns (the article, the section, every article withheld)."""
    stored = records(archive)
    folders = Counter(address_key(url).split("/")[1] for url in stored)
    section = next(name for name, count in folders.most_common() if count >= 2)  # a folder of articles
    one = next(url for url in stored if address_key(url).split("/")[1] != section)
    other_form = "http://" + urlsplit(one).netloc.removeprefix("www.") + urlsplit(one).path + "/"
    added = run(
        "exclude", "add", other_form, "--reason", "A source's safety.", "--decided", "2026-11-20", *dirs(archive)
    )
    assert added.returncode == 0, added.stderr
    assert "1 articles" in added.stdout
    prefix = f"https://www.phnompenhpost.com/{section}/"
    added = run("exclude", "add", prefix, "--prefix", "--reason", "A court order", *dirs(archive))
    assert added.returncode == 0, added.stderr
    under = {url for url in stored if address_key(url).startswith(f"/{section}/")}
    assert len(under) >= 2
    return one, section, {one} | under


def test_search_leaves_out_what_is_withheld_and_counts_agree(archive):
    stored = records(archive)
    one, section, withheld = withhold(archive)
    found = searched(archive)
    kept = {url: record for url, record in stored.items() if url not in withheld}
    assert found["total"] == len(kept) and {hit["url"] for hit in found["hits"]} == set(kept)
    sections = dict(Counter(record["section"] for record in kept.values()))
    assert dict(map(tuple, found["facets"]["section"])) == sections
    listing = run("exclude", "list", *dirs(archive)).stdout.splitlines()
    assert [line.split("\t")[:3] for line in listing] == [
        ["2026-11-20", "address", address_key(one)],
        [listing[1].split("\t")[0], "prefix", f"/{section}/"],
    ]
    assert (
        run("exclude", "remove", f"https://www.phnompenhpost.com/{section}/", "--prefix", *dirs(archive)).returncode
        == 0
    )
    assert searched(archive)["total"] == len(stored) - 1, "no longer withheld: searchable again"


def test_pages_replays_and_raw_captures_of_what_is_withheld_are_gone(archive):
    from web import create_app

    one, _, withheld = withhold(archive)
    client = create_app(archive / "index", archive / "data").test_client()
    answer = client.get("/article?url=" + quote(one, safe=""))
    assert answer.status_code == 410 and "A source" in answer.get_data(as_text=True)
    assert client.get("/article.json?url=" + quote(one, safe="")).status_code == 410
    with Store(archive / "data" / "archive.sqlite3") as store:
        captures = store.captures_of_article(one)
    assert captures
    for capture in captures:
        assert client.get(f"/capture/{capture.id}").status_code == 410
        assert client.get(f"/replay/2030/{capture.url}").status_code == 410
    board = client.get("/most-viewed/leaderboard.json").get_json()
    assert not withheld & {entry["url"] for entry in board["articles"]}
    kept = next(url for url in records(archive) if url not in withheld)
    assert client.get("/article?url=" + quote(kept, safe="")).status_code == 200
    about = client.get("/about.json").get_json()
    assert about["withheld_articles"] == len(withheld) and about["articles"] == len(records(archive))


def warc_urls(paths: list[Path]) -> Counter:
    urls: Counter = Counter()
    for path in paths:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    urls[address_key(record.rec_headers.get_header("WARC-Target-URI"))] += 1
    return urls


def test_exports_wacz_and_bundles_leave_out_what_is_withheld(archive, tmp_path):
    _, _, withheld = withhold(archive)
    keys = {address_key(url) for url in withheld}
    assert keys <= set(warc_urls(sorted((archive / "data" / "warc").glob("*.warc.gz")))), "still in the WARC files"
    assert run("export", "articles", "--output", str(tmp_path / "a.jsonl"), *dirs(archive)).returncode == 0
    exported = {json.loads(line)["url"] for line in (tmp_path / "a.jsonl").read_text().splitlines()}
    assert exported and not exported & withheld
    assert run("export", "snapshots", "--output", str(tmp_path / "s.jsonl"), *dirs(archive)).returncode == 0
    entries = {json.loads(line)["url"] for line in (tmp_path / "s.jsonl").read_text().splitlines()}
    assert not entries & withheld
    assert run("export", "wacz", str(tmp_path / "a.wacz"), "--data-dir", str(archive / "data")).returncode == 0
    checked = run_wacz_validate(tmp_path / "a.wacz")
    assert checked.returncode == 0, checked.stdout
    with zipfile.ZipFile(tmp_path / "a.wacz") as wacz:
        wacz.extractall(tmp_path / "wacz")
        pages = [json.loads(line)["url"] for line in wacz.read("pages/pages.jsonl").splitlines()[1:]]
    assert not {address_key(url) for url in pages} & keys
    assert not set(warc_urls(sorted((tmp_path / "wacz" / "archive").glob("*")))) & keys
    bundle = tmp_path / "b.tar.gz"
    made = run("export", "bundle", str(bundle), "--warc", *dirs(archive))
    assert made.returncode == 0, made.stderr
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path / "bundle", filter="data")
    with sqlite3.connect(tmp_path / "bundle" / "store" / "archive.sqlite3") as db:
        urls = {row[0] for row in db.execute("SELECT url FROM articles")}
        captured = {address_key(row[0]) for row in db.execute("SELECT url FROM captures")}
    assert urls == set(records(archive)) - withheld and not captured & keys
    assert not set(warc_urls(sorted((tmp_path / "bundle" / "warc").glob("*.warc.gz")))) & keys
    installed = run(
        "import",
        "bundle",
        str(bundle),
        "--data-dir",
        str(tmp_path / "in" / "data"),
        "--index-dir",
        str(tmp_path / "in" / "index"),
    )
    assert installed.returncode == 0, installed.stderr


def run_wacz_validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(NEWSARCHIVE).parent / "wacz"), "validate", "-f", str(path)], capture_output=True, text=True
    )


def test_a_bundle_is_refused_while_the_index_is_older_than_the_exclusions(archive, tmp_path):
    with Store(archive / "data" / "archive.sqlite3") as store:
        store.add_exclusion(next(iter(records(archive))), False, "Asked by the author", "2026-11-30")
    made = run("export", "bundle", str(tmp_path / "b.tar.gz"), *dirs(archive))
    assert made.returncode == 2 and "run 'newsarchive index' first" in made.stderr
    assert not (tmp_path / "b.tar.gz").exists()


def test_a_purge_deletes_what_is_withheld_and_keeps_every_other_capture_readable(archive):
    _, _, withheld = withhold(archive)
    data = archive / "data"
    with Store(data / "archive.sqlite3") as store:
        before = {capture.id for capture in store.captures(("article", "listing", "other", "requisite", "robots"))}
    looked = run("exclude", "purge", *dirs(archive))
    assert looked.returncode == 0 and "would delete" in looked.stdout
    assert set(records(archive)) >= withheld, "nothing deleted without --yes"
    purged = run("exclude", "purge", "--yes", *dirs(archive))
    assert purged.returncode == 0, purged.stderr
    assert not set(records(archive)) & withheld
    keys = {address_key(url) for url in withheld}
    assert not set(warc_urls(sorted((data / "warc").glob("*.warc.gz")))) & keys
    with Store(data / "archive.sqlite3") as store:
        remaining = store.captures(("article", "listing", "other", "requisite", "robots"))
        assert {capture.id for capture in remaining} < before
        for capture in remaining:
            response = read_response(data / "warc", capture.location)
            assert response.url == capture.url
        assert store.integrity() == "ok"
    assert searched(archive)["total"] == len(records(archive))
