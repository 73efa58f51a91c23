"""Times as the pages read and show them: in the paper's own zone (the default site's; ICT,
UTC+07:00, for The Phnom Penh Post), as every date printed on its pages is, and always named,
so no reader has to guess the zone."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

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
    """A stored UTC time ('2021-04-12T02:30:00.000000Z') as '2021-04-12 09:30 ICT'."""
    if not stored:
        return ""
    moment = parse_utc(stored).astimezone(PAPER_ZONE)
    return f"{moment:%Y-%m-%d %H:%M %Z}"
