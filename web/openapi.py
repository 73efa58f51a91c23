"""The OpenAPI document of every address the front-end answers, served at /openapi.json and
generated from the same declarations the views read their parameters through (web/params.py),
so it cannot drift from them. A hit's shape and the article record's schema come from the
record's fields (archive/fields.py)."""

from __future__ import annotations

import json
import types
import typing
from functools import cache

from flask import Blueprint, Response, jsonify

from archive.fields import FIELDS, HitType, record_schema
from web.params import ENDPOINTS, Endpoint, Param, route

blueprint = Blueprint("openapi", __name__)

STRING, INTEGER, NUMBER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
SCALARS: dict[HitType, dict] = {str: STRING, int: INTEGER, float: NUMBER, bool: BOOLEAN}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def schema_of(kind: HitType) -> dict:
    """The JSON schema of a value of a hit's Python type (str, int | None, list[str], …)."""
    if isinstance(kind, types.UnionType):
        shown = [member for member in typing.get_args(kind) if member is not types.NoneType]
        return nullable(schema_of(shown[0]))
    if typing.get_origin(kind) is list:
        return {"type": "array", "items": schema_of(typing.get_args(kind)[0])}
    return SCALARS[kind]


def record_components() -> dict:
    text = json.dumps(record_schema()).replace("#/$defs/", "#/components/schemas/Record_")
    record = json.loads(text)
    return {f"Record_{name}": schema for name, schema in record["$defs"].items()}


@cache
def document() -> dict:
    facet_values = {"type": "array", "items": {"type": "array", "prefixItems": [STRING, INTEGER]}}
    hit = obj({row.name: schema_of(row.hit) for row in FIELDS if row.hit is not None})
    search = obj(
        {
            "query": STRING,
            "total": INTEGER,
            "page": INTEGER,
            "page_size": INTEGER,
            "pages": INTEGER,
            "hits": {"type": "array", "items": ref("Hit")},
            "facets": {"type": "object", "additionalProperties": facet_values},
            "histogram": {"type": "array", "items": {"type": "array", "prefixItems": [STRING, INTEGER, INTEGER]}},
            "did_you_mean": nullable(STRING),
            "next_cursor": nullable(STRING),
            "index_version": STRING,
            "filters": {"type": "object"},
            "excludes": {"type": "object"},
            "sort": STRING,
            "histogram_by": nullable(STRING),
            "normalised": BOOLEAN,
            "suggestions": {
                "type": "array",
                "description": "When the search finds little: each filter, the total without it and the address",
                "items": obj({"drop": STRING, "total": INTEGER, "url": STRING}),
            },
        }
    )
    sighting = obj(
        {"snapshot": INTEGER, "first_seen": STRING, "last_seen": STRING, "sightings": INTEGER, "rank": INTEGER}
    )
    article = obj(
        {
            "url": STRING,
            "first_captured": STRING,
            "last_captured": STRING,
            "record": ref("Record_article"),
            "revisions": {
                "type": "array",
                "items": obj(
                    {
                        "number": INTEGER,
                        "captured_at": STRING,
                        "capture_id": nullable(INTEGER),
                        "record": ref("Record_article"),
                    }
                ),
            },
            "captures": {
                "type": "array",
                "items": obj(
                    {
                        "id": INTEGER,
                        "url": STRING,
                        "status": INTEGER,
                        "fetched_at": STRING,
                        "archive_address": nullable(STRING),
                        "revision": INTEGER,
                        "replay": STRING,
                    }
                ),
            },
            "photos": {
                "type": "array",
                "items": obj(
                    {
                        "url": STRING,
                        "capture_id": nullable(INTEGER),
                        "fetched_at": nullable(STRING),
                        "replay": nullable(STRING),
                    }
                ),
            },
            "most_viewed": {"type": "array", "items": sighting},
            "peak_rank": nullable(INTEGER),
            "similar": {
                "type": "array",
                "items": obj({"url": STRING, "headline": STRING, "published": nullable(STRING)}),
            },
            "first_listed": nullable(STRING),
            "last_listed": nullable(STRING),
            "citation": STRING,
        }
    )
    entry = obj(
        {
            "rank": INTEGER,
            "url": STRING,
            "title": nullable(STRING),
            "teaser": nullable(STRING),
            "headline": nullable(STRING),
        }
    )
    period = obj({"id": INTEGER, "site": STRING, "first_seen": STRING, "last_seen": STRING, "sightings": INTEGER})
    snapshot = {
        "allOf": [
            period,
            obj(
                {
                    "list_hash": STRING,
                    "page_url": STRING,
                    "replay": nullable(STRING),
                    "entries": {"type": "array", "items": entry},
                }
            ),
        ]
    }
    papers = {"type": "array", "items": obj({"site": STRING, "name": STRING})}
    most_viewed = obj(
        {
            "at": STRING,
            "site": nullable(STRING),
            "papers": papers,
            "snapshot": nullable(snapshot),
            "sightings": {"type": "array", "items": period},
            "gaps_hours": {"type": "array", "items": NUMBER},
        }
    )
    board_row = obj({"name": STRING, "hours": NUMBER})
    leaderboard = obj(
        {
            "articles": {
                "type": "array",
                "items": obj({"url": STRING, "headline": nullable(STRING), "hours": NUMBER, "best_rank": INTEGER}),
            },
            "sections": {"type": "array", "items": board_row},
            "authors": {"type": "array", "items": board_row},
            "from": nullable(STRING),
            "to": nullable(STRING),
            "site": nullable(STRING),
            "papers": papers,
        }
    )
    paper = obj(
        {
            "site": STRING,
            "name": STRING,
            "articles": INTEGER,
            "provisional_articles": INTEGER,
            "published_from": nullable(STRING),
            "published_to": nullable(STRING),
            "sections": {"type": "object", "additionalProperties": INTEGER},
            "snapshots": INTEGER,
        }
    )
    about = obj(
        {
            "sites": {"type": "array"},
            "papers": {"type": "array", "items": paper},
            "articles": INTEGER,
            "provisional_articles": INTEGER,
            "withheld_articles": INTEGER,
            "snapshots": INTEGER,
            "captures": INTEGER,
            "published_from": nullable(STRING),
            "published_to": nullable(STRING),
            "by_year": {"type": "array"},
            "by_section": {"type": "array"},
            "last_crawl": nullable({"type": "object"}),
            "index_version": STRING,
        }
    )
    problem = obj({"error": STRING, "status": INTEGER})
    run = obj(
        {
            "id": INTEGER,
            "job": STRING,
            "status": STRING,
            "started_at": STRING,
            "finished_at": nullable(STRING),
            **{
                name: INTEGER
                for name in ("pages", "new_articles", "new_revisions", "unchanged", "snapshots", "warnings", "errors")
            },
            "indexed": nullable(INTEGER),
            "found": INTEGER,
            "provisional": INTEGER,
            "flags": {"type": "array", "items": STRING},
            "note": nullable(STRING),
        }
    )
    runs = {"type": "array", "items": run}
    status = obj(
        {
            "scheduler": obj(
                {
                    "state": {"enum": ["running", "stopped", "never started"]},
                    "pid": nullable(INTEGER),
                    "config": nullable(STRING),
                    "started_at": nullable(STRING),
                    "stopped_at": nullable(STRING),
                }
            ),
            "jobs": {
                "type": "array",
                "items": obj(
                    {
                        "name": STRING,
                        "trigger": nullable(STRING),
                        "next_run": nullable(STRING),
                        "running": {"type": "boolean"},
                        "folded": INTEGER,
                        "skipped": INTEGER,
                        "runs": runs,
                    }
                ),
            },
            "failures": runs,
            "flagged": runs,
            "articles": INTEGER,
            "provisional_articles": INTEGER,
        }
    )

    schemas = {
        "Hit": hit,
        "SearchResult": search,
        "Article": article,
        "MostViewed": most_viewed,
        "Leaderboard": leaderboard,
        "About": about,
        "Status": status,
        "Error": problem,
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "newsarchive",
            "version": "1",
            "description": "The archive's pages, their JSON twins and "
            "exports. Every page answers JSON at the same address with .json, or with Accept: application/json.",
        },
        "paths": paths(ENDPOINTS),
        "components": {"schemas": schemas | record_components()},
    }


def paths(endpoints: list[Endpoint]) -> dict:
    """Every declared address (and its JSON twin) as OpenAPI path items."""
    found: dict = {}
    for endpoint in endpoints:
        found[endpoint.path] = {"get": operation(endpoint, twin_path=False)}
        if endpoint.twin:
            found["/index.json" if endpoint.path == "/" else endpoint.path + ".json"] = {
                "get": operation(endpoint, twin_path=True)
            }
    return found


def operation(endpoint: Endpoint, twin_path: bool) -> dict:
    media = {"application/json": {"schema": ref(endpoint.json)}} if endpoint.json else {}
    if endpoint.twin and not twin_path:
        media["text/html"] = {"schema": STRING}
    media |= {kind: {"schema": {"type": "object"} if kind == "application/json" else STRING} for kind in endpoint.media}
    problem = {"application/json": {"schema": ref("Error")}, "text/html": {"schema": STRING}}
    responses = {"200": {"description": "OK", "content": media}}
    if endpoint.conditional:
        responses["200"]["headers"] = {
            "ETag": {"schema": STRING, "description": "Weak validator of the index version the answer is read from"},
            "Cache-Control": {"schema": STRING, "description": "no-cache: keep it, but revalidate each time"},
        }
        responses["304"] = {"description": "Not modified since the ETag given in If-None-Match (no body)"}
    if endpoint.redirect:
        responses["302"] = {
            "description": endpoint.redirect,
            "headers": {"Location": {"schema": STRING, "description": "Where the answer is"}},
        }
    for code in endpoint.errors:
        responses[str(code)] = {"description": ERRORS[code], "content": problem}
        if code == 503:
            responses[str(code)]["headers"] = {
                "Retry-After": {"schema": INTEGER, "description": "Seconds to wait before trying again"}
            }
    described: dict[str, object] = {"summary": endpoint.summary, "parameters": [parameter(p) for p in endpoint.params]}
    if endpoint.query_is_address:
        described["x-query-is-address"] = True  # any query string is the archived address's own
    return described | {"responses": responses}


def parameter(param: Param) -> dict:
    schema = {"type": "array", "items": param.schema()} if param.repeatable else param.schema()
    described = {
        "name": param.name,
        "in": "path" if param.in_path else "query",
        "description": param.description,
        "required": param.required or param.in_path,
        "schema": schema,
    }
    return described | ({"style": "form", "explode": True} if param.repeatable else {})


ERRORS = {
    400: "A parameter that cannot be used",
    404: "Not in the archive",
    410: "Withheld by the archive (an exclusion: its reason and the day it was decided are given)",
    500: "The archive's own copy cannot be read (a damaged WARC file)",
    503: "Busy (too many exports at once, or the index cannot be read this moment); try again after "
    "Retry-After seconds",
}


OPENAPI = Endpoint(
    "/openapi.json", "This description of the archive's addresses", media=("application/json",), errors=()
)


@route(blueprint, OPENAPI)
def document_view() -> Response:
    OPENAPI.arguments()
    return jsonify(document())
