"""A "Most viewed" box ("Most read", "Most popular"), whatever the paper: found by its heading
when its markup is not a known one, and read as ranked entries, each article once."""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from archive.model import MostViewedEntry
from crawler.parse import common


def block_by_heading(tree: etree._Element, headings: frozenset[str]) -> etree._Element | None:
    """The nearest wrapper of a heading among `headings` (lower-cased) that holds list items."""
    for heading in tree.iter("h2", "h3", "h4", "div", "span"):
        if common.clean(heading.text).lower() not in headings:
            continue
        node = heading.getparent()
        while node is not None and node.tag != "body":
            if next(node.iter("li"), None) is not None:
                return node
            node = node.getparent()
    return None


def ranked_entries(
    block: etree._Element, identity: Callable[[str], str | None], noise: re.Pattern | None = None
) -> list[MostViewedEntry]:
    """The list items of `block` in order, each its first link's article, its title and the
    text beside it (the teaser, without what `noise` matches). An article listed twice keeps
    its first rank: a list that names one article twice is a list of fewer articles."""
    entries: list[MostViewedEntry] = []
    for item in block.iter("li"):
        link = next((a for a in item.iter("a") if a.get("href")), None)
        url = identity(link.get("href", "")) if link is not None else None
        if link is None or url is None or any(entry.url == url for entry in entries):
            continue
        title = common.text_of(link)
        rest = common.block_text(item).replace(title, " ", 1)
        teaser = common.clean(noise.sub(" ", rest) if noise else rest)
        entries.append(MostViewedEntry(rank=len(entries) + 1, url=url, title=title, teaser=teaser or None))
    return entries
