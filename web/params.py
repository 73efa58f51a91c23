"""Reading a page's state from its URL: every view is a permalink."""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import request

from search.schema import FACETS
from search.service import SearchRequest
from web.responses import BadParameterError

KNOWN = {"q", "sort", "page", "size", "histogram", "normalise", "more", *FACETS, *(f"not-{f}" for f in FACETS)}


def integer(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise BadParameterError(f"{name} must be a whole number from {low} to {high}, not {text!r}.")
    return int(text)


def search_request(allowed: set[str] = KNOWN) -> SearchRequest:
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise BadParameterError(f"Unknown parameter {unknown[0]!r}; this page takes {', '.join(sorted(allowed))}.")
    return SearchRequest(
        query=request.args.get("q", ""),
        filters={f: request.args.getlist(f) for f in FACETS if request.args.getlist(f)},
        excludes={f: request.args.getlist(f"not-{f}") for f in FACETS if request.args.getlist(f"not-{f}")},
        sort=request.args.get("sort", "relevance"),
        page=integer("page", 1, 1, 10_000),
        page_size=integer("size", 10, 1, 100),
        histogram=request.args.get("histogram", "year"),
    )


def moment(name: str) -> datetime | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameterError(
            f"{name} must be a date or time in ISO 8601 (2021-04-12T09:30), not {text!r}.") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def url_with(**changes: str | list[str] | None) -> str:
    """This page's URL with some parameters changed (None removes one)."""
    args = request.args.to_dict(flat=False)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value if isinstance(value, list) else [value]
    return request.path + ("?" + urlencode(args, doseq=True) if args else "")
