"""The web-archive client's manners, followed on a fake clock against a real HTTP server: at
most `rate` requests a second, a 429's Retry-After waited out, a 503 without one answered by
doubling pauses, a redirect followed and counted, and a clear sentence when the archive never
gives in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.archives.fetch import TRIES, ArchiveUnavailableError, PoliteClient
from tests.handlers import QuietHandler, handled


class FakeClock:
    """Time that passes only when the client sleeps; every sleep and request start noted."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def archive() -> Iterator[tuple[str, dict[str, int]]]:
    """/ok answers 200; /busy 429 with Retry-After: 7 twice, then 200; /crowded 429 without
    Retry-After once; /down 503 always; /moved redirects to /ok. Yields the address and the
    count of requests per path."""
    asked: dict[str, int] = {}

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            asked[self.path] = asked.get(self.path, 0) + 1
            if self.path == "/busy" and asked[self.path] <= 2:
                self.answer(429, {"Retry-After": "7"})
            elif self.path == "/crowded" and asked[self.path] == 1:
                self.answer(429, {})
            elif self.path == "/down":
                self.answer(503, {})
            elif self.path == "/moved":
                self.answer(302, {"Location": "/ok"})
            else:
                self.answer(200, {"Memento-Datetime": "Fri, 03 Nov 2017 10:22:33 GMT"})

        def answer(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    with handled(Handler) as base:
        yield base, asked


def client(clock: FakeClock, rate: float = 2.0) -> PoliteClient:
    return PoliteClient("newsarchive tests", rate=rate, clock=clock.monotonic, sleep=clock.sleep)


def test_requests_are_spaced_by_the_rate(archive):
    base, _ = archive
    clock = FakeClock()
    polite = client(clock, rate=4.0)
    for _ in range(5):
        assert polite.get(f"{base}/ok").status == 200
    assert clock.sleeps == [0.25] * 4


def test_a_429_is_waited_out_for_as_long_as_it_asks(archive):
    base, asked = archive
    clock = FakeClock()
    polite = client(clock)
    answer = polite.get(f"{base}/busy")
    assert answer.status == 200 and asked["/busy"] == 3
    assert [pause.seconds for pause in polite.pauses] == [7.0, 7.0]
    assert clock.sleeps == [7.0, 7.0], "the pause covers the spacing: no extra wait after it"


def test_a_redirect_is_followed_and_counted_as_a_request(archive):
    base, _ = archive
    clock = FakeClock()
    polite = client(clock)
    answer = polite.get(f"{base}/moved")
    assert answer.url == f"{base}/ok" and answer.header("memento-datetime") == "Fri, 03 Nov 2017 10:22:33 GMT"
    assert polite.requests == 2 and clock.sleeps == [0.5]


def test_an_archive_that_never_answers_ends_in_one_sentence_after_doubling_pauses(archive):
    base, asked = archive
    clock = FakeClock()
    polite = client(clock)
    with pytest.raises(
        ArchiveUnavailableError, match=r"^The archive answered 503 to .*/down 6 times; try again later\.$"
    ):
        polite.get(f"{base}/down")
    assert asked["/down"] == TRIES
    assert [pause.seconds for pause in polite.pauses] == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_a_429_that_gives_no_retry_after_is_waited_out_for_a_minute(archive):
    base, _ = archive
    clock = FakeClock()
    polite = client(clock)
    assert polite.get(f"{base}/crowded").status == 200
    assert clock.sleeps == [60.0]
