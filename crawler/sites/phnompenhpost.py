"""The Phnom Penh Post: its hosts, its listings, sitemaps and feeds (SITE-EVIDENCE.md), its
parser, and how it is cited and dated. Registered as the site `phnompenhpost`."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, unquote

from parsel import Selector

from crawler.parse import common
from crawler.parse import phnompenhpost as parser

NAME = "phnompenhpost"
PARSER = parser
SITE = parser.SITE
HOSTS = (SITE, f"www.{SITE}")
ORIGIN = parser.ORIGIN
CITATION_NAME = "The Phnom Penh Post"
ZONE = parser.ICT
SITEMAP = "/sitemap.xml"
FEEDS = ("/rss.xml",)
SECTIONS = (
    "national",
    "business",
    "opinion",
    "international",
    "politics-0",
    "around-ngos",
    "post-depth",
    "kr-tribunal",
    "post-property",
    "post-focus",
    "post-auto",
    "special-reports",
    "supplements",
    "post-weekend",
    "7days",
    "columns",
    "lift/lift-news",
)
NOT_ARTICLES = re.compile(r"^/(?:tags|print|search|user|node/\d+/edit|rss|sitemap\.xml|images|sites|storage)(?:/|$)")
# Items of a listing: Drupal views rows, the Khmer edition's div.category blocks, the 2023+
# section list, and Drupal's generic item lists.
LISTING_ITEMS = ("li.views-row", "div.category", ".section-more article", "div.item-list ul li")
# Not the listing: sidebars, navigation, and Drupal's pager (an item list of links to pages).
ELSEWHERE = "aside, .sidebar, .region-sidebar, .most-viewed, .block-views, .top-stories, nav, header, footer, .pager"
ITEM_LINK = ("h3 a::attr(href)", "a::attr(href)")
ITEM_DATE = ".date ::text, .posted-date ::text"
LISTING_DATE = re.compile(r"\s*\|\s*by\s.*$", re.I)


def listing_path(section: str, page: int) -> str:
    """Drupal views lists count pages from 0."""
    return f"/{quote(section)}?page={page}"


def section_paths(html: str) -> list[str]:
    """Section slugs linked from a page's navigation (the home page lists them all)."""
    selector = Selector(text=html)
    found = []
    for href in selector.css("nav a::attr(href)").getall():
        slug = href.strip("/")
        if slug and "?" not in slug and not NOT_ARTICLES.match("/" + slug):
            found.append(slug)
    return found


def listing_items(html: str) -> list[tuple[str, datetime | None]]:
    """(link, printed date) of every article a section page lists, in page order. The link is
    the item's title link (its photo links to the same article), else its first link."""
    selector = Selector(text=html.replace("\x00", ""))
    for elsewhere in selector.css(ELSEWHERE):
        elsewhere.drop()
    items = []
    for item in selector.css(", ".join(LISTING_ITEMS)):
        href = next((link for link in (item.css(query).get() for query in ITEM_LINK) if link), None)
        if not href:
            continue
        items.append((href, printed_date(" ".join(item.css(ITEM_DATE).getall()))))
    return items


def printed_date(text: str) -> datetime | None:
    """A listing's date line ('Fri, 26 August 2016', 'Publication date 17 November 2017 |
    12:12 | ICT', 'Tuesday, March 5, 2024 | by …')."""
    text = LISTING_DATE.sub("", common.clean(text)).removeprefix("Publication date").strip()
    return common.parse_printed_date(text, ZONE, parser.ZONE_NAMES, parser.PRINTED_DATES) if text else None


def is_alias_path(path: str) -> bool:
    """Drupal's node addresses, which only redirect to an article's own address."""
    return re.fullmatch(r"/node/\d+/?", path) is not None


def is_article_path(path: str) -> bool:
    """Whether an address of the site may be an article (not a tag page, a print view, a
    section's own listing, …)."""
    return path not in ("", "/") and not NOT_ARTICLES.match(path) and "?" not in path and not is_section_path(path)


def is_section_path(path: str) -> bool:
    return unquote(path).strip("/") in SECTIONS
