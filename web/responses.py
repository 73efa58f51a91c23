"""Pages and their JSON twins, errors a user can cause (4xx with one sentence, never a
traceback), and the security headers every answer carries."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.service import QueryError

CSP = (
    "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self' data:; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


class BadParameterError(Exception):
    """A parameter the user gave that cannot be used; the text is one sentence."""


def wants_json() -> bool:
    if request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def page(
    template: str, data: dict[str, Any], extras: dict[str, Any] | None = None, status: int = 200
) -> tuple[Response | str, int]:
    """The HTML page, or its JSON twin with the same data (`extras` serve the HTML only)."""
    if wants_json():
        return jsonify(data), status
    return render_template(template, data=data, **data, **(extras or {})), status


def data() -> Any:
    return current_app.extensions["newsarchive"]


def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def error(message: str, status: int) -> Response:
    """The answer to a request that cannot be served: the sentence, as JSON or as a page."""
    if wants_json():
        response = jsonify({"error": message, "status": status})
    else:
        response = current_app.make_response(render_template("error.html", message=message, status=status))
    response.status_code = status
    return response


def register_errors(app: Flask) -> None:
    @app.errorhandler(QueryError)
    @app.errorhandler(BadParameterError)
    def bad_request(problem: Exception):
        return error(str(problem), 400)

    @app.errorhandler(HTTPException)
    def http_problem(problem: HTTPException):
        return error(problem.description or problem.name, problem.code or 500)
