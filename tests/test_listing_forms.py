"""The replica's Drupal listings in every recorded form (li.views-row lists, div.category
blocks, a lone next link or the mini pager with its stray query key, cache noise), read by the
crawler's listing rules item by item, and crawled over HTTP without a page fetched twice."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote, unquote, urlsplit

import pytest

from crawler import sites
from samplesite.corpus import Corpus, SiteArticle, SiteConfig
from samplesite.editions import EDITIONS, Section
from samplesite.render import is_legacy, listing_forms_of, render_listing
from samplesite.variants import NOISE
from tests.crawling import FAST, crawl, serve

POST_EDITIONS = sorted(code for code, edition in EDITIONS.items() if edition.make == "post")  # the Post's forms
SITE_OF = {"en": "phnompenhpost.com", "km": "postkhmer.com"}
FORMS_OF = {
    "en": ("items:views-row", "items:category", "pager:next", "pager:mini", *(f"bytes:{n}" for n in NOISE)),
    "km": ("items:category", "pager:mini", *(f"bytes:{n}" for n in NOISE)),
}


def legacy(corpus: Corpus) -> list[Section]:
    return [section for section in corpus.edition.sections if is_legacy(corpus, section)]


def pages_of(corpus: Corpus, slug: str) -> int:
    return -(-len(corpus.newest_first(corpus.config.end, slug)) // corpus.config.listing_page_size)


def lists(href: str, article: SiteArticle) -> bool:
    """Whether a listing's link leads to `article` (directly, by /node/N or without its slash)."""
    path = unquote(urlsplit(href).path)
    return path == f"/node/{article.nid}" or path.rstrip("/") == article.path.rstrip("/")


@pytest.fixture(scope="module", params=POST_EDITIONS)
def big_corpus(request) -> Corpus:
    return Corpus(SiteConfig(seed=1, count=8000 if request.param == "en" else 2000, edition=request.param))


def test_every_listing_form_is_read_item_by_item_with_its_date(big_corpus):
    """Items only, in page order: not the sidebars (the Khmer edition's are numbered blocks
    with item lists, and no aside around them), not the pager."""
    now, size = big_corpus.config.end, big_corpus.config.listing_page_size
    site_rules = sites.site(SITE_OF[big_corpus.config.edition])
    forms: Counter[str] = Counter()
    for section in legacy(big_corpus):
        ids = big_corpus.newest_first(now, section.slug)
        pages = pages_of(big_corpus, section.slug)
        for page in range(pages + 1):
            status, body = render_listing(big_corpus, section, page, now)
            assert status == 200
            wanted = [big_corpus.article(i) for i in ids[page * size : (page + 1) * size]]
            found = site_rules.listing_items(body.decode("utf-8"))
            assert len(found) == len(wanted), (section.slug, page)
            for (href, when), article in zip(found, wanted, strict=True):
                assert lists(href, article), (section.slug, page, href)
                assert when is not None and when.date() == article.published.date(), (href, when)
            names = listing_forms_of(big_corpus, section.slug, page).names()
            forms.update(name for name in names if wanted and (pages > 1 or not name.startswith("pager:")))
    for form in FORMS_OF[big_corpus.config.edition]:
        assert forms[form] >= 8, forms


def test_the_pager_names_pages_of_the_listing_not_articles(big_corpus):
    now = big_corpus.config.end
    site_rules = sites.site(SITE_OF[big_corpus.config.edition])
    section = next(s for s in legacy(big_corpus) if pages_of(big_corpus, s.slug) > 2)
    page = next(p for p in range(1, pages_of(big_corpus, section.slug) - 1) if is_mini(big_corpus, section.slug, p))
    body = render_listing(big_corpus, section, page, now)[1].decode("utf-8")
    key = listing_forms_of(big_corpus, section.slug, page).stray_key
    assert f"{page + 1} of {pages_of(big_corpus, section.slug)}" in body and f"&amp;{key}=" in body
    assert all("page=" not in href for href, _ in site_rules.listing_items(body))
    assert not site_rules.is_article_path("/" + quote(section.slug))


def is_mini(corpus: Corpus, slug: str, page: int) -> bool:
    return listing_forms_of(corpus, slug, page).pager == "mini"


@pytest.mark.parametrize("edition", POST_EDITIONS)
def test_a_crawl_of_the_drupal_listings_fetches_every_page_and_article_once(tmp_path, edition):
    """The request log of a listings crawl: each listing page asked for once, encoded once
    (a Khmer section name too), none with the pager's stray key; each article once."""
    corpus = Corpus(SiteConfig(seed=1, count=800, edition=edition))
    end = corpus.config.end
    site, server, base = serve(corpus)
    sections = legacy(corpus)
    try:
        slugs = ",".join(section.slug for section in sections)
        crawl(base, tmp_path / "data", *FAST, "--site", SITE_OF[edition], "--discover", "listings", "--sections", slugs)
    finally:
        server.shutdown()
    raw_paths = [urlsplit(r["path"]).path for r in site.requests]
    assert not [path for path in raw_paths if "%25" in path], "no address encoded twice"
    fetched = [(unquote(urlsplit(r["path"]).path), urlsplit(r["path"]).query) for r in site.requests]
    listings = Counter(f"{path}?{query}" for path, query in fetched if path.strip("/") in {s.slug for s in sections})
    expected = {
        f"/{section.slug}?page={page}" for section in sections for page in range(pages_of(corpus, section.slug) + 1)
    }
    assert set(listings) == expected, "every page to the empty one past the end, no page with a stray key"
    assert max(listings.values()) == 1, "no listing page fetched twice"
    articles = Counter(path for path, _ in fetched if path in corpus.paths)
    assert max(articles.values()) == 1, "no article fetched twice"
    in_sections = {corpus.path(i) for section in sections for i in corpus.newest_first(end, section.slug)}
    assert in_sections <= set(articles)
    forms = {
        name
        for section in sections
        for page in range(pages_of(corpus, section.slug))
        for name in listing_forms_of(corpus, section.slug, page).names()
    }
    assert {form for form in FORMS_OF[edition] if form.startswith(("items:", "pager:"))} <= forms
