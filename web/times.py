"""Times as the pages show them, by one rule: what the paper printed (publication and update
times) in the paper's own zone (the default site's; ICT, UTC+07:00, for The Phnom Penh Post),
as its pages print them; what the archive did (captures, sightings of Most viewed, crawl runs)
in UTC, as it stores them. Each is shown to the minute and always labelled with its zone, in a
`<time>` element whose `datetime` keeps the full stored value (the JSON twins keep it too)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from markupsafe import Markup, escape

from archive.times import parse_utc
from crawler import sites

PAPER_ZONE = sites.default().ZONE


def label(zone: tzinfo) -> str:
    """A zone as 'ICT (UTC+07:00)': its name and its offset from UTC now."""
    now = datetime.now(UTC).astimezone(zone)
    offset = f"{now:%z}"
    return f"{now:%Z} (UTC{offset[:3]}:{offset[3:5]})"


ZONE_LABEL = label(PAPER_ZONE)


def paper_time(stored: str | None) -> str:
    """A stored time ('2021-04-12T02:30:00.000000Z', or with its offset) as the paper's
    '2021-04-12 09:30 ICT'."""
    if not stored:
        return ""
    return f"{parse_utc(stored).astimezone(PAPER_ZONE):%Y-%m-%d %H:%M %Z}"


def archive_time(stored: str | None) -> str:
    """A stored time as the archive's '2021-04-12 02:30 UTC'."""
    if not stored:
        return ""
    return f"{parse_utc(stored).astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def printed(stored: str | None, precision: str | None = None) -> Markup:
    """What the paper printed, in its zone: a `<time>` element. `precision` "day" is a date the
    paper printed without a time ('2016-02-16 (day only)'); "date" asks for the date alone."""
    if not stored:
        return Markup("")
    shown = paper_time(stored)
    if precision in ("day", "date"):
        shown = shown[:10] + (" (day only)" if precision == "day" else "")
    return Markup(f'<time datetime="{escape(stored)}">{escape(shown)}</time>')


def captured(stored: str | None) -> Markup:
    """What the archive did, in UTC: a `<time>` element."""
    if not stored:
        return Markup("")
    return Markup(f'<time datetime="{escape(stored)}">{escape(archive_time(stored))}</time>')
