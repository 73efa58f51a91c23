"""The options of a crawl, each declared once: its name, the kind of value it takes (how that
is written, read back and checked), its default and its help. The spider's arguments (`scrapy
crawl SITE -a name=value`), the flags of `newsarchive crawl`, the crawl settings a schedule
file's job may give, and the arguments a crawl run records (and a worker of a distributed
crawl tells the ingester) all come from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from archive.urls import check_base_url
from crawler import settings

SOURCES = ("home", "listings", "sitemaps", "feeds")  # where a crawl may look for articles


@dataclass(frozen=True)
class Kind:
    """One kind of value. `read` takes the text a flag or a spider argument gives and returns
    the value, or raises ValueError whose text reads on after the option's name ("--delay
    cannot be negative"); `text` writes a value back as such text; `fits` says whether a
    schedule file's value (TOML) is of the kind, which `described` says in words ("delay is
    a number of seconds, not negative")."""

    read: Callable[[str], Any]
    fits: Callable[[Any], bool]
    described: str
    text: Callable[[Any], str] = str
    flag_type: Callable[[str], Any] = str  # what argparse turns the flag's text into first
    recorded: Callable[[Any], Any] = lambda value: value  # the value as a run records it (JSON)


def whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise ValueError("cannot be negative")
    return value


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def address(text: str) -> str:
    check_base_url(text)
    return text.rstrip("/")


def names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def sources(text: str) -> tuple[str, ...]:
    """The discovery sources named in `text` (all of them when it is empty)."""
    if not text:
        return SOURCES
    named = tuple(names(text))
    unknown = [name for name in named if name not in SOURCES]
    if unknown or not named:
        raise ValueError(f"{text!r} names no known source (choose from {', '.join(SOURCES)})")
    return named


def switch(text: str) -> bool:
    return text.lower() not in ("0", "", "false", "no")


def listed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def joined(value: str | list[str]) -> str:
    """A list (a schedule file's) as the comma-separated text a flag gives."""
    return value if isinstance(value, str) else ",".join(value)


ADDRESS = Kind(address, lambda value: isinstance(value, str), "a web address in quotes")
DAY = Kind(day, lambda value: isinstance(value, date), "a date", recorded=date.isoformat)
NAMES = Kind(names, listed, "a list of names", text=joined)
SOURCE_LIST = Kind(
    sources, lambda value: listed(value) and bool(value), f"a list from {', '.join(SOURCES)}", text=joined
)
COUNT = Kind(count, whole, "a whole number of at least 1", flag_type=int)
SECONDS = Kind(
    seconds,
    lambda value: whole(value) or isinstance(value, float),
    "a number of seconds, not negative",
    flag_type=float,
)
SWITCH = Kind(switch, lambda value: isinstance(value, bool), "true or false", text=lambda value: "1" if value else "0")


@dataclass(frozen=True)
class CrawlOption:
    """One option. A spider option is an argument of the spider, kept as its attribute
    `attribute` and recorded with the run; any other sets the Scrapy `settings`."""

    name: str
    kind: Kind
    help: str
    default: Any = None  # the value when the option is not given
    attribute: str = ""  # the spider's attribute, when it is not `name`
    settings: tuple[str, ...] = ()
    scheduled: bool = False  # whether a schedule file's job may give it
    described: str = ""  # what a schedule file's value is, where the kind's words are too general

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def spider_attribute(self) -> str:
        return self.attribute or self.name

    @property
    def for_spider(self) -> bool:
        return not self.settings

    def value(self, text: str | None) -> Any:
        """The option's value from its text (its default when it is not given); ValueError
        with a sentence that names the option's argument."""
        if text is None:
            return self.default
        try:
            return self.kind.read(text)
        except ValueError as error:
            raise ValueError(f"{self.name} {error}") from None

    def checked_text(self, value: Any) -> str:
        """A flag's value (as argparse gives it) as the spider's argument; ValueError with a
        sentence that names the flag."""
        text = self.kind.text(value)
        try:
            self.kind.read(text)
        except ValueError as error:
            raise ValueError(f"{self.flag} {error}") from None
        return text

    def what(self) -> str:
        """What a schedule file's value must be, in words."""
        return self.described or self.kind.described

    def fits(self, value: Any) -> bool:
        """Whether a schedule file's value is one this option takes."""
        if not self.kind.fits(value):
            return False
        try:
            self.kind.read(self.kind.text(value))
        except ValueError:
            return False
        return True

    def flag_arguments(self, value: Any) -> list[str]:
        """A schedule file's value as `newsarchive crawl` flags."""
        if self.kind is SWITCH:
            return [self.flag] if value else []
        return [self.flag, self.kind.text(value)]

    def recorded(self, value: Any) -> Any:
        return None if value is None else self.kind.recorded(value)


OPTIONS = (
    CrawlOption(
        "base_url",
        ADDRESS,
        "where to fetch it from: the real site (default), a mirror, or the sample site, e.g. http://127.0.0.1:8000",
    ),
    CrawlOption("since", DAY, "only articles published on or after this day (YYYY-MM-DD)"),
    CrawlOption("until", DAY, "only articles published on or before this day (YYYY-MM-DD)"),
    CrawlOption(
        "sections",
        NAMES,
        "only these section listings, comma-separated (e.g. national,business)",
        scheduled=True,
        described="a list of section names",
    ),
    CrawlOption("max_articles", COUNT, "stop asking for articles after this many", scheduled=True),
    CrawlOption(
        "refresh",
        SWITCH,
        "re-check known articles too (conditional requests; a change makes a new revision)",
        default=False,
        scheduled=True,
    ),
    CrawlOption(
        "delay",
        SECONDS,
        "seconds between requests to the site (default 1; robots.txt's Crawl-delay wins if longer)",
        settings=("DOWNLOAD_DELAY", "AUTOTHROTTLE_START_DELAY"),
        scheduled=True,
    ),
    CrawlOption(
        "concurrency",
        COUNT,
        "requests in flight at once (default 1); one site is crawled at a time, so a "
        "pause the site asks for holds every request",
        settings=("CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS"),
        scheduled=True,
    ),
    CrawlOption("urls", NAMES, "more addresses to start from, comma-separated", default=(), attribute="extra_urls"),
    CrawlOption(
        "discover",
        SOURCE_LIST,
        f"where to look for articles, comma-separated from {', '.join(SOURCES)} (default: all)",
        default=SOURCES,
        scheduled=True,
    ),
    CrawlOption("listing_pages", COUNT, "read at most this many pages of each section listing", scheduled=True),
    CrawlOption(
        "no_requisites",
        SWITCH,
        "keep no photos, stylesheets or logo of the article pages (by default they are fetched once each, "
        f"at most {settings.NEWSARCHIVE_REQUISITES_PER_PAGE} a page and "
        f"{settings.NEWSARCHIVE_REQUISITE_MAX_BYTES // 2**20} MB each, and kept in the WARC files for replay)",
        default=False,
        settings=("NEWSARCHIVE_NO_REQUISITES",),
        scheduled=True,
    ),
)
SPIDER_OPTIONS = tuple(option for option in OPTIONS if option.for_spider)
SCHEDULED = {option.name: option for option in OPTIONS if option.scheduled}
BASE_URL = OPTIONS[0]


def recorded_arguments(spider: object) -> dict[str, Any]:
    """The spider's arguments as its crawl run records them (JSON)."""
    return {
        option.spider_attribute: option.recorded(getattr(spider, option.spider_attribute)) for option in SPIDER_OPTIONS
    }
