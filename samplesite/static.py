"""The whole replica written to a folder, so that benchmarks measure the crawler and not the
page generator. Every answer is taken from the live site's own routing, so the copy answers
exactly like it; the server's static mode (server.StaticSite) reads it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from samplesite import Wrap, render
from samplesite.assets import asset
from samplesite.corpus import Corpus
from samplesite.server import Faults, Reply, SampleSite, Site, SiteClock, not_modified


def normalise_target(target: str) -> str:
    """One spelling per answer: upper-case escapes, and of the query only a page number."""
    parts = urlsplit(target)
    path = quote(unquote(parts.path), safe="/-._~!$&'()*+,;=:@")
    page = parse_qs(parts.query).get("page", [""])[0]
    return path + (f"?page={int(page)}" if page.isascii() and page.isdigit() else "")


def file_for(root: Path, target: str) -> Path:
    """Where the answer to a request target lives: one file per normalised target."""
    normal = normalise_target(target)
    path, _, query = normal.partition("?")
    name = "__slash__" if len(path) > 1 and path.endswith("/") else "__index__"
    return root / path.strip("/") / f"{name}{'_' + query.replace('=', '_') if query else ''}.page"


def targets(corpus: Corpus, now: datetime) -> Iterator[str]:
    """Every address of the site at `now` that a crawler could be sent to."""
    yield from ("/robots.txt", "/", "/rss", "/rss.xml", "/sitemap.xml")
    for section in corpus.edition.sections:
        yield f"/rss/{quote(section.slug)}.xml"
        yield f"/taxonomy/term/{section.term}/all/feed"
    yield from (f"/sitemap.xml?page={n}" for n in range(1, render.sitemap_pages(corpus, now) + 1))
    size = corpus.config.listing_page_size
    for section in corpus.edition.sections:
        count = len(corpus.newest_first(now, section.slug))
        yield f"/{quote(section.slug)}"
        yield from (f"/{quote(section.slug)}?page={page}" for page in range(-(-count // size) + 1))
    for i in corpus.newest_first(now):
        path = corpus.path(i)
        yield quote(path)
        yield quote(path.removesuffix("/") if path.endswith("/") else path + "/")
        yield f"/node/{corpus.nid(i)}"


def write_static(corpus: Corpus, now: datetime, root: Path, crawl_delay: float = 1.0, wrap: Wrap | None = None) -> int:
    """Write every answer under `root` (its body, and its status and headers beside it);
    returns the number of articles."""
    site = SampleSite(corpus, SiteClock(now), crawl_delay)
    root.mkdir(parents=True, exist_ok=True)
    count = len(corpus.newest_first(now))
    addresses = targets(corpus, now)
    for target in wrap(addresses, 3 * count, "pages") if wrap else addresses:
        reply = site.route(target, Message())
        path = file_for(root, target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(reply.body)
        headers = dict(reply.headers or {}, **{"Content-Type": reply.content_type})
        path.with_suffix(".json").write_text(json.dumps({"status": reply.status, "headers": headers}))
    (root / "site.json").write_text(
        json.dumps(
            {"now": now.isoformat(), "articles": count, "seed": corpus.config.seed, "count": corpus.config.count}
        )
    )
    return count


class StaticSite(Site):
    """Answers from a folder written by samplesite.static: no rendering on the request path."""

    def __init__(self, root: Path, faults: Faults | None = None, log_path: Path | None = None):
        info = json.loads((root / "site.json").read_text())
        super().__init__(info["seed"], faults, log_path)
        self.root = root

    def route(self, target: str, request_headers: Message) -> Reply:
        served = asset(unquote(urlsplit(target).path))
        if served is not None:
            return Reply(200, *served)
        path = file_for(self.root, target)
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
            body = path.read_bytes()
        except (OSError, ValueError):
            return Reply(404, render.not_found_page())
        headers = dict(meta["headers"])
        modified = parsedate_to_datetime(headers["Last-Modified"]) if "Last-Modified" in headers else None
        if "ETag" in headers and not_modified(request_headers, headers["ETag"], modified):
            return Reply(304, headers=headers)
        return Reply(meta["status"], body, headers.pop("Content-Type", "text/html"), headers)
