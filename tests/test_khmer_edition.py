"""The Khmer edition (postkhmer.com) crawled as a site of its own, as a user crawls it
(`newsarchive crawl --site postkhmer.com`), checked against its ground truth and the sample
site's request log; and both editions' per-section feeds, RSS and Atom."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from archive.store import Store
from samplesite.corpus import Corpus, SiteConfig
from samplesite.render import is_atom_feed
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve
from tests.scoring import token_f1

EXACT_FIELDS = ["headline", "authors", "published", "updated", "section", "images", "language", "site"]


def records(data: Path) -> dict[str, dict]:
    with Store(data / "archive.sqlite3") as store:
        return {record["url"]: record for record in store.current_records()}


@pytest.fixture(scope="module")
def khmer_crawl(khmer_corpus, tmp_path_factory):
    site, server, base = serve(khmer_corpus)
    data = tmp_path_factory.mktemp("khmer") / "data"
    try:
        result = crawl(base, data, *FAST, "--site", "postkhmer.com")
    finally:
        server.shutdown()
    return site, data, result


def test_a_full_crawl_of_the_khmer_edition_finds_every_article_exactly_once(khmer_crawl, khmer_corpus, khmer_truth):
    site, data, _ = khmer_crawl
    fetched = [unquote(urlsplit(r["path"]).path) for r in site.requests if r["status"] == 200]
    articles = Counter(path for path in fetched if path in khmer_corpus.paths)
    assert set(articles) == {khmer_corpus.path(i) for i in khmer_corpus.newest_first(khmer_corpus.config.end)}
    assert max(articles.values()) == 1, "no article page fetched twice"
    assert not [r["path"] for r in site.requests if "%25" in r["path"]], "no address encoded twice"
    strays = [r["path"] for r in site.requests if "http%3A" in r["path"] or urlsplit(r["path"]).path == "/10"]
    assert not strays, "navigation links that are no sections are not asked for as listings"
    stored = records(data)
    assert set(stored) == set(khmer_truth)
    for field in EXACT_FIELDS:
        wrong = [url for url in khmer_truth if stored[url][field] != khmer_truth[url][field]]
        assert len(wrong) <= 0.01 * len(khmer_truth), (field, wrong[:3])
    scores = [token_f1(stored[url]["body"], khmer_truth[url]["body"]) for url in khmer_truth]
    assert sum(scores) / len(scores) >= 0.99
    assert not any(record["provisional"] for record in stored.values())


def test_the_khmer_edition_s_snapshots_are_its_own(khmer_crawl, khmer_corpus):
    _, data, _ = khmer_crawl
    with Store(data / "archive.sqlite3") as store:
        snapshots = store.snapshot_lists()
    expected = khmer_corpus.most_viewed_truth(khmer_corpus.config.end)
    assert len(snapshots) == 1, "one list, seen on every page of its window"
    assert snapshots[0]["site"] == "postkhmer.com"
    assert [entry["url"] for entry in snapshots[0]["entries"]] == [entry["url"] for entry in expected["entries"]]


@pytest.mark.parametrize("edition, site_name", [("en", "phnompenhpost.com"), ("km", "postkhmer.com")])
def test_section_feeds_named_by_the_listings_are_read_as_rss_and_atom(tmp_path, edition, site_name):
    """Listings name their section's term feed; a crawl of the first listing pages and the
    feeds finds the newest articles of every section, from RSS and Atom feeds alike."""
    corpus = Corpus(SiteConfig(seed=2, count=300, edition=edition))
    site, server, base = serve(corpus)
    try:
        crawl(
            base, tmp_path / "data", *FAST, "--site", site_name, "--discover", "listings,feeds", "--listing-pages", "1"
        )
    finally:
        server.shutdown()
    feeds = Counter(urlsplit(r["path"]).path for r in site.requests if "/taxonomy/term/" in r["path"])
    sections = corpus.edition.sections
    assert set(feeds) == {f"/taxonomy/term/{section.term}/all/feed" for section in sections}
    assert max(feeds.values()) == 1
    assert {is_atom_feed(section) for section in sections} == {True, False}
    stored = records(tmp_path / "data")
    for section in sections:
        newest = corpus.newest_first(corpus.config.end, section.slug)[:30]
        assert {corpus.article(i).url for i in newest} <= set(stored), section.slug


def test_the_navigation_names_sections_once_decoded_whatever_the_link_form():
    """Percent-encoded Khmer paths, absolute links to the edition's hosts, numeric paths and
    other hosts, as the saved page's navigation mixes them."""
    from crawler import sites

    khmer = sites.site("postkhmer.com")
    national = "/%E1%9E%96%E1%9F%90%E1%9E%8F%E1%9F%8C%E1%9E%98%E1%9E%B6%E1%9E%93%E1%9E%87%E1%9E%B6%E1%9E%8F%E1%9E%B7"
    nav = "".join(
        f'<li><a href="{href}">x</a></li>'
        for href in (
            national,
            "http://www.postkhmer.com/post-plus",
            "https://m.postkhmer.com/post-plus",
            "/10",
            "http://www.phnompenhpost.com/national",
            national + "?page=0",
        )
    )
    found = khmer.section_paths(f"<html><body><nav><ul>{nav}</ul></nav></body></html>")
    assert found == ["ព័ត៌មានជាតិ", "post-plus"]
    assert khmer.listing_path(found[0], 1) == national + "?page=1"


def test_an_archive_of_both_editions_is_reparsed_each_page_by_its_own_edition_s_parser(tmp_path):
    """`reparse` reads each capture with the parser of its run's site: the Khmer records stay
    Khmer template records, not provisional ones of the English parser."""
    data = tmp_path / "data"
    for edition, site_name in (("en", "phnompenhpost.com"), ("km", "postkhmer.com")):
        _, server, base = serve(Corpus(SiteConfig(seed=4, count=60, edition=edition)))
        try:
            crawl(base, data, *FAST, "--site", site_name)
        finally:
            server.shutdown()
    before = records(data)
    assert {record["site"] for record in before.values()} == {"phnompenhpost.com", "postkhmer.com"}
    result = subprocess.run(
        [NEWSARCHIVE, "reparse", "--data-dir", str(data)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    after = records(data)
    assert after == before
    assert not any(record["provisional"] for record in after.values())
