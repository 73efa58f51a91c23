"""Captures as they looked: the crawler keeps each article's photos, stylesheets and the logo in
the WARC files (once each, bounded, switchable); the article page lists each photo's capture;
the replay draws a capture from the archive's own records, pointing every address into itself
and running nothing; `export wacz` writes a WACZ that `wacz validate` accepts."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import lxml.html
import pytest

from archive.store import Store
from archive.urls import address_key
from samplesite.assets import STYLESHEET, picture, stylesheet
from samplesite.corpus import Corpus, SiteConfig
from tests.crawling import NEWSARCHIVE, WITH_REQUISITES, crawl, serve


def requisite_rows(data: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(data / "archive.sqlite3") as db:
        return db.execute("SELECT url, status, size FROM captures WHERE kind = 'requisite'").fetchall()


def test_every_photo_the_records_name_is_kept_once_with_the_stylesheet_and_the_logo(indexed_archive):
    data = indexed_archive / "data"
    with Store(data / "archive.sqlite3") as store:
        photos = {address_key(image["url"]) for record in store.current_records() for image in record["images"]}
    kept = [(address_key(url), status) for url, status, _ in requisite_rows(data)]
    assert photos and photos <= {key for key, status in kept if status == 200}
    assert len(kept) == len(set(kept)), "each requisite fetched once"
    keys = {key for key, _ in kept}
    assert STYLESHEET in keys and "/sites/all/themes/ppp/logo.png" in keys
    assert "/sites/all/themes/ppp/images/masthead.png" in keys, "the stylesheet's own picture"
    assert keys - photos == {STYLESHEET, "/sites/all/themes/ppp/logo.png", "/sites/all/themes/ppp/images/masthead.png"}


@pytest.fixture(scope="module")
def small_site():
    site, server, base = serve(Corpus(SiteConfig(seed=5, count=30)))
    yield site, base
    server.shutdown()


def test_requisites_are_bounded_switchable_and_never_fetched_twice(small_site, tmp_path):
    site, base = small_site
    bounded = tmp_path / "bounded"
    cap = len(stylesheet()) - 1  # the stylesheet is over it, the photos are not
    crawl(
        base,
        bounded,
        *WITH_REQUISITES,
        "-s",
        "NEWSARCHIVE_REQUISITES_PER_PAGE=1",
        "-s",
        f"NEWSARCHIVE_REQUISITE_MAX_BYTES={cap}",
    )
    with sqlite3.connect(bounded / "archive.sqlite3") as db:
        articles = db.execute("SELECT count(*) FROM captures WHERE kind = 'article' AND status = 200").fetchone()[0]
    rows = requisite_rows(bounded)
    assert 0 < len(rows) <= articles, "at most one a page"
    assert all(size <= cap for _, _, size in rows), "nothing over the cap is kept"
    assert not [url for url, _, _ in rows if urlsplit(url).path == STYLESHEET]
    whole = tmp_path / "whole"
    crawl(base, whole, *WITH_REQUISITES)
    first = requisite_rows(whole)
    before = len(site.requests)
    crawl(base, whole, *WITH_REQUISITES, "--refresh")
    assert requisite_rows(whole) == first, "a second crawl fetches no requisite again"
    assert not [r for r in site.requests[before:] if r["path"].startswith(("/sites/", "/images/", "/storage/"))]
    none = tmp_path / "none"
    crawl(base, none, *WITH_REQUISITES, "--no-requisites")
    assert requisite_rows(none) == []


def article_with_photo(client, indexed_archive) -> dict:
    with Store(indexed_archive / "data" / "archive.sqlite3") as store:
        url = next(record["url"] for record in store.current_records() if record["images"])
    answer = client.get("/article.json?url=" + quote(url, safe=""))
    assert answer.status_code == 200
    return answer.get_json()


def test_the_article_page_lists_each_photos_capture(client, indexed_archive):
    found = article_with_photo(client, indexed_archive)
    assert [photo["url"] for photo in found["photos"]] == [image["url"] for image in found["record"]["images"]]
    for photo in found["photos"]:
        assert photo["capture_id"] and photo["replay"]
        drawn = client.get(photo["replay"])
        assert drawn.status_code == 200 and drawn.content_type == "image/png"
        assert drawn.data == picture(urlsplit(photo["url"]).path), "the bytes the site served for it"
        raw = client.get(f"/capture/{photo['capture_id']}")
        assert raw.status_code == 200 and raw.headers["X-Archive-Original-URL"].endswith(urlsplit(photo["url"]).path)
    html = client.get("/article?url=" + quote(found["url"], safe="")).get_data(as_text=True)
    assert all(photo["replay"].replace("&", "&amp;") in html for photo in found["photos"])
    assert all(capture["replay"] in html for capture in found["captures"])


def test_a_replayed_capture_draws_everything_from_the_archive_and_runs_nothing(client, indexed_archive):
    found = article_with_photo(client, indexed_archive)
    answer = client.get(found["captures"][-1]["replay"])
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'none'" in policy and "default-src 'none'" in policy
    document = lxml.html.document_fromstring(answer.data)
    assert document.xpath("//script") == []
    assert found["record"]["headline"] in " ".join(document.text_content().split())
    named = [link for _, _, link, _ in document.iterlinks()]
    outside = [link for link in named if link.startswith(("http:", "https:", "//")) or not link.startswith("/replay/")]
    assert not [link for link in outside if not link.startswith(("#", "/search", "data:"))], outside[:5]
    for image in document.xpath("//img/@src"):
        assert client.get(image).status_code == 200, image
    stylesheet = next(link for link in document.xpath("//link[@rel='stylesheet']/@href"))
    css = client.get(stylesheet)
    assert css.status_code == 200 and "text/css" in css.content_type
    (picture_link,) = re.findall(r"url\(([^)]+)\)", css.get_data(as_text=True))
    assert picture_link.startswith("/replay/") and client.get(picture_link).status_code == 200


def test_a_replay_of_an_address_the_archive_never_captured_is_404(client):
    answer = client.get("/replay/20200101000000/https://www.phnompenhpost.com/national/never-published")
    assert answer.status_code == 404
    assert client.get("/replay/2020x/https://www.phnompenhpost.com/").status_code == 400


def test_the_time_machine_links_each_list_to_the_page_it_was_read_from(client):
    answer = client.get("/most-viewed.json?at=2030-01-01T00:00")
    snapshot = answer.get_json()["snapshot"]
    shown = client.get(snapshot["replay"])
    assert shown.status_code == 200
    assert shown.headers["X-Archive-Captured-At"] == snapshot["first_seen"], "the capture the list was first read from"
    assert shown.headers["X-Archive-Original-URL"] == unquote(snapshot["replay"]).split("/", 3)[-1]


def test_the_archive_exports_as_a_wacz_that_validates(indexed_archive, tmp_path):
    output = tmp_path / "archive.wacz"
    result = subprocess.run(
        [NEWSARCHIVE, "export", "wacz", str(output), "--data-dir", str(indexed_archive / "data")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    checked = subprocess.run(
        [str(Path(NEWSARCHIVE).parent / "wacz"), "validate", "-f", str(output)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and "valid" in checked.stdout, checked.stdout[-2000:]
    with zipfile.ZipFile(output) as wacz:
        lines = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        names = set(wacz.namelist())
    with Store(indexed_archive / "data" / "archive.sqlite3") as store:
        expected = sorted((url, headline) for url, _, headline in store.article_capture_pages())
        files = {f"archive/{name}" for name in store.warc_files()}
    assert sorted((page["url"], page["title"]) for page in lines[1:]) == expected
    assert files <= names


PAGE = b"""<!doctype html><html><head><base href="http://other.example/"><title>t</title>
<link rel="Stylesheet" href="/css/a.css"><style>.m { background: url('/img/bg.png') }</style>
<script src="/js/app.js"></script><script>document.title = "run"</script></head>
<body><a href="../national/story">story</a> <a href="#top">top</a>
<img src="photo.jpg" srcset="photo-2x.jpg 2x, //cdn.example.com/p.jpg 640w" style="background:url(/img/x.png)">
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><noscript><img src="/pixel"></noscript></body></html>"""


def test_every_form_of_address_in_a_page_is_pointed_into_the_replay(web_app):
    from web.replay_views import replayed_page

    page_url = "https://www.phnompenhpost.com/business/a/"
    with web_app.test_request_context():
        replayed = replayed_page(PAGE, page_url, "20171103102233", "2017-11-03T10:22:33.000000Z")
        plain = replayed_page(
            PAGE.replace(b'<base href="http://other.example/">', b""), page_url, "2017", "2017-01-01T00:00:00Z"
        )
    document = lxml.html.document_fromstring(replayed)
    at, base = "/replay/20171103102233/", "http://other.example/"  # relative addresses follow the page's <base>
    assert document.xpath("//script | //noscript | //base") == []
    assert document.xpath("//link/@href") == [at + base + "css/a.css"]
    assert document.xpath("//a/@href")[1:] == [at + base + "national/story", at + base + "#top"]
    first, data_image = document.xpath("//img")
    assert first.get("src") == at + base + "photo.jpg"
    assert first.get("srcset") == f"{at}{base}photo-2x.jpg 2x, {at}http://cdn.example.com/p.jpg 640w"
    assert f"url({at}{base}img/x.png)" in first.get("style")
    assert f"url('{at}{base}img/bg.png')" in document.xpath("//style")[0].text
    without_base = lxml.html.document_fromstring(plain)
    assert without_base.xpath("//img/@src")[0] == "/replay/2017/https://www.phnompenhpost.com/business/a/photo.jpg"
    assert data_image.get("src").startswith("data:image/gif")
    assert "Archived capture of" in document.xpath("//body/div")[0].text_content()
