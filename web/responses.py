"""Pages and their JSON twins, errors a user can cause (4xx with one sentence, never a
traceback), and the security headers every answer carries."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.service import QueryError

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")


class BadParameterError(Exception):
    """A parameter the user gave that cannot be used; the text is one sentence."""


def wants_json() -> bool:
    if request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def page(template: str, data: dict[str, Any], extras: dict[str, Any] | None = None,
         status: int = 200) -> Response | tuple[Response, int]:
    """The HTML page, or its JSON twin with the same data (`extras` serve the HTML only)."""
    if wants_json():
        return jsonify(data), status
    return render_template(template, data=data, **data, **(extras or {})), status


def twin(blueprint: Blueprint, rule: str, **options: Any) -> Callable:
    """Route `rule` and `rule.json` to the same view."""
    def register(view: Callable) -> Callable:
        blueprint.add_url_rule(rule, view_func=view, **options)
        json_rule = "/index.json" if rule == "/" else rule + ".json"
        blueprint.add_url_rule(json_rule, endpoint=view.__name__ + "_json", view_func=view, **options)
        return view
    return register


def data() -> Any:
    return current_app.extensions["newsarchive"]


def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def error(message: str, status: int) -> Response | tuple[Response, int]:
    if wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", message=message, status=status), status


def register_errors(app: Flask) -> None:
    @app.errorhandler(QueryError)
    @app.errorhandler(BadParameterError)
    def bad_request(problem: Exception):
        return error(str(problem), 400)

    @app.errorhandler(HTTPException)
    def http_problem(problem: HTTPException):
        return error(problem.description or problem.name, problem.code or 500)
