"""Asking a web archive for its captures, politely: no more than `rate` requests a second,
each started at least 1/rate seconds after the one before, one at a time; a pause on 429 and
503 for as long as the archive's Retry-After asks, or without one a minute after a 429 (the
Wayback Machine averages its limits over a minute and blocks a client that goes on for a
minute after its 429s) and two seconds after a 503 or a failed backend, twice as long at each
try after that; a redirect followed by hand and counted as a request like any other."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3

from crawler.retry_after import MAX_PAUSE, retry_after_seconds

CAPTURE_RATE = 3.0  # captures fetched a second, by default: "a few"
# CDX queries a second, by default: below the Wayback Machine's limit for its CDX and TimeMap
# endpoints, which its maintainers put at 30 a minute (2026), and Common Crawl's index server,
# which asks not to be overloaded.
INDEX_RATE = 0.4
FIRST_PAUSE = {429: 60.0, 503: 2.0}  # seconds, when the answer gives no Retry-After
TRANSIENT = (500, 502, 504)  # an archive's backend that failed once; asked again after a pause
REDIRECTS = 5
TRIES = 6
TIMEOUT = urllib3.Timeout(connect=20, read=120)


class ArchiveUnavailableError(Exception):
    """The archive did not answer, or kept asking to wait, through every try; one sentence."""


@dataclass
class Answer:
    """One answer of the archive: its status, headers (as sent), body and final address."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    url: str

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass
class Pause:
    """A wait the archive asked for (or a failure made): which address, why, how long."""

    url: str
    why: str
    seconds: float


class PoliteClient:
    """One connection pool to the archive, spaced by `rate`. `clock` and `sleep` are the
    monotonic clock and the wait, so that spacing and pauses can be followed without waiting."""

    def __init__(
        self,
        user_agent: str,
        rate: float = CAPTURE_RATE,
        tries: int = TRIES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_pause: Callable[[Pause], None] | None = None,
    ):
        if rate <= 0:
            raise ValueError("the rate must be more than 0 requests a second")
        self.interval, self.tries = 1.0 / rate, tries
        self.clock, self.sleep, self.on_pause = clock, sleep, on_pause
        self.pool = urllib3.PoolManager(headers={"User-Agent": user_agent}, retries=False, timeout=TIMEOUT)
        self.next_start = float("-inf")
        self.requests = 0
        self.pauses: list[Pause] = []

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        """The answer to a GET of `url` once it is not a redirect, a 429/503 or a failure;
        ArchiveUnavailableError when every try is spent."""
        address, redirects, failures = url, 0, 0
        while True:
            self._wait_turn()
            try:
                response = self.pool.request("GET", address, headers=headers, redirect=False, preload_content=True)
            except urllib3.exceptions.HTTPError as error:
                failures += 1
                self._give_up_or_pause(url, failures, f"gave no answer ({type(error).__name__})", None, 2.0)
                continue
            status = response.status
            if 300 <= status < 400 and response.headers.get("Location") and redirects < REDIRECTS:
                address, redirects = urljoin(address, response.headers["Location"]), redirects + 1
                continue
            if status in FIRST_PAUSE or status in TRANSIENT:
                failures += 1
                retry_after = response.headers.get("Retry-After") if status in FIRST_PAUSE else None
                self._give_up_or_pause(url, failures, f"answered {status}", retry_after, FIRST_PAUSE.get(status, 2.0))
                continue
            return Answer(status, list(response.headers.items()), response.data, address)

    def _wait_turn(self) -> None:
        now = self.clock()
        if now < self.next_start:
            self.sleep(self.next_start - now)
        self.next_start = max(now, self.next_start) + self.interval
        self.requests += 1

    def _give_up_or_pause(self, url: str, failures: int, why: str, retry_after: str | None, first: float) -> None:
        if failures >= self.tries:
            raise ArchiveUnavailableError(f"The archive {why} to {url} {failures} times; try again later.")
        asked = retry_after_seconds(retry_after.encode("latin-1")) if retry_after else None
        seconds = min(MAX_PAUSE, asked if asked is not None else first * 2.0 ** (failures - 1))
        pause = Pause(url, why, seconds)
        self.pauses.append(pause)
        if self.on_pause is not None:
            self.on_pause(pause)
        self.sleep(seconds)
        self.next_start = max(self.next_start, self.clock())
