"""What the archive holds, so that a missing result can be read for what it means."""
from __future__ import annotations

from flask import Blueprint

from web.responses import data, page, twin

blueprint = Blueprint("about", __name__)


@twin(blueprint, "/about")
def about():
    return page("about.html", data().about())
