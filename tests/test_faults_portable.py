"""Faults of the commands that carry the archive in and out, with real processes and files:
damaged WARC records are reported and not stored, and a copy stored damaged by an earlier
version is replaced by a complete one; records over the crawler's cap are passed over; the
staging folder of a bundle export killed with SIGKILL is removed by the next export, never
that of an export still running."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.store import Capture, Store
from archive.warc import warc_time
from crawler.parse import parse_page
from crawler.settings import DOWNLOAD_MAXSIZE
from tests.waiting import wait_for

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
DATE = "2012-01-02T03:04:05Z"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=600)


def rows(data: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data / "archive.sqlite3") as db:
        return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def pages(site, corpus, truth) -> list[tuple[str, bytes]]:
    """Nine of the sample site's oldest articles with a body, as fetched from it: (record URL, page)."""
    found = []
    for number in reversed(corpus.newest_first(corpus.config.end)):
        article = corpus.article(number)
        if len(truth[article.url]["body"]) > 2:
            with urllib.request.urlopen(site.base + quote(article.path), timeout=30) as answer:
                found.append((article.url, answer.read()))
        if len(found) == 9:
            return found
    raise AssertionError("the sample site has fewer than nine articles with a body")


def write_warc(path: Path, pages: list[tuple[str, bytes]], gzip: bool = True) -> list[tuple[int, str]]:
    """Response records written with warcio's WARCWriter (with their digests); returns each
    record's offset and WARC-Record-ID."""
    written = []
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzip)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": DATE}
            )
            written.append((stream.tell(), record.rec_headers.get_header("WARC-Record-ID")))
            writer.write_record(record)
    return written


def record_ids(data: Path) -> set[str]:
    return {row[0] for row in rows(data, "SELECT warc_record_id FROM captures")}


def not_stored_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("Not stored")]


def test_damaged_records_are_reported_and_not_stored(pages, tmp_path):
    """Cut short in a .warc.gz and in a .warc, a digest that does not match, and a gzip member
    that does not decompress followed by a whole record, which is still read."""
    cut = tmp_path / "cut.warc.gz"
    (_, a), (b_at, b) = write_warc(cut, pages[0:2])
    with open(cut, "r+b") as stream:
        stream.truncate(b_at + (cut.stat().st_size - b_at) // 2)
    short = tmp_path / "short.warc"
    (_, c), (_, d) = write_warc(short, pages[2:4], gzip=False)
    with open(short, "r+b") as stream:
        stream.truncate(short.stat().st_size - 500)
    digest = tmp_path / "digest.warc"
    (_, e), (f_at, f) = write_warc(digest, pages[4:6], gzip=False)
    data = bytearray(digest.read_bytes())
    changed = data.index(b"<body")
    assert changed < f_at
    data[changed : changed + 5] = b"<BODY"  # same length: only the digests can tell
    digest.write_bytes(bytes(data))
    garbled = tmp_path / "garbled.warc.gz"
    (_, g), (h_at, h), (i_at, i) = write_warc(garbled, pages[6:9])
    data = bytearray(garbled.read_bytes())
    middle = (h_at + i_at) // 2
    data[middle : middle + 64] = bytes(64)
    garbled.write_bytes(bytes(data))

    store = tmp_path / "data"
    result = run("import", "warc", str(cut), str(short), str(digest), str(garbled), "--data-dir", str(store))
    assert result.returncode == 0, result.stderr
    reported = not_stored_lines(result.stdout)
    # The zeroed bytes make one stretch of the gzip stream unreadable; a false member start in
    # the compressed bytes around them can part it into two reports, each within the record.
    garbled_lines = [line for line in reported if line.startswith(f"Not stored, damaged: {garbled.name} ")]
    assert garbled_lines and len(reported) - len(garbled_lines) == 3, result.stdout
    for line in garbled_lines:
        found = re.search(r"from offset (\d+) to (\d+)", line)
        assert found and h_at <= int(found[1]) < int(found[2]) <= i_at, line
    assert f"{len(reported)} damaged" in result.stdout.splitlines()[-1]
    for url in (pages[1][0], pages[3][0], pages[4][0]):
        assert sum(url in line for line in not_stored_lines(result.stdout)) == 1, result.stdout
    assert "WARC-Payload-Digest" in result.stdout
    assert record_ids(store) == {a, c, f, g, i}
    assert not record_ids(store) & {b, d, e, h}
    assert {row[0] for row in rows(store, "SELECT url FROM articles")} == {pages[n][0] for n in (0, 2, 5, 6, 8)}
    assert "Traceback" not in result.stderr


def store_as_an_earlier_version_did(data: Path, warc: Path, offset: int) -> None:
    """The archive as an import that did not check records left it: the record at `offset`
    copied as it was (cut short) into the archive's WARC folder, and its page parsed and stored."""
    folder = data / "warc"
    folder.mkdir(parents=True)
    shutil.copy(warc, folder / "import-warc-earlier-00001.warc.gz")
    with open(warc, "rb") as stream:
        stream.seek(offset)
        response = next(ArchiveIterator(stream))
        body = response.content_stream().read()
        headers = response.rec_headers
    url, when = headers.get_header("WARC-Target-URI"), warc_time(headers.get_header("WARC-Date"))
    with Store(data / "archive.sqlite3") as store:
        run_id = store.start_run("phnompenhpost.com", "warc:" + warc.name, {}, job="import-warc")
        capture_id = store.add_capture(
            run_id,
            Capture(
                url,
                200,
                when,
                "article",
                len(body),
                "import-warc-earlier-00001.warc.gz",
                offset,
                headers.get_header("WARC-Record-ID"),
            ),
        )
        store.ingest(parse_page(body, url, when, "phnompenhpost.com"), capture_id, when, run_id, (url,))
        store.finish_run(run_id, "finished", {})


def current_body(data: Path, url: str) -> list[str]:
    [(body,)] = rows(
        data,
        "SELECT json_extract(r.record, '$.body') FROM articles a JOIN revisions r "
        "ON r.article_id = a.id AND r.number = a.current_revision WHERE a.url = ?",
        url,
    )
    return json.loads(body)


def test_a_complete_copy_replaces_a_record_stored_damaged(pages, truth, tmp_path):
    whole = tmp_path / "whole.warc.gz"
    (_, first), (second_at, second) = write_warc(whole, pages[0:2])
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole.read_bytes()[: second_at + (whole.stat().st_size - second_at) * 2 // 3])
    data = tmp_path / "data"
    store_as_an_earlier_version_did(data, cut, second_at)
    url = pages[1][0]
    assert current_body(data, url) != truth[url]["body"]  # what was stored is not the whole article

    result = run("import", "warc", str(whole), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert "1 replaced a copy stored damaged" in result.stdout, result.stdout
    assert current_body(data, url) == truth[url]["body"]
    assert rows(
        data, "SELECT count(*) FROM revisions r JOIN articles a ON a.id = r.article_id WHERE a.url = ?", url
    ) == [(1,)]
    [(warc_file, offset)] = rows(data, "SELECT warc_file, warc_offset FROM captures WHERE warc_record_id = ?", second)
    assert warc_file.startswith("import-warc-") and warc_file != "import-warc-earlier-00001.warc.gz"
    with open(data / "warc" / warc_file, "rb") as stream:  # the stored copy is whole now
        stream.seek(offset)
        records = ArchiveIterator(stream, check_digests=True)
        response = next(records)
        assert response.content_stream().read() == pages[1][1]
        records.read_to_end()
        assert response.digest_checker.passed and not response.digest_checker.problems
    assert record_ids(data) == {first, second}

    again = run("import", "warc", str(whole), "--data-dir", str(data))
    assert again.returncode == 0 and "2 already in the archive" in again.stdout, again.stdout + again.stderr


def padded(page: bytes, size: int) -> bytes:
    """The page made exactly `size` bytes long by a comment before its end."""
    end = page.rindex(b"</body>")
    filler = size - len(page) - len(b"<!---->")
    return page[:end] + b"<!--" + b" " * filler + b"-->" + page[end:]


def test_a_record_over_the_crawlers_cap_is_reported_and_not_stored(pages, tmp_path):
    over_url, at_url, small_url = (url for url, _ in pages[0:3])
    warc = tmp_path / "large.warc.gz"
    [_, (_, at_cap), (_, small)] = write_warc(
        warc,
        [
            (over_url, padded(pages[0][1], DOWNLOAD_MAXSIZE + 1)),
            (at_url, padded(pages[1][1], DOWNLOAD_MAXSIZE)),
            pages[2],
        ],
    )
    data = tmp_path / "data"
    result = run("import", "warc", str(warc), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    [line] = not_stored_lines(result.stdout)
    assert over_url in line and f"over {DOWNLOAD_MAXSIZE // 2**20} MB" in line, result.stdout
    assert f"1 over {DOWNLOAD_MAXSIZE // 2**20} MB" in result.stdout.splitlines()[-1]
    assert record_ids(data) == {at_cap, small}
    assert {row[0] for row in rows(data, "SELECT url FROM articles")} == {at_url, small_url}


def export_args(archive: Path, output: Path) -> list[str]:
    return [
        "export",
        "bundle",
        str(output),
        "--warc",
        "--data-dir",
        str(archive / "data"),
        "--index-dir",
        str(archive / "index"),
    ]


def staging_of(process: subprocess.Popen, folder: Path) -> Path:
    """The hidden staging folder a running export makes beside its output, once it is there."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = [path for path in folder.iterdir() if path.name.startswith(".")]
        if found:
            return found[0]
        if process.poll() is not None:
            pytest.fail(f"the export ended (status {process.returncode}) before its staging folder was seen")
        time.sleep(0.001)
    pytest.fail("no staging folder appeared")


def test_the_staging_folder_of_a_killed_export_is_removed_by_the_next(indexed_archive, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    bundle = out / "archive.tar.gz"
    process = subprocess.Popen(
        [NEWSARCHIVE, *export_args(indexed_archive, bundle)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    leftover = staging_of(process, out)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert leftover.is_dir() and not bundle.exists()

    result = run(*export_args(indexed_archive, bundle))
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if leftover.name in line]
    assert line.startswith("Removed")
    assert [path.name for path in out.iterdir()] == ["archive.tar.gz"]  # a normal run leaves nothing behind


def test_the_staging_folder_of_a_running_export_is_left_alone(indexed_archive, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    first = subprocess.Popen(
        [NEWSARCHIVE, *export_args(indexed_archive, out / "first.tar.gz")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    staging = staging_of(first, out)
    # stopped once it has copied the store and let go of it (it stages the index next), so
    # that the store is not held by a stopped process: still running, however long the
    # second export takes
    wait_for(lambda: (staging / "index").is_dir(), "the first export to stage its index", every=0.001)
    os.kill(first.pid, signal.SIGSTOP)
    try:
        second = run(*export_args(indexed_archive, out / "second.tar.gz"))
        assert staging.is_dir()
    finally:
        os.kill(first.pid, signal.SIGCONT)
    _, stderr = first.communicate(timeout=600)
    assert second.returncode == 0 and "Removed" not in second.stdout, second.stdout + second.stderr
    assert first.returncode == 0, stderr
    assert sorted(path.name for path in out.iterdir()) == ["first.tar.gz", "second.tar.gz"]
    with tarfile.open(out / "first.tar.gz", "r:gz") as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json" and names[-1] == "manifest.sha256"
