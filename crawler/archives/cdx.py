"""A newspaper's captures in a web archive, listed through the CDX server API that the Wayback
Machine, pywb and Common Crawl's index server all speak. They answer the same question in
several forms, all read here:

- the Wayback Machine's plain CDX: one capture a line, fields apart by spaces, seven of them
  (`urlkey timestamp original mimetype statuscode digest length`) or the eleven of a CDX file
  (with a redirect, meta tags, offset and file name);
- its `output=json`: a JSON array whose first row names the fields;
- pywb's and Common Crawl's `output=json`: a JSON object a line (`url`, `mime`, `status`, …,
  `offset` and `filename` where the archive says where the record is);
- pywb's CDXJ: the URL key and the timestamp, then a JSON object.

A query asks for one URL prefix (a site), within a period (`from`, `to`: 1 to 14 digits of
the archive's UTC timestamps), answered with a status 200, of HTML, collapsed by digest
where the server collapses (a capture whose bytes are those of the one before it); the
captures are read again here without a repeated digest of the same address, since a server
collapses only neighbouring lines and some do not collapse at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

WAYBACK_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
CDX_FILE_FIELDS = (
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "redirect",
    "meta",
    "length",
    "offset",
    "filename",
)
NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}  # the Wayback Machine's names, pywb's
TIMESTAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class ArchivedCapture:
    """One capture as an archive's index lists it."""

    url: str
    timestamp: str  # 14 digits, UTC
    mime: str
    status: int | None
    digest: str
    length: int | None = None
    offset: int | None = None  # where the record starts in `filename`, for a byte-range fetch
    filename: str | None = None
    memento: str | None = None  # its address in the archive's replay, where a TimeMap listed it

    @property
    def moment(self) -> datetime:
        """When the archive captured it."""
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"), TIMESTAMP).replace(tzinfo=UTC)


def query_url(
    endpoint: str, prefix: str, since: str | None = None, until: str | None = None, page: int | None = None
) -> str:
    """The CDX query for every HTML capture answered 200 under `prefix`, within the period
    (one `page` of it, where the server pages its answers)."""
    parameters = [("url", prefix), ("matchType", "prefix"), ("output", "json")]
    parameters += [("from", since)] if since else []
    parameters += [("to", until)] if until else []
    parameters += [("filter", "statuscode:200"), ("filter", "mimetype:text/html"), ("collapse", "digest")]
    parameters += [("page", str(page))] if page is not None else []
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(parameters)}"


def page_count_url(endpoint: str, prefix: str, since: str | None = None, until: str | None = None) -> str:
    """The question of how many pages the answer to `query_url` takes (`showNumPages`), which
    the Wayback Machine answers with a number, Common Crawl's index with `{"pages": N, …}`,
    and a server that does not page (pywb's over local files) with the captures themselves."""
    return query_url(endpoint, prefix, since, until) + "&showNumPages=true"


def read_page_count(text: str) -> int | None:
    """The number of pages in an answer to `page_count_url`, or None where the server does
    not page its answers."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text.startswith("{") and "\n" not in text:
        try:
            pages = json.loads(text).get("pages")
        except ValueError:
            return None
        return pages if isinstance(pages, int) else None
    return None


def replay_base(endpoint: str) -> str | None:
    """Where an archive replays what its CDX endpoint lists: pywb's `<collection>/cdx` replays
    under `<collection>`, the Wayback Machine's `/cdx/search/cdx` under `/web`. None for an
    endpoint of another shape (Common Crawl's index replays nothing: its records are fetched
    from the WARC files it names)."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    for suffix, replacement in (("/cdx/search/cdx", "/web"), ("/cdx", "")):
        if path.endswith(suffix):
            return urlunsplit((parts.scheme, parts.netloc, path[: -len(suffix)] + replacement, "", ""))
    return None


def read_captures(text: str) -> list[ArchivedCapture]:
    """The captures of a CDX answer, in any of the forms above."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        rows = json.loads(text)
        return [_capture(dict(zip(rows[0], row, strict=False))) for row in rows[1:]] if rows else []
    return [_capture(_fields(line)) for line in text.splitlines() if line.strip()]


def distinct(captures: Iterable[ArchivedCapture]) -> Iterator[ArchivedCapture]:
    """The captures without one whose address and digest came before: the same bytes again."""
    seen: set[tuple[str, str]] = set()
    for capture in captures:
        key = (capture.url, capture.digest)
        if key not in seen:
            seen.add(key)
            yield capture


def _fields(line: str) -> dict[str, str]:
    line = line.strip()
    if line.startswith("{"):
        return json.loads(line)
    if "{" in line:  # CDXJ: urlkey timestamp {json}
        key, timestamp, rest = line.split(" ", 2)
        return {"urlkey": key, "timestamp": timestamp, **json.loads(rest)}
    values = line.split(" ")
    names = CDX_FILE_FIELDS if len(values) == len(CDX_FILE_FIELDS) else WAYBACK_FIELDS
    if len(values) != len(names):
        raise ValueError(f"A CDX line has {len(values)} fields, not 7 or 11: {line[:200]!r}")
    return dict(zip(names, values, strict=True))


def _capture(fields: dict[str, str]) -> ArchivedCapture:
    named = {NAMES.get(key, key): value for key, value in fields.items()}
    return ArchivedCapture(
        url=named["url"],
        timestamp=named["timestamp"],
        mime=named.get("mime", ""),
        status=_number(named.get("status")),
        digest=named.get("digest", ""),
        length=_number(named.get("length")),
        offset=_number(named.get("offset")),
        filename=named.get("filename") if named.get("filename") not in (None, "-") else None,
    )


def _number(value: str | None) -> int | None:
    return int(value) if value not in (None, "", "-") and str(value).isdigit() else None
