"""A capture brought home from a web archive, as a WARC response record of the archive's own:
the original address as its WARC-Target-URI, the moment the archive captured it as its
WARC-Date, and where its bytes came from as WARC-Source-URI (archive.warc.SOURCE_HEADER). Its
record id is derived from the capture as the archive lists it (address and timestamp), not
from the archive's own address, so the same capture harvested twice — again, over https rather
than http, from a mirror, listed by a TimeMap rather than the CDX API, or by byte range rather
than from the replay — is recognised as one."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.warc import SOURCE_HEADER, status_line, warc_date
from crawler.archives.cdx import ArchivedCapture

ORIGINAL_PREFIX = "x-archive-orig-"  # how the Wayback Machine and pywb pass the page's own headers on
# The body is kept as received, decoded: the page's length and encodings no longer apply to it.
DECODED = frozenset({"content-length", "content-encoding", "transfer-encoding"})
# What describes an archive's answer rather than the page, where it passes the page's headers
# on under their own names.
ANSWER_ONLY = frozenset(
    {"connection", "keep-alive", "memento-datetime", "link", "content-location", "date", "server", "vary"}
)


@dataclass(frozen=True)
class HarvestedCapture:
    """One capture's original response as the archive holds it."""

    url: str
    moment: datetime  # when the archive captured it
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    source: str  # where its bytes were fetched from: a replay address, or a file and byte range


def record_id(capture: ArchivedCapture) -> str:
    """The WARC-Record-ID of a listed capture, the same every time it is harvested."""
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{capture.timestamp} {capture.url}')}>"


def original_headers(answer_headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The page's own headers from an archive's answer: those it passes on as X-Archive-Orig-*
    (under their own names) and its Content-Type; or, from an archive that passes the page's
    headers on as they are, those that do not describe its answer."""
    passed_on = [
        (name[len(ORIGINAL_PREFIX) :], value)
        for name, value in answer_headers
        if name.lower().startswith(ORIGINAL_PREFIX)
    ]
    if passed_on:
        named = {name.lower() for name, _ in passed_on}
        own = [(n, v) for n, v in answer_headers if n.lower() == "content-type" and "content-type" not in named]
    else:
        own = [
            (n, v) for n, v in answer_headers if n.lower() not in ANSWER_ONLY and not n.lower().startswith("x-archive-")
        ]
    return without_encodings(passed_on + own)


def without_encodings(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers of a body kept decoded."""
    return [(name, value) for name, value in headers if name.lower() not in DECODED]


def warc_record(capture: HarvestedCapture, record_id: str) -> bytes:
    """The capture as one gzipped WARC response record."""
    stream = io.BytesIO()
    writer = WARCWriter(stream, gzip=True)
    record = writer.create_warc_record(
        capture.url,
        "response",
        payload=io.BytesIO(capture.body),
        length=len(capture.body),
        http_headers=StatusAndHeaders(status_line(capture.status), capture.headers, protocol="HTTP/1.1"),
        warc_headers_dict={
            "WARC-Date": warc_date(capture.moment),
            "WARC-Record-ID": record_id,
            SOURCE_HEADER: capture.source,
        },
    )
    writer.write_record(record)
    return stream.getvalue()
