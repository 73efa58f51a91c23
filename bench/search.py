"""Search benchmark: build rate, index size and query latency of the project's Whoosh index
(`search.indexer` + `search.service`) against plain Whoosh and, as a ceiling, tantivy.

The corpus: the replica site of `samplesite` (seed `--seed`, `--articles` generated articles plus
the seed page and its sidebar), every article's ground-truth record as served at the site's last
moment, ingested into a real store (`archive.store.Store`) as parsed pages; `--windows` Most viewed
lists spread evenly over the site's years ride along on 1-4 article pages each, captured at
different minutes of their window, so best rank, minutes listed and the popularity band vary.
Preparing the store is not timed; with `--work DIR` it is kept and reused for the same seed,
article count and windows, and so are the three indices with the build figures measured when
they were written, as long as the indexing code (search/schema.py, documents.py, indexer.py,
khmer.py, archive/fields.py and this file) is the same (`--rebuild` measures the builds again).

Builds (timed, one after the other, each reading the store's current records itself and
converting them with `search.documents.to_document` inside the clock):

* ours: `search.indexer.rebuild(store, root, procs=2, limitmb=256)`, all fields, facets and
  popularity, as `newsarchive index --rebuild` does it.
* plain Whoosh 2.7.4: the best-configured plain writer (procs=2, limitmb=256, multisegment=True,
  compound=False) on the same text fields headline, standfirst, body and captions with
  `StemmingAnalyzer`, the url as a stored ID, and only what the query mix needs besides: author
  (KEYWORD) and published (DATETIME), neither sortable; headline and body stored for the results.
* tantivy (Python bindings): the same fields (text with the `en_stem` tokenizer, url and author
  raw, published an indexed date), with its default writer (`index.writer()`), then commit and
  wait for the merges.

* ours with Khmer: the same build of a second store, a copy of the first with articles of the
  replica's Khmer edition (same seed) added, a third of the whole (`KHMER_SHARE`): what the
  Khmer word segmenter (search/khmer.py) costs a build.

Documents per second, seconds and index size on disk are reported for each, the ratio of our
build time to plain Whoosh's (target <= 1.1x; ours includes the arrays written beside the
index, search/segment_arrays.py), and the ratio of our English build's documents per second to
those of the build with Khmer (target <= 1.3x).

Latency: a fixed mix of `--per-kind` queries of each of ten kinds, drawn with the seed from
English articles of the corpus: one word, two words of one article, a phrase of two or three
adjacent words, `author:"Name"`, `published:[YYYY-MM-DD TO YYYY-MM-DD]` (7 to 366 days around an
article's date), two words joined by `OR`, a word `NOT` another of the same article, the first
four letters of a word as a wildcard (`gove*`), an open-ended range (`published:[YYYY-MM-DD TO]`)
and one word sorted newest first. Every engine runs the whole mix once to warm up, then once
timed, one query at a time in this process:

* ours: `SearchService.search(SearchRequest(query=q, sort=…, histogram="month"))`: 10 hits, the
  total, all facets, highlighted snippets and a monthly histogram.
* plain Whoosh: `MultifieldParser` over the text fields (AND group) on one reused searcher,
  `searcher.search(q, limit=10)`, the total (`len(results)`), and a body highlight (HTML, context
  fragments as ours) for each of the 10 hits; no facets. Its schema sorts by nothing, so the
  sorted kind is skipped and counted.
* tantivy: the same query text (dates become RFC 3339 instants: the first second of the first day
  to the last second of the last), parsed with the text fields as defaults and
  `conjunction_by_default=True`; 10 hits with the count, each hit's stored document and a body
  snippet (`SnippetGenerator`). A query tantivy cannot parse, and the sorted kind, are skipped
  and counted.

p50/p95/p99 (nearest rank) per kind and overall (and overall for the warm-up pass, whose
queries find fewer of their words' postings already read); a query our service refuses (its time limit)
counts at the time it took to give up. Targets: our overall p95 below 300 ms, and every kind's
p95 at most 50 ms. As a check
that the engines answer the same question, the number of queries whose total equals ours is
shown.

Run: cd /work/main && PYTHONPATH=. .venv/bin/python bench/search.py [--articles 100000] [--seed 1]
[--windows 300] [--per-kind 50] [--work DIR] [--rebuild] [--json]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the import path, and this file would stand
# in for the project's `search` package: take the folder off.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import tantivy
from whoosh import fields, highlight, index, qparser
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer

import archive.fields
import search
from archive.model import Article, MostViewedEntry, MostViewedSnapshot, ParsedPage
from archive.store import Store
from cli.progress import progress
from samplesite.corpus import Corpus, SiteConfig
from search.documents import to_document
from search.indexer import current_generation, rebuild
from search.service import QueryError, SearchRequest, SearchService

PROCS = 2
LIMIT_MB = 256
TARGET_BUILD_RATIO = 1.1  # our build time over plain Whoosh's
TARGET_KHMER_RATIO = 1.3  # our English build's documents per second over the build with Khmer's
TARGET_P95_MS = 300.0
TARGET_KIND_P95_MS = 50.0
TEXT_FIELDS = ("headline", "standfirst", "body", "captions")
KINDS = ("term", "two terms", "phrase", "author", "date range", "or", "not", "wildcard", "open range", "newest")
SORTED = {"newest": "newest"}  # the kinds that ask for an order other than relevance
ENGINES = ("ours", "plain Whoosh", "tantivy")
WITH_KHMER = "ours with Khmer"  # built and timed only, from the store with Khmer articles
KHMER_SHARE = 1 / 3
DISTINCT_ATTEMPTS = 20  # draws per query before a kind may repeat a query
SPANS_DAYS = (7, 31, 92, 366)
WORD = re.compile(r"[A-Za-z]{3,}")
DATE_RANGE = re.compile(r"published:\[(\d{4}-\d{2}-\d{2}) TO (\d{4}-\d{2}-\d{2})\]")
PLAIN_FIELDS = ("url", *TEXT_FIELDS, "author", "published")
PREPARED = "prepared.json"
BUILDS = "builds.json"


@dataclass(frozen=True)
class Query:
    kind: str
    text: str

    @property
    def sort(self) -> str:
        return SORTED.get(self.kind, "relevance")


@dataclass
class Build:
    """One engine's timed build (or the figures recorded when a reused index was built)."""

    engine: str
    documents: int
    seconds: float
    bytes: int
    built_at: str
    code: str
    reused: bool = False

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else float("inf")


@dataclass
class Latency:
    """One engine's timed pass over the query mix: milliseconds per query (None where skipped)
    and total hits (None where skipped or failed); and the milliseconds of its warm-up pass,
    which shows what caches filled by earlier queries do for later ones."""

    engine: str
    milliseconds: list[float | None] = field(default_factory=list)
    first_pass: list[float | None] = field(default_factory=list)
    totals: list[int | None] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def percentiles(
        self, queries: list[Query], kind: str | None = None, first: bool = False
    ) -> dict[str, float | None]:
        values = sorted(
            ms
            for query, ms in zip(queries, self.first_pass if first else self.milliseconds, strict=True)
            if ms is not None and kind in (None, query.kind)
        )
        return {f"p{p}": percentile(values, p) for p in (50, 95, 99)}


def percentile(values: list[float], p: int) -> float | None:
    """Nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)] if values else None


def code_fingerprint() -> str:
    """What the indices depend on besides the corpus: the project's indexing code and this file
    (read when this module is loaded, as near as can be to when that code was imported)."""
    digest = hashlib.sha256()
    for path in (
        *(Path(search.__file__).parent / name for name in ("schema.py", "documents.py", "indexer.py", "khmer.py")),
        Path(archive.fields.__file__),
        Path(__file__),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE = code_fingerprint()


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


# -- the corpus, in a store (not timed) -----------------------------------------------------------


def snapshot_of(corpus: Corpus, moment: datetime) -> MostViewedSnapshot:
    truth = corpus.most_viewed_truth(moment)
    return MostViewedSnapshot(
        site=truth["site"],
        seen_at=truth["window_start"],
        page_url=corpus.edition.origin + "/",
        entries=[MostViewedEntry(**entry) for entry in truth["entries"]],
    )


def sightings(corpus: Corpus, windows: int, pages: int, seed: int) -> dict[int, tuple[MostViewedSnapshot, datetime]]:
    """Which article pages (by position) carry a Most viewed list, and when they were captured:
    1-4 pages per window, at different minutes within it."""
    rng = random.Random(f"{seed}:sightings")
    end = corpus.config.end
    first = corpus.published(corpus.order[40])
    step = (end - first) / windows
    carried: list[tuple[MostViewedSnapshot, datetime]] = []
    for k in range(windows):
        moment = first + step * (k + 0.5)
        snapshot = snapshot_of(corpus, moment)
        start = datetime.fromisoformat(snapshot.seen_at)
        minutes = sorted(rng.sample(range(corpus.config.window_minutes), rng.randint(1, 4)))
        carried += [(snapshot, start + timedelta(minutes=m)) for m in minutes]
    positions = rng.sample(range(pages), len(carried))
    return dict(zip(positions, carried, strict=True))


def prepare_store(folder: Path, seed: int, articles: int, windows: int) -> dict[str, Any]:
    """The store of the corpus in `folder`, made unless a finished one for the same corpus is there."""
    wanted = {"seed": seed, "articles": articles, "windows": windows}
    marker = folder / PREPARED
    if marker.is_file():
        prepared = json.loads(marker.read_text())
        if {key: prepared.get(key) for key in wanted} == wanted:
            return prepared | {"reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    print(f"preparing the store: {articles:,} articles, {windows} Most viewed windows", file=sys.stderr, flush=True)
    corpus = Corpus(SiteConfig(seed=seed, count=articles))
    end = corpus.config.end
    ids = corpus.newest_first(end)
    carried = sightings(corpus, windows, len(ids), seed)
    with Store(folder / "archive.sqlite3") as store:
        for position, i in enumerate(progress(ids, len(ids), "pages")):
            record = corpus.article(i).truth(end)
            snapshot, captured_at = carried.get(position, (None, end))
            article = Article.from_dict(record | {"fetched_url": record["url"], "fetched_at": captured_at.isoformat()})
            store.ingest(ParsedPage(article, snapshot), None, captured_at, None)
        listed = store.listed_url_count()
    prepared = wanted | {
        "documents": len(ids),
        "sightings": len(carried),
        "articles_listed": listed,
        "seconds": time.perf_counter() - started,
    }
    marker.write_text(json.dumps(prepared))
    return prepared | {"reused": False}


def prepare_khmer_store(folder: Path, english: Path, prepared: dict[str, Any]) -> int:
    """A copy of the English store in `english` with the Khmer edition's articles added, a
    `KHMER_SHARE` of the whole, unless the English store was reused and the copy is there; the
    number of Khmer articles."""
    khmer = round(prepared["documents"] * KHMER_SHARE / (1 - KHMER_SHARE))
    marker = folder / PREPARED
    if prepared["reused"] and marker.is_file() and json.loads(marker.read_text()).get("khmer") == khmer:
        return khmer
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"preparing the store with Khmer: {khmer:,} articles added", file=sys.stderr, flush=True)
    corpus = Corpus(SiteConfig(seed=prepared["seed"], count=khmer, edition="km"))
    end = corpus.config.end
    with Store(english / "archive.sqlite3") as source:
        source.backup_to(folder / "archive.sqlite3")
    with Store(folder / "archive.sqlite3") as store:
        for i in progress(corpus.order, khmer, "pages"):
            record = corpus.article(i).truth(end)
            article = Article.from_dict(record | {"fetched_url": record["url"], "fetched_at": end.isoformat()})
            store.ingest(ParsedPage(article, None), None, end, None)
    marker.write_text(json.dumps({"khmer": khmer}))
    return khmer


# -- the queries --------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    return list(dict.fromkeys(w.lower() for w in WORD.findall(text) if w.lower() not in STOP_WORDS))


def phrases_of(paragraphs: list[str]) -> list[list[str]]:
    """Runs of two or three adjacent plain words (no punctuation or stop word between them)."""
    found = []
    for paragraph in paragraphs:
        tokens = paragraph.split()
        plain = [WORD.fullmatch(t) is not None and t.lower() not in STOP_WORDS for t in tokens]
        for k in range(len(tokens) - 1):
            if plain[k] and plain[k + 1]:
                found.append([t.lower() for t in tokens[k : k + 2]])
                if k + 2 < len(tokens) and plain[k + 2]:
                    found.append([t.lower() for t in tokens[k : k + 3]])
    return found


def query_from(kind: str, record: dict[str, Any], rng: random.Random) -> str | None:
    """One query of `kind` drawn from one article's record, or None if the article has none."""
    text = " ".join([record["headline"] or "", record["standfirst"] or "", *record["body"]])
    if kind == "term":
        words = words_of(text)
        return rng.choice(words) if words else None
    if kind == "two terms":
        words = words_of(text)
        return " ".join(rng.sample(words, 2)) if len(words) >= 2 else None
    if kind == "phrase":
        phrases = phrases_of(record["body"])
        return '"' + " ".join(rng.choice(phrases)) + '"' if phrases else None
    if kind == "author":
        return f'author:"{rng.choice(record["authors"])}"' if record["authors"] else None
    if kind in ("or", "not"):
        words = words_of(text)
        return f" {kind.upper()} ".join(rng.sample(words, 2)) if len(words) >= 2 else None
    if kind == "wildcard":
        words = [word for word in words_of(text) if len(word) > 4]
        return rng.choice(words)[:4] + "*" if words else None
    if kind == "open range":
        return f"published:[{record['published'][:10]} TO]"
    if kind == "newest":
        return query_from("term", record, rng)
    span = rng.choice(SPANS_DAYS)
    start = date.fromisoformat(record["published"][:10]) - timedelta(days=rng.randrange(span))
    return f"published:[{start} TO {start + timedelta(days=span - 1)}]"


def make_queries(seed: int, articles: int, per_kind: int) -> list[Query]:
    """`per_kind` queries of each kind, drawn from English articles, in a seeded shuffled order;
    distinct, unless the kind has fewer values than that (authors: a few dozen)."""
    corpus = Corpus(SiteConfig(seed=seed, count=articles))
    end = corpus.config.end
    english = [i for i in corpus.order if corpus.article(i).language == "en"]
    rng = random.Random(f"{seed}:queries")
    queries = []
    for kind in KINDS:
        made: list[str] = []
        attempts = 0
        while len(made) < per_kind:
            text = query_from(kind, corpus.article(rng.choice(english)).truth(end), rng)
            attempts += 1
            if text is not None and (text not in made or attempts > DISTINCT_ATTEMPTS * per_kind):
                made.append(text)
        queries += [Query(kind, text) for text in made]
    rng.shuffle(queries)
    return queries


# -- builds (timed) -----------------------------------------------------------------------------


def plain_schema() -> fields.Schema:
    return fields.Schema(
        url=fields.ID(stored=True, unique=True),
        headline=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        standfirst=fields.TEXT(analyzer=StemmingAnalyzer()),
        body=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        captions=fields.TEXT(analyzer=StemmingAnalyzer()),
        author=fields.KEYWORD(commas=True, lowercase=False),
        published=fields.DATETIME(),
    )


def tantivy_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("url", stored=True, tokenizer_name="raw", index_option="basic")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=name in ("headline", "body"), tokenizer_name="en_stem")
    builder.add_text_field("author", tokenizer_name="raw", index_option="basic")
    builder.add_date_field("published", indexed=True)
    return builder.build()


def build_ours(store: Store, folder: Path) -> int:
    return rebuild(store, folder, procs=PROCS, limitmb=LIMIT_MB, wrap=progress).documents


def build_plain(store: Store, folder: Path) -> int:
    folder.mkdir(parents=True)
    writer = index.create_in(str(folder), plain_schema()).writer(
        procs=PROCS, limitmb=LIMIT_MB, multisegment=True, compound=False
    )
    count = 0
    for record in progress(store.current_records(), store.article_count(), "articles"):
        document = to_document(record, None)
        writer.add_document(**{name: document[name] for name in PLAIN_FIELDS if name in document})
        count += 1
    writer.commit()
    return count


def build_tantivy(store: Store, folder: Path) -> int:
    folder.mkdir(parents=True)
    writer = tantivy.Index(tantivy_schema(), path=str(folder)).writer()
    count = 0
    for record in progress(store.current_records(), store.article_count(), "articles"):
        document = to_document(record, None)
        values = {name: document[name] for name in PLAIN_FIELDS if name in document}
        if "author" in values:
            values["author"] = values["author"].split(",")
        writer.add_document(tantivy.Document(**values))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


def index_folder(engine: str, folder: Path) -> Path:
    """Where the engine's index files are (ours: the current generation)."""
    return (current_generation(folder) or folder) if engine in ("ours", WITH_KHMER) else folder


def timed_build(engine: str, builder: Callable[[Store, Path], int], store: Store, folder: Path) -> Build:
    shutil.rmtree(folder, ignore_errors=True)
    print(f"building: {engine}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    documents = builder(store, folder)
    seconds = time.perf_counter() - started
    return Build(
        engine,
        documents,
        seconds,
        folder_bytes(index_folder(engine, folder)),
        datetime.now(UTC).isoformat(timespec="seconds"),
        CODE,
    )


def builds(stores: dict[str, Store], work: Path, again: bool) -> list[Build]:
    """Each engine's build from its store: timed now, or the recorded figures of an index
    already in `work` that the same code built."""
    record = work / BUILDS
    recorded = json.loads(record.read_text()) if record.is_file() and not again else {}
    builders = {"ours": build_ours, "plain Whoosh": build_plain, "tantivy": build_tantivy, WITH_KHMER: build_ours}
    done = []
    for engine, store in stores.items():
        folder = folder_of(work, engine)
        if recorded.get(engine, {}).get("code") == CODE and folder.is_dir():
            done.append(Build(**recorded[engine] | {"reused": True}))
            continue
        built = timed_build(engine, builders[engine], store, folder)
        recorded[engine] = asdict(built)
        record.write_text(json.dumps(recorded))
        done.append(built)
    return done


# -- latency (timed) ----------------------------------------------------------------------------


def run_ours(folder: Path) -> Callable[[Query], int]:
    service = SearchService(folder)

    def search(asked: Query) -> int:
        return service.search(SearchRequest(query=asked.text, sort=asked.sort, histogram="month")).total

    return search


def run_plain(folder: Path) -> Callable[[Query], int]:
    ix = index.open_dir(str(folder))
    searcher = ix.searcher()
    parser = qparser.MultifieldParser(list(TEXT_FIELDS), ix.schema, group=qparser.AndGroup)
    formatter = highlight.HtmlFormatter(tagname="mark")
    fragmenter = highlight.ContextFragmenter(maxchars=300, surround=60)

    def search(asked: Query) -> int:
        if asked.sort != "relevance":
            raise UnsupportedQueryError("the plain schema sorts by nothing")
        text = asked.text
        results = searcher.search(parser.parse(text), limit=10)
        results.formatter, results.fragmenter = formatter, fragmenter
        for hit in results[:10]:
            hit.highlights("body", text=hit.fields().get("body", ""), top=2)
        return len(results)

    return search


def tantivy_text(text: str) -> str:
    return DATE_RANGE.sub(lambda m: f"published:[{m[1]}T00:00:00Z TO {m[2]}T23:59:59Z]", text)


class UnsupportedQueryError(Exception):
    """A query the engine's query language cannot express."""


def run_tantivy(folder: Path) -> Callable[[Query], int]:
    ix = tantivy.Index.open(str(folder))
    ix.reload()
    searcher = ix.searcher()
    schema = ix.schema

    def search(asked: Query) -> int:
        if asked.sort != "relevance":
            raise UnsupportedQueryError("sorted searches are not measured here")
        try:
            parsed = ix.parse_query(tantivy_text(asked.text), list(TEXT_FIELDS), conjunction_by_default=True)
        except ValueError as error:
            raise UnsupportedQueryError(str(error)) from None
        found = searcher.search(parsed, 10)
        snippets = tantivy.SnippetGenerator.create(searcher, parsed, schema, "body")
        for _, address in found.hits:
            snippets.snippet_from_doc(searcher.doc(address)).to_html()
        return found.count

    return search


def measure(engine: str, run_query: Callable[[Query], int], queries: list[Query]) -> Latency:
    """A warm-up pass over the mix, then a timed one."""
    latency = Latency(engine)
    for label in ("warm-up", "timed"):
        print(f"{engine}: {label} pass", file=sys.stderr, flush=True)
        latency = Latency(engine, first_pass=latency.milliseconds)
        for query in progress(queries, len(queries), "queries"):
            milliseconds, total = None, None
            started = time.perf_counter()
            try:
                total = run_query(query)
            except UnsupportedQueryError as error:
                latency.skipped.append(f"{query.text} ({error})")
            except QueryError as error:  # counted at the time it took to give up
                latency.failed.append(f"{query.text}: {error}")
                milliseconds = 1000 * (time.perf_counter() - started)
            else:
                milliseconds = 1000 * (time.perf_counter() - started)
            latency.milliseconds.append(milliseconds)
            latency.totals.append(total)
    return latency


def folder_of(work: Path, engine: str) -> Path:
    return work / engine.replace(" ", "-")


def latencies(work: Path, queries: list[Query]) -> list[Latency]:
    runners = {"ours": run_ours, "plain Whoosh": run_plain, "tantivy": run_tantivy}
    return [measure(engine, runners[engine](folder_of(work, engine)), queries) for engine in ENGINES]


# -- report ---------------------------------------------------------------------------------------


def milliseconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def row(label: str, groups: list[list[str]]) -> str:
    return f"{label:<12}" + "   ".join("".join(f"{cell:>8}" for cell in group) for group in groups)


def agreement(runs: list[Latency]) -> dict[str, int]:
    ours = runs[0].totals
    return {
        run.engine: sum(t is not None and t == o for t, o in zip(run.totals, ours, strict=True)) for run in runs[1:]
    }


def verdicts(done: list[Build], runs: list[Latency], queries: list[Query]) -> tuple[float, float, float | None]:
    """Our build time over plain Whoosh's, our English build's documents per second over those
    of the build with Khmer, and our overall p95."""
    built = {build.engine: build for build in done}
    ratio = built["ours"].seconds / built["plain Whoosh"].seconds
    khmer = built["ours"].docs_per_second / built[WITH_KHMER].docs_per_second
    return ratio, khmer, runs[0].percentiles(queries)["p95"]


def report(
    prepared: dict[str, Any], done: list[Build], runs: list[Latency], queries: list[Query], per_kind: int
) -> str:
    ratio, khmer, p95 = verdicts(done, runs, queries)
    how = "reused" if prepared["reused"] else f"prepared in {prepared['seconds']:.0f} s"
    lines = [
        f"corpus: {prepared['articles']:,} articles (seed {prepared['seed']}), {prepared['documents']:,} in the "
        f"store ({how}); {prepared['windows']} Most viewed windows on {prepared['sightings']} pages, "
        f"{prepared['articles_listed']} articles listed; the store with Khmer adds {prepared['khmer']:,} articles "
        "of the Khmer edition",
        f"Whoosh procs={PROCS} limitmb={LIMIT_MB}; {tantivy.__version__}, default writer; indexing code {CODE}",
        "",
        f"{'build':<14}{'documents':>11}{'seconds':>10}{'docs/s':>9}{'index MB':>10}",
    ]
    for built in done:
        note = f"  (recorded {built.built_at}, same code)" if built.reused else ""
        lines.append(
            f"{built.engine:<14}{built.documents:>11,}{built.seconds:>10.1f}{built.docs_per_second:>9.0f}"
            f"{built.bytes / 1e6:>10.0f}{note}"
        )
    verdict = "met" if ratio <= TARGET_BUILD_RATIO else "NOT met"
    khmer_verdict = "met" if khmer <= TARGET_KHMER_RATIO else "NOT met"
    lines += [
        f"build time ours/plain Whoosh: {ratio:.2f}x (target <= {TARGET_BUILD_RATIO:g}x: {verdict})",
        f"docs/s ours English only/{WITH_KHMER} ({KHMER_SHARE:.0%} Khmer): {khmer:.2f}x "
        f"(target <= {TARGET_KHMER_RATIO:g}x: {khmer_verdict})",
        "",
        f"latency ms, {len(queries)} queries ({per_kind} per kind), after a warm-up pass",
        f"{'':<12}" + "   ".join(f"{run.engine:>24}" for run in runs),
        row("kind", [["p50", "p95", "p99"] for _ in runs]),
    ]
    lines += [
        row(kind or "overall", [list(map(milliseconds, run.percentiles(queries, kind).values())) for run in runs])
        for kind in (*KINDS, None)
    ]
    lines.append(
        row("warm-up", [list(map(milliseconds, run.percentiles(queries, first=True).values())) for run in runs])
        + "   (overall, the first pass over the mix)"
    )
    verdict = "met" if p95 is not None and p95 < TARGET_P95_MS else "NOT met"
    lines.append(f"our overall p95: {milliseconds(p95)} ms (target < {TARGET_P95_MS:g} ms: {verdict})")
    slowest = max(KINDS, key=lambda kind: runs[0].percentiles(queries, kind)["p95"] or 0.0)
    worst = runs[0].percentiles(queries, slowest)["p95"]
    verdict = "met" if worst is not None and worst <= TARGET_KIND_P95_MS else "NOT met"
    lines.append(
        f"our slowest kind by p95: {slowest}, {milliseconds(worst)} ms (target <= {TARGET_KIND_P95_MS:g} ms: {verdict})"
    )
    same = agreement(runs)
    lines.append(
        "queries whose total equals ours: " + ", ".join(f"{name} {n}/{len(queries)}" for name, n in same.items())
    )
    for run in runs[1:]:
        differ = [
            f"{q.text} ({ours} vs {theirs})"
            for q, ours, theirs in zip(queries, runs[0].totals, run.totals, strict=True)
            if ours is not None and theirs is not None and ours != theirs
        ]
        if differ:
            lines.append(f"totals ours vs {run.engine}, first of {len(differ)} that differ: " + "; ".join(differ[:5]))
    for run in runs:
        for label, texts in (("skipped", run.skipped), ("failed", run.failed)):
            if texts:
                lines.append(f"{run.engine} {label} {len(texts)}: " + "; ".join(texts[:5]))
    return "\n".join(lines)


def figures(prepared: dict[str, Any], done: list[Build], runs: list[Latency], queries: list[Query]) -> dict[str, Any]:
    ratio, khmer, p95 = verdicts(done, runs, queries)
    return {
        "corpus": prepared,
        "procs": PROCS,
        "limitmb": LIMIT_MB,
        "tantivy_version": tantivy.__version__,
        "builds": {b.engine: asdict(b) | {"docs_per_second": b.docs_per_second} for b in done},
        "build_ratio": ratio,
        "target_build_ratio": TARGET_BUILD_RATIO,
        "khmer_share": KHMER_SHARE,
        "khmer_build_ratio": khmer,
        "target_khmer_ratio": TARGET_KHMER_RATIO,
        "our_p95_ms": p95,
        "target_p95_ms": TARGET_P95_MS,
        "target_kind_p95_ms": TARGET_KIND_P95_MS,
        "latency_ms": {
            run.engine: {kind or "overall": run.percentiles(queries, kind) for kind in (*KINDS, None)} for run in runs
        },
        "warm_up_latency_ms": {run.engine: run.percentiles(queries, first=True) for run in runs},
        "totals_equal_to_ours": agreement(runs),
        "skipped": {run.engine: run.skipped for run in runs},
        "failed": {run.engine: run.failed for run in runs},
        "queries": [
            asdict(q) | {run.engine: {"ms": run.milliseconds[k], "total": run.totals[k]} for run in runs}
            for k, q in enumerate(queries)
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=100_000, help="generated articles in the corpus")
    parser.add_argument("--seed", type=int, default=1, help="seed of the replica site and of the query mix")
    parser.add_argument("--windows", type=int, default=300, help="Most viewed windows put in the store")
    parser.add_argument("--per-kind", type=int, default=50, help="queries of each of the ten kinds")
    parser.add_argument(
        "--work",
        type=Path,
        help="keep the store and indices here and reuse them (default: a temporary folder, removed at the end)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build (and time) the indices even if --work has them")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        work = (args.work or Path(scratch)) / f"seed{args.seed}-articles{args.articles}-windows{args.windows}"
        prepared = prepare_store(work / "store", args.seed, args.articles, args.windows)
        prepared["khmer"] = prepare_khmer_store(work / "store-km", work / "store", prepared)
        with Store(work / "store" / "archive.sqlite3") as store, Store(work / "store-km" / "archive.sqlite3") as km:
            stores = {engine: store for engine in ENGINES} | {WITH_KHMER: km}
            done = builds(stores, work, args.rebuild or not prepared["reused"])
        queries = make_queries(args.seed, args.articles, args.per_kind)
        runs = latencies(work, queries)
        if args.json:
            print(json.dumps(figures(prepared, done, runs, queries)))
        else:
            print(report(prepared, done, runs, queries, args.per_kind))


if __name__ == "__main__":
    main()
