"""A paper with no site module of its own, named by its host (`--site example.com`): every
page is read by the generic extractor, and its articles are found without knowing its
listings, from the sitemaps its robots.txt names, the feeds its home page names and the links
of its home page that look like articles.

What looks like an article address, and the logo's selector, are guesses from common news
and WordPress conventions [G]; times a page prints without a zone are read as UTC [G], as
nothing says where an unknown paper is.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html

from archive.urls import bare_host
from crawler.parse.any_page import AnyPageParser

if TYPE_CHECKING:
    from crawler.sites import Parser

HOST_NAME = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
DATED_PATH = re.compile(r"/(?:19|20)\d{2}/[01]?\d/(?:[0-3]?\d/)?[^/]+")
NOT_ARTICLES = frozenset(
    "tag tags topic topics category categories section author authors page search feed rss wp-content wp-admin "
    "wp-json wp-includes static assets media login register account about contact privacy terms subscribe "
    "newsletter cdn-cgi".split()
)
NOT_PAGES = re.compile(r"\.(?:xml|rss|atom|json|jpe?g|png|gif|webp|svg|css|js|pdf|zip|mp[34])$", re.I)
SLUG_WORDS = 3  # a last segment of this many words or more names a story ('minister-resigns-over-land')
STORY_NUMBER = re.compile(r"\d{4,}")


def is_host_name(name: str) -> bool:
    """Whether `name` can be a paper's host ('english.cambodiadaily.com')."""
    return bool(HOST_NAME.match(name.lower()))


def looks_like_article(path: str) -> bool:
    """An address of one story: dated (/2017/09/04/slug/), or ending in a slug of several words
    or a story number, outside the tag, author, feed and asset folders."""
    segments = [unquote(segment) for segment in path.split("/") if segment]
    if not segments or segments[0].lower() in NOT_ARTICLES or NOT_PAGES.search(path):
        return False
    if DATED_PATH.search(path):
        return True
    last = re.sub(r"\.(?:html?|php|aspx?)$", "", segments[-1], flags=re.I)
    words = [word for word in re.split(r"[-_]+", last) if word]
    return len(words) >= SLUG_WORDS or (len(segments) > 1 and bool(STORY_NUMBER.search(last)))


class AnyPaper:
    """The Site (crawler.sites.Site) of a paper no module knows."""

    SITEMAP = ""  # none of its own: the sitemaps its robots.txt names, else /sitemap.xml
    FEEDS: tuple[str, ...] = ()  # none of its own: those its home page names
    SECTIONS: tuple[str, ...] = ()
    LOGO = "img.custom-logo, .site-logo img, .logo img, img.logo"
    IMAGE_HOSTS: tuple[str, ...] = ()
    ZONE: tzinfo = UTC

    def __init__(self, host: str, name: str):
        self.NAME = name  # the host, or generic:HOST for a paper whose site module is not to be used
        self.SITE = host
        self.HOSTS: tuple[str, ...] = (host,)
        self.ORIGIN = f"https://{host}"
        self.CITATION_NAME = host
        self.PARSER: Parser = AnyPageParser(host, self.ORIGIN, self.ZONE)

    def listing_path(self, section: str, page: int) -> str:
        return f"/{section.strip('/')}/" + (f"page/{page + 1}/" if page else "")  # WordPress's paging [G]

    def section_paths(self, html: str) -> list[str]:
        return []

    def listing_items(self, html: str) -> list[tuple[str, datetime | None]]:
        """The links of a page to what looks like a story of the paper, in page order."""
        if not html.strip():
            return []
        found: list[tuple[str, datetime | None]] = []
        for link in lxml_html.fromstring(html).xpath("//a/@href"):
            href = str(link).strip()
            parts = urlsplit(href)
            own = not parts.netloc or bare_host(parts.netloc) == bare_host(self.SITE)
            fresh = all(href != known for known, _ in found)
            if own and fresh and parts.scheme in ("", "http", "https") and looks_like_article(parts.path):
                found.append((href, None))
        return found

    def is_alias_path(self, path: str) -> bool:
        return False

    def is_article_path(self, path: str) -> bool:
        return looks_like_article(path)
