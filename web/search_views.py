"""The search page: query, facets, applied filters, timeline, results, pages."""

from __future__ import annotations

from flask import Blueprint

from search.schema import FACETS
from web.charts import timeline
from web.params import SEARCH_PARAMS, Endpoint, route, search_request, url_with
from web.responses import data, page

blueprint = Blueprint("search", __name__)
FACET_SHOWN = 8
SEARCH = Endpoint(
    "/search", "Search with facets, snippets and a timeline", SEARCH_PARAMS, json="SearchResult", twin=True
)
HOME = Endpoint(
    "/",
    "The front page: the search page over everything, and a box to find an article by address",
    SEARCH_PARAMS,
    json="SearchResult",
    twin=True,
)


@route(blueprint, HOME)
def home():
    return answer(HOME)


@route(blueprint, SEARCH)
def search():
    return answer(SEARCH)


def answer(endpoint: Endpoint):
    arguments = endpoint.arguments()
    search_req = search_request(arguments)
    result = data().search.search(search_req)
    normalise = arguments.get("normalise") == "1"
    body = result.to_dict() | {
        "filters": search_req.filters,
        "excludes": search_req.excludes,
        "sort": search_req.sort,
        "histogram_by": search_req.histogram,
        "normalised": normalise,
    }
    more = arguments.get("more")
    return page(
        "search.html",
        body,
        {
            "chart": timeline(result.histogram, normalise),
            "facet_shown": {name: (None if more == name else FACET_SHOWN) for name in FACETS},
            "url_with": url_with,
            "filter_links": filter_links(search_req.filters, search_req.excludes),
            "front_page": endpoint is HOME,
        },
    )


def filter_links(filters: dict[str, list[str]], excludes: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(label, URL without that filter) for every applied filter."""
    links = []
    for name, values in filters.items():
        for value in values:
            links.append(
                (f"{name}: {value}", url_with(**{name: [v for v in values if v != value] or None, "page": None}))
            )
    for name, values in excludes.items():
        for value in values:
            key = f"not-{name}"
            links.append(
                (f"not {name}: {value}", url_with(**{key: [v for v in values if v != value] or None, "page": None}))
            )
    return links
