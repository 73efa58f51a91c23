"""`newsarchive reparse` when things go wrong: a WARC file cut short, the process killed midway.
Either way the store keeps every article it had, and a damaged capture's earlier records."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.store import Store
from samplesite.corpus import Corpus, SiteConfig
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve

TABLES = ("articles", "revisions", "article_captures", "aliases", "snapshots", "snapshot_entries", "warnings")
REPARSED_KINDS = ("article", "listing", "other")  # what reparse reads (Store.captures)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A crawl of a small sample site, its responses spread over several WARC files."""
    corpus = Corpus(SiteConfig(seed=7, count=120))
    _, server, base = serve(corpus)
    data = tmp_path_factory.mktemp("reparse") / "data"
    try:
        crawl(base, data, *FAST, "-s", "NEWSARCHIVE_WARC_MAX_BYTES=200000")
    finally:
        server.shutdown()
    assert len(list((data / "warc").glob("*.warc.gz"))) >= 3
    return data


def copy_of(data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    return copy


def state(data: Path) -> dict:
    """Everything a reparse rebuilds, ids left out (a rebuild numbers rows afresh)."""
    with Store(data / "archive.sqlite3") as store:
        db = store.db
        return {
            "counts": {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES},
            "records": {record["url"]: record for record in store.current_records()},
            "revisions": sorted(
                tuple(row)
                for row in db.execute(
                    "SELECT a.url, r.number, r.content_hash, r.captured_at, r.capture_id, r.record FROM revisions r "
                    "JOIN articles a ON a.id = r.article_id"
                )
            ),
            "snapshots": [{k: v for k, v in s.items() if k != "id"} for s in store.snapshot_lists()],
        }


def reparse(data: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSARCHIVE, "reparse", "--data-dir", str(data)], capture_output=True, text=True, timeout=300
    )


def middle_file(data: Path) -> Path:
    files = sorted((data / "warc").glob("*.warc.gz"))
    return files[len(files) // 2]


def record_ends(path: Path) -> dict[int, int]:
    """Where each record of a WARC file ends, by the offset where it starts."""
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        offsets = [iterator.get_record_offset() for _ in iterator]
    return dict(zip(offsets, [*offsets[1:], path.stat().st_size], strict=True))


def test_a_warc_file_cut_short_is_skipped_and_its_articles_keep_their_records(crawled, tmp_path):
    data = copy_of(crawled, tmp_path)
    before = state(data)
    damaged_file = middle_file(data)
    cut = damaged_file.stat().st_size // 2
    ends = record_ends(damaged_file)
    with Store(data / "archive.sqlite3") as store:
        rows = store.db.execute(
            "SELECT c.id, c.warc_offset, a.url FROM captures c LEFT JOIN article_captures ac ON ac.capture_id = c.id "
            "LEFT JOIN articles a ON a.id = ac.article_id WHERE c.warc_file = ? AND c.status = 200 "
            f"AND c.kind IN ({','.join('?' * len(REPARSED_KINDS))})",
            (damaged_file.name, *REPARSED_KINDS),
        ).fetchall()
    damaged = [row for row in rows if ends[row["warc_offset"]] > cut]
    damaged_articles = {row["url"] for row in damaged if row["url"]}
    assert damaged_articles and len(damaged) < len(rows), "the cut falls among the file's article pages"
    os.truncate(damaged_file, cut)

    result = reparse(data)

    after = state(data)
    assert after["counts"]["articles"] == before["counts"]["articles"], result.stderr
    assert sorted(after["records"]) == sorted(before["records"]), "every article is still there"
    for url in damaged_articles:
        assert after["records"][url] == before["records"][url], url
        assert [r for r in after["revisions"] if r[0] == url] == [r for r in before["revisions"] if r[0] == url]
    assert after == before, "the rest reparsed as before (the same parser)"
    assert result.returncode == 2, result.stderr
    assert f"{len(damaged)} pages could not be read and were skipped" in result.stdout, result.stdout
    assert f"{len(damaged)} records of {damaged_file.name} could not be read" in result.stderr, result.stderr
    with Store(data / "archive.sqlite3") as store:
        assert store.integrity() == "ok"


def wait_until_opening(fifo: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until `process` is opening `fifo` for reading: a FIFO's open waits for a writer, and a
    writer's non-blocking open succeeds only while a reader is there."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.communicate()
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError as error:
            assert error.errno == errno.ENXIO, error
        assert time.monotonic() < deadline, "the reparse never reached the file"
        time.sleep(0.02)


def test_a_reparse_killed_midway_leaves_the_store_as_it_was(crawled, tmp_path):
    data = copy_of(crawled, tmp_path)
    before = state(data)
    held = middle_file(data)  # the reparse stops there, having rebuilt every capture of the files before it
    aside = tmp_path / held.name
    held.rename(aside)
    os.mkfifo(held)
    process = subprocess.Popen(
        [NEWSARCHIVE, "reparse", "--data-dir", str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_opening(held, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    held.unlink()
    aside.rename(held)

    after = state(data)
    assert after["counts"] == before["counts"]
    assert after == before
    with Store(data / "archive.sqlite3") as store:
        assert store.integrity() == "ok"

    result = reparse(data)
    assert result.returncode == 0, result.stderr
    assert state(data) == before
