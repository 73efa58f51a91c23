"""Whole result sets out, streamed: CSV (documented columns, UTF-8, ISO dates, several values
joined by |) and JSON Lines, with what was asked recorded in the response headers. An export
is always the whole result set (a `page` in the address is ignored), or, with a `cursor`, the
rest of it from there, to resume a download that broke off."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request, stream_with_context
from whoosh.searching import Searcher

from search.export_rows import COLUMNS, csv_row, json_row
from search.service import MAX_PAGE_SIZE, Hit, SearchRequest
from web.params import SEARCH_PARAMS, Endpoint, route, search_request
from web.responses import data, error

blueprint = Blueprint("exports", __name__)
RETRY_AFTER_SECONDS = 60
EXPORT_CSV = Endpoint(
    "/export.csv",
    "The whole result set as CSV (page and size are ignored)",
    SEARCH_PARAMS,
    media=("text/csv",),
    errors=(400, 503),
)
EXPORT_JSONL = Endpoint(
    "/export.jsonl",
    "The whole result set as JSON Lines (page and size are ignored)",
    SEARCH_PARAMS,
    media=("application/x-ndjson",),
    errors=(400, 503),
)


def hits(request: SearchRequest, searcher: Searcher) -> Iterator[Hit]:
    """Every hit from the request's cursor (or the first) on, page by page, so memory stays
    flat, every page from the one searcher the export began with."""
    service = data().search
    while True:
        result = service.search(request, searcher)
        yield from result.hits
        if result.next_cursor is None:
            return
        request.cursor = result.next_cursor


def provenance(request: SearchRequest, total: int, version: str) -> dict[str, str]:
    return {
        "X-Archive-Query": json.dumps(request.query),
        "X-Archive-Filters": json.dumps(request.filters),
        "X-Archive-Excludes": json.dumps(request.excludes),
        "X-Archive-Sort": request.sort,
        "X-Archive-Index-Version": version,
        "X-Archive-Count": str(total),
        "X-Archive-Exported-At": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def lines(kind: str, found: Iterator[Hit]) -> Iterator[str]:
    if kind == "jsonl":
        for hit in found:
            yield json.dumps(json_row(hit), ensure_ascii=False) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for hit in found:
        writer.writerow(csv_row(hit))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def released_once(slots: threading.BoundedSemaphore, pinned: contextlib.ExitStack) -> Callable[[], None]:
    """A release of one export slot and of the export's searcher that is safe to call from
    both the end of the stream and the closing of the response (a client may hang up before
    the stream starts)."""
    lock = threading.Lock()
    done: list[bool] = []

    def release() -> None:
        with lock:
            if not done:
                done.append(True)
                pinned.close()
                slots.release()

    return release


def headers_of(asked: SearchRequest, kind: str, searcher: Searcher | None) -> dict[str, str]:
    """What the export is of, with the count and index version of the searcher it reads."""
    first = data().search.search(replace(asked, page_size=1), searcher)
    return provenance(asked, first.total, first.index_version) | {
        "Content-Disposition": f"attachment; filename=newsarchive-export.{kind}"
    }


def export(endpoint: Endpoint, kind: str) -> Response:
    asked = replace(search_request(endpoint.arguments()), page=1, page_size=MAX_PAGE_SIZE)
    if request.method == "HEAD":  # the headers only: no stream, so no slot
        return Response(mimetype=endpoint.media[0], headers=headers_of(asked, kind, None))
    slots = current_app.extensions["export_slots"]
    if not slots.acquire(blocking=False):
        refused = error("Too many exports are running at once; try again in a minute.", 503)
        refused.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return refused
    pinned = contextlib.ExitStack()
    release = released_once(slots, pinned)
    try:
        searcher = pinned.enter_context(data().search.pinned())
        headers = headers_of(asked, kind, searcher)  # refuses a bad query or cursor before streaming
    except BaseException:
        release()
        raise

    def stream() -> Iterator[str]:
        try:
            yield from lines(kind, hits(asked, searcher))
        finally:
            release()

    response = Response(stream_with_context(stream()), mimetype=endpoint.media[0], headers=headers)
    response.call_on_close(release)
    return response


@route(blueprint, EXPORT_CSV)
def export_csv() -> Response:
    return export(EXPORT_CSV, "csv")


@route(blueprint, EXPORT_JSONL)
def export_jsonl() -> Response:
    return export(EXPORT_JSONL, "jsonl")
