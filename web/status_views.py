"""The crawl status page: scheduled jobs, their last runs and next runs, failures and runs
that look like a site redesign."""

from __future__ import annotations

from flask import Blueprint

from scheduling.status import crawl_status
from web.charts import timeline
from web.params import Endpoint, route
from web.responses import data, page

blueprint = Blueprint("status", __name__)
STATUS = Endpoint(
    "/status", "Scheduled crawls: jobs, last and next runs, failures, likely redesigns", json="Status", twin=True
)


@route(blueprint, STATUS)
def status():
    STATUS.arguments()
    archive = data()
    status = crawl_status(archive.store, archive.data_dir)
    charts = {
        job["name"]: timeline(
            [(f"run {run['id']}", run["found"], 0) for run in reversed(job["runs"])],
            False,
            "article addresses found per run (a sudden drop: a redesign?)",
        )
        for job in status["jobs"]
    }
    return page("status.html", status, {"charts": charts})
