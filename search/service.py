"""The one search service the command line, the web front-end and exports use.

Queries: words (all must match), "phrases", OR, NOT, fields (author:, section:, tag:,
headline:, …), date ranges (published:[2016-01-01 TO 2016-03-31], open-ended too), and
wildcards with a bound on how many words they may stand for. Results come with facet counts
over the whole result set, highlighted snippets, a date histogram over the period the search
is limited to beside the archive's own counts, "did you mean" for every misspelt word, the
totals without each filter, and a cursor that walks every hit once.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import operator
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import Field as DataclassField
from dataclasses import asdict, dataclass, field, make_dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from whoosh import collectors, highlight, index, qparser, query, sorting
from whoosh.collectors import TimeLimit
from whoosh.index import EmptyIndexError
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from archive.fields import FIELDS, NEVER_LISTED, Field, Indexed, flag_text
from search.array_queries import array_query, evaluate
from search.caseless import caseless
from search.documents import DOCUMENT_FORMAT
from search.facet_words import FacetWords
from search.highlighting import SnippetAnalyzer
from search.indexer import STATE, current_generation, read_state
from search.khmer import KhmerQueryParser
from search.postings import read_postings
from search.postings_cache import PostingsCache
from search.schema import ANALYZER, CASELESS_FIELDS, FACETS, QUERY_FIELDS, date_text
from search.segment_arrays import COLUMNS, address_ranks, arrays_of, rank_addresses
from search.spelling import corrected

MAX_QUERY_LENGTH = 1000
MAX_WILDCARD_TERMS = 256
MAX_PAGE_SIZE = 100
TIME_LIMIT = 5.0
SORTS = ("relevance", "newest", "oldest", "most-viewed")
HISTOGRAMS = ("month", "year")
FEW_HITS = 3  # a search finding fewer is offered "did you mean" and the totals without each filter
PERIOD_FIELDS = ("year", "month")  # with the published date, what limits a search to a period
CACHED_PERIODS = 32
FIELD_PREFIX = re.compile(r"(?:^|(?<=[\s(\-+]))([A-Za-z_]+):")
DATE_VALUE = re.compile(r"(?:^|(?<=[\s(\-+]))published:(\[[^\]]*\]|\{[^}]*\}|[^\s()]+)")


class QueryError(Exception):
    """A query or parameter that cannot be answered; the text is one sentence for the user."""


class IndexBusyError(QueryError):
    """The index cannot be opened at this moment (a rebuild is switching generations, or its
    files are being replaced): the same request may well be answered a moment later."""


@dataclass
class SearchRequest:
    query: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    excludes: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    cursor: str | None = None
    histogram: str | None = "month"


HIT_FIELDS = tuple(row for row in FIELDS if row.hit is not None)
if TYPE_CHECKING:

    class Hit:
        """What the type checker knows of a hit: a dataclass whose fields, made from
        archive/fields.py at import, it cannot see, so each one reads as Any."""

        __dataclass_fields__: ClassVar[dict[str, DataclassField[Any]]]

        def __init__(self, **fields: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...
else:
    Hit = make_dataclass(
        "Hit",
        [(row.name, row.hit) for row in HIT_FIELDS],
        namespace={
            "__module__": __name__,
            "__doc__": "One article as the search shows it: the fields archive/fields.py gives a hit.",
        },
    )


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    page_size: int
    pages: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    histogram: list[tuple[str, int, int]]
    did_you_mean: str | None
    next_cursor: str | None
    index_version: str
    histogram_by: str | None = None  # month when the search is limited to one year, whatever was asked

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class DroppedFilter:
    """One facet filter or exclusion of a request, and the total the search has without it."""

    name: str
    value: str
    excluded: bool
    total: int


def check_query(text: str) -> None:
    """Refuse, in one sentence, what the parser would guess at."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is {len(text):,} characters long; the limit is {MAX_QUERY_LENGTH:,}.")
    if text.count('"') % 2:
        raise QueryError('The query has an unbalanced quotation mark (").')
    depth = {"(": 0, "[": 0, "{": 0}
    closing = {")": "(", "]": "[", "}": "{"}
    for char in re.sub(r'"[^"]*"', "", text):
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                raise QueryError(f"The query closes a bracket ({char}) it never opened.")
    for opening, count in depth.items():
        if count:
            raise QueryError(f"The query opens a bracket ({opening}) it never closes.")
    for name in FIELD_PREFIX.findall(re.sub(r'"[^"]*"', "", text)):
        if name not in QUERY_FIELDS:
            raise QueryError(f"There is no field {name}:; the fields are {', '.join(QUERY_FIELDS)}.")
    for value in DATE_VALUE.findall(text):
        check_date_value(value)


def check_date_value(value: str) -> None:
    """A `published:` value is a date (2016, 2016-03, 2016-03-11) or a range of them with
    open ends allowed ([2016-01-01 TO], {2016 TO 2017}); anything else is refused, never
    guessed at or silently matched to nothing."""
    ends = re.split(r"\s*\bTO\b\s*", value[1:-1].strip()) if value[:1] in "[{" else [value]
    if value[:1] in "[{" and len(ends) != 2:
        raise QueryError(f"The date range published:{value} needs the form [2016-01-01 TO 2016-03-31].")
    for end in (e.strip() for e in ends):
        if not end:
            continue
        parts = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", end)
        try:
            if parts is None:
                raise ValueError
            date(int(parts[1]), int(parts[2] or 1), int(parts[3] or 1))
        except ValueError:
            raise QueryError(
                f"{end!r} in published:{value} is not a date; write 2016, 2016-03 or 2016-03-11."
            ) from None


class BitmapCollector(collectors.WrappingCollector):
    """Collects every match once: into its child (the page of hits) and into a bitmap (bit n
    for document n), from which facet counts and the timeline are one AND and a popcount per
    value. It also stops a query that runs past the time limit."""

    def prepare(self, top_searcher: Searcher, q: query.Query, context: Any) -> None:
        super().prepare(top_searcher, q, context)
        if hasattr(self.child, "replace"):
            self.child.replace = 0  # no matcher replacement: it skips documents that cannot make the page
        self.bits = bytearray(top_searcher.doc_count_all() // 8 + 1)
        self.deadline = time.monotonic() + TIME_LIMIT

    def collect_matches(self) -> None:
        child, bits = self.child, self.bits
        offset = child.offset
        for count, sub_docnum in enumerate(child.matches()):
            docnum = offset + sub_docnum
            bits[docnum >> 3] |= 1 << (docnum & 7)
            child.collect(sub_docnum)
            if count % 4096 == 0 and time.monotonic() > self.deadline:
                raise TimeLimit

    def bitmap(self) -> int:
        return int.from_bytes(self.bits, "little")


class EveryScore(collectors.ScoredCollector):
    """Keeps every match's document number and score (Whoosh's top-N collector keeps N, and
    breaks ties by where a document lies in the index)."""

    def __init__(self) -> None:
        super().__init__(replace=0)
        self.docs: list[int] = []
        self.scores: list[float] = []

    def _collect(self, global_docnum: int, score: float) -> int:
        self.docs.append(global_docnum)
        self.scores.append(score)
        return 0


class SearchService:
    """Opens the index's current generation and keeps one searcher per thread, refreshed
    when the index has new commits and reopened when a rebuild has replaced it."""

    def __init__(self, root: Path):
        self.root = root
        self._local = threading.local()
        self._cache: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        self._ranks: dict[str, np.ndarray] = {}
        self._words: dict[str, dict[str, FacetWords]] = {}
        self._sort_keys: dict[str, dict[str, np.ndarray]] = {}
        self._periods: dict[tuple[str, str], int] = {}
        self._postings = PostingsCache()
        generation = current_generation(root)
        if generation is None:
            raise QueryError(f"There is no index in {root}; run 'newsarchive index' first.")
        if (generation / STATE).is_file() and read_state(generation).get("format") != DOCUMENT_FORMAT:
            raise QueryError(
                f"The index in {root} was built by another version of newsarchive, with other fields or other "
                "word analysis; run 'newsarchive index' to rebuild it."
            )

    # -- searchers ----------------------------------------------------------------------

    def searcher(self) -> Searcher:
        generation = current_generation(self.root)
        local = self._local
        try:
            if getattr(local, "generation", None) != generation:
                if getattr(local, "searcher", None) is not None:
                    local.searcher.close()
                    local.generation = local.searcher = None
                ix = index.open_dir(str(generation))
                local.generation, local.index, local.searcher = generation, ix, ix.searcher()
            elif not local.searcher.up_to_date():
                local.searcher = local.searcher.refresh()
        except (EmptyIndexError, OSError):
            raise IndexBusyError(
                f"The index in {self.root} cannot be read at the moment (it may be being replaced); try again shortly."
            ) from None
        return local.searcher

    def version(self, searcher: Searcher | None = None) -> str:
        """The index version `searcher` reads (this thread's, by default): the generation and
        Whoosh's commit number. Taken from the searcher itself, never from the files beside it,
        so whatever is cached under a version (facet bitmaps, a cursor) describes the searcher
        that made it, even while a commit lands."""
        searcher = searcher or self.searcher()
        return f"{Path(searcher._ix.storage.folder).name}@{searcher.reader().generation()}"

    def fingerprint(self, searcher: Searcher | None = None) -> str:
        """What identifies the data `searcher` (this thread's, by default) serves, for HTTP
        validators: its version and the segments it reads. A segment's name is drawn at random
        when it is written, so an index rebuilt from scratch under the same generation number
        and commit number still gives another fingerprint."""
        searcher = searcher or self.searcher()
        segments = sorted(leaf.segment().segment_id() for leaf, _ in searcher.reader().leaf_readers())
        digest = hashlib.sha256(" ".join(segments).encode()).hexdigest()[:12]
        return f"{self.version(searcher)}-{digest}"

    @contextlib.contextmanager
    def pinned(self) -> Iterator[Searcher]:
        """A searcher of its own over the index as it stands now, never refreshed, for work
        that reads many pages (an export, a harvest): every page comes from one version, so a
        commit landing meanwhile neither breaks the walk nor shifts its pages."""
        generation = current_generation(self.root)
        if generation is None:
            raise QueryError(f"There is no index in {self.root}; run 'newsarchive index' first.")
        searcher = index.open_dir(str(generation)).searcher()
        try:
            yield searcher
        finally:
            searcher.close()

    def parser(self, searcher: Searcher) -> qparser.QueryParser:
        return KhmerQueryParser("text", searcher.schema, group=qparser.AndGroup)

    # -- searching ----------------------------------------------------------------------

    def parse(self, text: str, searcher: Searcher) -> query.Query:
        text = text.strip()
        check_query(text)
        if not text:
            return query.Every()
        try:
            parsed = self.parser(searcher).parse(text)
        except (ValueError, TypeError) as problem:
            raise QueryError(f"The query cannot be read ({problem}); see the query syntax.") from None
        masks = self.facet_masks(searcher)
        parsed = caseless(parsed, {name: masks[name].keys() for name in CASELESS_FIELDS})
        reader = searcher.reader()
        for leaf in parsed.leaves():
            if isinstance(leaf, query.Wildcard | query.Prefix):
                shown = leaf.text + ("*" if isinstance(leaf, query.Prefix) else "")
                for count, _ in enumerate(leaf.expanded_terms(reader), 1):
                    if count > MAX_WILDCARD_TERMS:
                        raise QueryError(
                            f'The wildcard "{shown}" stands for more than {MAX_WILDCARD_TERMS} words; make it longer.'
                        )
        return parsed

    def search(self, request: SearchRequest, searcher: Searcher | None = None) -> SearchResult:
        """One page of hits with the whole result set's figures, from `searcher` (a pinned
        one) or this thread's current searcher."""
        validate(request)
        searcher = searcher or self.searcher()
        parsed = self.parse(request.query, searcher)
        offset = (
            decode_cursor(request.cursor, self.version(searcher), request)
            if request.cursor
            else (request.page - 1) * request.page_size
        )
        found = array_query(parsed, searcher)
        if found is not None:
            page, matched = self.ranked(found, request, offset + request.page_size, searcher)
        else:
            page, matched = self.collected(parsed, request, offset + request.page_size, searcher)
        total = matched.bit_count()
        marked = query_words(parsed, searcher)
        hits = [to_hit(fields, marked) for fields in page[offset:]]
        words = self.facet_words(searcher)
        month_shown = len(request.filters.get("year", [])) == 1  # the months of the one year chosen
        facets = {
            name: facet_counts(name, words[name], matched) if name != "month" or month_shown else [] for name in FACETS
        }
        histogram_by: str | None = None
        histogram: list[tuple[str, int, int]] = []
        if request.histogram:
            period = self.period(parsed, request, searcher)
            histogram_by, histogram = self.histogram(matched, request.histogram, period, searcher)
        suggestion = self.did_you_mean(parsed, request, total, searcher) if total < FEW_HITS else None
        following = offset + request.page_size
        cursor = encode_cursor(following, self.version(searcher), request) if following < total else None
        pages = max(1, -(-total // request.page_size))
        return SearchResult(
            request.query,
            total,
            offset // request.page_size + 1,
            request.page_size,
            pages,
            hits,
            facets,
            histogram,
            suggestion,
            cursor,
            self.version(searcher),
            histogram_by,
        )

    def did_you_mean(self, parsed: query.Query, request: SearchRequest, total: int, searcher: Searcher) -> str | None:
        """The query with each word the index does not hold corrected, if that finds more."""
        typed = request.query.strip()  # as parsed: the words' places are in this text
        if not typed:
            return None
        correction = corrected(parsed, typed, searcher)
        better = (
            correction.query != parsed
            and correction.string != typed
            and self.matches(restricted(correction.query, request), searcher).bit_count() > total
        )
        return correction.string if better else None

    def without_each_filter(self, request: SearchRequest, searcher: Searcher | None = None) -> list[DroppedFilter]:
        """For each facet filter and exclusion of `request`, the total its search has without
        it: where a search that finds little can widen, and by how much."""
        searcher = searcher or self.searcher()
        values = [(name, value, False) for name, chosen in request.filters.items() for value in chosen]
        values += [(name, value, True) for name, chosen in request.excludes.items() for value in chosen]
        if not values:
            return []
        matched = self.query_bits(self.parse(request.query, searcher), searcher)
        dropped = []
        for name, value, excluded in values:
            side = request.excludes if excluded else request.filters
            others = {key: [v for v in chosen if key != name or v != value] for key, chosen in side.items()}
            without = replace(request, excludes=others) if excluded else replace(request, filters=others)
            dropped.append(
                DroppedFilter(name, value, excluded, (matched & self.allowed(without, searcher)).bit_count())
            )
        return dropped

    def query_bits(self, parsed: query.Query, searcher: Searcher) -> int:
        """The bitmap of every match of the query alone, no facet filter applied, under the
        time limit (its matches may be many more than the filtered search's)."""
        found = array_query(parsed, searcher)
        if found is not None:
            docs, _ = evaluate(found, searcher, self._postings)
            bits = np.zeros(searcher.doc_count_all(), dtype=bool)
            bits[docs] = True
            return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")
        collector = BitmapCollector(searcher.collector(limit=1, optimize=False))
        try:
            searcher.search_with_collector(parsed, collector)
        except TimeLimit:
            raise QueryError(f"The query took longer than {TIME_LIMIT:g} s; narrow it down.") from None
        return collector.bitmap()

    def period(self, parsed: query.Query, request: SearchRequest, searcher: Searcher) -> int:
        """The bitmap of the articles of the period the search is limited to: those of its
        year and month filters and of the published ranges, years and months the query asks
        for as a whole (not under OR or NOT); every article when it names none."""
        masks = self.facet_masks(searcher)
        bits = masks["__all__"][""]
        for name in PERIOD_FIELDS:
            if request.filters.get(name):
                bits &= functools.reduce(operator.or_, (masks[name].get(value, 0) for value in request.filters[name]))
        for clause in conjuncts(parsed):
            if isinstance(clause, query.NumericRange) and clause.fieldname == "published":
                bits &= self.range_bits(clause, searcher)
            elif isinstance(clause, query.Term) and clause.fieldname in PERIOD_FIELDS:
                bits &= masks[clause.fieldname].get(clause.text, 0)
        return bits

    def range_bits(self, dates: query.NumericRange, searcher: Searcher) -> int:
        """The bitmap of a published range's articles, kept per index version for the few
        ranges last asked for: a researcher pages through one period, page after page."""
        version = self.version(searcher)
        key = (version, repr(dates))
        kept = self._periods  # another thread may replace the cache meanwhile, never change this one
        found = kept.get(key)
        if found is None:
            found = self.query_bits(dates, searcher)  # the arrays' answer (deleted documents too: callers mask them)
            if len(kept) >= CACHED_PERIODS or any(made != version for made, _ in kept):
                kept = {}
            self._periods = kept | {key: found}
        return found

    def collected(
        self, parsed: query.Query, request: SearchRequest, limit: int, searcher: Searcher
    ) -> tuple[list[dict], int]:
        """The first `limit` hits' stored fields and the bitmap of every match, from one pass of
        Whoosh's matchers over the whole result set (any query, any order). By relevance every
        match's score is kept and the page picked as `ranked` picks it, ties by address."""
        scored = EveryScore() if request.sort == "relevance" else None
        child = scored or searcher.collector(limit=limit, sortedby=sort_facet(request.sort), optimize=False)
        collector = BitmapCollector(child)
        try:
            searcher.search_with_collector(restricted(parsed, request), collector)
        except TimeLimit:
            raise QueryError(f"The query took longer than {TIME_LIMIT:g} s; narrow it down.") from None
        if scored is not None:
            docs = np.array(scored.docs, dtype=np.int64)
            return self.best_first(docs, np.array(scored.scores, dtype=np.float64), limit, searcher), collector.bitmap()
        results = collector.results()
        return [results[k].fields() for k in range(min(limit, len(results)))], collector.bitmap()

    def ranked(
        self, found: query.Query, request: SearchRequest, limit: int, searcher: Searcher
    ) -> tuple[list[dict], int]:
        """As `collected`, for a query the arrays answer (search/array_queries.py), in any
        order: the matches and their scores as arrays, the facet filters as bitmaps, and only
        the page sorted."""
        docs, scores = evaluate(found, searcher, self._postings)
        count = searcher.doc_count_all()
        allowed = np.unpackbits(
            np.frombuffer(self.allowed(request, searcher).to_bytes(count // 8 + 1, "little"), dtype=np.uint8),
            count=count,
            bitorder="little",
        ).view(bool)
        kept = allowed[docs]
        docs, scores = docs[kept], scores[kept]
        bits = np.zeros(count, dtype=bool)
        bits[docs] = True
        page = (
            self.best_first(docs, scores, limit, searcher)
            if request.sort == "relevance"
            else self.sorted_first(docs, request.sort, limit, searcher)
        )
        return page, int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")

    def best_first(self, docs: np.ndarray, scores: np.ndarray, limit: int, searcher: Searcher) -> list[dict]:
        """The stored fields of the `limit` best documents, best first, ties by address; only
        those that can make the page are sorted."""
        if len(docs) > limit:
            best = scores >= np.partition(scores, len(scores) - limit)[len(scores) - limit]
            docs, scores = docs[best], scores[best]
        order = np.lexsort((self.address_ranks(searcher)[docs], -scores))[:limit]
        return [searcher.stored_fields(int(docnum)) for docnum in docs[order]]

    def sorted_first(self, docs: np.ndarray, sort: str, limit: int, searcher: Searcher) -> list[dict]:
        """The stored fields of the first `limit` documents in the order `sort_facet` gives
        Whoosh, from each document's sort keys as arrays (the raw column values Whoosh
        compares), the address last."""
        keys = self.sort_keys(searcher)
        by_address = self.address_ranks(searcher)[docs]
        if sort == "newest":  # undated last (their date is the column's largest value), then newest first
            dates = keys["published"][docs]
            undated = dates == keys["undated"]
            order = np.lexsort((by_address, -np.where(undated, 0, dates).astype(np.int64), undated))
        elif sort == "oldest":
            order = np.lexsort((by_address, keys["published"][docs]))
        elif sort == "most-viewed":
            order = np.lexsort((by_address, -keys["minutes_listed"][docs].astype(np.int64), keys["best_rank"][docs]))
        else:
            raise ValueError(f"no order {sort!r}")
        return [searcher.stored_fields(int(docnum)) for docnum in docs[order[:limit]]]

    def sort_keys(self, searcher: Searcher) -> dict[str, np.ndarray]:
        """Each document's raw value of the sort fields (and "undated": the published column's
        value for a document without a date), over the whole index; once per index version."""
        key = self.version(searcher)
        if key not in self._sort_keys:
            columns: dict[str, list[np.ndarray]] = {name: [] for name in COLUMNS}
            for sub, _ in searcher.leaf_searchers():
                reader = sub.reader()
                for name in COLUMNS:
                    columns[name].append(self._postings.numbers(reader.segment().segment_id(), reader, name))
            made = {name: np.concatenate(parts) if parts else np.zeros(0, np.uint64) for name, parts in columns.items()}
            made["undated"] = np.asarray(searcher.schema["published"].column_type._default, dtype=np.uint64)
            self._sort_keys = {key: made}
        return self._sort_keys[key]

    def allowed(self, request: SearchRequest, searcher: Searcher) -> int:
        """The bitmap of the documents the request's facet filters let through (as `restricted`
        narrows a query), deleted documents left out."""
        masks = self.facet_masks(searcher)
        bits = masks["__all__"][""]
        for name, values in request.filters.items():
            if values:
                bits &= functools.reduce(operator.or_, (masks[name].get(value, 0) for value in values))
        for name, values in request.excludes.items():
            for value in values:
                bits &= ~masks[name].get(value, 0)
        return bits

    @staticmethod
    def matches(parsed: query.Query, searcher: Searcher) -> int:
        """Every matching document, as a bitmap (bit n set for document n): facet counts are
        then one AND and a popcount per value, in C, instead of a Python loop per hit."""
        bits = bytearray(searcher.doc_count_all() // 8 + 1)
        for docnum in parsed.docs(searcher):
            bits[docnum >> 3] |= 1 << (docnum & 7)
        return int.from_bytes(bits, "little")

    def facet_masks(self, searcher: Searcher) -> dict[str, dict[str, int]]:
        """For every value of a facet (or of a field matched without case), the bitmap of its
        documents, deleted ones left out; built once per index version from each segment's
        documents of each value (`value_documents`)."""
        key = ("masks", self.version(searcher))
        if key not in self._cache:
            count = searcher.doc_count_all()
            live = live_documents(searcher)
            masks: dict[str, dict[str, int]] = {}
            for name in dict.fromkeys((*FACETS, *CASELESS_FIELDS)):
                found: dict[bytes, list[np.ndarray]] = {}
                for sub, offset in searcher.leaf_searchers():
                    for term, docs in value_documents(sub.reader(), name).items():
                        found.setdefault(term, []).append(docs + offset)
                masks[name] = {}
                for term, parts in found.items():
                    bits = np.zeros(count, dtype=bool)
                    bits[np.concatenate(parts)] = True
                    masks[name][term.decode("utf-8")] = bitmap(bits & live)
            masks["__all__"] = {"": bitmap(live)}
            self._cache = {key: masks}
        return self._cache[key]

    def facet_words(self, searcher: Searcher) -> dict[str, FacetWords]:
        """Every facet's value bitmaps as rows of machine words (`facet_masks`, for counting);
        once per index version."""
        key = self.version(searcher)
        if key not in self._words:
            masks, count = self.facet_masks(searcher), searcher.doc_count_all()
            self._words = {key: {name: FacetWords.of(masks[name], count) for name in FACETS}}
        return self._words[key]

    def address_ranks(self, searcher: Searcher) -> np.ndarray:
        """Each document's place in address order (the sort's last key); once per index version."""
        key = self.version(searcher)
        if key not in self._ranks:
            reader = searcher.reader()
            ranks = address_ranks(reader)
            self._ranks = {key: rank_addresses(reader) if ranks is None else ranks}
        return self._ranks[key]

    def histogram(
        self, matched: int, by: str, period: int, searcher: Searcher
    ) -> tuple[str, list[tuple[str, int, int]]]:
        """What the timeline is by, and (period, hits, articles of the archive in that period)
        for every period with articles within the one the search is limited to (`period`, a
        bitmap): a search of one year is by month over that year (by year it would be one
        bar), one of a range over that range, any other over the whole archive. The archive's
        count is of the articles within the limit too, so a share of a period the limit cuts
        through is a share of the same days."""
        words = self.facet_words(searcher)
        if np.count_nonzero(words["year"].counts(period)) <= 1:
            by = "month"
        periods = words[by]
        hits, articles = periods.counts(matched), periods.counts(period)
        rows = sorted(
            (label, int(found), int(within))
            for label, found, within in zip(periods.values, hits, articles, strict=True)
            if within
        )
        return by, rows

    def more_like_this(self, url: str, count: int = 5) -> list[Hit]:
        searcher = self.searcher()
        docnum = searcher.document_number(url=url)
        if docnum is None:
            raise QueryError(f"There is no article {url} in the index.")
        found = searcher.more_like(docnum, "text", text=searcher.stored_fields(docnum).get("body", ""), top=count)
        return [to_hit(hit.fields(), {}) for hit in found]

    def harvest(self, request: SearchRequest) -> list[Hit]:
        """Every hit of a query, page after page with the cursor."""
        hits: list[Hit] = []
        request.page_size = MAX_PAGE_SIZE
        with self.pinned() as searcher:
            while True:
                result = self.search(request, searcher)
                hits.extend(result.hits)
                if result.next_cursor is None:
                    return hits
                request.cursor = result.next_cursor


def validate(request: SearchRequest) -> None:
    if request.sort not in SORTS:
        raise QueryError(f"Sort {request.sort!r} is not one of {', '.join(SORTS)}.")
    if request.histogram not in (*HISTOGRAMS, None):
        raise QueryError(f"A histogram is by {' or '.join(HISTOGRAMS)}, not {request.histogram!r}.")
    if not 1 <= request.page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"A page holds 1 to {MAX_PAGE_SIZE} results, not {request.page_size}.")
    if request.page < 1:
        raise QueryError("Pages are numbered from 1.")
    for name in (*request.filters, *request.excludes):
        if name not in FACETS:
            raise QueryError(f"There is no facet {name!r}; the facets are {', '.join(FACETS)}.")


def value_documents(reader: SegmentReader, field: str) -> dict[bytes, np.ndarray]:
    """Each value of a facet field in one segment and its documents: from the segment's
    mapped arrays, else read from its postings (Whoosh's `all_ids` walks them a document at a
    time)."""
    mapped = arrays_of(reader)
    found = mapped.values(field) if mapped is not None else None
    if found is not None:
        return found
    return {term: read_postings(reader, field, term, False).docs for term in reader.lexicon(field)}


def live_documents(searcher: Searcher) -> np.ndarray:
    """Whether each document of the index is live (not deleted by an update)."""
    live = np.ones(searcher.doc_count_all(), dtype=bool)
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if reader.has_deletions():
            deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
            live[deleted + offset] = False
    return live


def bitmap(bits: np.ndarray) -> int:
    """A boolean array as a bitmap (bit n set for document n), for AND and popcount in C."""
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def facet_counts(name: str, facet: FacetWords, matched: int) -> list[tuple[str, int]]:
    """(value, hits) of one facet over the result set, the commonest first; but the years
    newest first, as a timeline is read and as library catalogues list them, so that a year
    is found where it falls and the years missing from a result show as gaps."""
    counts = [(value, int(count)) for value, count in zip(facet.values, facet.counts(matched), strict=True) if count]
    if name == "year":
        return sorted(counts, key=lambda kv: kv[0], reverse=True)
    return sorted(counts, key=lambda kv: (-kv[1], kv[0]))


def conjuncts(parsed: query.Query) -> list[query.Query]:
    """The parts a query's every match must match (of `a b NOT c`: a and b)."""
    if isinstance(parsed, query.And):
        return [part for child in parsed.subqueries for part in conjuncts(child)]
    if isinstance(parsed, query.AndNot):
        return conjuncts(parsed.a)
    return [parsed]


def sort_facet(sort: str) -> sorting.FacetType:
    """The order of hits; ties go by the article's address, so the same archive gives the same
    order after any rebuild and pages never repeat or skip a hit. Undated articles come last
    under newest and oldest alike."""
    address = sorting.FieldFacet("url")
    if sort == "newest":  # a missing date sorts above every date in Whoosh: the year ('' when undated) goes first
        return sorting.MultiFacet(
            [sorting.FieldFacet("year", reverse=True), sorting.FieldFacet("published", reverse=True), address]
        )
    if sort == "oldest":
        return sorting.MultiFacet([sorting.FieldFacet("published"), address])
    if sort == "most-viewed":
        return sorting.MultiFacet(
            [sorting.FieldFacet("best_rank"), sorting.FieldFacet("minutes_listed", reverse=True), address]
        )
    raise ValueError(f"relevance is ordered by the scores, not a sort facet ({sort!r})")


def restricted(parsed: query.Query, request: SearchRequest) -> query.Query:
    """The query narrowed by the request's facet filters: values within one facet widen (OR),
    facets narrow each other (AND), excluded values are taken out. Filters score nothing, so
    relevance is the query's alone. (In the query rather than as Whoosh filters, which its
    time-limit collector would bypass.)"""
    kept = [
        query.Or([query.Term(name, value) for value in values]) for name, values in request.filters.items() if values
    ]
    if kept:
        parsed = query.And([parsed, query.ConstantScoreQuery(query.And(kept), 0.0)])
    dropped = [query.Term(name, value) for name, values in request.excludes.items() for value in values]
    return query.AndNot(parsed, query.Or(dropped)) if dropped else parsed


def encode_cursor(offset: int, version: str, request: SearchRequest) -> str:
    payload = json.dumps({"o": offset, "v": version, "q": request_key(request)})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, version: str, request: SearchRequest) -> int:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, made_for, key = int(payload["o"]), payload["v"], payload["q"]
    except (ValueError, KeyError, TypeError):
        raise QueryError("The cursor is not one this service gave out.") from None
    if key != request_key(request):
        raise QueryError("The cursor belongs to another query; start again without it.")
    if made_for != version:
        raise QueryError("The index has changed since this cursor was given out; start again without it.")
    return offset


def request_key(request: SearchRequest) -> str:
    text = json.dumps([request.query, request.filters, request.excludes, request.sort], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ExcerptFormatter(highlight.HtmlFormatter):
    """Whoosh's HTML highlighting, with an ellipsis where a snippet starts after the text's
    start or stops before its end, so a reader can tell an excerpt from the whole."""

    def format(self, fragments: list[highlight.Fragment], replace: bool = False) -> str:
        formatted = super().format(fragments, replace)
        if not fragments:
            return formatted
        first, last = min(fragments, key=lambda f: f.startchar), max(fragments, key=lambda f: f.endchar)
        before = ELLIPSIS if first.text[: first.startchar].strip() else ""
        after = ELLIPSIS if last.text[last.endchar :].strip() else ""
        return f"{before}{formatted}{after}"


ELLIPSIS = "…"
SNIPPETS = SnippetAnalyzer(ANALYZER)
FORMATTER = ExcerptFormatter(tagname="mark", classname="match", termclass="t", between=" … ")
WHOLE = highlight.WholeFragmenter()
CONTEXT = highlight.ContextFragmenter(maxchars=300, surround=60)


def query_words(parsed: query.Query, searcher: Searcher) -> dict[str, frozenset[str]]:
    """The indexed words the query matches, per text field (wildcards expanded, the words of
    phrases too: a Khmer word the analyzer cuts in two is a phrase)."""
    words: dict[str, set[str]] = {}
    reader = searcher.reader()
    for leaf in parsed.leaves():
        found = leaf.expanded_terms(reader) if isinstance(leaf, query.Wildcard | query.Prefix) else leaf.terms(True)
        for name, text in found:
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            for shown in ("headline", "body") if name == "text" else (name,):
                words.setdefault(shown, set()).add(word)
    return {name: frozenset(found) for name, found in words.items()}


class EarlierFirst(highlight.BasicFragmentScorer):
    """Whoosh's fragment score, ties going to the earlier fragment (Whoosh itself breaks ties
    by comparing fragment objects, so the same page could show different snippets)."""

    def __call__(self, fragment: highlight.Fragment) -> float:
        return super().__call__(fragment) - fragment.startchar * 1e-9


def mark(text: str, words: frozenset[str], fragmenter: highlight.Fragmenter, top: int) -> str:
    """`text` escaped, with the query's words marked; the same text and words always give
    the same snippet."""
    if not words:
        return ""
    analyzer = SNIPPETS.around(words, fragmenter) if isinstance(fragmenter, highlight.ContextFragmenter) else SNIPPETS
    return highlight.highlight(text, words, analyzer, fragmenter, FORMATTER, top=top, scorer=EarlierFirst())


def opening(text: str, limit: int = 240) -> str:
    """The first `limit` characters of `text` or fewer, ending at a word's end, with an
    ellipsis when there is more."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not text[limit].isspace() and " " in cut:  # the cut falls inside a word: stop before it
        cut = cut.rsplit(None, 1)[0]
    return cut.rstrip(" ,;:") + ELLIPSIS


def stored_value(row: Field, fields: dict[str, Any]) -> Any:
    """The record's value of `row` read back from a document's stored fields: a list of values
    split again, a date as the record wrote it, a flag a yes or no again."""
    if row.index is Indexed.FLAG:
        return fields.get(row.key) == flag_text(True)
    if row.index is Indexed.KEYWORDS:
        return [value for value in fields.get(row.key, "").split(",") if value]
    return fields.get(date_text(row.key) if row.index is Indexed.DATE else row.key, row.default)


def to_hit(fields: dict[str, Any], marked: dict[str, frozenset[str]]) -> Hit:
    """A hit (its stored fields) as the front-ends show it: snippets are HTML, the archived
    text escaped and the query's words marked; a rank of an article never listed is none."""
    body = " ".join(fields.get("body", "").split())
    headline = fields.get("headline", "")
    best = fields.get("best_rank")
    made = {  # what a hit shows that no stored field holds as it is shown
        "snippet": mark(body, marked.get("body", frozenset()), CONTEXT, 2) or highlight.htmlescape(opening(body)),
        "headline_html": mark(headline, marked.get("headline", frozenset()), WHOLE, 1)
        or highlight.htmlescape(headline),
        "best_rank": best if best and best < NEVER_LISTED else None,
        "hours_listed": round(fields.get("minutes_listed", 0) / 60, 2),
    }
    return Hit(**{row.name: made[row.name] if row.name in made else stored_value(row, fields) for row in HIT_FIELDS})
