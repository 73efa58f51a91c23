"""Replay: a capture as it looked, drawn from the archive's own WARC files, offline.

`/replay/<timestamp>/<address>` answers with the capture of the address that a visit at that
moment would have found (the latest taken by then, else the first after), whichever host it
was fetched from: an archived page has every link, photo and stylesheet it names pointed back
into the replay at the same moment (lxml's link rewriting, which covers `style` attributes and
`<style>` blocks), and a stylesheet has its `url(…)` and `@import` addresses pointed there too,
so the page is drawn from what the archive holds and never from the live site. Nothing of an
archived page runs: its answer forbids every script (Content-Security-Policy), so a capture can
do nothing in the archive's name. A short banner over the page says what it is.

The engines that replay web archives were weighed: pywb (GPL-3.0) is a server of its own, in an
environment of its own, with an index of its own to keep beside the store's; ReplayWeb.page and
wabac.js (AGPL-3.0) run in the reader's browser through a service worker and read one WACZ of
the whole archive, and serving them would put AGPL code in the front-end. The store already
knows where every capture lies, so the front-end replays from it; pywb serves the tests as the
web archive harvests are made from, and ReplayWeb.page opens `export wacz` files."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urljoin

import lxml.html
from flask import Blueprint, Response, abort, request, url_for
from lxml.etree import ParserError
from markupsafe import escape

from archive.stylesheets import rewritten
from archive.times import parse_utc
from web.params import Endpoint, Param, route
from web.responses import data
from web.times import captured

blueprint = Blueprint("replay", __name__)

REPLAY = Endpoint(
    "/replay/{timestamp}/{address}",
    "A capture as it looked at a moment: the archived page with its photos and stylesheets, from the "
    "archive's own WARC files, with no script run",
    (
        Param("timestamp", "The moment, as 1 to 14 digits of UTC (YYYYMMDDhhmmss)", in_path=True),
        Param("address", "The original address; a query string after it is the address's own", "path", in_path=True),
    ),
    media=("text/html", "text/css", "image/png", "image/jpeg", "image/gif", "application/octet-stream"),
    errors=(400, 404, 410, 500),
    query_is_address=True,
)
STAMP = "%Y%m%d%H%M%S"
EARLIEST = "00000101000000"
REPLAY_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "media-src 'self'; script-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
BANNER = (
    '<div style="all:initial;display:block;font:14px/1.4 sans-serif;background:#fdf6d8;color:#222;'
    'border-bottom:1px solid #b9a;padding:6px 10px" role="note">'
    "Archived capture of <strong>{url}</strong>, taken {moment}. "
    '<a style="color:#134" href="{article}">Back to the archive</a>; links lead to other captures.</div>'
)


def stamp(stored_time: str) -> str:
    """A stored time as the replay's 14-digit timestamp."""
    return parse_utc(stored_time).strftime(STAMP)


def replay_url(stored_time: str, address: str) -> str:
    """Where the replay shows `address` as it was at a stored time."""
    return url_for("replay.replay", timestamp=stamp(stored_time), address=address)


def moment_of(timestamp: str) -> datetime:
    if not re.fullmatch(r"\d{1,14}", timestamp):
        abort(400, description=f"A replay's timestamp is 1 to 14 digits (YYYYMMDDhhmmss), not {timestamp!r}.")
    digits = timestamp + EARLIEST[len(timestamp) :]  # "2017": the year's first moment, as the Wayback Machine reads it
    try:
        return datetime.strptime(digits, STAMP).replace(tzinfo=UTC)
    except ValueError:
        abort(400, description=f"{timestamp!r} is not a moment (YYYYMMDDhhmmss).")


@route(blueprint, REPLAY, merge_slashes=False)
def replay(timestamp: str, address: str) -> Response:
    moment = moment_of(timestamp)
    if request.query_string:
        address += "?" + request.query_string.decode("latin-1")
    withheld = data().withholding(address)
    if withheld:
        abort(410, description=withheld)
    try:
        found = data().replayed(address, moment)
    except (OSError, ValueError) as damage:
        abort(500, description=f"The archived copy of {address} cannot be read: {damage}")
    if found is None:
        abort(404, description=f"The archive holds no capture of {address}.")
    capture, response = found
    at = stamp(capture.fetched_at)
    content_type = capture.content_type or "application/octet-stream"
    body = response.body
    if "html" in content_type.lower():
        body = replayed_page(body, capture.url, at, capture.fetched_at)
        content_type = "text/html; charset=utf-8"
    elif "css" in content_type.lower():
        body = replayed_stylesheet(body, capture.url, at)
    return Response(
        body,
        content_type=content_type,
        headers={
            "Content-Security-Policy": REPLAY_CSP,
            "X-Archive-Captured-At": capture.fetched_at,
            "X-Archive-Original-URL": capture.url,
            "Cache-Control": "public, max-age=86400",  # a capture never changes
        },
    )


def replayed_page(html: bytes, url: str, at: str, fetched_at: str) -> bytes:
    """An archived page with every address it names pointed into the replay at `at`, and the
    banner over it."""
    try:
        document = lxml.html.document_fromstring(html, base_url=url)
    except (ParserError, ValueError):
        return html
    named_base = document.xpath("string(//base/@href)").strip()
    base = urljoin(url, named_base) if named_base else url  # what the page's relative addresses meant
    document.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    document.rewrite_links(lambda link: into_replay(link, at))
    for element in document.xpath("//*[@srcset]"):  # candidates lxml does not rewrite: "address width, …"
        candidates = [part.strip().split(None, 1) for part in element.get("srcset").split(",") if part.strip()]
        element.set(
            "srcset",
            ", ".join(" ".join([into_replay(urljoin(base, words[0]), at), *words[1:]]) for words in candidates),
        )
    for script in document.xpath("//script | //noscript | //base"):
        script.drop_tree()
    body = document.find("body")
    if body is not None:
        article = url_for("search.search")
        banner = BANNER.format(url=escape(url), moment=escape(captured(fetched_at)), article=escape(article))
        body.insert(0, lxml.html.fragment_fromstring(banner))
    return lxml.html.tostring(document, doctype="<!DOCTYPE html>", encoding="utf-8")


def replayed_stylesheet(css: bytes, url: str, at: str) -> bytes:
    """An archived stylesheet with its `url(…)` and `@import` addresses pointed into the replay."""
    return rewritten(css.decode("utf-8", "replace"), lambda link: into_replay(urljoin(url, link), at)).encode("utf-8")


def into_replay(link: str, at: str) -> str:
    """A web address as the replay's own at `at`, its fragment kept; a data: address as it is."""
    if not link.startswith(("http://", "https://")):
        return link
    address, hash_sign, fragment = link.partition("#")
    return url_for("replay.replay", timestamp=at, address=address) + hash_sign + fragment
