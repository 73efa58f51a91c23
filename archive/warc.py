"""Raw captures in WARC files (ISO 28500, written with warcio), rotated by size.

Every response is kept as it came, with the request that asked for it, so the archive can
be parsed again, by a better parser, without fetching anything.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEFAULT_MAX_BYTES = 256 * 2**20
# An extension field (WARC 1.1 allows any; no standard one says "fetched from this web archive"):
# the web archive's address a capture's bytes were fetched from.
SOURCE_HEADER = "WARC-Source-URI"
BLOCK = 2**16


@dataclass(frozen=True)
class WarcLocation:
    """Where one response record lies: the file (relative to the WARC folder) and offset."""

    file: str
    offset: int
    record_id: str


@dataclass(frozen=True)
class CapturedResponse:
    """A response read back from a WARC file."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    location: WarcLocation


def warc_time(text: str) -> datetime:
    """A WARC-Date read back."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def status_line(status: int) -> str:
    """An HTTP status line's code and reason, e.g. "200 OK"."""
    return f"{status} {HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else 'Unknown'}"


def warc_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class WarcWriter:
    """Appends request/response pairs to `folder`, starting a new file past `max_bytes`."""

    def __init__(self, folder: Path, prefix: str, max_bytes: int = DEFAULT_MAX_BYTES, software: str = "newsarchive"):
        self.folder = folder
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.software = software
        self._sequence = 0
        self._file: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        folder.mkdir(parents=True, exist_ok=True)

    def _open_next(self) -> None:
        self.close()
        self._sequence += 1
        self._name = f"{self.prefix}-{self._sequence:05d}.warc.gz"
        self._file = open(self.folder / self._name, "ab")  # noqa: SIM115 - kept open across records
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(self._name, {"software": self.software, "format": "WARC/1.1"})
        self._writer.write_record(info)

    def write(
        self,
        url: str,
        request_headers: list[tuple[str, str]],
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
    ) -> WarcLocation:
        """Write one response and its request; returns where the response record starts."""
        if self._file is None or self._file.tell() >= self.max_bytes:
            self._open_next()
        assert self._file is not None and self._writer is not None
        http_headers = StatusAndHeaders(status_line(status), response_headers, protocol="HTTP/1.1")
        date = warc_date(fetched_at)
        response = self._writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": date},
        )
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = self._writer.create_warc_record(
            url,
            "request",
            http_headers=StatusAndHeaders(f"GET {target} HTTP/1.1", request_headers, is_http_request=True),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        offset = self._file.tell()
        self._writer.write_record(response)
        self._writer.write_record(request)
        self._file.flush()
        return WarcLocation(self._name, offset, response.rec_headers.get_header("WARC-Record-ID"))

    def close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = self._writer = None


def _captured(record, name: str, offset: int) -> CapturedResponse:
    http = record.http_headers
    if record.rec_type != "response" or http is None:
        raise ValueError(f"the record there is not an HTTP response ({record.rec_type})")
    body = record.content_stream().read()
    while record.raw_stream.read(BLOCK):  # to the record's end, where its digests are checked
        pass
    missing = getattr(record.raw_stream, "limit", 0)  # a record without Content-Length has no limit to miss
    if missing:
        raise ValueError(f"the record is cut short ({missing} of its {record.length} bytes missing)")
    return CapturedResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode() or 0),
        headers=list(http.headers),
        body=body,
        fetched_at=datetime.fromisoformat(record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")),
        location=WarcLocation(name, offset, record.rec_headers.get_header("WARC-Record-ID")),
    )


def read_response(folder: Path, location: WarcLocation) -> CapturedResponse:
    """The response record at `location`, read whole: a record shorter than its Content-Length
    (a file cut short, a gzip member that does not decompress) or whose WARC digest does not
    match raises ValueError rather than giving back part of a page."""
    with open(folder / location.file, "rb") as stream:
        stream.seek(location.offset)
        try:
            for record in ArchiveIterator(stream, check_digests="raise"):
                response = _captured(record, location.file, location.offset)
                if location.record_id and response.location.record_id != location.record_id:
                    raise ValueError(f"the record there is {response.location.record_id}, not {location.record_id}")
                return response
        except ArchiveLoadFailed as error:
            raise ValueError(str(error).strip()) from None
    raise ValueError(f"no WARC record at {location.file}:{location.offset}")
