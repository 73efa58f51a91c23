"""Whole result sets out, streamed: CSV (documented columns, UTF-8, ISO dates, several values
joined by |) and JSON Lines, with what was asked recorded in the response headers."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, stream_with_context

from search.export_rows import COLUMNS, csv_row, json_row
from search.service import MAX_PAGE_SIZE, Hit, SearchRequest
from web.params import search_request
from web.responses import data, error

blueprint = Blueprint("exports", __name__)


def hits(request: SearchRequest) -> Iterator[Hit]:
    """Every hit, page by page with the cursor, so memory stays flat."""
    request.page_size = MAX_PAGE_SIZE
    service = data().search
    while True:
        result = service.search(request)
        yield from result.hits
        if result.next_cursor is None:
            return
        request.cursor = result.next_cursor


def provenance(request: SearchRequest, total: int, version: str) -> dict[str, str]:
    return {"X-Archive-Query": json.dumps(request.query), "X-Archive-Filters": json.dumps(request.filters),
            "X-Archive-Excludes": json.dumps(request.excludes), "X-Archive-Sort": request.sort,
            "X-Archive-Index-Version": version, "X-Archive-Count": str(total),
            "X-Archive-Exported-At": datetime.now(UTC).isoformat(timespec="seconds")}


def export(kind: str) -> Response:
    request = search_request()
    first = data().search.search(SearchRequest(query=request.query, filters=request.filters,
                                               excludes=request.excludes, sort=request.sort, page_size=1))
    slots = current_app.extensions["export_slots"]
    if not slots.acquire(blocking=False):
        return error("Too many exports are running at once; try again in a minute.", 503)

    def rows() -> Iterator[str]:
        try:
            if kind == "csv":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow(COLUMNS)
                for hit in hits(request):
                    writer.writerow(csv_row(hit))
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
                yield buffer.getvalue()
            else:
                for hit in hits(request):
                    yield json.dumps(json_row(hit), ensure_ascii=False) + "\n"
        finally:
            slots.release()

    mimetype = "text/csv" if kind == "csv" else "application/x-ndjson"
    headers = provenance(request, first.total, first.index_version) | {
        "Content-Disposition": f"attachment; filename=newsarchive-export.{'csv' if kind == 'csv' else 'jsonl'}"}
    return Response(stream_with_context(rows()), mimetype=mimetype, headers=headers)


@blueprint.route("/export.csv")
def export_csv() -> Response:
    return export("csv")


@blueprint.route("/export.jsonl")
def export_jsonl() -> Response:
    return export("jsonl")
