"""The registry of sites: a newspaper, or one edition of it, is one module that declares all
that the archive knows of it (see Site), registered once as a Python entry point of the group
`newsarchive.sites`, so a site can come from any installed package. Everything that needs the
list of sites, or one of them, asks here; no site module is imported before it is asked for."""

from __future__ import annotations

import functools
from datetime import datetime, tzinfo
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Protocol
from urllib.parse import urlsplit

from archive.model import ParsedPage
from archive.urls import bare_host, is_mirror_host, same_site

GROUP = "newsarchive.sites"
DEFAULT = "phnompenhpost.com"  # the site a command reads when none is named
GENERIC = "generic:"  # `generic:HOST`: the paper on HOST read without its site module


class SiteError(ValueError):
    """A site that cannot be had: a name nobody registered, or a registration that names no
    site module. The text reads on after the name of what was given ("--site …", "[site] name …")."""


class Parser(Protocol):
    """A site's pure parser (crawler/parse/): HTML bytes in, records out."""

    def parse(
        self, html: bytes, url: str, fetched_at: datetime, article_expected: bool = False, templates: bool = True
    ) -> ParsedPage: ...

    def absolute_identity(self, href: str) -> str | None: ...


class Site(Protocol):
    """What a site module declares (crawler/sites/phnompenhpost.py is one)."""

    NAME: str  # the name a user types: --site, the schedule file, `scrapy crawl NAME`
    SITE: str  # the site as its records name it (their `site` field)
    HOSTS: tuple[str, ...]  # the hosts its pages are on; `www.` or bare are one
    ORIGIN: str  # the default base URL: where the real site is
    CITATION_NAME: str  # the paper's name in a citation (its container title)
    ZONE: tzinfo  # the zone the paper prints its times in
    PARSER: Parser
    SITEMAP: str
    FEEDS: tuple[str, ...]
    SECTIONS: tuple[str, ...]
    LOGO: str  # a CSS selector for the site's logo image: a page requisite the crawler keeps
    IMAGE_HOSTS: tuple[str, ...]  # hosts besides its own that serve its photos

    def listing_path(self, section: str, page: int) -> str: ...

    def section_paths(self, html: str) -> list[str]: ...

    def listing_items(self, html: str) -> list[tuple[str, datetime | None]]: ...

    def is_alias_path(self, path: str) -> bool: ...

    def is_article_path(self, path: str) -> bool: ...


DECLARED = tuple(name for name in (*Site.__annotations__, *vars(Site)) if not name.startswith("_"))


@functools.cache
def _registered() -> dict[str, list[EntryPoint]]:
    """The entry points of each site name (more than one only where two packages clash)."""
    found: dict[str, list[EntryPoint]] = {}
    for point in entry_points(group=GROUP):
        found.setdefault(point.name, []).append(point)
    return found


def names() -> list[str]:
    """The registered sites, by name, without importing any of them."""
    return sorted(_registered())


@functools.cache
def site(name: str) -> Site:
    """The site module registered as `name`; for a host name no module is registered for, or
    one written `generic:HOST`, the paper on that host read by the generic extractor
    (crawler.sites.any_paper)."""
    from crawler.sites import any_paper  # like every site module, imported when asked for

    generic_host = name.removeprefix(GENERIC)
    if name.startswith(GENERIC) and any_paper.is_host_name(generic_host):
        return any_paper.AnyPaper(generic_host.lower(), name)
    points = _registered().get(name, [])
    if not points:
        if any_paper.is_host_name(name):
            return any_paper.AnyPaper(name.lower(), name.lower())
        known = (
            f"known: {', '.join(names())}"
            if names()
            else f"none is registered: install the project (pip install -e .) so that its {GROUP} entry points are seen"
        )
        raise SiteError(
            f"{name!r} is not a known site ({known}); a paper with no site module is named by its host, "
            f"such as example.com (or {GENERIC}HOST, to read one without its module)"
        )
    if len({point.value for point in points}) > 1:
        raise SiteError(f"{name!r} is registered by several packages ({', '.join(point.value for point in points)})")
    module: ModuleType = points[0].load()
    missing = [declared for declared in DECLARED if not hasattr(module, declared)]
    if missing:
        raise SiteError(f"{name!r} is registered as {points[0].value}, which lacks {', '.join(missing)}")
    if name != module.NAME:
        raise SiteError(f"{name!r} is registered as {points[0].value}, whose NAME is {module.NAME!r}")
    return module  # type: ignore[return-value]  # a module that declares all of Site


def default() -> Site:
    return site(DEFAULT)


def for_host(host: str) -> Site | None:
    """The registered site whose pages are on `host` (with or without `www.`), if any."""
    return next((found for found in map(site, names()) if any(same_site(host, own) for own in found.HOSTS)), None)


def paper_name(site: str) -> str:
    """The paper's name as its site module gives it (CITATION_NAME), or else the site itself."""
    found = for_host(site)
    return found.CITATION_NAME if found is not None else site


def reader_of(url: str, otherwise: str) -> str:
    """The name of the site whose parser reads the page at `url`: the registered site its host
    belongs to, else `otherwise` (the page of a mirror or of a replica on 127.0.0.1, or of a
    paper no module knows). A web archive's copies of both editions then keep both."""
    found = for_host(urlsplit(url).netloc)
    return found.NAME if found is not None else otherwise


def reading(url: str) -> str:
    """The name of the site whose rules read a page of `url` when no site is named: the
    registered one of its host, else its host (a paper read by the generic extractor); a page
    of a copy on this machine is read as the default site's."""
    host = bare_host(urlsplit(url).hostname or "")
    found = for_host(host)
    if found is not None:
        return found.NAME
    from crawler.sites import any_paper

    return host if host and not is_mirror_host(host) and any_paper.is_host_name(host) else DEFAULT
