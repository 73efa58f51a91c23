"""The seed page (shared/seeds/000_3e3d1f955a7aa6a2.txt), served as a page of its era and
parsed: one headline, one caption with its credit, a clean body, the six-item sidebar."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from crawler.parse import parse_page
from samplesite.corpus import SEED_FILE, SEED_SIDEBAR_MOMENT, parse_seed
from tests.conftest import get


@pytest.fixture(scope="module")
def seed_text() -> dict:
    return parse_seed(SEED_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_page(site, corpus):
    """The seed article fetched over HTTP while the site's clock shows the seed's capture time."""
    seed = corpus.article(corpus.config.count)
    site.clock.set(SEED_SIDEBAR_MOMENT)
    try:
        url = site.base + quote(seed.path)
        status, _, html = get(url)
    finally:
        site.clock.set(corpus.config.end)
    assert status == 200
    return parse_page(html, url, datetime(2021, 4, 12, 2, 31, tzinfo=UTC))


def test_one_headline(seed_page):
    article = seed_page.article
    assert article.headline == "Rainsy faces defamation charge for post about PM's ‘likes’"
    assert "Logo of" not in article.headline
    assert all(article.headline not in paragraph for paragraph in article.body)


def test_one_caption_with_its_credit_apart(seed_page, seed_text):
    images = seed_page.article.images
    assert len(images) == 1
    assert images[0].credit == "Photo supplied"
    assert images[0].caption == (
        "Opposition leader Sam Rainsy last year speaks at a forum in France, where he is "
        "living in self-imposed exile to avoid pending defamation cases in Cambodia."
    )
    assert all(images[0].caption not in paragraph for paragraph in seed_page.article.body)


def test_body_is_the_article_text_and_nothing_else(seed_page, seed_text):
    body = seed_page.article.body
    assert body[0].startswith("Opposition leader Sam Rainsy has been hit")
    assert body[-1].endswith("whether he will charge or not,” Sunlay said.")
    assert body == seed_text["body"]


def test_six_most_viewed_entries_in_order_none_in_the_body(seed_page, seed_text):
    sidebar = seed_page.most_viewed
    assert [entry.rank for entry in sidebar.entries] == [1, 2, 3, 4, 5, 6]
    assert [entry.title for entry in sidebar.entries] == [item["title"] for item in seed_text["most_viewed"]]
    assert [entry.teaser for entry in sidebar.entries] == [item["teaser"] for item in seed_text["most_viewed"]]
    assert sidebar.seen_at == "2021-04-12T02:31:00+00:00"
    assert sidebar.page_url == seed_page.article.url
    body = " ".join(seed_page.article.body)
    for entry in sidebar.entries:
        assert entry.title not in body and entry.teaser not in body
    for word in ("curfew", "Loughrey", "Tuol Sleng", "Covid-19", "vaccination", "MOST VIEWED"):
        assert word not in body


def test_sidebar_entries_are_real_articles_of_the_site(seed_page, site):
    for entry in seed_page.most_viewed.entries:
        path = entry.url.removeprefix("https://www.phnompenhpost.com")
        status, _, html = get(site.base + path)
        assert status == 200
        assert parse_page(html, site.base + path, datetime.now(UTC)).article.headline == entry.title
