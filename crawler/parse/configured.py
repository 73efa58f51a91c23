"""The parser of a paper whose site module gives a few selectors instead of a parser of its
own: the generic extractor (crawler.parse.generic) reads every field, the module's template
says where it is wrong (the body's container and what to take out of it, the section's link)
and where its Most viewed box is (its heading, or a selector). A page a template matches
makes a record of that template's era; one no template matches, a provisional record.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml.cssselect import CSSSelector

from archive.model import Article, MostViewedSnapshot, ParsedPage
from archive.urls import canonical_url, is_mirror_host, same_site
from crawler.parse import common, fallback, generic, ranked_lists


@dataclass(frozen=True)
class Template:
    """Where one template of the paper keeps what the generic extractor reads less well."""

    era: str  # the name records of this template carry
    marker: str  # a selector only the template's article pages match
    body: str | None = None  # the text's container; its paragraphs are the body
    body_drop: str | None = None  # blocks inside it that are not the article (sharing, related)
    section_link: str | None = None  # the section's link; its address's last part is the section


@dataclass(frozen=True)
class MostViewedBox:
    headings: frozenset[str]  # its heading, lower-cased ('most read')
    selector: str | None = None  # or where it is, when the markup says


@dataclass(frozen=True)
class ConfiguredParser:
    site: str
    origin: str
    zone: tzinfo
    templates: tuple[Template, ...]
    most_viewed: MostViewedBox

    def parse(
        self, html: bytes, url: str, fetched_at: datetime, article_expected: bool = False, templates: bool = True
    ) -> ParsedPage:
        text, warnings = common.decode_html(html)
        tree = common.load_tree(text)
        if tree is None:
            return ParsedPage(None, None, [*warnings, "empty: the page holds no HTML"])
        sidebar = self.sidebar(tree, url, fetched_at)
        template = next((t for t in self.templates if select(tree, t.marker)), None) if templates else None
        fields = generic.extract(text, url, fetched_at, self.zone)
        if template is None and not (article_expected or fields.says_article):
            return ParsedPage(None, sidebar, warnings)
        identity = self.page_identity(fields.address, url)
        if template is None:
            reason = f"the page matches no known template of {self.site}"
            record = fallback.generic_record(fields, self.site, identity, url, fetched_at, warnings, reason)
            return ParsedPage(record, sidebar, warnings)
        return ParsedPage(self.article(template, tree, fields, identity, url, fetched_at, warnings), sidebar, warnings)

    def article(
        self,
        template: Template,
        tree: etree._Element,
        fields: generic.GenericFields,
        identity: str,
        url: str,
        fetched_at: datetime,
        warnings: list[str],
    ) -> Article:
        body = fields.body
        container = select(tree, template.body) if template.body else []
        if container:
            for node in select(container[0], template.body_drop) if template.body_drop else []:
                common.drop([node])
            body = [line for line in common.paragraphs(container[0]) if not generic.TRAILER.match(line)]
        section = fields.section
        links = select(tree, template.section_link) if template.section_link else []
        if links:
            section = unquote([part for part in urlsplit(links[0].get("href", "")).path.split("/") if part][-1])
        for name, value in (("headline", fields.headline), ("date", fields.published), ("body", body)):
            if not value:
                warnings.append(f"no-{name}: the {template.era} page gives none")
        read = replace(fields, body=body, section=section)
        return fallback.article_of(read, template.era, self.site, identity, url, fetched_at, warnings)

    def sidebar(self, tree: etree._Element, url: str, fetched_at: datetime) -> MostViewedSnapshot | None:
        box = self.most_viewed
        found = select(tree, box.selector) if box.selector else []
        block = found[0] if found else ranked_lists.block_by_heading(tree, box.headings)
        if block is None:
            return None
        entries = ranked_lists.ranked_entries(block, lambda href: self.absolute_identity(urljoin(url, href)))
        seen = common.iso(fetched_at) or ""
        return MostViewedSnapshot(site=self.site, seen_at=seen, page_url=url, entries=entries) if entries else None

    def page_identity(self, stated: str | None, url: str) -> str:
        """The address the page gives itself when it is on the paper's host, else the fetched one."""
        own = self.absolute_identity(stated) if stated else None
        if own and same_site(urlsplit(own).netloc, self.site):
            return own
        return self.absolute_identity(url) or url

    def absolute_identity(self, href: str) -> str | None:
        """A link's identity: on the paper's host or a copy on this machine, the paper's origin
        and no query (WordPress's pretty addresses need none); elsewhere, as given."""
        try:
            absolute = urljoin(self.origin, href.strip())
            host = urlsplit(absolute).hostname or ""
            if not absolute.startswith(("http://", "https://")):
                return None
            own = same_site(host, self.site) or is_mirror_host(host)
            return canonical_url(absolute, self.origin if own else None, keep_query=not own)
        except ValueError:
            return None


@functools.cache
def compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def select(node: etree._Element, selector: str) -> list[etree._Element]:
    return compiled(selector)(node)
