"""How both editions of the Post list their articles (one Drupal template, SITE-EVIDENCE.md):
section pages, their items and printed dates, and the navigation that names the sections."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, unquote, urlsplit

from parsel import Selector

from archive.urls import same_site
from crawler.parse import common

NOT_ARTICLES = re.compile(
    r"^/(?:tags|print|search|user|node/\d+/edit|rss|sitemap\.xml|images|sites|storage|taxonomy)(?:/|$)"
)
# Items of a listing, by the form they take: Drupal views rows, the div.category blocks of the
# saved Khmer listing, the 2023+ section list, and Drupal's generic item lists. A page lists
# its articles in one form; the first form found is the listing, the others are sidebars.
LISTING_ITEMS = ("li.views-row", "div.category", ".section-more article", "div.item-list ul li")
# Not the listing: sidebars, navigation, ads and Drupal's pager (an item list of links to pages).
ELSEWHERE = (
    "aside, .sidebar, .region-sidebar, .most-viewed, .block-views, .top-stories, nav, header, footer, .pager, .dfp_ad"
)
# The Khmer edition's sidebars are numbered Drupal blocks (div.block-312) with no aside [E].
NUMBERED = "re:test(@class, '(^|\\s)block-[0-9]+(\\s|$)')"
NUMBERED_BLOCK = f"//div[{NUMBERED}][not(ancestor::div[{NUMBERED}])]"
ITEM_LINK = ("h3 a::attr(href)", "a::attr(href)")
ITEM_DATE = ".date ::text, .posted-date ::text"
LISTING_DATE = re.compile(r"\s*\|\s*by\s.*$", re.I)


# Both editions' site-wide feed [E/G: whether it still answers is unknown]. Per-section feeds
# (/taxonomy/term/<id>/all/feed) are found where Drupal names them, in each section page's
# <link rel="alternate">, as their term ids are not known in advance.
FEEDS = ("/rss.xml",)
SITEMAP = "/sitemap.xml"
LOGO = 'img[alt^="Logo of"], .logo img'  # the logo's alt text is evidenced; .logo is a guess [G]
IMAGE_HOSTS: tuple[str, ...] = ()  # photos are on the site's own hosts in every era evidenced [G: a CDN unseen]


def hosts(site: str) -> tuple[str, ...]:
    """An edition's hosts: bare, `www.` and `m.` (SITE-EVIDENCE.md), one site."""
    return (site, f"www.{site}", f"m.{site}")


@dataclass(frozen=True)
class Listings:
    """One edition's listing rules."""

    hosts: tuple[str, ...]
    sections: tuple[str, ...]
    read_date: Callable[[str], tuple[datetime, bool] | None]

    def listing_path(self, section: str, page: int) -> str:
        """Drupal views lists count pages from 0; a Khmer section name is encoded here, once."""
        return f"/{quote(section)}?page={page}"

    def section_paths(self, html: str) -> list[str]:
        """Section names linked from a page's navigation (the home page lists them all),
        decoded: relative links and absolute links to the edition's own hosts, not numeric
        paths (`/10`), queries or addresses that are not sections."""
        found: list[str] = []
        for href in Selector(text=html.replace("\x00", "")).css("nav a::attr(href)").getall():
            try:
                parts = urlsplit(href.strip())
            except ValueError:
                continue
            if parts.netloc and not any(same_site(parts.netloc, host) for host in self.hosts):
                continue
            if parts.query or parts.scheme not in ("", "http", "https"):
                continue
            slug = unquote(parts.path).strip("/")
            if slug and not slug.isdigit() and not NOT_ARTICLES.match("/" + slug) and slug not in found:
                found.append(slug)
        return found

    def listing_items(self, html: str) -> list[tuple[str, datetime | None]]:
        """(link, printed date) of every article a section page lists, in page order. The link
        is the item's title link (its photo links to the same article), else its first link."""
        selector = Selector(text=html.replace("\x00", ""))
        for elsewhere in selector.css(ELSEWHERE):
            elsewhere.drop()
        for block in selector.xpath(NUMBERED_BLOCK):
            block.drop()
        items: list[Selector] = next((list(found) for found in map(selector.css, LISTING_ITEMS) if found), [])
        listed = []
        for item in items:
            href = next((link for link in (item.css(query).get() for query in ITEM_LINK) if link), None)
            if href:
                listed.append((href, self.printed_date(" ".join(item.css(ITEM_DATE).getall()))))
        return listed

    def printed_date(self, text: str) -> datetime | None:
        """A listing's date line ('Fri, 26 August 2016', 'Publication date 17 November 2017 |
        12:12 | ICT', 'Tuesday, March 5, 2024 | by …', or in Khmer)."""
        text = LISTING_DATE.sub("", common.clean(text)).removeprefix("Publication date").strip()
        read = self.read_date(text) if text else None
        return read[0] if read else None

    def is_article_path(self, path: str) -> bool:
        """Whether an address of the site may be an article (not a tag page, a print view, a
        section's own listing, …)."""
        return (
            path not in ("", "/")
            and not NOT_ARTICLES.match(path)
            and "?" not in path
            and unquote(path).strip("/") not in self.sections
        )


def is_alias_path(path: str) -> bool:
    """Drupal's node addresses, which only redirect to an article's own address."""
    return re.fullmatch(r"/node/\d+/?", path) is not None
