"""Listing a newspaper's captures from a web archive's CDX server API: a real pywb serving the
WARC files of a crawl of the sample site answers, and what is listed is what those files hold
(their HTML pages answered 200, each address's identical bytes once), in every form a CDX
server writes its answer."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archives.cdx import ArchivedCapture, distinct, query_url, read_captures, replay_base
from crawler.archives.fetch import PoliteClient
from portable.from_archive import list_captures
from tests.archive_server import archive_server
from tests.handlers import QuietHandler, handled


def warc_files(archive: Path) -> list[Path]:
    return sorted((archive / "data" / "warc").glob("*.warc.gz"))


def html_pages(warcs: list[Path]) -> list[tuple[str, str, str]]:
    """(address, timestamp, digest) of every HTML response answered 200 in the files, each
    address's same bytes once: what the archive should list, read with warcio."""
    found = []
    for path in warcs:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                if record.http_headers.get_statuscode() != "200":
                    continue
                if not (record.http_headers.get_header("Content-Type") or "").startswith("text/html"):
                    continue
                date = record.rec_headers.get_header("WARC-Date")
                timestamp = "".join(ch for ch in date if ch.isdigit())[:14]
                digest = record.rec_headers.get_header("WARC-Payload-Digest").split(":", 1)[1]
                found.append((record.rec_headers.get_header("WARC-Target-URI"), timestamp, digest))
    seen, distinct_pages = set(), []
    for url, timestamp, digest in sorted(found, key=lambda page: page[1]):
        if (url, digest) not in seen:
            seen.add((url, digest))
            distinct_pages.append((url, timestamp, digest))
    return distinct_pages


@pytest.fixture(scope="module")
def archive(indexed_archive, tmp_path_factory):
    """pywb serving the crawl's WARC files; (its collection's address, the site's prefix)."""
    warcs = warc_files(indexed_archive)
    with archive_server(warcs, tmp_path_factory.mktemp("pywb")) as base:
        first = html_pages(warcs)[0][0]
        yield base, f"{urlsplit(first).scheme}://{urlsplit(first).netloc}/"


def listed(base: str, prefix: str, since: str | None = None, until: str | None = None) -> list[ArchivedCapture]:
    with urllib.request.urlopen(query_url(f"{base}/cdx", prefix, since, until), timeout=60) as answer:
        return list(distinct(read_captures(answer.read().decode("utf-8"))))


def test_the_archive_lists_every_html_page_the_warc_files_hold(archive, indexed_archive):
    base, prefix = archive
    expected = html_pages(warc_files(indexed_archive))
    captures = listed(base, prefix)
    assert sorted((c.url, c.timestamp, c.digest) for c in captures) == sorted(expected)
    assert len(expected) > 300 and all(c.status == 200 and c.mime == "text/html" for c in captures)
    assert all(c.filename and c.offset is not None for c in captures), "where each record is, for a byte-range fetch"


def test_a_period_lists_the_captures_within_it(archive, indexed_archive):
    base, prefix = archive
    expected = html_pages(warc_files(indexed_archive))
    moments = sorted({timestamp for _, timestamp, _ in expected})
    middle = moments[len(moments) // 2]
    within = [page for page in expected if page[1] >= middle]
    assert within and len(within) < len(expected)
    assert sorted((c.url, c.timestamp, c.digest) for c in listed(base, prefix, since=middle)) == sorted(within)
    before = [page for page in expected if page[1] <= middle]
    assert sorted((c.url, c.timestamp, c.digest) for c in listed(base, prefix, until=middle)) == sorted(before)


ONE = ArchivedCapture(
    "http://www.phnompenhpost.com/national/kem-sokha-trial", "20171103102233", "text/html", 200, "AB2C3D", 31337
)
FORMS = {
    "Wayback plain": "com,phnompenhpost)/national/kem-sokha-trial 20171103102233 "
    "http://www.phnompenhpost.com/national/kem-sokha-trial text/html 200 AB2C3D 31337\n",
    "Wayback JSON": json.dumps(
        [
            ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
            [
                "com,phnompenhpost)/national/kem-sokha-trial",
                "20171103102233",
                ONE.url,
                "text/html",
                "200",
                "AB2C3D",
                "31337",
            ],
        ]
    ),
    "pywb and Common Crawl JSON": json.dumps(
        {
            "urlkey": "x",
            "timestamp": "20171103102233",
            "url": ONE.url,
            "mime": "text/html",
            "status": "200",
            "digest": "AB2C3D",
            "length": "31337",
        }
    ),
    "CDXJ": "com,phnompenhpost)/national/kem-sokha-trial 20171103102233 "
    + json.dumps({"url": ONE.url, "mime": "text/html", "status": "200", "digest": "AB2C3D", "length": "31337"}),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_a_cdx_answer_is_read(form):
    assert read_captures(FORMS[form]) == [ONE]


def test_a_cdx_file_line_gives_where_the_record_is():
    line = (
        f"com,phnompenhpost)/x 20171103102233 {ONE.url} text/html 200 AB2C3D - - 31337 1234 CC-MAIN-2017-47/x.warc.gz"
    )
    (capture,) = read_captures(line)
    assert (capture.offset, capture.filename, capture.length) == (1234, "CC-MAIN-2017-47/x.warc.gz", 31337)


def test_a_line_of_another_shape_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="A CDX line has 3 fields, not 7 or 11"):
        read_captures("a b c")


@contextmanager
def paging(base: str, pages: int, answer_count: str) -> Iterator[str]:
    """A CDX server that pages its answers as the Wayback Machine does: `showNumPages=true`
    answered with `answer_count` (its text for the number `pages`), `page=N` with the Nth share
    of what pywb at `base` lists, as a Wayback JSON array; yields its address."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            query = parse_qs(urlsplit(self.path).query)
            asked.append(query)
            if query.get("showNumPages") == ["true"]:
                body = answer_count.encode()
            else:
                upstream = urlsplit(self.path)._replace(scheme="http", netloc=urlsplit(base).netloc)
                with urllib.request.urlopen(upstream.geturl().replace("/paged/", "/post/"), timeout=60) as answer:
                    lines = answer.read().decode().splitlines()
                page = int(query["page"][0])
                share = lines[page::pages]
                rows = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
                for line in map(json.loads, share):
                    rows.append(
                        ["k", line["timestamp"], line["url"], line["mime"], line["status"], line["digest"], "1"]
                    )
                body = json.dumps(rows).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    asked: list[dict] = []
    with handled(Handler) as served:
        yield f"{served}/paged/cdx"


@pytest.mark.parametrize("answer_count", ["3", '{"pages": 3, "pageSize": 5, "blocks": 14}'])
def test_a_server_that_pages_its_answer_is_asked_for_every_page(archive, answer_count):
    base, prefix = archive
    client = PoliteClient("newsarchive tests", rate=1000)
    with paging(base, 3, answer_count) as endpoint:
        paged = list_captures(client, endpoint, [prefix], None, None)
    whole = list_captures(client, f"{base}/cdx", [prefix], None, None)
    assert [(c.url, c.timestamp, c.digest) for c in paged] == [(c.url, c.timestamp, c.digest) for c in whole]
    assert len(whole) > 300 and client.requests == 1 + 3 + 1


def test_the_replay_of_each_kind_of_cdx_endpoint_is_found():
    assert replay_base("https://web.archive.org/cdx/search/cdx") == "https://web.archive.org/web"
    assert replay_base("http://127.0.0.1:8080/post/cdx") == "http://127.0.0.1:8080/post"
    assert replay_base("https://index.commoncrawl.org/CC-MAIN-2017-09-index") is None
