"""Bad pages yield a record with what could be read and a warning, never an exception.

parse_page turns an exception of the parser into a `parser-error` warning, so "never raises"
alone would pass a parser that broke on every page: each case says what is read and which
warnings come, and no warning may be a parser error."""

from __future__ import annotations

import random

import pytest

from archive.model import ParsedPage
from crawler.parse import parse_page
from samplesite.corpus import SiteConfig
from samplesite.render import render_article

NOW = SiteConfig().end
URL = "http://127.0.0.1:8000/national/some-story"
READING_WARNINGS = {
    *("truncated", "charset", "empty", "no-headline", "no-date", "no-body", "canonical", "address"),
    *("provisional", "fallback-date", "fallback-body", "fallback-byline", "other-site", "no-template"),
    *("guessed-section", "guessed-time"),
}


def codes(page: ParsedPage) -> list[str]:
    return [warning.split(":", 1)[0] for warning in page.warnings]


def read_without_error(page: ParsedPage) -> ParsedPage:
    """The page was read by the parser, not rescued from its exception."""
    assert set(codes(page)) <= READING_WARNINGS, page.warnings
    return page


@pytest.fixture(scope="module")
def pages(corpus):
    """One ordinary page of each era."""
    found = {}
    for i in corpus.newest_first(corpus.config.end):
        article = corpus.article(i)
        if not article.flags & {"no-body", "truncated", "wrong-charset"} and article.language == "en":
            found.setdefault(article.era, (article, render_article(corpus, article, corpus.config.end)))
    return found


@pytest.mark.parametrize("era", ["joomla", "drupal", "modern"])
def test_a_page_cut_anywhere_still_parses(pages, era):
    article, html = pages[era]
    for share in range(1, 20):
        cut = html[: len(html) * share // 20]
        page = read_without_error(parse_page(cut, URL, NOW))
        assert "truncated" in codes(page)
        if page.article and page.article.headline:
            assert article.version_at(NOW).headline.startswith(page.article.headline)


NOTHING_TO_READ = [b"", b"   ", b"<html>"]
NOT_A_PAGE = [b"\x00\x01\x02\xff\xfe", b'{"json": true}', b"<<<>>>&&&;;"]


@pytest.mark.parametrize("data", NOTHING_TO_READ)
def test_a_page_with_nothing_in_it_is_empty(data):
    page = read_without_error(parse_page(data, URL, NOW))
    assert page.article is None and page.most_viewed is None
    assert codes(page) == ["truncated", "empty"]


@pytest.mark.parametrize("data", NOT_A_PAGE)
def test_text_that_is_no_html_page_is_no_article(data):
    page = read_without_error(parse_page(data, URL, NOW))
    assert page.article is None and page.most_viewed is None
    assert codes(page) == ["truncated"]


def test_an_article_header_without_a_headline_is_an_article_with_nothing_read():
    html = b"<html><body><div class='single-article-header'><h2></h2></div></body></html>"
    page = read_without_error(parse_page(html, URL, NOW))
    article = page.article
    assert article.era == "drupal" and article.headline is None and article.body == []
    assert article.published is None and article.authors == [] and article.url.endswith("/national/some-story")
    assert codes(page) == ["no-headline", "no-date", "no-body"] and article.warnings == page.warnings


def test_deep_nesting_parses():
    html = b"<html><body>" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000 + b"</body></html>"
    page = read_without_error(parse_page(html, URL, NOW))
    assert page.article is None and page.most_viewed is None and page.warnings == []


def test_a_cp1252_page_without_a_declared_charset_reads_as_cp1252():
    html = "<html><body><h2 class='contentheading'>Caf\xe9</h2></body></html>".encode("cp1252")
    page = read_without_error(parse_page(html, URL, NOW))
    assert page.article.era == "joomla" and page.article.headline == "Café"
    assert codes(page) == ["no-date", "no-body"]


def test_random_bytes_are_read_as_no_page():
    rng = random.Random(7)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        page = read_without_error(parse_page(data, URL, NOW))
        assert page.article is None and page.most_viewed is None, data
        assert "truncated" in codes(page), data


def test_declared_utf8_but_cp1252_bytes(pages):
    article, html = pages["drupal"]
    headline = article.version_at(NOW).headline
    text = html.decode("utf-8").replace(f"<h2>{headline}</h2>", f"<h2>{headline} – café’s</h2>")
    page = read_without_error(parse_page(text.encode("cp1252", "replace"), URL, NOW))
    assert page.article is not None
    assert "café’s" in page.article.headline
    assert "charset" in codes(page)


def test_missing_fields_are_warned_not_invented():
    html = (
        b"<html><body><div class='single-article-header'><h2>Only a headline</h2></div>"
        b"<div id='ArticleBody'></div></body></html>"
    )
    page = read_without_error(parse_page(html, URL, NOW))
    article = page.article
    assert article.headline == "Only a headline"
    assert article.published is None and article.authors == [] and article.body == []
    assert codes(page) == ["no-date", "no-body"]
