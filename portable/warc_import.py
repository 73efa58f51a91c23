"""`import warc`: pages captured by other tools (a web archive's copies of the same site) into
the archive, as if crawled when they were captured.

Each HTML response is parsed with the site's parser, with its WARC-Date as the capture time;
pages are taken oldest first (over all the files given), and a version captured before the
archive's newest revision of the article takes its place in time among the revisions. A capture
whose content the archive already has as a revision is linked to that revision rather than
making a new one, and a record already imported (same WARC-Record-ID) is skipped.
The records are copied byte for byte into a WARC file of the archive's own, so `reparse` and
the provenance pages work for them as for crawled pages.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.warcwriter import WARCWriter

from archive.model import Article, ParsedPage
from archive.store import Capture, Store
from archive.warc import DEFAULT_MAX_BYTES
from crawler.parse import parse_page
from portable.manifest import tool_version
from portable.warc_records import RawCapture, Span, copy_spans, read_capture, warc_time

Wrap = Callable[[Iterable, int | None, str], Iterable]
JOB = "import-warc"


class WarcImportError(Exception):
    """A file that cannot be read as WARC; the text is one sentence."""


@dataclass(order=True)
class Candidate:
    """A response record that may be an HTML page, found in the first pass."""

    fetched_at: datetime
    file: int
    offset: int


@dataclass
class ImportReport:
    run_id: int
    responses: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    warc_files: list[str] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def candidates(files: list[Path], wrap: Wrap | None) -> list[Candidate]:
    """Every HTML response with status 200 in `files`, oldest first."""
    found = []
    for number, path in enumerate(wrap(files, len(files), "files") if wrap else files):
        try:
            with open(path, "rb") as stream:
                records = ArchiveIterator(stream)
                for record in records:
                    if record.rec_type != "response" or record.http_headers is None:
                        continue
                    kind = record.http_headers.get_header("Content-Type") or "text/html"
                    if record.http_headers.get_statuscode() == "200" and "html" in kind.lower():
                        date = warc_time(record.rec_headers.get_header("WARC-Date"))
                        found.append(Candidate(date, number, records.get_record_offset()))
        except (ArchiveLoadFailed, OSError, ValueError, TypeError, AttributeError) as error:
            raise WarcImportError(f"{path} cannot be read as WARC ({str(error).strip() or type(error).__name__}).") \
                from None
    return sorted(found)


class ArchiveWarc:
    """The archive's own WARC files for one import: records copied in as they are, a new file
    past `max_bytes` as the crawler's writer does, each opening with a warcinfo record, and no
    file at all until a record goes in."""

    def __init__(self, folder: Path, prefix: str, description: str, max_bytes: int = DEFAULT_MAX_BYTES):
        self.folder, self.prefix, self.description, self.max_bytes = folder, prefix, description, max_bytes
        self.files: list[str] = []
        self._stream: BinaryIO | None = None

    def append(self, source: BinaryIO, spans: list[Span]) -> tuple[str, int]:
        """Copy the records; returns the file and offset where the first of them starts."""
        if self._stream is None or self._stream.tell() >= self.max_bytes:
            self._open_next()
        assert self._stream is not None
        offset = self._stream.tell()
        copy_spans(source, self._stream, spans)
        self._stream.flush()
        return self.files[-1], offset

    def _open_next(self) -> None:
        self.close()
        name = f"{self.prefix}-{len(self.files) + 1:05d}.warc.gz"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._stream = open(self.folder / name, "ab")  # noqa: SIM115 - kept open across records
        self.files.append(name)
        writer = WARCWriter(self._stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(name, {
            "software": f"newsarchive {tool_version()}", "format": "WARC/1.1", "description": self.description}))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None


def import_warcs(files: list[Path], store: Store, site: str, wrap: Wrap | None = None) -> ImportReport:
    """Add the pages of `files` to `store` (and their records to its WARC folder)."""
    found = candidates(files, wrap)
    run_id = store.start_run(site, "warc:" + ",".join(p.name for p in files),
                             {"files": [str(p) for p in files]}, job=JOB)
    report = ImportReport(run_id)
    known = store.capture_record_ids()
    target = ArchiveWarc(store.path.parent / "warc", f"{JOB}-{datetime.now(UTC):%Y%m%dT%H%M%S}-run{run_id}",
                         "Records copied from " + ", ".join(p.name for p in files))
    status = "failed"
    try:
        with contextlib.ExitStack() as stack:
            sources = [stack.enter_context(open(path, "rb")) for path in files]
            stack.callback(target.close)
            for candidate in wrap(found, len(found), "pages") if wrap else found:
                source = sources[candidate.file]
                raw = read_capture(source, candidate.offset)
                report.responses += 1
                if raw.record_id in known:
                    report.add("already in the archive")
                    continue
                page = parse_page(raw.body, raw.url, raw.fetched_at, site)
                if not page_worth_keeping(page):
                    report.add("not an article page")
                    continue
                report.add(add_page(store, run_id, page, raw, *target.append(source, raw.spans)))
                known.add(raw.record_id)
        status = "finished"
    finally:
        report.warc_files = target.files
        store.finish_run(run_id, status, {"responses": report.responses, **report.outcomes})
    return report


def article_of(page: ParsedPage) -> Article | None:
    """The page's article, if it is one: a page with no headline is not (an error page, a
    listing, another site's page)."""
    return page.article if page.article is not None and page.article.headline else None


def page_worth_keeping(page: ParsedPage) -> bool:
    return article_of(page) is not None or page.most_viewed is not None


def add_page(store: Store, run_id: int, page: ParsedPage, raw: RawCapture, warc_file: str, offset: int) -> str:
    """Record the capture and what the page says; returns what it did to the archive."""
    header = {name.lower(): value for name, value in raw.headers}
    article = article_of(page)
    capture_id = store.add_capture(run_id, Capture(
        url=raw.url, status=raw.status, fetched_at=raw.fetched_at, kind="article" if article else "listing",
        size=len(raw.body), warc_file=warc_file, warc_offset=offset, warc_record_id=raw.record_id,
        content_type=header.get("content-type"), etag=header.get("etag"), last_modified=header.get("last-modified")))
    same = store.revision_like(article) if article else None
    if same is not None:
        store.ingest(ParsedPage(None, page.most_viewed, page.warnings), capture_id, raw.fetched_at, run_id)
        store.merge_capture(*same, capture_id, raw.fetched_at, run_id, (raw.url,))
        return "unchanged"
    if article and store.insert_earlier_revision(article, capture_id, raw.fetched_at, run_id, (raw.url,)):
        store.ingest(ParsedPage(None, page.most_viewed, page.warnings), capture_id, raw.fetched_at, run_id)
        return "earlier revision"
    result = store.ingest(ParsedPage(article, page.most_viewed, page.warnings), capture_id, raw.fetched_at, run_id,
                          (raw.url,))
    return result.article or "snapshot only"


