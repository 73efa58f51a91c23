"""The sample site as a web archive holds it: pages captured at several site clocks into WARC
files (dated at the site's time, as an archive dates its captures), served by a real pywb, with
a recording proxy in front of it that can answer 429 the way a busy archive does."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, unquote

from warcio.capture_http import capture_http

from archive.warc import warc_date
from samplesite.corpus import Corpus
from samplesite.server import SampleSite
from tests.handlers import QuietHandler, handled


@dataclass(frozen=True)
class Captured:
    """One page the archive captured: the address fetched, the article (None: the home page)
    and the site's time when it was served."""

    address: str
    article: int | None
    moment: datetime


def site_clocks(corpus: Corpus, edited: int) -> tuple[list[datetime], list[int]]:
    """Clocks at which an archive captured the site, and the articles edited in between: a
    minute after each of the last `edited` edited articles was published and a minute after it
    was edited, and the site's last day."""
    changed = sorted(
        (i for i in range(corpus.config.count) if corpus.article(i).updated is not None),
        key=lambda i: corpus.article(i).updated,
    )[-edited:]
    moments = {corpus.config.end}
    for i in changed:
        article = corpus.article(i)
        moments |= {article.published + timedelta(minutes=1), article.updated + timedelta(minutes=1)}
    return sorted(moments), changed


def steady_articles(corpus: Corpus, clock: datetime, count: int) -> list[int]:
    """Articles up at `clock` that were never edited and are read by every template."""
    found = [i for i in corpus.newest_first(clock) if corpus.article(i).updated is None and not corpus.article(i).flags]
    return found[:count]


def capture_site(site: SampleSite, articles: list[int], clocks: list[datetime], warc: Path) -> list[Captured]:
    """The home page and each article up at the time, fetched at each clock (a second apart,
    the site's clock set to each fetch's moment), into one WARC file whose records are dated at
    those moments."""
    plan: list[Captured] = []
    for clock in clocks:
        up = [i for i in articles if site.corpus.visible(i, clock)]
        pages = [("/", None)] + [(site.corpus.article(i).path, i) for i in up]
        for second, (path, article) in enumerate(pages):
            plan.append(Captured(site.base + quote(path), article, clock + timedelta(seconds=second)))

    def stamp(request, response, recorder):
        response.rec_headers.replace_header("WARC-Date", warc_date(current.moment))
        return request, response

    with capture_http(str(warc), stamp):
        for current in plan:
            site.clock.set(current.moment)
            with urllib.request.urlopen(current.address, timeout=30) as answer:
                answer.read()
    return plan


@dataclass
class Logged:
    time: float  # the proxy's monotonic clock when the request arrived
    path: str
    status: int


@dataclass
class Proxy:
    """In front of the archive: forwards each GET, logs it, and answers 429 (Retry-After
    `retry_after`) to the first request for any address `refuse` says yes to."""

    upstream: str
    base: str = ""
    log: list[Logged] = field(default_factory=list)
    refuse: object = None  # a callable(path) -> bool, or None
    retry_after: int = 2
    refused: set[str] = field(default_factory=set)

    def handle(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        arrived = time.monotonic()
        if callable(self.refuse) and self.refuse(path) and path not in self.refused:
            self.refused.add(path)
            self.log.append(Logged(arrived, path, 429))
            return 429, [("Retry-After", str(self.retry_after))], b"slow down"
        try:
            with urllib.request.urlopen(self.upstream + path, timeout=60) as answer:
                status, headers, body = answer.status, list(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, body = error.code, list(error.headers.items()), error.read()
        self.log.append(Logged(arrived, path, status))
        return status, headers, body

    def fetches(self) -> list[str]:
        """The capture addresses (id_ replays) asked for, in order, 429s included."""
        return [entry.path for entry in self.log if "id_/" in entry.path]


@contextmanager
def proxied(upstream_root: str) -> Iterator[Proxy]:
    """A proxy of `upstream_root` (scheme and host of the archive) on a free port."""
    proxy = Proxy(upstream_root)

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            status, headers, body = proxy.handle(self.path)
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with handled(Handler) as base:
        proxy.base = base
        yield proxy


@contextmanager
def files_served(folder: Path) -> Iterator[str]:
    """The files of `folder` over HTTP on a free port, answering Range requests (bytes=A-B) with
    206 and just those bytes, as Common Crawl's data server does; yields its address."""

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = folder / unquote(self.path.lstrip("/"))
            if not path.is_file() or folder not in path.resolve().parents:
                self.send_error(404)
                return
            data = path.read_bytes()
            asked = self.headers.get("Range", "")
            status = 200
            if asked.startswith("bytes="):
                start, _, end = asked[len("bytes=") :].partition("-")
                data, status = data[int(start) : int(end) + 1], 206
            self.send_response(status)
            self.send_header("Content-Type", "application/warc")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with handled(Handler) as base:
        yield base + "/"
