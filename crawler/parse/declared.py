"""What a page declares of itself in machine form: its <meta> tags, its JSON-LD, its
canonical link and its <time datetime> marks. These are the page's own statements, so they
are read before any guess from the printed page.

Pure: a parsed tree in, values out.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from lxml import etree

from crawler.parse import common

ISO_WITH_TIME = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Where pages state their publication time in machine form (meta property, name or itemprop).
STATED_TIME_KEYS = frozenset(
    {
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "dc.date.issued",
        "dcterms.issued",
        "dcterms.created",
        "pubdate",
        "publishdate",
        "publish-date",
        "parsely-pub-date",
        "sailthru.date",
    }
)
LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
LD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]+)"')
LD_SECTION = re.compile(r'"articleSection"\s*:\s*\[?\s*"([^"]+)"')
LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:News|Report|Blog|Analysis|Opinion)?Article"', re.I)
NO_EARLIER_PAGE = datetime(1990, 1, 1, tzinfo=UTC)  # before the web: no page was changed then
# A declared time no newspaper can have: before the first printed one ('0001-01-01'), or a
# timestamp of nought (a field never filled).
FIRST_NEWSPAPER = datetime(1605, 1, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# hAtom's and WordPress themes' classes of a <time datetime>: the publication ('published',
# 'entry-date') and the last change ('updated' alone)
PUBLISHED_CLASS = re.compile(r"(?:^|\s)(?:published|entry-date)(?=\s|$)")
UPDATED_CLASS = re.compile(r"(?:^|\s)updated(?=\s|$)")
UPDATED_TIME_KEYS = frozenset({"article:modified_time", "og:updated_time", "datemodified", "dcterms.modified"})


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """The moment in the paper's zone when it has that zone's offset (dateutil gives its own
    tzoffset for 'ICT'); a moment the page states at another offset keeps it."""
    local = moment.astimezone(zone)
    return local if local.utcoffset() == moment.utcoffset() else moment


def stated_times(tree: etree._Element, zone: tzinfo) -> list[datetime]:
    """Publication times the page states in machine form, with a time of day: declared in
    its head and JSON-LD, or marked on a <time datetime> of the text."""
    return declared_times(tree, zone) + marked_times(tree, zone)


def declared_times(tree: etree._Element, zone: tzinfo) -> list[datetime]:
    """Publication times of the page's <meta> tags and JSON-LD, with a time of day."""
    texts = meta_values(tree, STATED_TIME_KEYS) + [
        found for text in json_ld(tree) for found in LD_PUBLISHED.findall(text)
    ]
    return [moment for moment in (stated_time(text, zone) for text in texts) if moment is not None]


def marked_times(tree: etree._Element, zone: tzinfo) -> list[datetime]:
    """Publication times of the <time datetime> marks that say they are one (schema.org's
    itemprop, HTML5's pubdate, hAtom's and WordPress's classes)."""
    texts = [
        node.get("datetime", "")
        for node in tree.iter("time")
        if node.get("datetime")
        and (
            node.get("itemprop", "").lower() == "datepublished"
            or "pubdate" in node.attrib
            or PUBLISHED_CLASS.search(node.get("class", ""))
        )
    ]
    return [moment for moment in (stated_time(text, zone) for text in texts) if moment is not None]


def declared_publication(tree: etree._Element, fetched_at: datetime, zone: tzinfo) -> datetime | None:
    """The publication time the page declares, when its declarations up to the fetch all
    name one day: the earliest. Declarations of several days (a JSON-LD list of other
    stories, a stale meta) declare nothing certain."""
    moments = [moment for moment in declared_times(tree, zone) if moment <= fetched_at]
    return min(moments) if moments and len({moment.date() for moment in moments}) == 1 else None


def stated_time(text: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 time of day ('2024-04-20T20:09:00+07:00'; without an offset, in `zone`),
    to the second, as the archive keeps times; None for a placeholder."""
    if not ISO_WITH_TIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00")).replace(microsecond=0)
    except ValueError:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return None if moment < FIRST_NEWSPAPER or moment == UNIX_EPOCH else moment


def json_ld(tree: etree._Element) -> list[str]:
    return [
        script.text
        for script in tree.iter("script")
        if (script.get("type") or "").lower() == "application/ld+json" and script.text
    ]


def meta_values(tree: etree._Element, keys: frozenset[str]) -> list[str]:
    """The content of the page's <meta> whose property, name or itemprop is one of `keys`."""
    return [
        meta.get("content", "").strip()
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower() in keys
        and meta.get("content", "").strip()
    ]


def says_article(tree: etree._Element) -> bool:
    """Whether the page says it is an article: og:type, a stated publication time, or a
    schema.org Article in its JSON-LD."""
    if any(value.lower() == "article" for value in meta_values(tree, frozenset({"og:type"}))):
        return True
    return bool(meta_values(tree, frozenset({"article:published_time"}))) or any(
        LD_ARTICLE.search(text) for text in json_ld(tree)
    )


def stated_section(tree: etree._Element) -> str | None:
    """The section the page states: article:section, JSON-LD's articleSection, else the first
    link marked rel=category (WordPress's category links)."""
    found = meta_values(tree, frozenset({"article:section"})) or [
        name for text in json_ld(tree) for name in LD_SECTION.findall(text)
    ]
    if not found:
        found = [
            common.clean(link.text_content())
            for link in tree.iter("a")
            if "category" in (link.get("rel") or "").lower().split()
        ]
    return (common.clean(found[0]) or None) if found else None


def stated_update(
    tree: etree._Element, published: datetime | None, fetched_at: datetime, zone: tzinfo
) -> datetime | None:
    """The last update the page states in machine form, when it is later than the publication
    and not after the fetch."""
    texts = meta_values(tree, UPDATED_TIME_KEYS) + [m for text in json_ld(tree) for m in LD_MODIFIED.findall(text)]
    texts += [
        node.get("datetime", "")
        for node in tree.iter("time")
        if UPDATED_CLASS.search(node.get("class", "")) and not PUBLISHED_CLASS.search(node.get("class", ""))
    ]
    moments = [m for m in (stated_time(text, zone) for text in texts) if m is not None and m <= fetched_at]
    later = [m for m in moments if (published or NO_EARLIER_PAGE) < m]
    return in_zone(max(later), zone) if later else None


def stated_address(tree: etree._Element) -> str | None:
    """The address the page gives itself: its canonical link, else its og:url."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            return (link.get("href") or "").strip()
    found = meta_values(tree, frozenset({"og:url"}))
    return found[0] if found else None
