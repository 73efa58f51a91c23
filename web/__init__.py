"""The researchers' web front-end: a Flask application factory and its blueprints.

Every page has a JSON twin (the same path with .json, or Accept: application/json); nothing
is loaded from another site, and the pages work without JavaScript.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask

from web import (
    about_views,
    article_views,
    export_views,
    mostviewed_views,
    openapi,
    replay_views,
    search_views,
    status_views,
)
from web.archive_data import ArchiveData
from web.responses import register_errors, revalidated, security_headers
from web.times import ZONE_LABEL, captured, paper_time, printed


def create_app(index_dir: Path, data_dir: Path, export_slots: int = 2, read_only: bool = False) -> Flask:
    """An application over one archive (store and WARC files in `data_dir`) and its index;
    `read_only` opens the store so that SQLite refuses any write (a served bundle)."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024)
    app.extensions["newsarchive"] = ArchiveData(index_dir, data_dir, read_only)
    app.extensions["export_slots"] = threading.BoundedSemaphore(export_slots)
    for blueprint in (
        search_views.blueprint,
        article_views.blueprint,
        mostviewed_views.blueprint,
        about_views.blueprint,
        export_views.blueprint,
        openapi.blueprint,
        status_views.blueprint,
        replay_views.blueprint,
    ):
        app.register_blueprint(blueprint)
    for time_filter in (paper_time, printed, captured):
        app.add_template_filter(time_filter)
    app.jinja_env.globals["zone_label"] = ZONE_LABEL
    app.after_request(security_headers)
    app.after_request(revalidated)
    register_errors(app)
    return app
