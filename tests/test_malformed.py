"""Bad pages yield a record with what could be read and a warning, never an exception."""
from __future__ import annotations

import random

import pytest

from crawler.parse import parse_page
from samplesite.corpus import SiteConfig
from samplesite.render import render_article

NOW = SiteConfig().end
URL = "http://127.0.0.1:8000/national/some-story"


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
        page = parse_page(cut, URL, NOW)
        assert any(w.startswith("truncated") for w in page.warnings)
        if page.article and page.article.headline:
            assert article.version_at(NOW).headline.startswith(page.article.headline)


@pytest.mark.parametrize("data", [
    b"", b"   ", b"\x00\x01\x02\xff\xfe", b'{"json": true}', b"<html>", b"<<<>>>&&&;;",
    b"<html><body><div class='single-article-header'><h2></h2></div></body></html>",
    b"<html><body>" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000 + b"</body></html>",
    "<html><body><h2 class='contentheading'>Caf\xe9</h2></body></html>".encode("cp1252"),
])
def test_garbage_never_raises(data):
    page = parse_page(data, URL, NOW)
    assert page.warnings or page.article is None or page.article.warnings


def test_random_bytes_never_raise():
    rng = random.Random(7)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        parse_page(data, URL, NOW)


def test_declared_utf8_but_cp1252_bytes(pages):
    article, html = pages["drupal"]
    headline = article.version_at(NOW).headline
    text = html.decode("utf-8").replace(f"<h2>{headline}</h2>", f"<h2>{headline} – café’s</h2>")
    page = parse_page(text.encode("cp1252", "replace"), URL, NOW)
    assert page.article is not None
    assert "café’s" in page.article.headline
    assert any(w.startswith("charset") for w in page.warnings)


def test_missing_fields_are_warned_not_invented():
    html = (b"<html><body><div class='single-article-header'><h2>Only a headline</h2></div>"
            b"<div id='ArticleBody'></div></body></html>")
    article = parse_page(html, URL, NOW).article
    assert article.headline == "Only a headline"
    assert article.published is None and article.authors == [] and article.body == []
    codes = {w.split(":")[0] for w in article.warnings}
    assert {"no-date", "no-body"} <= codes
