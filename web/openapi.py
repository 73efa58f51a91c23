"""The OpenAPI document of the JSON twins, served at /openapi.json. The article record's
schema is docs/record.schema.json itself, so the API and exports cannot drift apart."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, jsonify

blueprint = Blueprint("openapi", __name__)
RECORD_SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "record.schema.json"

STRING, INTEGER, NUMBER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def record_components() -> dict:
    text = RECORD_SCHEMA.read_text().replace("#/$defs/", "#/components/schemas/Record_")
    record = json.loads(text)
    return {f"Record_{name}": schema for name, schema in record["$defs"].items()}


@cache
def document() -> dict:
    facet_values = {"type": "array", "items": {"type": "array", "prefixItems": [STRING, INTEGER]}}
    strings = {"type": "array", "items": STRING}
    hit = obj({"url": STRING, "headline": STRING, "published": nullable(STRING), "authors": strings,
               "section": nullable(STRING), "tags": {"type": "array", "items": STRING}, "language": nullable(STRING),
               "snippet": STRING, "headline_html": STRING, "best_rank": nullable(INTEGER), "hours_listed": NUMBER,
               "popularity": STRING})
    search = obj({"query": STRING, "total": INTEGER, "page": INTEGER, "page_size": INTEGER, "pages": INTEGER,
                  "hits": {"type": "array", "items": ref("Hit")},
                  "facets": {"type": "object", "additionalProperties": facet_values},
                  "histogram": {"type": "array", "items": {"type": "array", "prefixItems": [STRING, INTEGER, INTEGER]}},
                  "did_you_mean": nullable(STRING), "next_cursor": nullable(STRING), "index_version": STRING,
                  "filters": {"type": "object"}, "excludes": {"type": "object"}, "sort": STRING,
                  "histogram_by": nullable(STRING), "normalised": BOOLEAN})
    sighting = obj({"snapshot": INTEGER, "first_seen": STRING, "last_seen": STRING, "sightings": INTEGER,
                    "rank": INTEGER})
    article = obj({"url": STRING, "first_captured": STRING, "last_captured": STRING, "record": ref("Record_article"),
                   "revisions": {"type": "array", "items": obj({"number": INTEGER, "captured_at": STRING,
                                                                 "capture_id": nullable(INTEGER),
                                                                 "record": ref("Record_article")})},
                   "captures": {"type": "array", "items": obj({"id": INTEGER, "url": STRING, "status": INTEGER,
                                                               "fetched_at": STRING, "revision": INTEGER})},
                   "most_viewed": {"type": "array", "items": sighting}, "peak_rank": nullable(INTEGER),
                   "similar": {"type": "array", "items": obj({"url": STRING, "headline": STRING,
                                                               "published": nullable(STRING)})},
                   "first_listed": nullable(STRING), "last_listed": nullable(STRING)})
    entry = obj({"rank": INTEGER, "url": STRING, "title": nullable(STRING), "teaser": nullable(STRING),
                 "headline": nullable(STRING)})
    period = obj({"id": INTEGER, "site": STRING, "first_seen": STRING, "last_seen": STRING, "sightings": INTEGER})
    snapshot = {"allOf": [period, obj({"list_hash": STRING, "page_url": STRING,
                                       "entries": {"type": "array", "items": entry}})]}
    most_viewed = obj({"at": STRING, "snapshot": nullable(snapshot), "sightings": {"type": "array", "items": period},
                       "gaps_hours": {"type": "array", "items": NUMBER}})
    board_row = obj({"name": STRING, "hours": NUMBER})
    leaderboard = obj({"articles": {"type": "array", "items": obj({"url": STRING, "headline": nullable(STRING),
                                                                   "hours": NUMBER, "best_rank": INTEGER})},
                       "sections": {"type": "array", "items": board_row},
                       "authors": {"type": "array", "items": board_row},
                       "from": nullable(STRING), "to": nullable(STRING)})
    about = obj({"sites": {"type": "array"}, "articles": INTEGER, "snapshots": INTEGER, "captures": INTEGER,
                 "published_from": nullable(STRING), "published_to": nullable(STRING), "by_year": {"type": "array"},
                 "by_section": {"type": "array"}, "last_crawl": nullable({"type": "object"}), "index_version": STRING})
    problem = obj({"error": STRING, "status": INTEGER})
    run = obj({"id": INTEGER, "job": STRING, "status": STRING, "started_at": STRING, "finished_at": nullable(STRING),
               **{name: INTEGER for name in ("pages", "new_articles", "new_revisions", "unchanged", "snapshots",
                                             "warnings", "errors")},
               "indexed": nullable(INTEGER), "found": INTEGER, "flags": {"type": "array", "items": STRING},
               "note": nullable(STRING)})
    runs = {"type": "array", "items": run}
    status = obj({"scheduler": obj({"state": {"enum": ["running", "stopped", "never started"]},
                                    "pid": nullable(INTEGER), "config": nullable(STRING),
                                    "started_at": nullable(STRING), "stopped_at": nullable(STRING)}),
                  "jobs": {"type": "array", "items": obj({"name": STRING, "trigger": nullable(STRING),
                                                          "next_run": nullable(STRING), "running": {"type": "boolean"},
                                                          "folded": INTEGER, "skipped": INTEGER, "runs": runs})},
                  "failures": runs, "flagged": runs})

    def operation(summary: str, schema: str, parameters: list[str]) -> dict:
        return {"get": {"summary": summary, "parameters": [
            {"name": name, "in": "query", "required": name == "url", "schema": STRING} for name in parameters],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref(schema)}}},
                          "400": {"description": "A parameter that cannot be used",
                                  "content": {"application/json": {"schema": ref("Error")}}},
                          "404": {"description": "Not in the archive",
                                  "content": {"application/json": {"schema": ref("Error")}}}}}}

    search_parameters = ["q", "sort", "page", "size", "histogram", "normalise", "section", "author", "year",
                         "month", "tag", "site", "language", "popularity", "not-section", "not-author", "not-tag"]
    return {
        "openapi": "3.1.0",
        "info": {"title": "newsarchive", "version": "1", "description": "JSON twins of the archive's pages. "
                 "Every page answers JSON at the same address with .json, or with Accept: application/json."},
        "paths": {
            "/search.json": operation("Search with facets, snippets and a timeline", "SearchResult", search_parameters),
            "/article.json": operation("One article with its provenance and Most viewed history", "Article", ["url"]),
            "/most-viewed.json": operation("The Most viewed list at a moment", "MostViewed", ["at"]),
            "/most-viewed/leaderboard.json": operation("Longest in the Most viewed list", "Leaderboard",
                                                       ["from", "to"]),
            "/about.json": operation("What the archive holds", "About", []),
            "/status.json": operation("Scheduled crawls: jobs, last and next runs, failures, likely redesigns",
                                      "Status", []),
        },
        "components": {"schemas": {"Hit": hit, "SearchResult": search, "Article": article, "MostViewed": most_viewed,
                                   "Leaderboard": leaderboard, "About": about, "Status": status,
                                   "Error": problem}
                       | record_components()},
    }


@blueprint.route("/openapi.json")
def document_view() -> Response:
    return jsonify(document())
