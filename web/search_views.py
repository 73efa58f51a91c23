"""The search page: query, facets, applied filters, timeline, results, pages."""
from __future__ import annotations

from flask import Blueprint, request

from search.schema import FACETS
from web.charts import timeline
from web.params import search_request, url_with
from web.responses import data, page, twin

blueprint = Blueprint("search", __name__)
FACET_SHOWN = 8


@twin(blueprint, "/")
def home():
    return search()


@twin(blueprint, "/search")
def search():
    search_req = search_request()
    result = data().search.search(search_req)
    normalise = request.args.get("normalise") == "1"
    body = result.to_dict() | {
        "filters": search_req.filters, "excludes": search_req.excludes, "sort": search_req.sort,
        "histogram_by": search_req.histogram, "normalised": normalise,
    }
    more = request.args.get("more")
    return page("search.html", body, {
        "chart": timeline(result.histogram, normalise),
        "facet_shown": {name: (None if more == name else FACET_SHOWN) for name in FACETS},
        "url_with": url_with,
        "filter_links": filter_links(search_req.filters, search_req.excludes),
    })


def filter_links(filters: dict[str, list[str]], excludes: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(label, URL without that filter) for every applied filter."""
    links = []
    for name, values in filters.items():
        for value in values:
            links.append((f"{name}: {value}", url_with(**{name: [v for v in values if v != value] or None,
                                                          "page": None})))
    for name, values in excludes.items():
        for value in values:
            key = f"not-{name}"
            links.append((f"not {name}: {value}", url_with(**{key: [v for v in values if v != value] or None,
                                                              "page": None})))
    return links
