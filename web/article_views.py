"""The article page: the record, its provenance (captures, raw copies, revisions with a
diff), its Most viewed history, similar articles, and citations."""

from __future__ import annotations

import difflib
import json

from flask import Blueprint, Response, abort, url_for
from markupsafe import Markup, escape

from archive.times import parse_utc
from web.charts import rank_history
from web.citations import ArchivedCopy, archived_copy, bibtex, csl_json, formatted, ris
from web.params import Endpoint, Param, route
from web.replay_views import replay_url
from web.responses import data, page

blueprint = Blueprint("articles", __name__)


ADDRESS = Param(
    "url",
    "The article's address in any of its forms: http or https, with or without www., a "
    "trailing slash, tracking parameters, no scheme, or an old address that redirected to it",
    required=True,
)
ARTICLE = Endpoint(
    "/article",
    "One article with its provenance and Most viewed history",
    (ADDRESS,),
    json="Article",
    twin=True,
    errors=(400, 404, 410),
)
CITE = Endpoint(
    "/article/cite.{style}",
    "A citation of the article's archived copy: RIS, BibTeX or CSL-JSON",
    (Param("style", "The format", "choice", ("ris", "bib", "json"), in_path=True), ADDRESS),
    media=("application/x-research-info-systems", "application/x-bibtex", "application/vnd.citationstyles.csl+json"),
    errors=(400, 404, 410),
)
CAPTURE = Endpoint(
    "/capture/{capture_id}",
    "The raw response as it was captured, shown as text",
    (Param("capture_id", "The capture's number", "integer", low=1, high=2**63 - 1, in_path=True),),
    media=("text/plain",),
    errors=(404, 410, 500),
)


def requested_article(endpoint: Endpoint = ARTICLE) -> dict:
    """The article the address's ?url= names (404 when the archive has none there)."""
    url = endpoint.arguments()["url"]
    found = data().article(url)
    if found is None:
        abort(404, description=f"There is no article {url} in the archive.")
    withheld = data().withholding(found["url"])
    if withheld:
        abort(410, description=withheld)
    return found


@route(blueprint, ARTICLE)
def article():
    found = requested_article(ARTICLE)
    history = found["most_viewed"]
    peak = min((h["rank"] for h in history), default=None)
    similar = (
        [
            {"url": hit.url, "headline": hit.headline, "published": hit.published}
            for hit in data().search.more_like_this(found["url"], 5)
        ]
        if found["record"].get("body")
        else []
    )
    moment = parse_utc(found["last_captured"])
    captures = [c | {"replay": replay_url(c["fetched_at"], c["url"])} for c in found["captures"]]
    photos = [
        photo | {"replay": replay_url(photo["fetched_at"], photo["url"]) if photo["fetched_at"] else None}
        for photo in data().photos(found["record"], moment)
    ]
    body = found | {
        "captures": captures,
        "photos": photos,
        "peak_rank": peak,
        "similar": similar,
        "first_listed": history[0]["first_seen"] if history else None,
        "last_listed": max((h["last_seen"] for h in history), default=None),
        "citation": formatted(found["record"], cited_copy(found)),
    }
    return page(
        "article.html",
        body,
        {
            "rank_chart": rank_history([(h["first_seen"], h["last_seen"], h["rank"]) for h in history]),
            "guessed": guessed_fields(found["record"]),
            "diffs": [
                revision_diff(a["record"], b["record"])
                for a, b in zip(found["revisions"], found["revisions"][1:], strict=False)
            ],
        },
    )


def guessed_fields(record: dict) -> list[str]:
    """The fields a template missed and the generic extractor supplied, as the record's warnings
    name them (fallback-date: …); none when no template matched at all (provisional: …)."""
    return [
        warning.split(":", 1)[0].removeprefix("fallback-")
        for warning in record.get("warnings", [])
        if warning.startswith("fallback-")
    ]


def revision_diff(old: dict, new: dict) -> Markup:
    """A readable diff of two versions, removed and added marked: a line for each field a
    revision can change (archive.store.content_hash; not the identity, nor the word count that
    follows the body), a line per photo, then the paragraphs. Empty fields have no line, so a
    field that appears or goes shows as added or removed."""

    def record_lines(record: dict) -> list[str]:
        published = record.get("published")
        if published and record.get("published_precision") == "day":
            published += " (day only)"
        fields = [
            ("Headline", record.get("headline")),
            ("Standfirst", record.get("standfirst")),
            ("Authors", ", ".join(record.get("authors", []))),
            ("Byline", record.get("byline")),
            ("Published", published),
            ("Updated", record.get("updated")),
            ("Section", record.get("section")),
            ("Tags", " · ".join(record.get("tags", []))),
            ("Language", record.get("language")),
            ("Template", record.get("era")),
            ("Provisional", "read by the generic extractor, whole or in part" if record.get("provisional") else None),
        ]
        photos = [
            f"Photo: {image.get('caption') or '(no caption)'} · credit: {image.get('credit') or 'none'} · "
            f"{image.get('url')}"
            for image in record.get("images", [])
        ]
        return [f"{label}: {value}" for label, value in fields if value] + photos + record.get("body", [])

    lines = []
    for line in difflib.ndiff(record_lines(old), record_lines(new)):
        kind = {"- ": "removed", "+ ": "added", "  ": "same"}.get(line[:2])
        if kind:
            lines.append(f'<p class="{kind}">{escape(line[2:])}</p>')
    return Markup("".join(lines))


@route(blueprint, CAPTURE)
def capture(capture_id: int) -> Response:
    """The raw response as it was captured, shown as text (never run as a page)."""
    CAPTURE.arguments()
    try:
        found = data().capture(capture_id)
    except (OSError, ValueError) as damage:
        abort(500, description=f"The raw copy of capture {capture_id} cannot be read: {damage}")
    if found is None:
        abort(404, description=f"There is no capture {capture_id}.")
    row, body = found
    withheld = data().withholding(row["url"])
    if withheld:
        abort(410, description=withheld)
    return Response(
        body,
        mimetype="text/plain",
        headers={
            "X-Archive-Captured-At": row["fetched_at"],
            "X-Archive-Original-URL": row["url"],
            "X-Archive-Original-Content-Type": row["content_type"] or "",
        },
    )


def cited_copy(found: dict) -> ArchivedCopy:
    """The archived copy an article's citations point to, with this server's address for it."""
    return archived_copy(found, lambda capture_id: url_for("articles.capture", capture_id=capture_id, _external=True))


@route(blueprint, CITE)
def cite(style: str) -> Response:
    found = requested_article()
    record, copy = found["record"], cited_copy(found)
    if style == "ris":
        return Response(
            ris(record, copy),
            mimetype="application/x-research-info-systems",
            headers={"Content-Disposition": "attachment; filename=article.ris"},
        )
    if style == "bib":
        return Response(
            bibtex(record, copy),
            mimetype="application/x-bibtex",
            headers={"Content-Disposition": "attachment; filename=article.bib"},
        )
    return Response(
        json.dumps(csl_json(record, copy), ensure_ascii=False, indent=2),
        mimetype="application/vnd.citationstyles.csl+json",
    )
