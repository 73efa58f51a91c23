"""`import warc`: pages captured by other tools (a web archive's copies of the same site) into
the archive, as if crawled when they were captured.

Each HTML response is parsed with the parser of the registered site its host belongs to, else
with the site named (`--site`), with its WARC-Date as the capture time;
pages are taken oldest first (over all the files given), and a version captured before the
archive's newest revision of the article takes its place in time among the revisions. A capture
whose content the archive already has as a revision is linked to that revision rather than
making a new one, and a record already imported (same WARC-Record-ID) is skipped.
The records are copied byte for byte into a WARC file of the archive's own, so `reparse` and
the provenance pages work for them as for crawled pages.

A record is stored only whole: its Content-Length read to the end, its gzip member complete and
its digests (when it has them) matching; a damaged record is reported and passed over, and one
stored damaged by an earlier version is replaced by a complete copy when one comes. Pages over
the crawler's cap are not read at all, so memory stays bounded whatever the files hold.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeadersParserException
from warcio.warcwriter import WARCWriter

from archive.model import Article, ParsedPage
from archive.store import Capture, Store
from archive.urls import same_site
from archive.warc import DEFAULT_MAX_BYTES, warc_time
from crawler import sites
from crawler.parse import parse_page
from crawler.settings import DOWNLOAD_MAXSIZE
from portable.manifest import CHUNK, tool_version
from portable.warc_records import GZIP_MAGIC, RawCapture, Span, copy_spans, is_request_of, raw_capture

Wrap = Callable[[Iterable, int | None, str], Iterable]
JOB = "import-warc"
CAP = f"{DOWNLOAD_MAXSIZE / 2**20:g} MB"
DAMAGED, TOO_LARGE = "damaged", f"over {CAP}"
UNREADABLE = (ArchiveLoadFailed, StatusAndHeadersParserException, ValueError, TypeError, AttributeError, EOFError)


class WarcImportError(Exception):
    """A file that cannot be read as WARC; the text is one sentence."""


class UnusableRecordError(Exception):
    """A record that is not stored: `kind` is DAMAGED or TOO_LARGE, the text says why."""

    def __init__(self, kind: str, why: str):
        super().__init__(why)
        self.kind = kind


@dataclass(order=True)
class Candidate:
    """A response record to store, found in the first pass: an HTML page (`kind` "page",
    parsed), or a feed, a sitemap or robots.txt (kept as a capture, as the crawl keeps them)."""

    fetched_at: datetime
    file: int
    offset: int
    record_id: str = field(compare=False)
    url: str = field(compare=False)
    kind: str = field(compare=False, default="page")


@dataclass
class Skipped:
    """A record not stored, and the one line that tells the user which and why."""

    kind: str
    line: str


@dataclass
class ImportReport:
    run_id: int
    responses: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    warc_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def skipped_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for skipped in self.skipped:
            counts[skipped.kind] = counts.get(skipped.kind, 0) + 1
        return counts


def candidates(files: list[Path], wrap: Wrap | None) -> tuple[list[Candidate], list[Skipped]]:
    """Every response with status 200 in `files` the archive keeps (pages, feeds, sitemaps,
    robots.txt), oldest first, and the stretches of them that could not be read as records."""
    found: list[Candidate] = []
    skipped: list[Skipped] = []
    for number, path in enumerate(wrap(files, len(files), "files") if wrap else files):
        try:
            scan(path, number, found, skipped)
        except OSError as error:
            raise WarcImportError(f"{path} cannot be read ({error.strerror or error}).") from None
    return sorted(found), skipped


def scan(path: Path, number: int, found: list[Candidate], skipped: list[Skipped]) -> None:
    """One file's pages into `found`. Where no record can be read (a gzip member that does not
    decompress, a Content-Length that runs into the next record) reading goes on from the next
    place a record starts; a file in which no record at all can be read is not WARC."""
    with open(path, "rb") as stream, contextlib.redirect_stderr(io.StringIO()):  # warcio's own complaints
        marker = GZIP_MAGIC + b"\x08" if stream.read(2) == GZIP_MAGIC else b"WARC/"
        start: int | None = 0
        bad_from: int | None = None
        first_error: Exception | None = None
        read_any = False
        while start is not None:
            stream.seek(start)
            records = ArchiveIterator(stream)
            resume = start + 1
            try:
                for record in records:
                    if bad_from is not None and records.offset <= bad_from:
                        continue  # the record that failed, read again up to where it fails: no way past it yet
                    if bad_from is not None:
                        skipped.append(unreadable(path, bad_from, records.offset, first_error))
                        bad_from = None
                    read_any, resume = True, records.offset + 1
                    kind = capture_kind(record)
                    if kind is not None:
                        headers = record.rec_headers
                        found.append(
                            Candidate(
                                warc_time(headers.get_header("WARC-Date")),
                                number,
                                records.offset,
                                headers.get_header("WARC-Record-ID"),
                                headers.get_header("WARC-Target-URI"),
                                kind,
                            )
                        )
                start = None
            except UNREADABLE as error:
                if bad_from is None:
                    bad_from, first_error = records.offset, error
                start = next_marker(stream, resume, marker)
        if first_error is not None and not read_any:
            raise WarcImportError(f"{path} cannot be read as WARC ({reason(first_error)}).")
        if bad_from is not None:
            skipped.append(unreadable(path, bad_from, stream.seek(0, os.SEEK_END), first_error))


def capture_kind(record: ArcWarcRecord) -> str | None:
    """What a response record is to the archive: "page" (HTML), "feed", "sitemap" or "robots",
    or None (an image, an error, anything else the crawl does not keep)."""
    if record.rec_type != "response" or record.http_headers is None:
        return None
    if record.http_headers.get_statuscode() != "200":
        return None
    content_type = (record.http_headers.get_header("Content-Type") or "text/html").lower()
    path = urlsplit(record.rec_headers.get_header("WARC-Target-URI") or "").path
    if "html" in content_type:
        return "page"
    if "xml" in content_type:
        return "sitemap" if "sitemap" in path else "feed"
    return "robots" if path == "/robots.txt" else None


def next_marker(stream: BinaryIO, offset: int, marker: bytes) -> int | None:
    """Where the next record may start at or after `offset` (a gzip member's or a WARC header's
    first bytes), reading a block at a time."""
    stream.seek(offset)
    carried = b""
    while block := stream.read(CHUNK):
        found = (carried + block).find(marker)
        if found >= 0:
            return offset - len(carried) + found
        offset += len(block)
        carried = block[-(len(marker) - 1) :]
    return None


def reason(error: Exception | None) -> str:
    """warcio's message in a few printable words (it quotes the bytes it could not read)."""
    text = str(error).split(", first line")[0] if error else ""
    text = "".join(char if char.isascii() and char.isprintable() else " " for char in text)
    return " ".join(text.split())[:120] or type(error).__name__


def unreadable(path: Path, start: int, end: int, error: Exception | None) -> Skipped:
    return Skipped(
        DAMAGED,
        f"Not stored, {DAMAGED}: {path.name} from offset {start} to {end}, where no WARC record "
        f"can be read ({reason(error)}).",
    )


def read_page(stream: BinaryIO, offset: int) -> RawCapture:
    """The response at `offset` and the request written with it, read only if within the
    crawler's cap and kept only if whole; raises UnusableRecordError otherwise."""
    noise = io.StringIO()
    with contextlib.redirect_stderr(noise):
        stream.seek(offset)
        records = ArchiveIterator(stream, check_digests=True)
        try:
            response = next(records)
            if response.payload_length > DOWNLOAD_MAXSIZE:
                raise UnusableRecordError(
                    TOO_LARGE, f"a page of {response.payload_length:,} bytes, the cap being {DOWNLOAD_MAXSIZE:,}"
                )
            body = response.content_stream().read(DOWNLOAD_MAXSIZE + 1)
            if len(body) > DOWNLOAD_MAXSIZE:
                raise UnusableRecordError(TOO_LARGE, f"a page of more than {CAP} once decoded")
            records.read_to_end()
        except (*UNREADABLE, StopIteration) as error:
            raise UnusableRecordError(DAMAGED, f"it cannot be read ({reason(error)})") from None
        why = damage(response, records, noise)
        if why:
            raise UnusableRecordError(DAMAGED, why)
        spans = [Span(records.get_record_offset(), records.get_record_length())]
        with contextlib.suppress(*UNREADABLE):
            following = next(records, None)
            if following is not None and is_request_of(following, response):
                records.read_to_end()
                if damage(following, records, noise) is None:
                    spans.append(Span(records.get_record_offset(), records.get_record_length()))
    return raw_capture(response, body, spans)


def damage(record: ArcWarcRecord, records: ArchiveIterator, noise: io.StringIO) -> str | None:
    """Why a record just read to its end is not whole, or None if it is."""
    if record.length is None:
        return "it has no Content-Length"
    left = getattr(record.raw_stream, "limit", 0)
    if left:
        return f"cut short, {record.length - left} of the {record.length} bytes its Content-Length gives"
    decompressor = records.reader.decompressor
    if decompressor is not None and not decompressor.eof:
        complaint = noise.getvalue().strip().splitlines()
        return "its gzip member is cut short or does not decompress" + (f" ({complaint[0]})" if complaint else "")
    if records.err_count and record.digest_checker.passed is not True:  # matching digests: only a blank line missing
        return "it runs on past its Content-Length"
    failed = sorted(
        {
            "WARC-Block-Digest" if "block" in problem else "WARC-Payload-Digest"
            for problem in record.digest_checker.problems
            if "failed" in problem
        }
    )
    return f"its {' and '.join(failed)} do{'es' if len(failed) == 1 else ''} not match" if failed else None


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
        writer.write_record(
            writer.create_warcinfo_record(
                name,
                {"software": f"newsarchive {tool_version()}", "format": "WARC/1.1", "description": self.description},
            )
        )

    def close(self) -> None:
        if self._stream is not None:
            self._stream.flush()
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None


def import_warcs(files: list[Path], store: Store, site: str, wrap: Wrap | None = None) -> ImportReport:
    """Add the pages of `files` to `store` (and their records to its WARC folder)."""
    found, unreadable_stretches = candidates(files, wrap)
    run_id = store.start_run(
        site, "warc:" + ",".join(p.name for p in files), {"files": [str(p) for p in files]}, job=JOB
    )
    report = ImportReport(run_id, skipped=unreadable_stretches)
    known = store.capture_record_ids()
    target = ArchiveWarc(
        store.path.parent / "warc",
        f"{JOB}-{datetime.now(UTC):%Y%m%dT%H%M%S}-run{run_id}",
        "Records copied from " + ", ".join(p.name for p in files),
    )
    status = "failed"
    try:
        with contextlib.ExitStack() as stack:
            sources = [stack.enter_context(open(path, "rb")) for path in files]
            stack.callback(target.close)
            for candidate in wrap(found, len(found), "pages") if wrap else found:
                source = sources[candidate.file]
                report.responses += 1
                replacing = None
                if candidate.record_id in known:
                    replacing = damaged_copy(store, candidate.record_id)
                    if replacing is None:
                        report.add("already in the archive")
                        continue
                try:
                    raw = read_page(source, candidate.offset)
                except UnusableRecordError as unusable:
                    report.skipped.append(
                        Skipped(
                            unusable.kind,
                            f"Not stored, {unusable.kind}: "
                            f"{files[candidate.file].name} at offset {candidate.offset} "
                            f"({candidate.url}): {unusable}.",
                        )
                    )
                    continue
                if candidate.kind != "page":
                    capture = capture_of(raw, candidate.kind, *target.append(source, raw.spans))
                    if replacing is None:
                        store.add_capture(run_id, capture)
                    else:
                        store.repoint_capture(replacing, run_id, capture)
                    report.add("replaced a copy stored damaged" if replacing is not None else f"{candidate.kind} kept")
                    known.add(raw.record_id)
                    continue
                page = parsed(raw, site)
                if replacing is not None:
                    store.forget_parse(replacing)
                elif not page_worth_keeping(page):
                    report.add("not an article page")
                    continue
                outcome = add_page(store, run_id, page, raw, *target.append(source, raw.spans), replacing)
                report.add("replaced a copy stored damaged" if replacing is not None else outcome)
                known.add(raw.record_id)
        status = "finished"
    finally:
        report.warc_files = target.files
        store.finish_run(
            run_id,
            status,
            {
                "responses": report.responses,
                **report.outcomes,
                **{f"not stored, {kind}": n for kind, n in report.skipped_counts().items()},
            },
        )
    return report


def damaged_copy(store: Store, record_id: str) -> int | None:
    """The capture of `record_id`, a record the store holds, if its stored copy is not whole (an
    earlier version stored records without checking them). A copy whose WARC file is not in the
    archive's folder (a distributed crawl's, not yet brought home) cannot be judged and is taken
    as whole."""
    capture = store.first_capture_of(record_id)
    assert capture is not None
    path = store.path.parent / "warc" / capture.warc_file
    if not path.is_file():
        return None
    with open(path, "rb") as stream:
        try:
            stored = read_page(stream, capture.warc_offset)
        except UnusableRecordError as unusable:
            return capture.id if unusable.kind == DAMAGED else None
    return capture.id if stored.record_id != record_id else None


def parsed(raw: RawCapture, site: str) -> ParsedPage:
    """What a page says, read by the parser of the registered site its host belongs to, else by
    `site`'s."""
    reader = sites.reader_of(raw.url, site)
    return parse_page(raw.body, raw.url, raw.fetched_at, reader, article_expected=may_be_article(reader, raw.url))


def article_of(page: ParsedPage) -> Article | None:
    """The page's article, if it is one: a page with no headline is not (an error page, a
    listing, another site's page)."""
    return page.article if page.article is not None and page.article.headline else None


def may_be_article(site_name: str, url: str) -> bool:
    """Whether a page is taken for an article even if no template reads it (a provisional
    record then): a page of the site's own hosts at an address its rules allow for an article.
    Pages of other hosts in the WARC file are only kept when their own markup says so."""
    site = sites.site(site_name)
    parts = urlsplit(url)
    own = any(same_site(parts.netloc, host) for host in site.HOSTS)
    return own and site.is_article_path(parts.path)


def page_worth_keeping(page: ParsedPage) -> bool:
    return article_of(page) is not None or page.most_viewed is not None


def add_page(
    store: Store,
    run_id: int,
    page: ParsedPage,
    raw: RawCapture,
    warc_file: str,
    offset: int,
    replacing: int | None = None,
) -> str:
    """Record the capture and what the page says; returns what it did to the archive. With
    `replacing`, that capture (its parse taken out) is parsed again from this copy and pointed at
    it last, so a kill on the way leaves it still marked damaged for the next import."""
    article = article_of(page)
    capture = capture_of(raw, "article" if article else "listing", warc_file, offset)
    capture_id = store.add_capture(run_id, capture) if replacing is None else replacing
    outcome = ingest_page(store, run_id, page, raw, article, capture_id)
    if replacing is not None:
        store.repoint_capture(replacing, run_id, capture)
    return outcome


def capture_of(raw: RawCapture, kind: str, warc_file: str, offset: int) -> Capture:
    """The capture a response is stored as, its raw copy at `offset` of `warc_file`."""
    header = {name.lower(): value for name, value in raw.headers}
    return Capture(
        url=raw.url,
        status=raw.status,
        fetched_at=raw.fetched_at,
        kind=kind,
        size=len(raw.body),
        warc_file=warc_file,
        warc_offset=offset,
        warc_record_id=raw.record_id,
        content_type=header.get("content-type"),
        etag=header.get("etag"),
        last_modified=header.get("last-modified"),
        archive_address=raw.source,
    )


def ingest_page(
    store: Store, run_id: int, page: ParsedPage, raw: RawCapture, article: Article | None, capture_id: int
) -> str:
    same = store.revision_like(article) if article else None
    if same is not None:
        store.ingest(ParsedPage(None, page.most_viewed, page.warnings), capture_id, raw.fetched_at, run_id)
        store.merge_capture(*same, capture_id, raw.fetched_at, run_id, (raw.url,))
        return "unchanged"
    if article and store.insert_earlier_revision(article, capture_id, raw.fetched_at, run_id, (raw.url,)):
        store.ingest(ParsedPage(None, page.most_viewed, page.warnings), capture_id, raw.fetched_at, run_id)
        return "earlier revision"
    result = store.ingest(
        ParsedPage(article, page.most_viewed, page.warnings), capture_id, raw.fetched_at, run_id, (raw.url,)
    )
    return result.article or "snapshot only"
