"""The Most viewed list as it stood at any moment, and the articles that stayed in it. Times
typed without an offset are the paper's own zone (ICT), as every date on its pages is; the
pages say so, and answer in that zone. A period's dates are whole days: `from=2021-12-01`
starts as that day does, `to=2021-12-31` takes in the whole of the 31st."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from flask import Blueprint

from archive.times import parse_utc
from crawler import sites
from web.params import Endpoint, Param, route
from web.replay_views import replay_url
from web.responses import BadParameterError, data, page
from web.times import PAPER_ZONE

blueprint = Blueprint("mostviewed", __name__)
PAPER = Param(
    "site",
    "The paper whose list it is, by site (default: phnompenhpost.com when the archive holds its lists, "
    "else the first paper that has one)",
)
TIME_MACHINE = Endpoint(
    "/most-viewed",
    "The Most viewed list at a moment",
    (Param("at", "The moment (default: now)", "time"), PAPER),
    json="MostViewed",
    twin=True,
)
LEADERBOARD = Endpoint(
    "/most-viewed/leaderboard",
    "Longest in the Most viewed list",
    (
        Param("from", "Start of the period (a date alone: from the start of that day)", "time"),
        Param("to", "End of the period (a date alone: to the end of that day)", "time", until=True),
        PAPER,
    ),
    json="Leaderboard",
    twin=True,
)


def in_paper_zone(moment: datetime) -> str:
    return moment.astimezone(PAPER_ZONE).isoformat()


def chosen_paper(asked: str | None) -> tuple[str | None, list[dict]]:
    """The paper whose list to show, and every paper that has one; a paper with none is refused."""
    papers = data().list_papers()
    known = [paper["site"] for paper in papers]
    if asked is not None and asked not in known:
        listed = ", ".join(known) or "none: the archive holds no Most viewed list yet"
        raise BadParameterError(f"site {asked!r} has no Most viewed list in the archive (papers that have: {listed}).")
    return asked or (sites.DEFAULT if sites.DEFAULT in known else next(iter(known), None)), papers


@route(blueprint, TIME_MACHINE)
def time_machine():
    arguments = TIME_MACHINE.arguments()
    at = arguments.get("at") or datetime.now(UTC)
    site, papers = chosen_paper(arguments.get("site"))
    sightings = data().sightings(site)
    gaps = []
    for earlier, later in itertools.pairwise(sightings):
        gap = parse_utc(later["first_seen"]) - parse_utc(earlier["last_seen"])
        gaps.append(round(gap.total_seconds() / 3600, 2))
    snapshot = data().snapshot_at(at, site)
    if snapshot is not None:  # the page the list was first read from, as it looked then
        read = data().capture_facts(snapshot["capture_id"]) if snapshot["capture_id"] else None
        snapshot["replay"] = replay_url(read["fetched_at"], read["url"]) if read else None
    return page(
        "mostviewed.html",
        {
            "at": in_paper_zone(at),
            "site": site,
            "papers": papers,
            "snapshot": snapshot,
            "sightings": sightings,
            "gaps_hours": gaps,
        },
    )


@route(blueprint, LEADERBOARD)
def leaderboard():
    arguments = LEADERBOARD.arguments()
    start, end = arguments.get("from"), arguments.get("to")
    site, papers = chosen_paper(arguments.get("site"))
    board = data().leaderboard(start, end, site)
    return page(
        "leaderboard.html",
        board
        | {"from": in_paper_zone(start) if start else None, "to": in_paper_zone(end) if end else None}
        | {"site": site, "papers": papers},
    )
