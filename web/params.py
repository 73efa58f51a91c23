"""Every address the front-end answers, declared once: its parameters (name, type, range,
meaning) and what it answers. The views read their parameters through these declarations and
the OpenAPI document is generated from them, so the two cannot drift apart; a parameter a
user got wrong is refused with one sentence naming it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request

from search.schema import FACETS
from search.service import HISTOGRAMS, MAX_PAGE_SIZE, SORTS, SearchRequest
from web.responses import BadParameterError
from web.times import PAPER_ZONE

MAX_PAGE = 10_000
WHOLE_NUMBER = re.compile("[0-9]+")  # ASCII digits only: str.isdigit() takes '²', which int() refuses
DATE_ALONE = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass(frozen=True)
class Param:
    """One parameter of an address: in the query string (or the path), of one type."""

    name: str
    description: str
    kind: str = "string"  # string | integer | choice | time | date | path (a path parameter with slashes)
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    repeatable: bool = False
    required: bool = False
    in_path: bool = False
    until: bool = False  # a time: a date alone means the end of that day (the end of a period)

    def schema(self) -> dict:
        if self.kind == "integer":
            return {"type": "integer", "minimum": self.low, "maximum": self.high}
        if self.kind == "choice":
            return {"type": "string", "enum": list(self.choices)}
        if self.kind == "time":
            return {"type": "string", "description": "ISO 8601 date or time; without an offset, ICT (UTC+07:00)"}
        if self.kind == "date":
            return {"type": "string", "format": "date"}
        return {"type": "string"}

    def read(self, text: str) -> Any:
        """The value of `text`, or BadParameterError saying in one sentence what is wrong."""
        if self.kind == "integer":
            if not WHOLE_NUMBER.fullmatch(text) or not self.low <= int(text) <= self.high:
                raise BadParameterError(
                    f"{self.name} must be a whole number from {self.low} to {self.high:,}, not {text!r}.", self.name
                )
            return int(text)
        if self.kind == "choice" and text not in self.choices:
            raise BadParameterError(f"{self.name} must be one of {', '.join(self.choices)}, not {text!r}.", self.name)
        if self.kind == "time":
            return moment_of(self.name, text, self.until)
        if self.kind == "date":
            if not DATE_ALONE.fullmatch(text) or not valid_date(text):
                raise BadParameterError(
                    f"{self.name} must be a day as YYYY-MM-DD (2016-03-11), not {text!r}.", self.name
                )
            return text
        return text


@dataclass(frozen=True)
class Endpoint:
    """One address: `path` in OpenAPI's form (`/capture/{capture_id}`), its parameters, and the
    media types it answers with the schema of each (`json` names a component schema; a JSON
    twin answers at `path` + ".json" too)."""

    path: str
    summary: str
    params: tuple[Param, ...] = ()
    json: str | None = None
    twin: bool = False
    media: tuple[str, ...] = ()
    errors: tuple[int, ...] = (400,)
    conditional: bool = False  # answers carry an ETag, and If-None-Match gets 304 Not Modified
    redirect: str | None = None  # when the address answers 302 Found, and where it leads
    query_is_address: bool = False  # the query string belongs to an address in the path (a replay's)

    def rules(self) -> list[str]:
        """The Flask rules of this address: path parameters as converters."""
        rule = self.path
        for param in self.params:
            if param.in_path:
                converter = {"integer": "int", "choice": f"any({', '.join(param.choices)})", "path": "path"}.get(
                    param.kind, "string"
                )
                rule = rule.replace(f"{{{param.name}}}", f"<{converter}:{param.name}>")
        if not self.twin:
            return [rule]
        return [rule, "/index.json" if rule == "/" else rule + ".json"]

    def arguments(self) -> dict[str, Any]:
        """This request's query parameters, read and checked; unknown names are refused."""
        known = {param.name: param for param in self.params if not param.in_path}
        unknown = sorted(set(request.args) - set(known))
        if unknown:
            raise BadParameterError(
                f"Unknown parameter {unknown[0]!r}; this page takes {', '.join(sorted(known))}.", unknown[0]
            )
        values: dict[str, Any] = {}
        for name, param in known.items():
            given = [text for text in request.args.getlist(name) if text != ""]
            if param.required and not given:
                raise BadParameterError(f"Give {name} as ?{name}=…", name)
            if len(given) > 1 and not param.repeatable:
                raise BadParameterError(f"{name} is given {len(given)} times; give it once.", name)
            if given:
                values[name] = [param.read(text) for text in given] if param.repeatable else param.read(given[0])
        return values


ENDPOINTS: list[Endpoint] = []


def route(blueprint: Blueprint, endpoint: Endpoint, **options: Any) -> Callable:
    """Register the view at the endpoint's rules, and the endpoint in the API description."""

    def register(view: Callable) -> Callable:
        for number, rule in enumerate(endpoint.rules()):
            name = view.__name__ if number == 0 else view.__name__ + "_json"
            blueprint.add_url_rule(rule, endpoint=name, view_func=view, **options)
        ENDPOINTS.append(endpoint)
        return view

    return register


def moment_of(name: str, text: str, until: bool = False) -> datetime:
    """An ISO 8601 date or time, aware: any offset honoured, none meaning the paper's zone. A
    date alone is the start of that day, or with `until` (the end of a period) its last
    moment, so `to=2021-12-31` takes in the whole of the 31st, as a published range does."""
    try:
        value = datetime.fromisoformat(
            text.strip().replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", text) else text.strip()
        )
    except ValueError:
        raise BadParameterError(
            f"{name} must be a date or time in ISO 8601 (2021-04-12T09:30, ICT unless an offset is given), "
            f"not {text!r}.",
            name,
        ) from None
    if until and DATE_ALONE.fullmatch(text.strip()):
        value += timedelta(days=1, microseconds=-1)
    return value if value.tzinfo else value.replace(tzinfo=PAPER_ZONE)


SEARCH_PARAMS = (
    Param("q", 'The query: words, "phrases", OR, NOT, field:value, published:[A TO B], wildcards'),
    Param("sort", "Order of the hits", "choice", SORTS),
    Param(
        "page",
        "Page number, from 1; a page past the last is redirected to the last (ignored by exports, which are "
        "the whole result set)",
        "integer",
        low=1,
        high=MAX_PAGE,
    ),
    Param("size", "Hits per page", "integer", low=1, high=MAX_PAGE_SIZE),
    Param("cursor", "Where to go on from: the next_cursor of the previous answer (instead of page)"),
    Param("from", "Published on or after this day (YYYY-MM-DD, the paper's own date)", "date"),
    Param("to", "Published on or before this day (YYYY-MM-DD, the day included)", "date"),
    Param("histogram", "Period of the timeline", "choice", HISTOGRAMS),
    Param("normalise", "1: the timeline as a share of all articles of each period", "choice", ("0", "1")),
    Param("more", "The facet to show in full", "choice", FACETS),
    *(Param(name, f"Keep only hits with this {name} (repeat: any of the values)", repeatable=True) for name in FACETS),
    *(Param(f"not-{name}", f"Leave out hits with this {name} (repeatable)", repeatable=True) for name in FACETS),
)


def search_request(arguments: dict[str, Any]) -> SearchRequest:
    """The search a page's parameters ask for."""
    return SearchRequest(
        query=with_period(arguments.get("q", ""), arguments.get("from"), arguments.get("to")),
        filters={name: arguments[name] for name in FACETS if name in arguments},
        excludes={name: arguments[f"not-{name}"] for name in FACETS if f"not-{name}" in arguments},
        sort=arguments.get("sort", "relevance"),
        page=arguments.get("page", 1),
        page_size=arguments.get("size", 10),
        cursor=arguments.get("cursor"),
        histogram=arguments.get("histogram", "year"),
    )


def with_period(query: str, start: str | None, end: str | None) -> str:
    """The query limited to the days the date range control gives (both included), in the
    query language's own words, so the search, its exports and its timeline read it alike."""
    if not start and not end:
        return query
    period = f"published:[{start or ''} TO {end or ''}]".replace("[ TO", "[TO").replace("TO ]", "TO]")
    return f"({query}) {period}" if query.strip() else period


def without_period(composed: str, start: str | None, end: str | None) -> str:
    """What the reader typed, from a query `with_period` composed (a corrected one too)."""
    if not start and not end:
        return composed
    period = with_period("", start, end)
    if composed == period:
        return ""
    inner = composed.removesuffix(" " + period)
    return inner[1:-1] if inner.startswith("(") and inner.endswith(")") else inner


def valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def url_with(**changes: str | list[str] | None) -> str:
    """This page's URL with some parameters changed (None removes one); a new page or order
    drops the cursor, which belongs to the old one."""
    args = request.args.to_dict(flat=False)
    if changes.keys() - {"more", "normalise", "histogram"}:
        args.pop("cursor", None)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value if isinstance(value, list) else [value]
    return request.path + ("?" + urlencode(args, doseq=True) if args else "")
