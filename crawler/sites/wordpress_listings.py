"""How a WordPress paper lists its posts, whatever its theme: category archives at
`/category/<slug>/` paged as `page/<n>/`, each post an `article` (class `hentry`, `post`)
whose `.entry-title` links it and whose `time[datetime]` dates it; the navigation links the
categories. The post addresses of a paper are its own permalink forms (see is_article_path)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html

CATEGORY = re.compile(r"^/category/([^/]+)/?$")


def listing_path(section: str, page: int) -> str:
    """The address of page `page` (from 0) of a category's archive."""
    return f"/category/{section}/" + (f"page/{page + 1}/" if page else "")


def section_paths(html: str) -> list[str]:
    """The categories the page links, by slug, in page order."""
    slugs: list[str] = []
    for href in lxml_html.fromstring(html).xpath("//a/@href") if html.strip() else []:
        found = CATEGORY.match(unquote(urlsplit(str(href)).path))
        if found and found.group(1) not in slugs:
            slugs.append(found.group(1))
    return slugs


def listing_items(html: str, is_article: Callable[[str], bool]) -> list[tuple[str, datetime | None]]:
    """The posts an archive page lists, with the time each one states."""
    if not html.strip():
        return []
    items: list[tuple[str, datetime | None]] = []
    for post in lxml_html.fromstring(html).xpath("//article[contains(concat(' ', @class, ' '), ' hentry ')]"):
        links = post.xpath(".//*[contains(concat(' ', @class, ' '), ' entry-title ')]//a/@href")
        stamps = post.xpath(".//time/@datetime")
        if not links or not is_article(urlsplit(str(links[0])).path):
            continue
        try:
            when = datetime.fromisoformat(str(stamps[0])) if stamps else None
        except ValueError:
            when = None
        items.append((str(links[0]), when))
    return items
