"""The replica's WordPress paper on HTTP: WordPress's addresses (posts with a trailing slash,
the address without it redirected, `/category/<slug>/page/<n>/`, `/page/<n>/`, `/feed/`,
`/wp-sitemap.xml` and its `wp-sitemap-posts-post-<n>.xml`, a news sitemap) over the same
server habits as the Post's replica (conditional GET, robots.txt, faults)."""

from __future__ import annotations

import re
from datetime import datetime
from email.message import Message
from urllib.parse import unquote, urlsplit

from samplesite import wordpress
from samplesite.assets import picture, stylesheet
from samplesite.corpus import Corpus, SiteArticle
from samplesite.server import Reply, SampleSite, SiteClock

LISTING = re.compile(r"/(?:category/([a-z0-9-]+)/)?(?:page/([0-9]{1,6})/?)?")
CATEGORY_FEED = re.compile(r"/category/([a-z0-9-]+)/feed/?")
POST_SITEMAP = re.compile(r"/wp-sitemap-posts-post-([0-9]{1,6})\.xml")
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"


class WordpressSite(SampleSite):
    def route_unchanged(self, target: str, request_headers: Message) -> Reply:
        now = self.clock.now()
        path = unquote(urlsplit(target).path)
        if path == "/robots.txt":
            return Reply(200, wordpress.render_robots(self.corpus, self.crawl_delay), "text/plain; charset=utf-8")
        if path.startswith("/wp-content/uploads/"):
            return Reply(200, picture(path), "image/png")
        if path == wordpress.STYLESHEET:
            return Reply(200, stylesheet(), "text/css; charset=utf-8")
        if path in ("/feed", "/feed/"):
            return Reply(200, wordpress.render_feed(self.corpus, now), RSS)
        if path == "/wp-sitemap.xml":
            return Reply(200, wordpress.render_sitemap_index(self.corpus, now), XML)
        if path == "/news-sitemap.xml":
            return Reply(200, wordpress.render_news_sitemap(self.corpus, now), XML)
        numbered = POST_SITEMAP.fullmatch(path)
        if numbered:
            data = wordpress.render_sitemap_page(self.corpus, now, int(numbered.group(1)))
            return Reply(200, data, XML) if data else self.not_found()
        feed = CATEGORY_FEED.fullmatch(path)
        if feed:
            section = self.corpus.edition.section(feed.group(1))
            return Reply(200, wordpress.render_feed(self.corpus, now, section), RSS) if section else self.not_found()
        listing = LISTING.fullmatch(path)
        if listing:
            return self.listing_page(listing, now)
        return self.article(path, now, request_headers)

    def listing_page(self, found: re.Match, now: datetime) -> Reply:
        slug, number = found.group(1), int(found.group(2) or 1)
        section = self.corpus.edition.section(slug) if slug else None
        if slug and section is None:
            return self.not_found()
        status, body = wordpress.render_listing(self.corpus, section, number, now)
        return Reply(status, body)

    def render_article(self, article: SiteArticle, now: datetime) -> bytes:
        return wordpress.render_article(self.corpus, article, now)

    def not_found(self) -> Reply:
        return Reply(404, wordpress.not_found_page(self.corpus, self.clock.now()))


def site_for(corpus: Corpus, clock: SiteClock, crawl_delay: float = 1.0, **options) -> SampleSite:
    """The server of a corpus's paper: WordPress's for a WordPress edition, the Post's else."""
    make = WordpressSite if corpus.edition.make == "wordpress" else SampleSite
    return make(corpus, clock, crawl_delay, **options)
