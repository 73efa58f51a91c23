"""The article page: the record, its provenance (captures, raw copies, revisions with a
diff), its Most viewed history, similar articles, and citations."""
from __future__ import annotations

import difflib
import json
from datetime import datetime

from flask import Blueprint, Response, abort, request
from markupsafe import Markup, escape

from web.charts import rank_history
from web.citations import bibtex, csl_json, ris
from web.responses import BadParameterError, data, page, twin

blueprint = Blueprint("articles", __name__)


def requested_article() -> dict:
    url = request.args.get("url", "")
    if not url:
        raise BadParameterError("Give the article's address as ?url=…")
    found = data().article(url)
    if found is None:
        abort(404, description=f"There is no article {url} in the archive.")
    return found


@twin(blueprint, "/article")
def article():
    found = requested_article()
    history = found["most_viewed"]
    peak = min((h["rank"] for h in history), default=None)
    similar = [{"url": hit.url, "headline": hit.headline, "published": hit.published}
               for hit in data().search.more_like_this(found["url"], 5)] if found["record"].get("body") else []
    body = found | {"peak_rank": peak, "similar": similar,
                    "first_listed": history[0]["first_seen"] if history else None,
                    "last_listed": max((h["last_seen"] for h in history), default=None)}
    return page("article.html", body, {
        "rank_chart": rank_history([(h["first_seen"], h["rank"]) for h in history]),
        "diffs": [revision_diff(a["record"], b["record"]) for a, b in zip(found["revisions"],
                                                                           found["revisions"][1:], strict=False)],
    })


def revision_diff(old: dict, new: dict) -> Markup:
    """A readable diff of two versions: headline and paragraphs, removed and added marked."""
    before = [f"Headline: {old.get('headline')}", *old.get("body", [])]
    after = [f"Headline: {new.get('headline')}", *new.get("body", [])]
    lines = []
    for line in difflib.ndiff(before, after):
        kind = {"- ": "removed", "+ ": "added", "  ": "same"}.get(line[:2])
        if kind:
            lines.append(f'<p class="{kind}">{escape(line[2:])}</p>')
    return Markup("".join(lines))


@blueprint.route("/capture/<int:capture_id>")
def capture(capture_id: int) -> Response:
    """The raw response as it was captured, shown as text (never run as a page)."""
    found = data().capture(capture_id)
    if found is None:
        abort(404, description=f"There is no capture {capture_id}.")
    row, body = found
    return Response(body, mimetype="text/plain", headers={
        "X-Archive-Captured-At": row["fetched_at"], "X-Archive-Original-URL": row["url"],
        "X-Archive-Original-Content-Type": row["content_type"] or ""})


@blueprint.route("/article/cite.<any(ris, bib, json):style>")
def cite(style: str) -> Response:
    record = requested_article()["record"]
    accessed = datetime.now().date().isoformat()
    if style == "ris":
        return Response(ris(record, accessed), mimetype="application/x-research-info-systems",
                        headers={"Content-Disposition": "attachment; filename=article.ris"})
    if style == "bib":
        return Response(bibtex(record, accessed), mimetype="application/x-bibtex",
                        headers={"Content-Disposition": "attachment; filename=article.bib"})
    return Response(json.dumps(csl_json(record, accessed), ensure_ascii=False, indent=2),
                    mimetype="application/vnd.citationstyles.csl+json")
