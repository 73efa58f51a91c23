"""What the archive holds, so that a missing result can be read for what it means."""

from __future__ import annotations

from flask import Blueprint

from web.params import Endpoint, route
from web.responses import data, page

blueprint = Blueprint("about", __name__)
ABOUT = Endpoint("/about", "What the archive holds", json="About", twin=True)


@route(blueprint, ABOUT)
def about():
    ABOUT.arguments()
    return page("about.html", data().about())
