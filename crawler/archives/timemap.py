"""Memento TimeMaps (RFC 7089): an archive's list of the captures of one address, in the link
format (`application/link-format`, RFC 6690), for archives that offer no CDX API. Each
memento is `<URI>; rel="memento"; datetime="…"` (its rel may also say "first" or "last"); a
large TimeMap may be split, its parts named by links whose rel is "timemap".

A memento's address in the Wayback form (`<replay>/<14 digits>[flag_]/<original>`, as the
Wayback Machine, pywb and most archives write it) gives the capture's timestamp and where its
unaltered bytes are (the `id_` form). An archive whose mementos are not in that form has them
fetched as they are, which may be the page rewritten for replay [G]."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

from crawler.archives.cdx import TIMESTAMP, ArchivedCapture

LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[\w-]+\s*=\s*(?:\"[^\"]*\"|[^;,<]*)\s*)*)")
PARAMETER = re.compile(r";\s*([\w-]+)\s*=\s*(?:\"([^\"]*)\"|([^;,<]*))")
WAYBACK_FORM = re.compile(r"^(?P<replay>.+?)/(?P<timestamp>\d{1,14})(?:[a-z]{2}_)?/(?P<original>.+)$")


@dataclass(frozen=True)
class Link:
    uri: str
    rel: frozenset[str]
    parameters: dict[str, str]


@dataclass(frozen=True)
class TimeMap:
    """What one TimeMap (or one part of it) lists."""

    original: str | None
    captures: list[ArchivedCapture]
    parts: list[str]  # other parts of the TimeMap to read


def timemap_url(base: str, address: str) -> str:
    """The TimeMap of `address` under an archive's TimeMap base (…/timemap/link/)."""
    return f"{base.rstrip('/')}/{address}"


def links(text: str) -> list[Link]:
    """The links of a link-format document."""
    found = []
    for match in LINK.finditer(text):
        parameters = {
            name.lower(): quoted if quoted is not None and quoted != "" else bare.strip()
            for name, quoted, bare in PARAMETER.findall(match.group(2))
        }
        found.append(Link(match.group(1).strip(), frozenset(parameters.get("rel", "").split()), parameters))
    return found


def read_timemap(text: str, own_address: str | None = None) -> TimeMap:
    """The mementos a TimeMap lists, as captures (oldest first), and the parts it names."""
    found = links(text)
    original = next((link.uri for link in found if "original" in link.rel), None)
    captures = [capture for link in found if "memento" in link.rel and (capture := memento(link, original)) is not None]
    parts = [link.uri for link in found if "timemap" in link.rel and "self" not in link.rel and link.uri != own_address]
    return TimeMap(original, sorted(captures, key=lambda capture: capture.timestamp), parts)


def memento(link: Link, original: str | None) -> ArchivedCapture | None:
    """One memento as a capture: its address and timestamp from the Wayback form of its
    address (an archive answers for an address it files under another form of it, with or
    without a slash, http or https: the capture is the one it holds), else the TimeMap's
    original and the memento's datetime; None for one with neither."""
    form = WAYBACK_FORM.match(link.uri)
    if form is not None:
        return ArchivedCapture(form["original"], form["timestamp"].ljust(14, "0"), "", None, "", memento=link.uri)
    stamped = link.parameters.get("datetime")
    if original is None or not stamped:
        return None
    try:
        moment = parsedate_to_datetime(stamped).astimezone(UTC)
    except (TypeError, ValueError):
        return None
    return ArchivedCapture(original, moment.strftime(TIMESTAMP), "", None, "", memento=link.uri)


def replay_of(memento_uri: str) -> str | None:
    """The replay a Wayback-form memento address is under, or None for another form."""
    form = WAYBACK_FORM.match(memento_uri)
    return form["replay"] if form else None
