"""The crawl status page: scheduled jobs, their last runs and next runs, failures, runs that
look like a site redesign, and how many of the archive's records are provisional."""

from __future__ import annotations

from flask import Blueprint

from archive.store import Store
from scheduling.status import crawl_status
from web.charts import timeline
from web.params import Endpoint, route
from web.responses import data, page

blueprint = Blueprint("status", __name__)
STATUS = Endpoint(
    "/status", "Scheduled crawls: jobs, last and next runs, failures, likely redesigns", json="Status", twin=True
)


def with_provisional(status: dict, store: Store) -> dict:
    """The status with the archive's provisional and total articles."""
    return status | {"articles": store.article_count(), "provisional_articles": store.provisional_count()}


@route(blueprint, STATUS)
def status():
    STATUS.arguments()
    archive = data()
    status = with_provisional(crawl_status(archive.store, archive.data_dir), archive.store)
    charts = {
        job["name"]: timeline(
            [(f"run {run['id']}", run["found"], 0) for run in reversed(job["runs"])],
            False,
            "article addresses found per run (a sudden drop: a redesign?)",
        )
        for job in status["jobs"]
    }
    return page("status.html", status, {"charts": charts})
