"""Every response the crawler receives — article, listing, sitemap, feed, robots.txt, error
page — is written to WARC with its request and recorded in the store before anything else
looks at it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from archive.store import Capture
from crawler.session import CrawlSession, HaltedError


def header_list(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, values in headers.items() for value in values]


class WarcCaptureMiddleware:
    """A downloader middleware next to the downloader, so it sees each response as it came
    (before decompression and redirects), retries and error pages included."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        """The response, captured; a response there was no room to capture goes no further."""
        try:
            return self.capture(request, response)
        except HaltedError as error:
            raise IgnoreRequest(str(error)) from None

    def capture(self, request: Request, response: Response) -> Response:
        session = CrawlSession.of(self.crawler)
        if session.warc is None:
            return response
        fetched_at = datetime.now(UTC)
        location = session.write_warc(
            request.url,
            header_list(request.headers),
            response.status,
            header_list(response.headers),
            response.body,
            fetched_at,
        )
        kind = "robots" if request.url.endswith("/robots.txt") else request.meta.get("kind", "other")
        header = response.headers.get
        capture = Capture(
            url=request.url,
            status=response.status,
            fetched_at=fetched_at,
            kind=kind,
            size=len(response.body),
            warc_file=location.file,
            warc_offset=location.offset,
            warc_record_id=location.record_id,
            via=tuple(request.meta.get("redirect_urls", [])),
            content_type=(header(b"Content-Type") or b"").decode("latin-1") or None,
            etag=(header(b"ETag") or b"").decode("latin-1") or None,
            last_modified=(header(b"Last-Modified") or b"").decode("latin-1") or None,
            location=urljoin(request.url, (header(b"Location") or b"").decode("latin-1"))
            if header(b"Location")
            else None,
        )
        request.meta["capture_id"] = session.add_capture(capture)
        request.meta["fetched_at"] = fetched_at
        return response
