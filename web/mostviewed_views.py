"""The Most viewed list as it stood at any moment, and the articles that stayed in it. Times
typed without an offset are the paper's own zone (ICT), as every date on its pages is; the
pages say so, and answer in that zone. A period's dates are whole days: `from=2021-12-01`
starts as that day does, `to=2021-12-31` takes in the whole of the 31st."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from flask import Blueprint

from archive.times import parse_utc
from web.params import Endpoint, Param, route
from web.replay_views import replay_url
from web.responses import data, page
from web.times import PAPER_ZONE

blueprint = Blueprint("mostviewed", __name__)
TIME_MACHINE = Endpoint(
    "/most-viewed",
    "The Most viewed list at a moment",
    (Param("at", "The moment (default: now)", "time"),),
    json="MostViewed",
    twin=True,
)
LEADERBOARD = Endpoint(
    "/most-viewed/leaderboard",
    "Longest in the Most viewed list",
    (
        Param("from", "Start of the period (a date alone: from the start of that day)", "time"),
        Param("to", "End of the period (a date alone: to the end of that day)", "time", until=True),
    ),
    json="Leaderboard",
    twin=True,
)


def in_paper_zone(moment: datetime) -> str:
    return moment.astimezone(PAPER_ZONE).isoformat()


@route(blueprint, TIME_MACHINE)
def time_machine():
    at = TIME_MACHINE.arguments().get("at") or datetime.now(UTC)
    sightings = data().sightings()
    gaps = []
    for earlier, later in itertools.pairwise(sightings):
        gap = parse_utc(later["first_seen"]) - parse_utc(earlier["last_seen"])
        gaps.append(round(gap.total_seconds() / 3600, 2))
    snapshot = data().snapshot_at(at)
    if snapshot is not None:  # the page the list was first read from, as it looked then
        read = data().capture_facts(snapshot["capture_id"]) if snapshot["capture_id"] else None
        snapshot["replay"] = replay_url(read["fetched_at"], read["url"]) if read else None
    return page(
        "mostviewed.html", {"at": in_paper_zone(at), "snapshot": snapshot, "sightings": sightings, "gaps_hours": gaps}
    )


@route(blueprint, LEADERBOARD)
def leaderboard():
    arguments = LEADERBOARD.arguments()
    start, end = arguments.get("from"), arguments.get("to")
    board = data().leaderboard(start, end)
    return page(
        "leaderboard.html",
        board | {"from": in_paper_zone(start) if start else None, "to": in_paper_zone(end) if end else None},
    )
