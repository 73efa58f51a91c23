"""A paper no site module knows, read as `newsarchive parse` and `crawl --site HOST` read it:
the site a page's address picks, what looks like an article's address, what a sitemap names,
and a Most viewed box found by its heading."""

from __future__ import annotations

import gzip
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.store import Store
from crawler.parse import parse_page
from crawler.sitemaps import sitemap_entries
from crawler.sites.any_paper import looks_like_article
from tests.crawling import FAST, NEWSARCHIVE, crawl
from tests.handlers import QuietHandler, handled

AEB = Path(__file__).parent / "data" / "aeb-dev"


def test_a_saved_page_of_another_paper_is_read_as_that_paper_s_without_being_told():
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    key = sorted(truth)[0]
    page = gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())
    result = subprocess.run(
        [NEWSARCHIVE, "parse", "-", "--url", truth[key]["url"], "--fetched-at", "2020-06-01T00:00:00+00:00"],
        input=page,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    article = json.loads(result.stdout)["article"]
    host = truth[key]["url"].split("/")[2].removeprefix("www.")
    assert (article["site"], article["era"], article["provisional"]) == (host, "generic", True)
    assert article["warnings"][0] == (
        f"provisional: the paper {host} has no site module; its fields come from the generic extractor"
    )
    assert article["body"] and article["headline"]


@pytest.mark.parametrize(
    "path, story",
    [
        ("/2017/09/04/cambodia-daily-to-close-after-24-years/", True),
        ("/news/minister-resigns-over-land-deal-132563/", True),
        ("/world/asia/article-12345.html", True),
        ("/opinion/a-long-view-of-the-mekong", True),
        ("/category/news/", False),
        ("/tag/hun-sen/", False),
        ("/author/some-reporter-name/", False),
        ("/wp-content/uploads/2017/09/a-photo-of-the-press.jpg", False),
        ("/feed/", False),
        ("/about", False),
        ("/", False),
    ],
)
def test_what_looks_like_the_address_of_a_story(path, story):
    assert looks_like_article(path) is story


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://example.org/2017/09/04/a-b-c/</loc><lastmod>2017-09-05T10:00:00Z</lastmod>
<news:news><news:publication><news:name>X</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2017-09-04T08:10:00+07:00</news:publication_date><news:title>T</news:title></news:news></url>
<url><loc>https://example.org/d-e-f/</loc><lastmod>2017-09-05</lastmod></url>
</urlset>"""


def test_a_news_sitemap_dates_its_articles_by_publication_not_by_change():
    first, second = sitemap_entries(NEWS_SITEMAP)
    assert (first.loc, first.when.isoformat(), first.index) == (
        "https://example.org/2017/09/04/a-b-c/",
        "2017-09-04T08:10:00+07:00",
        False,
    )
    assert (second.loc, second.when.date().isoformat()) == ("https://example.org/d-e-f/", "2017-09-05")
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://e.org/1.xml</loc></sitemap></sitemapindex>'
    assert [(e.loc, e.index) for e in sitemap_entries(index)] == [("https://e.org/1.xml", True)]
    assert list(sitemap_entries(b"<html>not a sitemap")) == []
    assert (
        list(
            sitemap_entries(
                b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><urlset><url><loc>&e;</loc></url></urlset>'
            )
        )
        == []
    )


def test_a_most_viewed_box_of_a_paper_with_no_module_is_found_by_its_heading():
    items = "".join(f'<li><a href="/a/story-{k}.html">Story {k}</a> a line</li>' for k in (1, 2, 1, 3))
    page = (
        '<html><head><link rel="canonical" href="https://www.polygraph.info/a/fact-check/123.html">'
        '<meta property="og:type" content="article"><title>A check</title></head><body><article><h1>A check</h1>'
        + "<p>Words of the article, enough of them to be an article of the other site. " * 12
        + f"</p></article><aside><h3>Most Read</h3><ul>{items}</ul></aside></body></html>"
    ).encode()
    fetched = datetime(2024, 1, 1, tzinfo=UTC)
    parsed = parse_page(page, "https://www.polygraph.info/a/fact-check/123.html", fetched, "polygraph.info")
    assert parsed.article is not None and parsed.article.url == "https://www.polygraph.info/a/fact-check/123.html"
    snapshot = parsed.most_viewed
    assert snapshot is not None and snapshot.site == "polygraph.info"
    assert [(e.rank, e.url, e.title) for e in snapshot.entries] == [
        (rank, f"https://www.polygraph.info/a/story-{k}.html", f"Story {k}") for rank, k in ((1, 1), (2, 2), (3, 3))
    ]


def story(n: int) -> bytes:
    text = " ".join([f"Story {n} tells what the council decided on the river plan, at length."] * 8)
    return (
        f"<html lang='en'><head><title>Story {n} | The Gazette</title><meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='2024-04-2{n}T08:00:00+00:00'></head>"
        f"<body><article><h1>Story {n}</h1><p>{text}</p><p>{text}</p></article></body></html>"
    ).encode()


class GzipSitemapPaper(QuietHandler):
    """A paper whose robots.txt names a gzip sitemap (sent as a file, not gzip-encoded) of
    three stories, and a second one cut short after its gzip header."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        base = f"http://{self.headers['Host']}"
        urlset = "".join(f"<url><loc>{base}/news/the-river-plan-{n}</loc></url>" for n in range(1, 4))
        sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urlset}</urlset>'.encode()
        pages = {
            "/robots.txt": (
                b"User-agent: *\nAllow: /\n"
                + f"Sitemap: {base}/sitemap.xml.gz\nSitemap: {base}/broken.xml.gz\n".encode(),
                "text/plain",
            ),
            "/sitemap.xml.gz": (gzip.compress(sitemap), "application/x-gzip"),
            "/broken.xml.gz": (gzip.compress(sitemap)[:10], "application/x-gzip"),  # its header alone
            "/": (b"<html><body><h1>The Gazette</h1></body></html>", "text/html"),
            **{f"/news/the-river-plan-{n}": (story(n), "text/html; charset=utf-8") for n in range(1, 4)},
        }
        body, kind = pages.get(self.path, (b"not found", "text/plain"))
        self.send_response(200 if self.path in pages else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_gzip_sitemap_is_read_and_a_broken_one_is_named_and_kept(tmp_path):
    data = tmp_path / "data"
    with handled(GzipSitemapPaper) as base:
        result = crawl(base, data, *FAST, "--site", "generic:gazette.example", "--discover", "sitemaps")
    with Store(data / "archive.sqlite3") as store:
        stored = {record["url"]: record for record in store.current_records()}
        captured = {row[0] for row in store.db.execute("SELECT url FROM captures")}
    assert set(stored) == {f"https://gazette.example/news/the-river-plan-{n}" for n in range(1, 4)}
    assert stored["https://gazette.example/news/the-river-plan-2"]["headline"] == "Story 2"
    assert f"the sitemap {base}/broken.xml.gz cannot be unpacked" in result.stderr
    assert {f"{base}/sitemap.xml.gz", f"{base}/broken.xml.gz"} <= captured
