"""Times as the pages read and show them: in the paper's own zone (ICT, UTC+07:00), as every
date printed on its pages is, and always named, so no reader has to guess the zone."""
from __future__ import annotations

from datetime import datetime

from crawler.parse.phnompenhpost import ICT

PAPER_ZONE = ICT
ZONE_LABEL = "ICT (UTC+07:00)"


def paper_time(stored: str | None) -> str:
    """A stored UTC time ('2021-04-12T02:30:00.000000Z') as '2021-04-12 09:30 ICT'."""
    if not stored:
        return ""
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return f"{moment.astimezone(PAPER_ZONE):%Y-%m-%d %H:%M} ICT"
