"""Where a listed capture's original bytes are fetched from:

- an archive's replay in its `id_` form (`<replay>/<timestamp>id_/<original URL>`: the page as
  captured, with nothing of the archive's rewritten into it), which the Wayback Machine and
  pywb serve, passing the page's own headers on as X-Archive-Orig-*; the archive may answer
  with the nearest capture it has, so the capture time is read from its Memento-Datetime;
- or the WARC file a Common Crawl-style index names, by byte range: the record at `offset`,
  `length` bytes long, one gzip member of its own."""

from __future__ import annotations

import contextlib
import io
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator

from archive.warc import warc_time
from crawler.archives.cdx import ArchivedCapture
from crawler.archives.fetch import PoliteClient
from crawler.archives.records import HarvestedCapture, original_headers, without_encodings
from crawler.archives.timemap import replay_of


class CaptureUnavailableError(Exception):
    """The archive listed a capture it cannot give (gone since, or not what was listed); one
    sentence, and the harvest goes on without it."""


class CaptureSource(Protocol):
    def fetch(self, capture: ArchivedCapture) -> HarvestedCapture: ...


class ReplaySource:
    """Captures fetched from an archive's replay, in the `id_` form: under `replay`, or under
    the replay a TimeMap's memento address is in (one not in the Wayback form is fetched as
    it is)."""

    def __init__(self, client: PoliteClient, replay: str | None):
        self.client, self.replay = client, replay.rstrip("/") if replay else None

    def address(self, capture: ArchivedCapture) -> str:
        """Where the capture's bytes are fetched from: its provenance."""
        replay = replay_of(capture.memento) if capture.memento else self.replay
        if replay is None:
            if capture.memento is None:
                raise CaptureUnavailableError(f"no replay is known for {capture.url}")
            return capture.memento
        return f"{replay}/{capture.timestamp}id_/{capture.url}"

    def fetch(self, capture: ArchivedCapture) -> HarvestedCapture:
        source = self.address(capture)
        answer = self.client.get(source)
        if answer.status != 200:
            raise CaptureUnavailableError(f"{source} answered {answer.status}")
        moment = capture.moment
        stamped = answer.header("Memento-Datetime")
        if stamped:
            with contextlib.suppress(TypeError, ValueError):
                moment = parsedate_to_datetime(stamped)
        return HarvestedCapture(
            capture.url, moment, answer.status, original_headers(answer.headers), answer.body, source
        )


class ByteRangeSource:
    """Captures read from the WARC files an index names, under `files` (Common Crawl's
    https://data.commoncrawl.org/, or any server of WARC files that answers a Range request)."""

    def __init__(self, client: PoliteClient, files: str):
        self.client, self.files = client, files if files.endswith("/") else files + "/"

    def address(self, capture: ArchivedCapture) -> str:
        """The file and byte range the capture is read from: its provenance."""
        if capture.filename is None or capture.offset is None or not capture.length:
            raise CaptureUnavailableError(f"the index gives no file, offset and length for {capture.url}")
        end = capture.offset + capture.length - 1
        return f"{urljoin(self.files, capture.filename)}#bytes={capture.offset}-{end}"

    def fetch(self, capture: ArchivedCapture) -> HarvestedCapture:
        source = self.address(capture)
        file, _, span = source.partition("#bytes=")
        start, end = (int(part) for part in span.split("-"))
        answer = self.client.get(file, headers={"Range": f"bytes={start}-{end}"})
        if answer.status == 206:
            data = answer.body
        elif answer.status == 200:  # a server that ignores Range sends the whole file
            data = answer.body[start : end + 1]
        else:
            raise CaptureUnavailableError(f"{file} answered {answer.status} to a request for bytes {start}-{end}")
        return read_record(data, capture, source)


def read_record(data: bytes, capture: ArchivedCapture, source: str) -> HarvestedCapture:
    """The response record a byte range holds, as a harvested capture."""
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        if record.rec_type != "response" or record.http_headers is None:
            raise CaptureUnavailableError(f"{source} holds a {record.rec_type} record, not a response")
        body = record.content_stream().read()
    except (StopIteration, ValueError, EOFError, OSError) as error:
        raise CaptureUnavailableError(f"{source} holds no WARC record that can be read ({error})") from None
    if record.rec_headers.get_header("WARC-Target-URI") != capture.url:
        raise CaptureUnavailableError(f"{source} holds a record of another address")
    headers = without_encodings(list(record.http_headers.headers))
    return HarvestedCapture(
        capture.url,
        warc_time(record.rec_headers.get_header("WARC-Date")),
        int(record.http_headers.get_statuscode() or 0),
        headers,
        body,
        source,
    )
