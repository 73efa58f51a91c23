"""The search page: query, facets, applied filters, timeline, results, pages.

Its answers are read from the index alone, so they carry a validator of the index version
and a conditional request is answered 304 before any search is run. A page number past the
last page is redirected to the last page (the JSON twin too: its `page` is always the page
asked for); a search that finds little says how many each filter left out."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, redirect
from flask.typing import ResponseReturnValue
from whoosh.searching import Searcher

from search.schema import FACETS
from search.service import FEW_HITS, PERIOD_FIELDS, DroppedFilter, SearchRequest, SearchResult, SearchService
from web.charts import timeline
from web.params import SEARCH_PARAMS, Endpoint, route, search_request, url_with, without_period
from web.responses import data, not_modified, page

blueprint = Blueprint("search", __name__)
FACET_SHOWN = 8
PAST_THE_END = "A page past the last one: to the last page, with the other parameters kept"
SEARCH = Endpoint(
    "/search",
    "Search with facets, snippets and a timeline",
    SEARCH_PARAMS,
    json="SearchResult",
    twin=True,
    errors=(400, 503),
    conditional=True,
    redirect=PAST_THE_END,
)
HOME = dataclasses.replace(
    SEARCH,
    path="/",
    summary="The front page: the search page over everything, and a box to find an article by address",
)


@route(blueprint, HOME)
def home():
    return answer(HOME)


@route(blueprint, SEARCH)
def search():
    return answer(SEARCH)


def answer(endpoint: Endpoint) -> ResponseReturnValue:
    arguments = endpoint.arguments()
    search_req = search_request(arguments)
    service: SearchService = data().search
    searcher = service.searcher()  # one searcher for the validator and the answer alike
    version = service.fingerprint(searcher)
    unchanged = not_modified(version)
    if unchanged is not None:
        return unchanged
    result = service.search(search_req, searcher)
    if search_req.cursor is None and search_req.page > result.pages:
        return redirect(url_with(page=str(result.pages)), 302)
    normalise = arguments.get("normalise") == "1"
    body = result.to_dict() | {
        "filters": search_req.filters,
        "excludes": search_req.excludes,
        "sort": search_req.sort,
        "histogram_by": result.histogram_by,
        "normalised": normalise,
        "suggestions": suggestions(service, search_req, result, searcher),
    }
    more = arguments.get("more")
    return page(
        "search.html",
        body,
        {
            "chart": timeline(result.histogram, normalise, links=period_links(result.histogram, result.histogram_by)),
            "typed": arguments.get("q", ""),
            "correction": result.did_you_mean
            and without_period(result.did_you_mean, arguments.get("from"), arguments.get("to")),
            "date_from": arguments.get("from", ""),
            "date_to": arguments.get("to", ""),
            "facet_shown": {name: (None if more == name else FACET_SHOWN) for name in FACETS},
            "url_with": url_with,
            "filter_links": filter_links(search_req.filters, search_req.excludes),
            "front_page": endpoint is HOME,
        },
        version=version,
    )


def suggestions(
    service: SearchService, search_req: SearchRequest, result: SearchResult, searcher: Searcher
) -> list[dict[str, object]]:
    """When a search with filters finds little, each filter and exclusion with the total the
    search would have without it and the address without it: where the hits went."""
    if result.total >= FEW_HITS:
        return []
    return [
        {"drop": label_of(dropped), "total": dropped.total, "url": without(dropped, search_req)}
        for dropped in service.without_each_filter(search_req, searcher)
    ]


def label_of(dropped: DroppedFilter) -> str:
    """A filter as the applied filters show it: `section: national`, `not year: 2024`."""
    return f"{'not ' if dropped.excluded else ''}{dropped.name}: {dropped.value}"


def without(dropped: DroppedFilter, search_req: SearchRequest) -> str:
    """This page's address without one filter value (and back on the first page)."""
    side = search_req.excludes if dropped.excluded else search_req.filters
    key = f"not-{dropped.name}" if dropped.excluded else dropped.name
    kept = [value for value in side.get(dropped.name, []) if value != dropped.value]
    return url_with(**{key: kept or None, "page": None})


def period_links(rows: list[tuple[str, int, int]], unit: str | None) -> list[str] | None:
    """For each bar of the timeline, this search narrowed to its period (the year or month
    facet, whose values are the bars' labels)."""
    if unit not in PERIOD_FIELDS:
        return None
    return [url_with(**{unit: [period], "page": None}) for period, _, _ in rows]


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
