"""Pages and their JSON twins, errors a user can cause (4xx with one sentence, never a
traceback), the security headers every answer carries, and the HTTP caching headers of the
answers read from the index alone."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from search.schema import FACETS
from search.service import IndexBusyError, QueryError

CSP = (
    "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# An answer read from the index alone is the same until the index changes, which an update can
# do at any moment (the scheduler indexes after every crawl): a cache may keep it but must ask
# each time whether it still holds (no-cache, not a max-age that would show a stale count), and
# asking is cheap, since a 304 is decided from the index version before any search is run.
REVALIDATE = "no-cache"
RETRY_AFTER_SECONDS = 60
# Drawn when the front-end starts: its pages may change with its code while the index stays the
# same, so an answer's tag names the running front-end too (a restart costs one full answer).
RUNNING = secrets.token_hex(4)
SEARCH_FORM_FIELDS = frozenset(("q", "sort", "from", "to", *FACETS, *(f"not-{name}" for name in FACETS)))


class BadParameterError(Exception):
    """A parameter the user gave that cannot be used; the text is one sentence, `name` the
    parameter's name (left out of the way back to the search)."""

    def __init__(self, message: str, name: str | None = None):
        super().__init__(message)
        self.name = name


def wants_json() -> bool:
    if request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def negotiated(response: Response) -> Response:
    """`response` marked as chosen by the Accept header, where it was (an address without
    .json answers HTML or JSON by it), so that no cache hands one to a client asking for the
    other."""
    if not request.path.endswith(".json"):
        response.vary.add("Accept")
    return response


def entity_tag(version: str) -> str:
    """The validator of this answer: the index data it is read from (`version`), the
    representation (HTML or JSON), the address and the running front-end."""
    made_of = f"{version} {'json' if wants_json() else 'html'} {request.full_path} {RUNNING}"
    return hashlib.sha256(made_of.encode()).hexdigest()[:32]


def cached(response: Response, version: str) -> Response:
    """`response` with the validator and caching rule of an answer read from the index alone.
    The tag is weak: it is made from what the answer is read from, not from its bytes."""
    response.set_etag(entity_tag(version), weak=True)
    response.headers["Cache-Control"] = REVALIDATE
    return negotiated(response)


def not_modified(version: str) -> Response | None:
    """304 Not Modified, with no body, when the client's If-None-Match holds the tag this
    answer would have; None when the answer must be made."""
    if not request.if_none_match.contains_weak(entity_tag(version)):
        return None
    return cached(current_app.response_class(status=304), version)


def page(
    template: str,
    data: dict[str, Any],
    extras: dict[str, Any] | None = None,
    status: int = 200,
    *,
    version: str | None = None,
) -> Response:
    """The HTML page, or its JSON twin with the same data (`extras` serve the HTML only); with
    the index `version` it is read from, the headers that let a cache revalidate it."""
    if wants_json():
        response = jsonify(data)
    else:
        response = current_app.make_response(render_template(template, data=data, **data, **(extras or {})))
    response.status_code = status
    return cached(response, version) if version is not None else negotiated(response)


def data() -> Any:
    return current_app.extensions["newsarchive"]


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)  # a replayed capture's is its own
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def revalidated(response: Response) -> Response:
    """Every answer that says nothing of caching is to be asked for again before it is reused:
    the archive changes with each crawl and each index update (see REVALIDATE)."""
    response.headers.setdefault("Cache-Control", REVALIDATE)
    return response


def search_form(faulty: str | None) -> dict[str, Any]:
    """The search form as the request typed it, for an error page to show again: the query
    in the box, the filters and sort kept, and the way back to the search without the
    parameter that could not be used (`faulty`). Only the search's own addresses give it."""
    if request.blueprint not in ("search", "exports"):
        return {"form_query": "", "form_fields": [], "back_url": url_for("search.search")}
    kept = [
        (name, value)
        for name, value in request.args.items(multi=True)
        if name in SEARCH_FORM_FIELDS and name != faulty and value
    ]
    query = next((value for name, value in kept if name == "q"), "")
    back = url_for("search.search") + ("?" + urlencode(kept) if kept else "")
    return {"form_query": query, "form_fields": [(n, v) for n, v in kept if n != "q"], "back_url": back}


def error(message: str, status: int, faulty: str | None = None) -> Response:
    """The answer to a request that cannot be served: the sentence, as JSON or as a page (with
    the search form, the query still typed in it). A 503 says when to try again."""
    if wants_json():
        response = jsonify({"error": message, "status": status})
    else:
        shown = render_template("error.html", message=message, status=status, **search_form(faulty))
        response = current_app.make_response(shown)
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return negotiated(response)


def register_errors(app: Flask) -> None:
    @app.errorhandler(QueryError)
    def bad_query(problem: QueryError):
        return error(str(problem), 400)

    @app.errorhandler(BadParameterError)
    def bad_parameter(problem: BadParameterError):
        return error(str(problem), 400, problem.name)

    @app.errorhandler(IndexBusyError)
    def index_busy(problem: IndexBusyError):
        return error(str(problem), 503)

    @app.errorhandler(HTTPException)
    def http_problem(problem: HTTPException):
        return error(problem.description or problem.name, problem.code or 500)
