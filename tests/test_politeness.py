"""Politeness as the sample site hears it: robots.txt's Crawl-delay between any two requests,
and silence for as long as a 429 or 503 answer's Retry-After asks. Each check runs with the
settings a user types to crawl the local replica quickly, and again with AutoThrottle or
retries switched off, since neither of those may take politeness with it."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest

from archive.store import Store
from crawler.politeness import BACKOFF_STATUSES, pause_seconds
from crawler.retry_after import MAX_PAUSE
from samplesite.corpus import Corpus, SiteConfig
from samplesite.server import Faults
from samplesite.truth import write_truth
from tests.crawling import crawl, serve

CRAWL_DELAY = 0.3
RETRY_AFTER = 1
# The site logs a request once its answer is ready, and the crawler's sockets add their own
# scheduling, so two logged times can be a few milliseconds closer than the crawler sent them.
LOG_SLACK = 0.02
USER = ["--delay", "0", "--concurrency", "4", "--no-requisites"]  # these crawls are about the pages alone
SWITCHES = {
    "user-settings": [],
    "autothrottle-off": ["-s", "AUTOTHROTTLE_ENABLED=False"],
    "retries-off": ["-s", "RETRY_ENABLED=False"],
}


@pytest.fixture(params=SWITCHES.values(), ids=SWITCHES.keys())
def switches(request) -> list[str]:
    return request.param


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_robots_disallow_and_crawl_delay_are_obeyed(tmp_path, switches):
    """Scrapy spaces requests by the slot's delay; the Crawl-delay must be that delay's floor
    whether AutoThrottle or retries are on or off, with four requests allowed in flight."""
    site, server, base = serve(Corpus(SiteConfig(seed=8, count=12)), crawl_delay=CRAWL_DELAY)
    try:
        crawl(
            base,
            tmp_path / "data",
            *USER,
            "--sections",
            "national",
            "--max-articles",
            "4",
            "--urls",
            "/print/100001,/search/node/rice",
            *switches,
        )
    finally:
        server.shutdown()
    paths = [r["path"] for r in site.requests]
    assert paths[0] == "/robots.txt"
    assert not any(p.startswith(("/print/", "/search/")) for p in paths)
    assert all("newsarchive" in r["agent"] for r in site.requests)
    between = gaps([r["time"] for r in site.requests])
    assert len(between) >= 10
    short = [round(gap, 3) for gap in between if gap < CRAWL_DELAY - LOG_SLACK]
    assert not short, f"{len(short)} of {len(between)} gaps under the {CRAWL_DELAY} s Crawl-delay: {short}"


def crawl_a_failing_site(tmp_path, crawl_delay: float, *options: str) -> list[dict]:
    """The request log of a crawl of a site where half the pages first answer 500, 503 or
    429 (the last two with Retry-After); its home page never fails, two of its articles do."""
    corpus = Corpus(SiteConfig(seed=11, count=8))
    site, server, base = serve(corpus, crawl_delay=crawl_delay, faults=Faults(error_rate=0.5, retry_after=RETRY_AFTER))
    try:
        # with retries off, a page that failed once is not fetched in this run: exit 3 says so
        crawl(
            base,
            tmp_path / "data",
            "--discover",
            "home",
            "--max-articles",
            "4",
            *options,
            allowed=(0, 3) if "RETRY_ENABLED=False" in options else (0,),
        )
    finally:
        server.shutdown()
    return site.requests


def assert_quiet_after_each_backoff(log: list[dict]) -> list[str]:
    """Nothing reaches the site until Retry-After has passed since it logged a 429 or 503
    (the crawler gets the answer after that); returns the paths that got such answers."""
    backoffs = [k for k, r in enumerate(log) if r["status"] in BACKOFF_STATUSES]
    assert backoffs
    for k in backoffs:
        early = [
            (r["path"], round(r["time"] - log[k]["time"], 3))
            for r in log[k + 1 :]
            if r["time"] - log[k]["time"] < RETRY_AFTER
        ]
        assert not early, f"asked during the pause after {log[k]['status']} on {log[k]['path']}: {early}"
    return [log[k]["path"] for k in backoffs]


def test_retry_after_is_honoured(tmp_path, switches):
    """The pause holds the requests queued behind the Crawl-delay as well as new ones, and
    whether the failed page is asked for again is up to the retry settings alone."""
    log = crawl_a_failing_site(tmp_path, CRAWL_DELAY, *USER, *switches)
    failed = assert_quiet_after_each_backoff(log)
    if "RETRY_ENABLED=False" in switches:
        asked = Counter(r["path"] for r in log)
        assert all(asked[path] == 1 for path in failed), "retries are off: no page is asked for twice"
    else:
        last_answer = {r["path"]: r["status"] for r in log}
        assert all(last_answer[path] < 400 for path in failed), "every page that failed is asked for until it answers"


def test_retry_after_is_honoured_with_no_delay_at_all(tmp_path):
    """With no Crawl-delay, no --delay and AutoThrottle off the downloader spaces nothing,
    so the pause rests on holding each request back before it reaches the downloader."""
    log = crawl_a_failing_site(tmp_path, 0.0, "--delay", "0", "--concurrency", "1", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert_quiet_after_each_backoff(log)


def test_the_pause_is_retry_after_or_else_twice_the_delay():
    """Without a usable Retry-After the pause doubles the delay, and no site stops a crawl
    for more than MAX_PAUSE."""
    assert pause_seconds(b"7", 0.3) == 7
    assert pause_seconds(b"Fri, 01 Jan 2100 00:00:00 GMT", 0.3) == MAX_PAUSE
    assert pause_seconds(b"Thu, 01 Jan 2000 00:00:00 GMT", 0.3) == 0
    assert pause_seconds(None, 0.3) == 1
    assert pause_seconds(b"soon", 4) == 8
    assert pause_seconds(None, 1000) == MAX_PAUSE


def test_challenged_pages_are_asked_again_after_a_pause_and_none_is_lost(tmp_path):
    """A site that answers some requests with its anti-bot page (403) for a while: each such
    page is asked for again after a pause, and the crawl stores every article of the site."""
    corpus = Corpus(SiteConfig(seed=12, count=40))
    site, server, base = serve(corpus, faults=Faults(challenge_rate=0.15))
    try:
        crawl(base, tmp_path / "data", *USER)
    finally:
        server.shutdown()
    log = site.requests
    challenged = {r["path"] for r in log if r["status"] == 403}
    assert challenged, "the site challenged some requests"
    last_answer = {r["path"]: r["status"] for r in log}
    assert not [path for path in challenged if last_answer[path] == 403], "every challenged page is asked again"
    for k, answer in enumerate(log):
        if answer["status"] == 403:
            again = next(r for r in log[k + 1 :] if r["path"] == answer["path"])
            assert again["time"] - answer["time"] >= 1.0 - LOG_SLACK, "asked again only after a pause"
    write_truth(corpus, corpus.config.end, tmp_path / "truth")
    expected = {json.loads(line)["url"] for line in (tmp_path / "truth" / "articles.jsonl").read_text().splitlines()}
    with Store(tmp_path / "data" / "archive.sqlite3") as store:
        assert {record["url"] for record in store.current_records()} == expected


@pytest.mark.parametrize(
    "switched_off",
    [
        {"AUTOTHROTTLE_ENABLED": False},
        {"RETRY_ENABLED": False},
        {"AUTOTHROTTLE_ENABLED": False, "RETRY_ENABLED": False},
    ],
)
def test_the_floor_and_the_pause_answer_only_to_their_own_switches(switched_off):
    """Turning AutoThrottle or Retry off leaves the Crawl-delay floor and the Retry-After pause
    in the crawl; each goes only when its own setting says so."""
    from scrapy.downloadermiddlewares.retry import RetryMiddleware
    from scrapy.extensions.throttle import AutoThrottle

    from crawler.politeness import FLOOR_SWITCH, PAUSE_SWITCH, CrawlDelayFloor, RetryAfterPause

    assert not issubclass(CrawlDelayFloor, AutoThrottle) and not issubclass(RetryAfterPause, RetryMiddleware)
    assert politeness_components(switched_off) == {CrawlDelayFloor, RetryAfterPause}
    assert politeness_components({**switched_off, FLOOR_SWITCH: False}) == {RetryAfterPause}
    assert politeness_components({**switched_off, PAUSE_SWITCH: False}) == {CrawlDelayFloor}


def politeness_components(settings: dict) -> set[type]:
    """Which of the two politeness components a crawl with the project's settings and these
    would load, as Scrapy's own managers pick them."""
    from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
    from scrapy.extension import ExtensionManager
    from scrapy.utils.test import get_crawler

    from crawler import settings as project
    from crawler.politeness import CrawlDelayFloor, RetryAfterPause

    crawler = get_crawler(
        settings_dict={**{name: getattr(project, name) for name in dir(project) if name.isupper()}, **settings}
    )
    loaded = [
        *ExtensionManager.from_crawler(crawler).middlewares,
        *DownloaderMiddlewareManager.from_crawler(crawler).middlewares,
    ]
    return {type(component) for component in loaded} & {CrawlDelayFloor, RetryAfterPause}
