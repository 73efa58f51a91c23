"""The safety net: pages no template rule reads still give records, from the generic
extractor, marked provisional; a page of another site gives no Most viewed snapshot."""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.parse import TEMPLATES_SWITCH, parse_page
from samplesite.render import render_article
from tests.scoring import token_f1

AEB = Path(__file__).parent / "data" / "aeb-dev"
SITE_OF = {"en": "phnompenhpost.com", "km": "postkhmer.com"}


def pages_of(corpus):
    now = corpus.config.end
    for i in corpus.newest_first(now):
        article = corpus.article(i)
        yield article, article.truth(now), render_article(corpus, article, now)


@pytest.mark.parametrize("edition", sorted(SITE_OF))
def test_with_every_template_rule_off_each_era_still_gives_headline_date_and_body(
    edition, corpus, khmer_corpus, monkeypatch
):
    """The measure of the net: the replica's pages of every era, read with no template rule
    at all, each record provisional and named so in its warnings."""
    monkeypatch.setenv(TEMPLATES_SWITCH, "off")
    paper = corpus if edition == "en" else khmer_corpus
    by_era: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for article, truth, html in pages_of(paper):
        record = parse_page(html, "http://127.0.0.1:8000" + article.path, paper.config.end, SITE_OF[edition], True)
        assert record.article is not None and record.article.provisional, article.url
        assert any(w.startswith("provisional:") for w in record.article.warnings), record.article.warnings
        scores = by_era[article.era]
        scores["headline"].append(record.article.headline == truth["headline"])
        scores["date"].append((record.article.published or "")[:10] == truth["published"][:10])
        scores["language"].append(record.article.language == truth["language"])
        if truth["body"]:
            scores["body"].append(token_f1(record.article.body, truth["body"]))
    assert set(by_era) == set(paper.edition.eras)
    for era, scores in by_era.items():
        means = {name: sum(values) / len(values) for name, values in scores.items()}
        assert means["headline"] >= 0.99 and means["date"] >= 0.99 and means["body"] >= 0.9, (era, means)
        assert means["language"] >= 0.99, (era, means)  # the Khmer edition's pages declare lang="en"


def test_a_field_the_template_lost_comes_from_the_generic_extractor(corpus):
    """A Drupal page whose body container was renamed and whose date line is gone keeps its
    body and date, each fallback named, the record provisional."""
    now = corpus.config.end
    article = next(
        corpus.article(i)
        for i in corpus.newest_first(now)
        if corpus.article(i).era == "drupal"
        and not corpus.article(i).flags
        and len(corpus.article(i).original.body) > 3
    )
    html = render_article(corpus, article, now).decode("utf-8")
    html = html.replace('id="ArticleBody" itemprop="articleBody"', 'class="story-copy"')
    html = re.sub(r"Publication date [^<]*ICT", "", html)
    moment = article.published.isoformat()
    html = html.replace("</head>", f'<meta property="article:published_time" content="{moment}"></head>')
    record = parse_page(html.encode(), "http://127.0.0.1:8000" + article.path, now, "phnompenhpost.com", True).article
    truth = article.truth(now)
    assert record.provisional and record.era == "drupal"
    assert {w.split(":")[0] for w in record.warnings} >= {"fallback-body"}
    assert token_f1(record.body, truth["body"]) >= 0.9
    assert record.published == truth["published"] and record.headline == truth["headline"]


def test_the_template_fields_it_does_find_are_not_provisional(corpus):
    now = corpus.config.end
    for article, _, html in list(pages_of(corpus))[:50]:
        record = parse_page(html, "http://127.0.0.1:8000" + article.path, now, "phnompenhpost.com", True).article
        assert record is not None and not record.provisional, (article.url, record.warnings)


def aeb_pages(count: int):
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth)[:count]:
        yield truth[key]["url"], gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes())


def test_a_page_of_another_paper_is_a_provisional_record_of_its_own_host_with_no_snapshot():
    """Real pages of other news sites, read as if the Post's crawl had met them."""
    fetched_at = datetime(2024, 1, 1, tzinfo=UTC)
    hosts = []
    for url, html in aeb_pages(12):
        page = parse_page(html, url, fetched_at, "phnompenhpost.com", article_expected=True)
        assert page.most_viewed is None, url
        assert page.article is None or page.article.provisional, url
        if page.article is not None:
            assert page.article.site != "phnompenhpost.com", url
            assert page.article.published is None or page.article.published <= fetched_at.isoformat()
            hosts.append(page.article.site)
    assert len(hosts) >= 10


def other_site_page(entries: list[tuple[str, str]]) -> bytes:
    items = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in entries)
    return (
        '<html><head><link rel="canonical" href="https://www.polygraph.info/a/fact-check/123.html">'
        '<meta property="og:type" content="article"><title>A check</title></head><body><article><h1>A check</h1>'
        + "<p>Words of the article, enough of them to be an article of the other site. " * 12
        + f"</p></article><aside><h3>Most viewed</h3><ul>{items}</ul></aside></body></html>"
    ).encode()


def test_a_most_viewed_list_on_another_site_is_not_recorded_and_says_why():
    entries = [(f"/a/story-{k}.html", f"Story {k}") for k in (1, 2, 1, 3, 2, 4)]
    page = parse_page(other_site_page(entries), "https://www.polygraph.info/a/fact-check/123.html", datetime.now(UTC))
    assert page.most_viewed is None
    assert any(w.startswith("other-site:") and "polygraph.info" in w for w in page.warnings), page.warnings


def test_a_most_viewed_list_that_names_an_article_twice_keeps_its_first_rank(corpus):
    now = corpus.config.end
    article, _, html = next(page for page in pages_of(corpus) if page[0].era == "modern" and not page[0].flags)
    text = html.decode("utf-8")
    first = re.search(r'<section class="most-viewed"><h3>Most Viewed</h3><ol>(<li>.*?</li>)', text).group(1)
    doubled = text.replace("</ol></section>", first + "</ol></section>", 1).encode()
    page = parse_page(doubled, "http://127.0.0.1:8000" + article.path, now)
    urls = [entry.url for entry in page.most_viewed.entries]
    assert len(urls) == len(set(urls)) == len(corpus.most_viewed(now))
    assert [entry.rank for entry in page.most_viewed.entries] == list(range(1, len(urls) + 1))
