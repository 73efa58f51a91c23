"""The Most viewed list as it stood at any moment, and the articles that stayed in it."""
from __future__ import annotations

import itertools
from datetime import UTC, datetime

from flask import Blueprint

from web.archive_data import parse_utc
from web.params import moment
from web.responses import data, page, twin

blueprint = Blueprint("mostviewed", __name__)


@twin(blueprint, "/most-viewed")
def time_machine():
    at = moment("at") or datetime.now(UTC)
    sightings = data().sightings()
    gaps = []
    for earlier, later in itertools.pairwise(sightings):
        gap = parse_utc(later["first_seen"]) - parse_utc(earlier["last_seen"])
        gaps.append(round(gap.total_seconds() / 3600, 2))
    snapshot = data().snapshot_at(at)
    return page("mostviewed.html", {"at": at.isoformat(), "snapshot": snapshot, "sightings": sightings,
                                    "gaps_hours": gaps})


@twin(blueprint, "/most-viewed/leaderboard")
def leaderboard():
    start, end = moment("from"), moment("to")
    board = data().leaderboard(start, end)
    return page("leaderboard.html", board | {"from": start.isoformat() if start else None,
                                             "to": end.isoformat() if end else None})
