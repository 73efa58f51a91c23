"""The whole replica written to a folder, so that benchmarks measure the crawler and not the
page generator. The server's static mode answers from that folder (see server.StaticSite)."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from samplesite import render
from samplesite.corpus import SECTIONS, Corpus

Wrap = Callable[[Iterable, int, str], Iterable]


def file_for(root: Path, target: str) -> Path:
    """Where the answer to a request target lives: one file per path and query."""
    parts = urlsplit(target)
    path = quote(parts.path, safe="/-._~%") or "/"
    name = "__index__" + (("_" + quote(parts.query, safe="")) if parts.query else "") + ".page"
    return root / path.strip("/") / name


def pages(corpus: Corpus, now: datetime) -> Iterator[tuple[str, int, bytes, dict[str, str]]]:
    """Every answer of the site at `now`: (target, status, body, headers)."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    xml = {"Content-Type": "application/xml; charset=utf-8"}
    yield "/robots.txt", 200, render.render_robots(0), {"Content-Type": "text/plain; charset=utf-8"}
    yield "/", 200, render.render_home(corpus, now), html
    yield "/rss.xml", 200, render.render_rss(corpus, now), xml
    yield "/sitemap.xml", 200, render.render_sitemap_index(corpus, now), xml
    for n in range(1, render.sitemap_pages(corpus, now) + 1):
        yield f"/sitemap.xml?page={n}", 200, render.render_sitemap_page(corpus, now, n), xml
    size = corpus.config.listing_page_size
    for section in SECTIONS:
        count = len(corpus.newest_first(now, section.slug))
        for page in range(-(-count // size) + 1):
            status, body = render.render_listing(corpus, section, page, now)
            yield f"/{quote(section.slug)}?page={page}", status, body, html
            if page == 0:
                yield f"/{quote(section.slug)}", status, body, html
    for i in corpus.newest_first(now):
        article = corpus.article(i)
        charset = "iso-8859-1" if "wrong-charset" in article.flags else "utf-8"
        yield quote(article.path), 200, render.render_article(corpus, article, now), {
            "Content-Type": f"text/html; charset={charset}"}
        yield f"/node/{article.nid}", 301, b"", {"Location": quote(article.path)}


def write_static(corpus: Corpus, now: datetime, root: Path, wrap: Wrap | None = None) -> int:
    """Write every answer under `root` (a file per answer, its status and headers beside it);
    returns the number of articles."""
    root.mkdir(parents=True, exist_ok=True)
    count = len(corpus.newest_first(now))
    answers = pages(corpus, now)
    if wrap:
        answers = wrap(answers, 2 * count, "pages")
    for target, status, body, headers in answers:
        path = file_for(root, target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        path.with_suffix(".json").write_text(json.dumps({"status": status, "headers": headers}))
    (root / "site.json").write_text(json.dumps({"now": now.isoformat(), "articles": count,
                                                "seed": corpus.config.seed, "count": corpus.config.count}))
    return count
