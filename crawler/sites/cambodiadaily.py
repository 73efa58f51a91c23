"""The Cambodia Daily's English archive (english.cambodiadaily.com), a WordPress paper: its
host, categories and permalink forms, where the generic extractor needs a hint (the body's
container without WordPress's sharing, related-posts and advertising blocks; the category
link, whose slug is the section), its "Most Read" box and its citation name. Its hosts,
categories and address forms are those of the replica (samplesite.wordpress), guesses at the
real site [G]. Registered as the site `english.cambodiadaily.com`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from crawler.parse.configured import ConfiguredParser, MostViewedBox, Template
from crawler.sites import wordpress_listings

NAME = SITE = "english.cambodiadaily.com"
HOSTS = (SITE,)
ORIGIN = f"https://{SITE}"
CITATION_NAME = "The Cambodia Daily"
ZONE = timezone(timedelta(hours=7), "ICT")
SITEMAP = "/wp-sitemap.xml"
FEEDS = ("/feed/",)
SECTIONS = ("news", "politics", "business", "opinion", "features", "sport")
LOGO = "img.custom-logo"
IMAGE_HOSTS: tuple[str, ...] = ()
PARSER = ConfiguredParser(
    site=SITE,
    origin=ORIGIN,
    zone=ZONE,
    templates=(
        Template(
            era="wordpress",
            marker="article.hentry h1.entry-title",
            body="article.hentry .entry-content",
            body_drop=".wp-caption, figure, .sharedaddy, .jp-relatedposts, .code-block, script, style",
            section_link="article.hentry a[rel~=category]",
        ),
    ),
    most_viewed=MostViewedBox(headings=frozenset({"most read"}), selector=".widget.popular-posts"),
)
# /news/<name>-<id>/ since 2018, /<year>/<month>/<day>/<name>/ before [G]
ARTICLE_PATH = re.compile(r"^/(?:news/[^/]+-\d+|\d{4}/\d{2}/\d{2}/[^/]+)/?$")


def is_article_path(path: str) -> bool:
    return bool(ARTICLE_PATH.match(path))


def is_alias_path(path: str) -> bool:
    return False


def listing_items(html: str) -> list[tuple[str, datetime | None]]:
    return wordpress_listings.listing_items(html, is_article_path)


listing_path = wordpress_listings.listing_path
section_paths = wordpress_listings.section_paths
