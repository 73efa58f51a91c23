"""The spider every newspaper shares: discovery from section listings, the sitemap index and
the feeds, every article page, and the Most viewed sidebar wherever it shows. What is
particular to one paper (addresses, listing markup, the parser) comes from its site module."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin, urlsplit

import feedparser
import scrapy
from scrapy import signals
from scrapy.exceptions import CloseSpider, DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import sitemap_urls_from_robots

from archive.model import ParsedPage
from archive.store import address_key
from archive.stylesheets import css_addresses
from archive.urls import fetched_from
from crawler.items import PageItem
from crawler.options import SPIDER_OPTIONS
from crawler.parse import parse_page
from crawler.progress import ArticleProgress
from crawler.requisites import STYLESHEET, requisites
from crawler.session import CrawlSession
from crawler.sitemaps import sitemap_entries
from crawler.sites import Site

REDIRECTS = (301, 302, 303, 307, 308)
GONE = (404, 410)
FEED_LINKS = (
    'link[rel=alternate][type="application/rss+xml"]::attr(href), '
    'link[rel=alternate][type="application/atom+xml"]::attr(href)'
)
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # the sitemap protocol's limit for one sitemap, unpacked
PENDING_PRIORITY = 1_000_000  # above every other request: articles an earlier run missed come first


def is_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class NewspaperSpider(scrapy.Spider):
    """Arguments (-a name=value): the spider options of crawler.options (base_url, since,
    until, sections, max_articles, refresh, urls, discover, listing_pages), read and checked
    there, each kept as an attribute of the spider (urls as extra_urls).

    Figures for the run record: newsarchive/listed (article addresses discovered) and, over the
    article pages read, newsarchive/article_pages and newsarchive/missing_{body,date,author}, so
    that a run reading far fewer articles or far worse ones than before stands out."""

    site: Site
    handle_httpstatus_list: ClassVar[list[int]] = [304, *GONE]
    base_url: str
    since: date | None
    until: date | None
    sections: list[str] | None
    max_articles: int | None
    refresh: bool
    extra_urls: Sequence[str]
    discover: tuple[str, ...]
    listing_pages: int | None
    keep_requisites: bool
    requisites_per_page: int
    requisite_max_bytes: int

    def __init__(self, **kwargs: Any):
        given = {option: kwargs.pop(option.name, None) for option in SPIDER_OPTIONS}
        super().__init__(**kwargs)
        for option, text in given.items():
            setattr(self, option.spider_attribute, option.value(text))
        self.base_url = self.base_url or self.site.ORIGIN
        self.allowed_domains = [urlsplit(self.base_url).hostname or "", *self.site.IMAGE_HOSTS]
        self.listed: set[str] = set()
        self.listing_found: set[str] = set()
        self.known: set[str] = set()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.fetched_articles = 0
        self.asked_articles = 0
        self.pending: dict[str, Request] = {}
        self.progress = ArticleProgress()
        self.known_requisites: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any) -> NewspaperSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.release_articles, signal=signals.spider_idle)
        crawler.signals.connect(spider.progress.close, signal=signals.spider_closed)
        settings = crawler.settings
        spider.keep_requisites = not settings.getbool("NEWSARCHIVE_NO_REQUISITES")
        spider.requisites_per_page = settings.getint("NEWSARCHIVE_REQUISITES_PER_PAGE")
        spider.requisite_max_bytes = settings.getint("NEWSARCHIVE_REQUISITE_MAX_BYTES")
        contact = crawler.settings.get("NEWSARCHIVE_CONTACT")
        if not contact and not is_local(urlsplit(spider.base_url).hostname or ""):
            raise ValueError(
                "set NEWSARCHIVE_CONTACT (an e-mail or web address where the site can reach you) "
                "before crawling a real site"
            )
        return spider

    # -- addresses ------------------------------------------------------------------------

    def local(self, href: str, base: str | None = None) -> str | None:
        """The address to fetch for a link: the site's own hosts are mapped to base_url (so a
        mirror or the sample site is crawled as the real site); other hosts are left out."""
        return fetched_from(href, base or self.base_url + "/", self.base_url, self.site.HOSTS)

    def in_range(self, moment: datetime | date | None) -> bool:
        """Whether a date falls within since/until. A sitemap's lastmod stands in for the
        publication date: an article edited after `until` is left to the listings, which
        print the publication date."""
        if moment is None:
            return True
        day_of = moment.date() if isinstance(moment, datetime) else moment
        return (self.since is None or day_of >= self.since) and (self.until is None or day_of <= self.until)

    # -- start ----------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        session = CrawlSession.of(self.crawler)
        self.known = session.known_addresses()
        self.validators = session.validators() if self.refresh else {}
        self.known_requisites = session.known_requisites() if self.keep_requisites else set()
        self.logger.info(
            "%d articles already in the archive%s",
            len(self.known),
            "; known ones are re-checked" if self.refresh else "; known ones are skipped",
        )
        for request in self.pending_requests(session.pending_addresses()):
            yield request
        base = self.base_url
        if "home" in self.discover or "listings" in self.discover:
            yield Request(
                base + "/", callback=self.parse_home, errback=self.unreachable, meta={"kind": "listing"}, priority=100
            )
        if "sitemaps" in self.discover and self.site.SITEMAP:
            yield Request(base + self.site.SITEMAP, callback=self.parse_sitemap, meta={"kind": "sitemap"}, priority=90)
        elif "sitemaps" in self.discover:
            yield Request(base + "/robots.txt", callback=self.parse_robots, meta={"kind": "sitemap"}, priority=95)
        if "feeds" in self.discover:
            for feed in self.site.FEEDS:
                yield Request(base + feed, callback=self.parse_feed, meta={"kind": "feed"}, priority=90)
        if "listings" in self.discover:
            for section in self.sections or self.site.SECTIONS:
                yield self.listing_request(section, 0)
        for url in self.extra_urls:
            address = self.local(url)
            if address:
                yield Request(address, callback=self.parse_article, meta={"kind": "article"}, dont_filter=True)

    def pending_requests(self, addresses: list[str]) -> list[Request]:
        """The articles earlier runs knew of but could not fetch, asked for before any discovery
        (whatever its options), so that a run's misses do not wait for a listing to name them
        again."""
        wanted = [self.article_request(self.base_url + address) for address in addresses]
        requests = self.within_budget([request for request in wanted if request is not None])
        if requests:
            self.logger.info("asking first for %d articles earlier runs could not fetch", len(requests))
        return [request.replace(priority=PENDING_PRIORITY) for request in requests]

    def listing_request(self, section: str, page: int) -> Request:
        return Request(
            self.base_url + self.site.listing_path(section, page),
            callback=self.parse_listing,
            cb_kwargs={"section": section, "page": page},
            meta={"kind": "listing"},
            priority=50 - page,
        )

    def article_request(
        self, href: str, base: str | None = None, when: datetime | date | None = None, via: tuple[str, ...] = ()
    ) -> Request | None:
        """A request for an article page, unless it is known (and not to be refreshed), out of
        the date range, or past max_articles. Newer articles are fetched first. Redirects are
        followed here, not by Scrapy, so that an old address leading to a known article costs
        one request, not two."""
        address = self.local(href, base)
        if address is None or not self.site.is_article_path(urlsplit(address).path):
            return None
        if not self.in_range(when):
            self.crawler.stats.inc_value("newsarchive/out_of_range")
            return None
        key = address_key(address)
        self.listed.add(key)
        self.crawler.stats.set_value("newsarchive/listed", len(self.listed))
        headers = {}
        if key in self.known:
            if not self.refresh:
                self.crawler.stats.inc_value("newsarchive/known_skipped")
                return None
            etag, modified = self.validators.get(key, (None, None))
            headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
        priority = 10 + (when.toordinal() // 30 if when else 0)
        return Request(
            address,
            callback=self.parse_article,
            errback=self.article_failed,
            headers=headers,
            priority=priority,
            meta={
                "kind": "article",
                "via": via,
                "dont_redirect": True,
                "handle_httpstatus_list": [*REDIRECTS, *self.handle_httpstatus_list],
            },
        )

    def requisite_requests(self, response: Response, page: ParsedPage) -> Iterator[Request]:
        """Requests for an article page's photos, stylesheets and logo not yet in the archive."""
        if self.keep_requisites and response.status == 200:
            yield from self.requisites_of(response.url, requisites(response.body, page, self.site.LOGO))

    def requisites_of(self, page_url: str, links: list[tuple[str, str]]) -> Iterator[Request]:
        """Requests for requisites not yet in the archive, at most requisites_per_page, each
        refused past requisite_max_bytes; after the articles (a lower priority), and never
        retried past Scrapy's own retries or counted as unfetched."""
        asked = 0
        for link, kind in links:
            address = self.local(link, page_url) or self.image_host_address(link, page_url)
            if address is None or address_key(address) in self.known_requisites:
                continue
            self.known_requisites.add(address_key(address))
            yield Request(
                address,
                callback=self.requisite_kept,
                errback=self.requisite_failed,
                priority=-10,
                meta={"kind": "requisite", "requisite": kind, "download_maxsize": self.requisite_max_bytes},
            )
            asked += 1
            if asked == self.requisites_per_page:
                return

    def image_host_address(self, link: str, page_url: str) -> str | None:
        """A link to one of the site's image hosts, as it is (they are not mirrored)."""
        address = urljoin(page_url, link)
        return address if (urlsplit(address).hostname or "") in self.site.IMAGE_HOSTS else None

    def requisite_kept(self, response: Response) -> Iterator[Request]:
        """A requisite's answer is in the WARC files already (the capture middleware wrote it);
        a stylesheet's own pictures and imports are asked for in turn."""
        self.crawler.stats.inc_value("newsarchive/requisites")
        if response.meta.get("requisite") == STYLESHEET and response.status == 200:
            named = css_addresses(response.body.decode("utf-8", "replace"))
            yield from self.requisites_of(response.url, [(link, STYLESHEET) for link in named])

    def requisite_failed(self, failure: Any) -> None:
        """One that failed is left for the next crawl, which asks again."""
        self.crawler.stats.inc_value("newsarchive/requisites_failed")

    # -- callbacks ------------------------------------------------------------------------

    def read(self, response: Response) -> tuple[PageItem, list[Request]]:
        """The page's records as an item, and requests for the articles its sidebar ranks."""
        fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
        kind = response.meta.get("kind")
        page = parse_page(response.body, response.url, fetched_at, self.site.NAME, article_expected=kind == "article")
        addresses = (*response.meta.get("via", ()), *response.meta.get("redirect_urls", ()), response.url)
        item = PageItem(page, response.meta.get("capture_id"), fetched_at, addresses)
        if kind == "article":
            self.count_quality(page)
        if page.article is not None:
            self.known.update(address_key(address) for address in addresses)
        follow = []
        if page.most_viewed:
            for entry in page.most_viewed.entries:
                request = self.article_request(entry.url)
                if request:
                    follow.append(request)
        return item, follow

    def count_quality(self, page: ParsedPage) -> None:
        """What an article page lacked: a template the parser no longer knows shows here first."""
        stats = self.crawler.stats
        stats.inc_value("newsarchive/article_pages")
        article = page.article
        if article is not None and article.provisional:
            stats.inc_value("newsarchive/provisional")
        for field, present in (
            ("body", article and article.body),
            ("date", article and article.published),
            ("author", article and article.authors),
        ):
            if not present:
                stats.inc_value(f"newsarchive/missing_{field}")

    def hold(self, request: Request | None) -> None:
        """Keep an article request until discovery is over (see release_articles)."""
        if request is not None:
            self.pending.setdefault(request.url, request)

    def release_articles(self) -> None:
        """When listings, sitemaps and feeds are read, ask for the articles they named, newest
        first (and no more than max_articles of them)."""
        if not self.pending:
            return

        def order(request: Request) -> tuple[bool, int]:
            """Newest first; old addresses that only redirect (Drupal's /node/N) after every
            direct one, as the article they lead to is usually named directly too."""
            return self.site.is_alias_path(urlsplit(request.url).path), -request.priority

        requests = self.within_budget(sorted(self.pending.values(), key=order))
        self.pending.clear()
        self.logger.info("discovery done: asking for %d articles, newest first", len(requests))
        for request in requests:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def within_budget(self, requests: list[Request]) -> list[Request]:
        """As many of `requests` as max_articles still allows (all of them without it)."""
        if self.max_articles is not None:
            requests = requests[: max(0, self.max_articles - self.asked_articles)]
        self.asked_articles += len(requests)
        self.progress.add(len(requests))
        return requests

    def article_failed(self, failure: Any) -> None:
        """An article asked for could not be fetched, retries spent (an error status, a dropped
        connection, a time-out): kept in the store, so the run says it is missing and the next
        one asks for it first. A request robots.txt forbids is not a failure of the site."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return
        url = failure.request.url
        error = (
            f"HTTP {failure.value.response.status}"
            if failure.check(HttpError)
            else f"{type(failure.value).__name__}: {failure.value}"
        )
        self.logger.warning("article %s could not be fetched: %s", url, error)
        self.crawler.stats.inc_value("newsarchive/article_failed")
        CrawlSession.of(self.crawler).article_failed(url, error)

    def unreachable(self, failure: Any) -> None:
        """The home page failed even after retries: the site is down or not there, and every
        other request would only fail as slowly."""
        self.logger.error("the home page could not be fetched: %s", failure.value)
        raise CloseSpider("unreachable")

    def parse_home(self, response: Response) -> Iterator[Any]:
        """The sidebar, the latest articles (undated here, so not within since/until) and the
        sections the navigation names."""
        item, follow = self.read(response)
        yield item
        for request in follow:
            self.hold(request)
        if "feeds" in self.discover and not self.site.FEEDS:
            yield from self.feeds_named(response)
        if "home" in self.discover and self.since is None and self.until is None:
            listed = self.site.listing_items(response.text)
            self.count_listing_found(href for href, _ in listed)
            for href, when in listed:
                self.hold(self.article_request(href, response.url, when))
        if not self.sections and "listings" in self.discover:
            for section in self.site.section_paths(response.text):
                if section not in self.site.SECTIONS:
                    yield self.listing_request(section, 0)

    def parse_listing(self, response: Response, section: str, page: int) -> Iterator[Any]:
        """A section page: its articles, then the next page, until a 404 or an empty page, a
        page whose every article is older than `since`, or (unless refreshing) a page past the
        first whose every article is already in the archive."""
        if response.status != 200:
            return
        item, follow = self.read(response)
        yield item
        for request in follow:
            self.hold(request)
        if "feeds" in self.discover:
            yield from self.feeds_named(response)
        listed = self.site.listing_items(response.text)
        self.count_listing_found(href for href, _ in listed)
        wanted = [self.article_request(href, response.url, when) for href, when in listed]
        for candidate in wanted:
            self.hold(candidate)
        dates = [when for _, when in listed if when]
        too_old = self.since is not None and bool(dates) and max(dates).date() < self.since
        all_known = not self.refresh and page > 0 and not any(wanted)
        enough = self.listing_pages is not None and page + 1 >= self.listing_pages
        if listed and not too_old and not all_known and not enough:
            yield self.listing_request(section, page + 1)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        """The sitemaps robots.txt names (its `Sitemap:` lines), for a site that declares none of
        its own; without any, the usual place, /sitemap.xml."""
        named = list(sitemap_urls_from_robots(response.body, base_url=response.url)) if response.status == 200 else []
        addresses = [address for address in map(self.local, named) if address] or [self.base_url + "/sitemap.xml"]
        for address in addresses:
            yield Request(address, callback=self.parse_sitemap, meta={"kind": "sitemap"}, priority=90)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        """A sitemap index names more sitemaps; a sitemap names articles, with lastmod (or, in
        a news sitemap, their publication date)."""
        if response.status != 200:
            return
        body = self.sitemap_body(response)
        for entry in sitemap_entries(body or b""):
            if entry.index:
                address = self.local(entry.loc)
                if address:
                    yield Request(address, callback=self.parse_sitemap, meta={"kind": "sitemap"}, priority=80)
                continue
            self.hold(self.article_request(entry.loc, when=entry.when))

    def sitemap_body(self, response: Response) -> bytes | None:
        """The sitemap's XML: a 'sitemap.xml.gz' sent as a file (not gzip-encoded) unpacked;
        None, said in the log, when it cannot be (its response is kept all the same)."""
        if not gzip_magic_number(response):
            return response.body
        try:
            return gunzip(response.body, max_size=SITEMAP_MAX_BYTES)
        except (OSError, EOFError, ValueError) as error:
            self.logger.warning("the sitemap %s cannot be unpacked (its copy is kept): %s", response.url, error)
            return None

    def count_listing_found(self, hrefs: Iterable[str]) -> None:
        """The articles the listings (and the home page) named, whether asked for or not: a
        listing redesign shows as a drop here even while feeds still name the articles."""
        for href in hrefs:
            address = self.local(href)
            if address and self.site.is_article_path(urlsplit(address).path):
                self.listing_found.add(address_key(address))
        self.crawler.stats.set_value("newsarchive/listing_found", len(self.listing_found))

    def feeds_named(self, response: Response) -> Iterator[Request]:
        """The feeds a page names in its head (Drupal names a section's term feed there), on
        the site's own hosts; Scrapy's duplicate filter asks for each once."""
        for href in response.css(FEED_LINKS).getall():
            address = self.local(href, response.url)
            if address:
                yield Request(address, callback=self.parse_feed, meta={"kind": "feed"}, priority=90)

    def parse_feed(self, response: Response) -> None:
        """An RSS or Atom feed (feedparser reads both): its entries, with their dates."""
        if response.status != 200:
            return
        feed = feedparser.parse(response.body)
        if feed.bozo and not feed.entries:
            self.logger.warning("the feed %s cannot be read: %s", response.url, feed.get("bozo_exception"))
            return
        for entry in feed.entries:
            moment = entry.get("published_parsed") or entry.get("updated_parsed")
            when = datetime(*moment[:6]).replace(tzinfo=UTC) if moment else None
            self.hold(self.article_request(entry.get("link") or "", response.url, when=when))

    def parse_article(self, response: Response) -> Iterator[Any]:
        if response.status in REDIRECTS:
            location = (response.headers.get(b"Location") or b"").decode("latin-1")
            hops = response.meta.get("via", ())
            if location and len(hops) < 5:
                request = self.article_request(location, response.url, via=(*hops, response.url))
                if request:
                    yield request
            return
        if response.status == 304:
            self.crawler.stats.inc_value("newsarchive/not_modified")
            return
        if response.status in GONE:
            CrawlSession.of(self.crawler).article_gone(response.url)
            return
        if response.status != 200:
            return
        item, follow = self.read(response)
        yield item
        yield from self.within_budget(follow)
        yield from self.requisite_requests(response, item.page)
        self.fetched_articles += 1
        self.progress.advance()
        if self.max_articles is not None and self.fetched_articles >= self.max_articles:
            raise CloseSpider("max_articles")
