"""Reading one capture (a response record and the request written with it) out of a WARC file
with where its records lie, so they can be copied byte for byte into another WARC file."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archive.warc import SOURCE_HEADER, warc_time
from portable.manifest import chunks

GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Span:
    offset: int
    length: int


@dataclass
class RawCapture:
    """A response as captured, and the spans of its records (response, then its request)."""

    url: str
    fetched_at: datetime
    record_id: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    spans: list[Span]
    source: str | None = None  # a web archive's address its bytes were fetched from (WARC-Source-URI)


def read_capture(stream: BinaryIO, offset: int) -> RawCapture:
    stream.seek(offset)
    records = ArchiveIterator(stream)
    response = next(records)
    body = response.content_stream().read()
    records.read_to_end(response)
    spans = [Span(records.get_record_offset(), records.get_record_length())]
    following = next(records, None)
    if following is not None and is_request_of(following, response):
        records.read_to_end(following)
        spans.append(Span(records.get_record_offset(), records.get_record_length()))
    return raw_capture(response, body, spans)


def is_request_of(record: ArcWarcRecord, response: ArcWarcRecord) -> bool:
    """Whether `record` is the request written with `response` (the record after it)."""
    return record.rec_type == "request" and record.rec_headers.get_header(
        "WARC-Concurrent-To"
    ) == response.rec_headers.get_header("WARC-Record-ID")


def raw_capture(response: ArcWarcRecord, body: bytes, spans: list[Span]) -> RawCapture:
    """The capture a response record makes, with its body as read and where its records lie."""
    headers, http = response.rec_headers, response.http_headers
    return RawCapture(
        headers.get_header("WARC-Target-URI"),
        warc_time(headers.get_header("WARC-Date")),
        headers.get_header("WARC-Record-ID"),
        int(http.get_statuscode() or 0) if http else 0,
        list(http.headers) if http else [],
        body,
        spans,
        headers.get_header(SOURCE_HEADER),
    )


def copy_spans(source: BinaryIO, target: BinaryIO, spans: list[Span]) -> None:
    """Copy records as they are; records of an uncompressed WARC are gzipped one by one, as a
    .warc.gz file holds them."""
    source.seek(0)
    gzipped = source.read(2) == GZIP_MAGIC
    for span in spans:
        source.seek(span.offset)
        if gzipped:
            for block in chunks(source, span.length):
                target.write(block)
        else:
            target.write(gzip.compress(source.read(span.length) + b"\r\n\r\n"))
