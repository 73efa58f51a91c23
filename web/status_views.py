"""The crawl status page: scheduled jobs, their last runs and next runs, failures and runs
that look like a site redesign."""
from __future__ import annotations

from flask import Blueprint

from scheduling.status import crawl_status
from web.responses import data, page, twin

blueprint = Blueprint("status", __name__)


@twin(blueprint, "/status")
def status():
    archive = data()
    return page("status.html", crawl_status(archive.store.db, archive.data_dir))
