"""The replica's HTTP server: bound to 127.0.0.1, with the real site's HTTP habits
(redirects, conditional GET, robots.txt) and switchable faults for reliability tests."""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from samplesite import render
from samplesite.assets import asset
from samplesite.corpus import ICT, Corpus, Section, SiteArticle

PAGE_NUMBER = re.compile(r"[0-9]{1,9}")
# Drupal's term feed: /taxonomy/term/<id>/<depth>/feed, the depth `all` or a number (`*` in
# SITE-EVIDENCE.md stands for either).
TERM_FEED = re.compile(r"/taxonomy/term/([0-9]{1,6})/(?:all|[0-9]{1,2}|\*)/feed")


class SiteClock:
    """The site's "now": fixed, or moving `speed` site-seconds per real second."""

    def __init__(self, now: datetime, speed: float = 0.0):
        self._lock = threading.Lock()
        self.speed = speed
        self.set(now)

    def set(self, now: datetime) -> None:
        with self._lock:
            self._base, self._started = now, time.monotonic()

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._started) * self.speed
            return datetime.fromtimestamp(self._base.timestamp() + elapsed, ICT)


@dataclass
class Faults:
    """Share of URLs that fail before they succeed, and how: server errors (500, 503 and 429
    with Retry-After), an anti-bot challenge (403), dropped connections, slow answers; and
    `broken`, paths that answer 500 every time, as a page the real site cannot render does."""

    error_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 2.0
    drop_rate: float = 0.0
    retry_after: int = 1
    challenge_rate: float = 0.0
    broken: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] | None = None


class Site(ABC):
    """What every way of serving the replica shares: faults and the request log."""

    def __init__(self, seed: int, faults: Faults | None = None, log_path: Path | None = None):
        self.seed = seed
        self.faults = faults or Faults()
        self.log_path = log_path
        self.requests: list[dict] = []
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()

    @abstractmethod
    def route(self, target: str, request_headers: Message) -> Reply:
        """The answer to a GET of `target` (path and query)."""

    # -- faults ------------------------------------------------------------------------

    def fault_for(self, target: str) -> str | None:
        """'broken', 'error', 'challenge', 'drop', 'slow' or None; a URL not broken fails at
        most twice, then always answers."""
        if target == "/robots.txt":
            return None
        if unquote(urlsplit(target).path) in self.faults.broken:
            return "broken"
        with self._lock:
            attempt = self._attempts.get(target, 0)
            self._attempts[target] = attempt + 1
        rng = random.Random(f"{self.seed}:fault:{target}")
        error, drop, slow, challenge = rng.random(), rng.random(), rng.random(), rng.random()
        failures = 1 + rng.randrange(2)
        if attempt < failures:
            if error < self.faults.error_rate:
                return "error"
            if challenge < self.faults.challenge_rate:
                return "challenge"
            if drop < self.faults.drop_rate:
                return "drop"
        if slow < self.faults.slow_rate and attempt == 0:
            return "slow"
        return None

    def error_reply(self, target: str, fault: str) -> Reply:
        if fault == "challenge":
            return Reply(403, render.challenge_page())
        if fault == "broken":
            return Reply(500, b"<html><body><h1>Internal error</h1></body></html>")
        status = random.Random(f"{self.seed}:fault-status:{target}").choice([500, 503, 429])
        headers = {"Retry-After": str(self.faults.retry_after)} if status != 500 else {}
        return Reply(status, b"<html><body><h1>Service unavailable</h1></body></html>", headers=headers)

    # -- the request log ----------------------------------------------------------------

    def record(self, method: str, target: str, status: int, agent: str) -> None:
        entry = {"time": time.time(), "method": method, "path": target, "status": status, "agent": agent}
        with self._lock:
            self.requests.append(entry)
            if self.log_path:
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")


class SampleSite(Site):
    """Routes a request path to a page of the corpus at the clock's current time."""

    def __init__(
        self,
        corpus: Corpus,
        clock: SiteClock,
        crawl_delay: float = 1.0,
        faults: Faults | None = None,
        log_path: Path | None = None,
    ):
        super().__init__(corpus.config.seed, faults, log_path)
        self.corpus = corpus
        self.clock = clock
        self.crawl_delay = crawl_delay
        self.redesign = False  # set it to serve the current templates redesigned (render.REDESIGN)

    def route(self, target: str, request_headers: Message) -> Reply:
        reply = self.route_unchanged(target, request_headers)
        if self.redesign and reply.status == 200 and reply.content_type.startswith("text/html"):
            reply.body = render.redesigned(reply.body)
        return reply

    def route_unchanged(self, target: str, request_headers: Message) -> Reply:
        now = self.clock.now()
        parts = urlsplit(target)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if path == "/robots.txt":
            return Reply(200, render.render_robots(self.corpus, self.crawl_delay), "text/plain; charset=utf-8")
        if path == "/":
            return Reply(200, render.render_home(self.corpus, now))
        if path in ("/rss", "/feed"):
            return Reply(301, headers={"Location": "/rss.xml"})
        if path == "/rss.xml":
            return Reply(200, render.render_rss(self.corpus, now), "application/rss+xml; charset=utf-8")
        edition = self.corpus.edition
        feed = re.fullmatch(r"/rss/(.+)\.xml", path)
        feed_section = edition.section(feed.group(1)) if feed else None
        if feed_section:
            return Reply(200, render.render_rss(self.corpus, now, feed_section), "application/rss+xml; charset=utf-8")
        term = TERM_FEED.fullmatch(path)
        term_section = edition.section_for_term(int(term.group(1))) if term else None
        if term_section:
            return self.term_feed(term_section, now)
        if path == "/sitemap.xml":
            return self.sitemap(query, now)
        served = asset(path)
        if served is not None:
            return Reply(200, *served)
        node = re.fullmatch(r"/node/(\d+)", path)
        if node:
            return self.node_redirect(int(node.group(1)), now)
        section = edition.section(path.strip("/"))
        if section:
            return self.listing(section, query, now)
        return self.article(path, now, request_headers)

    def term_feed(self, section: Section, now: datetime) -> Reply:
        """Drupal's feed of a taxonomy term: RSS for most sections, Atom for some [G]."""
        if render.is_atom_feed(section):
            return Reply(200, render.render_atom(self.corpus, now, section), "application/atom+xml; charset=utf-8")
        return Reply(200, render.render_rss(self.corpus, now, section), "application/rss+xml; charset=utf-8")

    def sitemap(self, query: dict, now: datetime) -> Reply:
        xml = "application/xml; charset=utf-8"
        if "page" not in query:
            return Reply(200, render.render_sitemap_index(self.corpus, now), xml)
        page = query["page"][0]
        data = render.render_sitemap_page(self.corpus, now, int(page)) if PAGE_NUMBER.fullmatch(page) else None
        return Reply(200, data, xml) if data else self.not_found()

    def node_redirect(self, nid: int, now: datetime) -> Reply:
        i = self.corpus.id_for_nid(nid)
        if i is None or not self.corpus.visible(i, now):
            return self.not_found()
        return Reply(301, headers={"Location": quote(self.corpus.path(i))})

    def listing(self, section: Section, query: dict, now: datetime) -> Reply:
        page = query.get("page", ["0"])[0]
        if not PAGE_NUMBER.fullmatch(page):
            return self.not_found()
        status, body = render.render_listing(self.corpus, section, int(page), now)
        return Reply(status, body)

    def article(self, path: str, now: datetime, request_headers: Message) -> Reply:
        i = self.corpus.paths.get(path)
        if i is None:
            for other in (path + "/", path.removesuffix("/")):
                j = self.corpus.paths.get(other)
                if j is not None and self.corpus.visible(j, now):
                    return Reply(301, headers={"Location": quote(other)})
            return self.not_found()
        if not self.corpus.visible(i, now):
            return self.not_found()
        article = self.corpus.article(i)
        window_start = self.corpus.window(now)[0]
        revision = 2 if article.updated_at(now) else 1
        etag = f'W/"{article.nid}-{revision}-{int(window_start.timestamp())}"'
        modified = max(article.updated_at(now) or article.published, window_start)
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True)}
        if not_modified(request_headers, etag, modified):
            return Reply(304, headers=headers)
        charset = "iso-8859-1" if "wrong-charset" in article.flags else "utf-8"
        return Reply(200, self.render_article(article, now), f"text/html; charset={charset}", headers)

    def render_article(self, article: SiteArticle, now: datetime) -> bytes:
        return render.render_article(self.corpus, article, now)

    def not_found(self) -> Reply:
        return Reply(404, render.not_found_page())


def not_modified(request_headers: Message, etag: str, modified: datetime | None) -> bool:
    """Whether a conditional GET may be answered 304 (If-None-Match wins over
    If-Modified-Since, as RFC 9110 says)."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags or etag.removeprefix("W/") in [t.removeprefix("W/") for t in tags]
    since = request_headers.get("If-Modified-Since")
    if not since or modified is None:
        return False
    try:
        return parsedate_to_datetime(since) >= modified.replace(second=0, microsecond=0)
    except (TypeError, ValueError):
        return False


class Handler(BaseHTTPRequestHandler):
    site: Site
    server_version = "Apache"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.answer(send_body=True)

    def do_HEAD(self) -> None:
        self.answer(send_body=False)

    def answer(self, send_body: bool) -> None:
        target = self.path
        agent = self.headers.get("User-Agent", "")
        fault = self.site.fault_for(target)
        if fault == "drop":
            self.site.record(self.command, target, 0, agent)
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault == "slow":
            time.sleep(self.site.faults.slow_seconds)
        try:
            reply = (
                self.site.error_reply(target, fault)
                if fault in ("error", "challenge", "broken")
                else self.site.route(target, self.headers)
            )
        except Exception:  # the replica must never hang a crawler: a bug becomes a 500
            reply = Reply(500, b"<html><body>Internal error</body></html>")
        self.site.record(self.command, target, reply.status, agent)
        self.send_response(reply.status)
        for name, value in (reply.headers or {}).items():
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if send_body and reply.status != 304:
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args) -> None:
        return


def make_server(site: Site, port: int = 0) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0 picks a free one); run it with serve_forever()."""
    handler = type("SiteHandler", (Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def start_in_thread(site: Site, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve in a background thread; returns the server and its base URL."""
    server = make_server(site, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
