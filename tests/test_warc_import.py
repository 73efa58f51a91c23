"""Captures made elsewhere: a WARC written by warcio's own capture tool from sample-site pages
fetched over HTTP imports with the capture dates it carries, duplicates merge by canonical URL
and revision, and the raw records come along so the archive can be parsed again."""

from __future__ import annotations

import html
import io
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from warcio.capture_http import capture_http
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=300)


def capture(path: Path, urls_and_dates: list[tuple[str, str]]) -> Path:
    """Fetch each URL with urllib under warcio's capture_http, stamping the chosen WARC-Date."""
    dates = iter(date for _, date in urls_and_dates)

    def stamp(request, response, recorder):
        response.rec_headers.replace_header("WARC-Date", next(dates))
        return request, response

    with capture_http(str(path), stamp):
        for url, _ in urls_and_dates:
            with urllib.request.urlopen(url, timeout=30) as answer:
                answer.read()
    return path


@pytest.fixture(scope="module")
def pages(site, corpus):
    """Three of the oldest articles of the sample site, as fetched from it, and its record URLs."""
    chosen = corpus.newest_first(corpus.config.end)[-3:]
    return [(site.base + quote(corpus.article(i).path), corpus.article(i).url) for i in chosen]


def rows(data: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(data / "archive.sqlite3") as db:
        return db.execute(sql, params).fetchall()


def test_imported_pages_keep_their_capture_dates(pages, site, truth, tmp_path):
    dates = ["2012-01-02T03:04:05Z", "2012-02-03T04:05:06Z", "2012-03-04T05:06:07Z"]
    warc = capture(
        tmp_path / "elsewhere.warc.gz",
        [(fetched, date) for (fetched, _), date in zip(pages, dates, strict=True)]
        + [(site.base + "/national", "2012-04-05T06:07:08Z")],
    )
    data = tmp_path / "data"
    result = run("import", "warc", str(warc), "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert "3 new articles" in result.stdout
    for (_, url), date in zip(pages, dates, strict=True):
        stamp = date.replace("Z", ".000000Z")
        assert rows(data, "SELECT first_captured, last_captured, headline FROM articles WHERE url = ?", url) == [
            (stamp, stamp, truth[url]["headline"])
        ]
        assert rows(
            data, "SELECT r.captured_at FROM revisions r JOIN articles a ON a.id = r.article_id WHERE a.url = ?", url
        ) == [(stamp,)]
    every = sorted(d.replace("Z", ".000000Z") for d in [*dates, "2012-04-05T06:07:08Z"])
    assert sorted(r[0] for r in rows(data, "SELECT fetched_at FROM captures")) == every
    assert sorted(r[0] for r in rows(data, "SELECT first_seen FROM snapshots")) == every  # each page's sidebar
    assert rows(data, "SELECT job, status, new_articles FROM crawl_runs") == [("import-warc", "finished", 3)]
    reparsed = run("reparse", "--data-dir", str(data))  # the raw records were copied into the archive
    assert reparsed.returncode == 0 and "Reparsed 4 pages: 3 articles." in reparsed.stdout, reparsed.stderr


def test_duplicates_merge_by_url_and_revision(pages, tmp_path):
    data = tmp_path / "data"
    first = capture(tmp_path / "first.warc.gz", [(fetched, "2013-05-01T00:00:00Z") for fetched, _ in pages])
    later = capture(tmp_path / "later.warc.gz", [(fetched, "2014-05-01T00:00:00Z") for fetched, _ in pages])
    earlier = capture(tmp_path / "earlier.warc.gz", [(fetched, "2011-05-01T00:00:00Z") for fetched, _ in pages])
    assert run("import", "warc", str(first), "--data-dir", str(data)).returncode == 0
    again = run("import", "warc", str(first), str(later), "--data-dir", str(data))
    assert again.returncode == 0, again.stderr
    assert "3 already in the archive" in again.stdout and "3 unchanged" in again.stdout
    assert run("import", "warc", str(earlier), "--data-dir", str(data)).returncode == 0
    assert rows(data, "SELECT count(*) FROM articles") == [(3,)]
    assert rows(data, "SELECT count(*) FROM revisions") == [(3,)]
    assert rows(data, "SELECT count(*) FROM captures") == [(9,)]
    assert set(rows(data, "SELECT first_captured, last_captured FROM articles")) == {
        ("2011-05-01T00:00:00.000000Z", "2014-05-01T00:00:00.000000Z")
    }
    assert set(rows(data, "SELECT captured_at FROM revisions")) == {("2011-05-01T00:00:00.000000Z",)}


def write_warc(path: Path, url: str, pages: list[tuple[bytes, str]]) -> Path:
    """Response records written with warcio's WARCWriter: each body with its WARC-Date."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for body, date in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": date},
                )
            )
    return path


def test_an_earlier_version_takes_its_place_among_the_revisions(pages, truth, tmp_path):
    fetched, url = pages[0]
    with urllib.request.urlopen(fetched, timeout=30) as answer:
        page = answer.read()
    headline = truth[url]["headline"]
    older = page.replace(html.escape(headline, quote=False).encode(), b"An earlier headline")
    assert older != page
    data = tmp_path / "data"
    later = write_warc(tmp_path / "later.warc.gz", fetched, [(page, "2015-06-01T00:00:00Z")])
    earlier = write_warc(tmp_path / "earlier.warc.gz", fetched, [(older, "2013-06-01T00:00:00Z")])
    assert run("import", "warc", str(later), "--data-dir", str(data)).returncode == 0
    result = run("import", "warc", str(earlier), "--data-dir", str(data))
    assert result.returncode == 0 and "1 earlier revision" in result.stdout, result.stdout + result.stderr
    revisions = rows(
        data,
        "SELECT r.number, r.captured_at, json_extract(r.record, '$.headline') FROM revisions r "
        "JOIN articles a ON a.id = r.article_id WHERE a.url = ? ORDER BY r.number",
        url,
    )
    assert revisions == [
        (1, "2013-06-01T00:00:00.000000Z", "An earlier headline"),
        (2, "2015-06-01T00:00:00.000000Z", headline),
    ]
    assert rows(data, "SELECT current_revision, headline, first_captured FROM articles WHERE url = ?", url) == [
        (2, headline, "2013-06-01T00:00:00.000000Z")
    ]
    assert sorted(rows(data, "SELECT revision FROM article_captures")) == [(1,), (2,)]


def test_a_file_that_is_not_warc_is_refused(tmp_path):
    bogus = tmp_path / "notes.warc"
    bogus.write_text("these are not captures\n")
    result = run("import", "warc", str(bogus), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2 and "cannot be read as WARC" in result.stderr and "Traceback" not in result.stderr
