"""What a sitemap names: more sitemaps (an index) or pages, each with its date. Parsed with
external entities, network access and huge trees refused (as Scrapy's own reader does); a
news sitemap's publication date (Google's news extension) is taken over lastmod, as it says
when the article appeared rather than when its page last changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
PARSER = etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False, no_network=True, remove_pis=True)


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    when: datetime | None
    index: bool  # a sitemap named by a sitemap index, not a page


def sitemap_entries(body: bytes) -> Iterator[SitemapEntry]:
    try:
        root = etree.fromstring(body.strip(), parser=PARSER)
    except etree.XMLSyntaxError:
        return
    if root is None:
        return
    index = etree.QName(root).localname == "sitemapindex"
    for entry in root.iterchildren("{*}sitemap" if index else "{*}url"):
        loc = child_text(entry, "{*}loc")
        if loc:
            published = None if index else read_time(child_text(entry, f"{NEWS}news/{NEWS}publication_date"))
            yield SitemapEntry(loc, published or read_time(child_text(entry, "{*}lastmod")), index)


def child_text(node: etree._Element, path: str) -> str:
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


def read_time(text: str | None) -> datetime | None:
    """A W3C datetime ('2017-09-04', '2017-09-04T08:10:00+07:00', 'Z' for UTC)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
