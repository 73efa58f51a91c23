"""The parser of a paper no site module knows: every page read by the generic extractor
(crawler.parse.generic), each article a provisional record marked era "generic".

A page is an article when it was fetched as one or says it is one. Its identity is the address
it gives itself (canonical link, og:url) when that is on the paper's host, else the address it
was fetched from, on the paper's origin when it came from a copy on this machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urljoin, urlsplit

from lxml import etree

from archive.model import MostViewedSnapshot, ParsedPage
from archive.urls import canonical_url, is_mirror_host, same_site
from crawler.parse import common, fallback, generic, ranked_lists

MOST_VIEWED_HEADINGS = frozenset(
    {"most viewed", "most read", "most popular", "popular", "trending", "most viewed stories", "most read stories"}
)


@dataclass(frozen=True)
class AnyPageParser:
    site: str  # the paper's host, as its records name it
    origin: str  # https:// and that host
    zone: tzinfo  # where a time printed without a zone is read

    def parse(
        self, html: bytes, url: str, fetched_at: datetime, article_expected: bool = False, templates: bool = True
    ) -> ParsedPage:
        text, warnings = common.decode_html(html)
        tree = generic.load(text)
        sidebar = self.most_viewed(tree, url, fetched_at) if tree is not None else None
        fields = generic.extract_tree(tree, url, fetched_at, self.zone)  # after the list is read: it drops it
        if not (article_expected or fields.says_article):
            return ParsedPage(None, sidebar, warnings)
        stated = self.absolute_identity(fields.address) if fields.address else None
        fetched = self.absolute_identity(url)
        identity = stated if stated and same_site(urlsplit(stated).netloc, self.site) else fetched
        reason = f"the paper {self.site} has no site module"
        article = fallback.generic_record(fields, self.site, identity or url, url, fetched_at, warnings, reason)
        return ParsedPage(article, sidebar, warnings)

    def most_viewed(self, tree: etree._Element, url: str, fetched_at: datetime) -> MostViewedSnapshot | None:
        """A box headed as most papers head their list of most read stories [G], its entries
        each article once."""
        block = ranked_lists.block_by_heading(tree, MOST_VIEWED_HEADINGS)
        entries = (
            ranked_lists.ranked_entries(block, lambda href: self.absolute_identity(urljoin(url, href)))
            if block is not None
            else []
        )
        if not entries:
            return None
        return MostViewedSnapshot(site=self.site, seen_at=common.iso(fetched_at) or "", page_url=url, entries=entries)

    def absolute_identity(self, href: str) -> str | None:
        try:
            absolute = urljoin(self.origin, href)
            mirrored = is_mirror_host(urlsplit(absolute).hostname or "")
            return canonical_url(absolute, self.origin if mirrored else None, keep_query=True)
        except ValueError:
            return None
