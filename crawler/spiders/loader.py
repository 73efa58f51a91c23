"""Scrapy's spider loader for the registered sites: `scrapy crawl NAME` (and `newsarchive
crawl --site NAME`) crawls the site registered as NAME with the shared NewspaperSpider, so a
site needs no spider module of its own."""

from __future__ import annotations

import builtins
import functools

from scrapy import Request
from scrapy.settings import BaseSettings

from crawler import sites
from crawler.spiders.newspaper import NewspaperSpider


@functools.cache
def spider_for(name: str) -> type[NewspaperSpider]:
    """The spider class of one site; SiteError for a name nobody registered."""
    site = sites.site(name)
    return type(
        f"{name.title().replace('-', '').replace('_', '')}Spider",
        (NewspaperSpider,),
        {"name": name, "site": site, "allowed_domains": list(site.HOSTS), "__module__": __name__},
    )


class SiteSpiderLoader:
    """Scrapy's SpiderLoaderProtocol over the site registry."""

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SiteSpiderLoader:
        return cls()

    def load(self, spider_name: str) -> type[NewspaperSpider]:
        try:
            return spider_for(spider_name)
        except sites.SiteError as error:
            raise KeyError(f"Spider not found: {error}") from None

    def list(self) -> list[str]:
        return sites.names()

    def find_by_request(self, request: Request) -> builtins.list[str]:
        return [name for name in self.list() if spider_for(name).handles_request(request)]
