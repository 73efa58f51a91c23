"""An independent oracle for the search front-ends: every search request evaluated by brute
force over the store's current records and its Most viewed snapshots, in plain Python.

The schema's analyzer (`search.schema.ANALYZER`) says what a word is; everything else — which
articles match, how many, facet counts, timelines, the order of hits under each sort and an
approximate BM25F score for relevance — is computed here from the records themselves.

Semantics (README "Searching", and the rules the service is held to):

- unqualified words and phrases search the headline, standfirst, body, image captions with
  their credits, and the article's authors and tags; a phrase never runs from one of those
  parts into the next (nor from one author or tag into the next);
- field values (`author:`, `tag:`, `section:`, …) match without regard to case; facet filters
  and exclusions take the exact values the facets show;
- facet counts are over the whole result set, `month` only when exactly one year is filtered,
  ordered by count (descending) then value, but `year` by year, newest first;
- the timeline covers the period the request is limited to (its year and month filters, and
  the published ranges, years and months its query asks for as a whole, not under OR or
  NOT), the archive's count of each period within it too, and is by month when that period
  has articles of one year at most;
- newest and oldest order by the publication time as printed (the paper's own zone), articles
  without one last; most-viewed by best rank, then minutes listed (descending); every tie,
  relevance included, goes to the smaller URL;
- page n holds hits (n-1)·size to n·size-1, `pages` is ceil(total / size) and at least 1;
- exports hold the whole result set, whatever page was asked for;
- an article is provisional (facet value true) only when its record says so: a record stored
  without the field is not (false).
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from whoosh.analysis import RegexTokenizer

from search.schema import ANALYZER

FACET_NAMES = ("section", "author", "year", "month", "tag", "site", "language", "popularity", "provisional")
SORT_NAMES = ("relevance", "newest", "oldest", "most-viewed")
EXPORT_COLUMNS = (
    "url",
    "headline",
    "published",
    "authors",
    "section",
    "tags",
    "language",
    "best_rank",
    "hours_listed",
    "popularity",
    "provisional",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEVER_LISTED = 1000
HEADLINE_COPIES = 3  # the headline counts three times among the words an unqualified query searches
HEADLINE_BOOST = 3.0  # and `headline:` words weigh three times
K1, B = 1.2, 0.75  # BM25F's parameters (Whoosh's defaults)
# Relevance: the service's order may only put an article first whose score is lower than the
# next one's by less than this (Whoosh stores field lengths in a byte, about 4 % apart).
RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE = 0.06, 0.05
RESERVED = {"and", "or", "not", "to", "andnot", "andmaybe"}  # words the query parser reads as operators
SURFACE = RegexTokenizer()


def analysed(text: str | None) -> tuple[str, ...]:
    """The indexed words of a text, in order (the schema's analyzer)."""
    return tuple(token.text for token in ANALYZER(text)) if text else ()


def surface(text: str | None) -> list[str]:
    """The words of a text as printed, each one a word the analyzer reads (or drops)."""
    return [token.text for token in SURFACE(text)] if text else []


def band(best_rank: int) -> str:
    """The popularity band of a best rank in Most viewed."""
    if best_rank <= 3:
        return "top3"
    if best_rank <= 10:
        return "top10"
    return "listed" if best_rank < NEVER_LISTED else "never"


def flag(value: object) -> str:
    """A yes or no as the facet and a CSV cell write it."""
    return "true" if value else "false"


def neutralise(value: object) -> str:
    """A CSV cell as documented: lists joined by |, a yes or no as true or false, formula starts
    prefixed with '."""
    if isinstance(value, bool):
        return flag(value)
    text = "|".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def contains(sequence: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """Whether `run` appears in `sequence` as consecutive words."""
    size = len(run)
    first = run[0]
    for start in range(len(sequence) - size + 1):
        if sequence[start] == first and sequence[start : start + size] == run:
            return True
    return False


# -- articles ------------------------------------------------------------------------------


@dataclass
class Article:
    """One current record with what the oracle reads from it."""

    url: str
    record: dict
    parts: tuple[tuple[str, ...], ...]  # the runs of words a phrase must stay within
    finest: tuple[tuple[str, ...], ...]  # the same words cut at every paragraph, caption and credit
    coarsest: tuple[tuple[str, ...], ...]  # … and cut only between headline, standfirst, body, captions, names, tags
    frequencies: Counter[str]
    length: int
    headline: tuple[str, ...]
    published: datetime | None  # wall time in the paper's zone, as printed
    facets: dict[str, frozenset[str]]
    values: dict[str, frozenset[str]]  # lower-cased, for field queries
    best_rank: int
    minutes: int
    printed: dict[str, list[str]]  # part kind -> words as printed, for making queries

    @property
    def words(self) -> set[str]:
        """Every indexed word an unqualified query can find in the article."""
        return set(self.frequencies)

    def hit(self) -> dict[str, Any]:
        """The hit the front-ends should show for this article (snippets aside)."""
        record = self.record
        return {
            "url": self.url,
            "headline": record.get("headline") or "",
            "published": record.get("published") or None,
            "authors": [a.replace(",", " ") for a in record.get("authors") or [] if a],
            "section": record.get("section") or None,
            "tags": [t.replace(",", " ") for t in record.get("tags") or [] if t],
            "language": record.get("language") or None,
            "best_rank": self.best_rank if self.best_rank < NEVER_LISTED else None,
            "hours_listed": round(self.minutes / 60, 2),
            "popularity": band(self.best_rank),
            "provisional": record.get("provisional") is True,
        }

    def csv_row(self) -> list[str]:
        hit = self.hit()
        return [neutralise(hit[column]) for column in EXPORT_COLUMNS]

    def json_row(self) -> dict[str, Any]:
        hit = self.hit()
        return {column: hit[column] for column in EXPORT_COLUMNS}


def read_article(record: dict, best_rank: int, minutes: int) -> Article:
    """The oracle's reading of one record."""
    headline = record.get("headline") or ""
    standfirst = record.get("standfirst") or ""
    body = [p for p in record.get("body") or [] if p]
    images = record.get("images") or []
    captions = [image.get("caption") or "" for image in images]
    credits = [image.get("credit") or "" for image in images]
    authors = [a.replace(",", " ") for a in record.get("authors") or [] if a]
    tags = [t.replace(",", " ") for t in record.get("tags") or [] if t]
    captioned = "\n".join(" ".join(filter(None, (image.get("caption"), image.get("credit")))) for image in images)
    words_of = {"headline": analysed(headline), "standfirst": analysed(standfirst)}
    parts = (
        words_of["headline"],
        words_of["standfirst"],
        analysed("\n\n".join(body)),
        analysed(captioned),
        *map(analysed, authors),
        *map(analysed, tags),
    )
    finest = (
        words_of["headline"],
        words_of["standfirst"],
        *map(analysed, body),
        *map(analysed, captions),
        *map(analysed, credits),
        *map(analysed, authors),
        *map(analysed, tags),
    )
    coarsest = (
        words_of["headline"],
        words_of["standfirst"],
        analysed(" ".join(body)),
        analysed(" ".join(captions + credits)),
        analysed(" ".join(authors)),
        analysed(" ".join(tags)),
    )
    frequencies: Counter[str] = Counter()
    for part in parts:
        frequencies.update(part)
    frequencies.update({word: count * (HEADLINE_COPIES - 1) for word, count in Counter(words_of["headline"]).items()})
    # the indexed text: the headline's copies, standfirst, body, captions, names and tags, each
    # cut from the next by one word of its own
    length = sum(frequencies.values()) + HEADLINE_COPIES + 4
    published = datetime.fromisoformat(record["published"]).replace(tzinfo=None) if record.get("published") else None
    facets = {
        "section": frozenset({record["section"]} if record.get("section") else ()),
        "author": frozenset(a.strip() for a in authors if a.strip()),
        "year": frozenset({f"{published:%Y}"} if published else ()),
        "month": frozenset({f"{published:%Y-%m}"} if published else ()),
        "tag": frozenset(t.strip() for t in tags if t.strip()),
        "site": frozenset({record["site"]} if record.get("site") else ()),
        "language": frozenset({record["language"]} if record.get("language") else ()),
        "popularity": frozenset({band(best_rank)}),
        "provisional": frozenset({flag(record.get("provisional"))}),
    }
    values = {name: frozenset(value.lower() for value in found) for name, found in facets.items()}
    values |= {
        "era": frozenset({record["era"].lower()} if record.get("era") else ()),
        "url": frozenset({record["url"].lower()}),
    }
    printed = {
        "headline": surface(headline),
        "standfirst": surface(standfirst),
        "body": surface(" ".join(body)),
        "captions": surface(" ".join(captions)),
        "credits": surface(" ".join(credits)),
        "authors": surface(" ".join(authors)),
        "tags": surface(" ".join(tags)),
    }
    return Article(
        record["url"],
        record,
        parts,
        finest,
        coarsest,
        frequencies,
        length,
        words_of["headline"],
        published,
        facets,
        values,
        best_rank,
        minutes,
        printed,
    )


def utc(text: str) -> datetime:
    """A time stamp of the snapshot tables."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def listed_from(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Best rank and minutes in the Most viewed lists, per article URL, from the snapshot
    tables: each list counts for the span it was seen up."""
    best: dict[str, int] = {}
    seconds: Counter[str] = Counter()
    rows = db.execute(
        "SELECT e.url, e.rank, s.first_seen, s.last_seen FROM snapshot_entries e "
        "JOIN snapshots s ON s.id = e.snapshot_id"
    )
    for url, rank, first, last in rows:
        best[url] = min(best.get(url, NEVER_LISTED), rank)
        seconds[url] += (utc(last) - utc(first)).total_seconds()
    return {url: (rank, round(seconds[url] / 60)) for url, rank in best.items()}


# -- queries -------------------------------------------------------------------------------


class Node:
    """A query, as a tree; `render` writes it in the query language."""

    def render(self) -> str:
        raise NotImplementedError

    def grouped(self) -> str:
        """The query as one operand of AND, OR or NOT."""
        return self.render()


@dataclass(frozen=True)
class Word(Node):
    text: str

    def render(self) -> str:
        return self.text


@dataclass(frozen=True)
class Phrase(Node):
    text: str

    def render(self) -> str:
        return f'"{self.text}"'


@dataclass(frozen=True)
class Headline(Node):
    text: str

    def render(self) -> str:
        return f'headline:"{self.text}"' if " " in self.text else f"headline:{self.text}"


@dataclass(frozen=True)
class FieldValue(Node):
    name: str
    value: str

    def render(self) -> str:
        plain = self.name in ("year", "month") or (self.value.replace("-", "").isalnum() and self.name != "url")
        return f"{self.name}:{self.value}" if plain and " " not in self.value else f'{self.name}:"{self.value}"'


@dataclass(frozen=True)
class Published(Node):
    low: str | None = None
    high: str | None = None
    month: str | None = None

    def render(self) -> str:
        if self.month:
            return f"published:{self.month}"
        low, high = self.low or "", self.high or ""
        return f"published:[{low} TO {high}]".replace("[ TO", "[TO").replace("TO ]", "TO]")


@dataclass(frozen=True)
class All(Node):
    parts: tuple[Node, ...]

    def render(self) -> str:
        return " ".join(part.grouped() if not isinstance(part, Without) else part.render() for part in self.parts)

    def grouped(self) -> str:
        return f"({self.render()})"


@dataclass(frozen=True)
class Either(Node):
    parts: tuple[Node, ...]

    def render(self) -> str:
        return "(" + " OR ".join(part.grouped() for part in self.parts) + ")"


@dataclass(frozen=True)
class Without(Node):
    """`keep NOT drop`, or `NOT drop` alone."""

    keep: Node | None
    drop: Node

    def render(self) -> str:
        drop = self.drop.grouped()
        return f"{self.keep.render()} NOT {drop}" if self.keep else f"NOT {drop}"

    def grouped(self) -> str:
        return f"({self.render()})"


def leaves(node: Node, positive: bool = True) -> Iterator[tuple[Node, bool]]:
    """Every leaf with whether it adds to the score (not under NOT)."""
    if isinstance(node, All | Either):
        for part in node.parts:
            yield from leaves(part, positive)
    elif isinstance(node, Without):
        if node.keep is not None:
            yield from leaves(node.keep, positive)
        yield from leaves(node.drop, False)
    else:
        yield node, positive


def conjuncts(node: Node | None) -> list[Node]:
    """The parts every match of a query must match (of `a b NOT c`: a and b)."""
    if node is None:
        return []
    if isinstance(node, All):
        return [part for child in node.parts for part in conjuncts(child)]
    if isinstance(node, Without):
        return conjuncts(node.keep)
    return [node]


def canonical(leaf: Node) -> tuple[str, ...]:
    """What a leaf asks for, as the index sees it (two leaves alike would be merged into one)."""
    if isinstance(leaf, Word | Phrase):
        return ("text", *analysed(leaf.text))
    if isinstance(leaf, Headline):
        return ("headline", *analysed(leaf.text))
    if isinstance(leaf, FieldValue):
        return (leaf.name, leaf.value.lower())
    if isinstance(leaf, Published):
        return ("published", str(leaf.low), str(leaf.high), str(leaf.month))
    raise TypeError(leaf)


# -- requests and answers ------------------------------------------------------------------


@dataclass
class Ask:
    """One search request, as every front-end can be asked it."""

    query: Node | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    excludes: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    page_size: int = 10
    histogram: str | None = "month"

    @property
    def text(self) -> str:
        return self.query.render() if self.query else ""

    def describe(self) -> str:
        return (
            f"SearchRequest(query={self.text!r}, filters={self.filters}, excludes={self.excludes}, "
            f"sort={self.sort!r}, page={self.page}, page_size={self.page_size}, histogram={self.histogram!r})"
        )

    def web_params(self) -> list[tuple[str, str]]:
        """The query string of /search.json (or an export) for this request."""
        params = [("q", self.text), ("sort", self.sort), ("page", str(self.page)), ("size", str(self.page_size))]
        if self.histogram:
            params.append(("histogram", self.histogram))
        params += [(name, value) for name, values in self.filters.items() for value in values]
        params += [(f"not-{name}", value) for name, values in self.excludes.items() for value in values]
        return params

    def cli_args(self) -> list[str]:
        """The arguments of `newsarchive search` for this request (JSON out)."""
        args = [self.text, "--json", "--sort", self.sort, "--page", str(self.page), "--page-size", str(self.page_size)]
        if self.histogram:
            args += ["--histogram", self.histogram]
        for name, values in self.filters.items():
            args += [item for value in values for item in ("--facet", f"{name}={value}")]
        for name, values in self.excludes.items():
            args += [item for value in values for item in ("--facet", f"{name}!={value}")]
        return args


@dataclass
class Expected:
    """The oracle's answer to a request."""

    total: int
    pages: int
    facets: dict[str, list[tuple[str, int]]]
    histogram: list[tuple[str, int, int]]
    order: list[str]  # the whole result set in the order the request's sort gives
    scores: dict[str, float]
    exact: bool  # False when only the scores' order is known (relevance): then `tolerance` applies
    tolerance: tuple[float, float] = (RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE)

    def page(self, ask: Ask) -> list[str]:
        start = (ask.page - 1) * ask.page_size
        return self.order[start : start + ask.page_size]


@dataclass
class Got:
    """A front-end's answer, whatever its form (objects, JSON, CSV)."""

    total: int | None
    page: int | None = None
    page_size: int | None = None
    pages: int | None = None
    facets: dict[str, list[tuple[str, int]]] | None = None
    histogram: list[tuple[str, int, int]] | None = None
    hits: list[dict[str, Any]] = field(default_factory=list)
    ranking: list[str] | None = None  # the whole result set in the front-end's order, when known

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> Got:
        return cls(
            payload["total"],
            payload["page"],
            payload["page_size"],
            payload["pages"],
            {name: [tuple(pair) for pair in pairs] for name, pairs in payload["facets"].items()},
            [tuple(row) for row in payload["histogram"]],
            payload["hits"],
        )


# -- the oracle ----------------------------------------------------------------------------


class Oracle:
    """Brute-force answers over a list of records (kept in URL order, so that seeded requests
    do not depend on the order a crawl stored them in)."""

    def __init__(self, records: Iterable[dict], listed: dict[str, tuple[int, int]] | None = None):
        listed = listed or {}
        self.articles = [
            read_article(r, *listed.get(r["url"], (NEVER_LISTED, 0))) for r in sorted(records, key=lambda r: r["url"])
        ]
        self.by_url = {a.url: a for a in self.articles}
        self.everyone = frozenset(range(len(self.articles)))
        self.count = len(self.articles)
        self.text_df: Counter[str] = Counter(w for a in self.articles for w in a.words)
        self.headline_df: Counter[str] = Counter(w for a in self.articles for w in set(a.headline))
        self.text_average = sum(a.length for a in self.articles) / (self.count or 1)
        self.headline_average = sum(len(a.headline) for a in self.articles) / (self.count or 1)
        self._docs: dict[Node, frozenset[int]] = {}

    @classmethod
    def from_store(cls, path: Path) -> Oracle:
        """The current record of every article and the Most viewed history, read from the
        store's tables."""
        from archive.store import Store

        with Store(path, read_only=True) as store:
            records = list(store.current_records())
            listed = listed_from(store.db)
        return cls(records, listed)

    # matching

    def phrase_docs(self, words: tuple[str, ...], cut: str = "parts") -> frozenset[int]:
        """The articles with these words one after the other within one part (as `cut`)."""
        return frozenset(
            i
            for i, a in enumerate(self.articles)
            if a.frequencies.keys() >= set(words) and any(contains(p, words) for p in getattr(a, cut))
        )

    def text_docs(self, text: str, cut: str = "parts") -> frozenset[int]:
        """The articles an unqualified word or phrase finds."""
        words = analysed(text)
        if not words:
            raise ValueError(f"{text!r} has no indexed word")
        if len(words) == 1:
            return frozenset(i for i, a in enumerate(self.articles) if words[0] in a.frequencies)
        return self.phrase_docs(words, cut)

    def docs(self, node: Node) -> frozenset[int]:
        """The articles a query matches."""
        if node in self._docs:
            return self._docs[node]
        found: frozenset[int]
        if isinstance(node, Word | Phrase):
            found = self.text_docs(node.text)
        elif isinstance(node, Headline):
            words = analysed(node.text)
            found = frozenset(i for i, a in enumerate(self.articles) if words and contains(a.headline, words))
        elif isinstance(node, FieldValue):
            wanted = node.value.lower()
            found = frozenset(i for i, a in enumerate(self.articles) if wanted in a.values[node.name])
        elif isinstance(node, Published):
            found = frozenset(
                i for i, a in enumerate(self.articles) if a.published and self.in_range(node, a.published)
            )
        elif isinstance(node, All):
            found = self.everyone
            for part in node.parts:
                found &= self.docs(part)
        elif isinstance(node, Either):
            found = frozenset().union(*(self.docs(part) for part in node.parts))
        elif isinstance(node, Without):
            found = (self.docs(node.keep) if node.keep else self.everyone) - self.docs(node.drop)
        else:
            raise TypeError(node)
        self._docs[node] = found
        return found

    @staticmethod
    def in_range(node: Published, published: datetime) -> bool:
        """Whether the day as printed is in the range (both ends included) or the month."""
        day = published.date().isoformat()
        if node.month:
            return day[:7] == node.month
        return (node.low is None or day >= node.low) and (node.high is None or day <= node.high)

    def ambiguous(self, text: str) -> bool:
        """Whether a phrase's matches depend on where exactly the parts of an article are cut
        (between paragraphs, between a caption and its credit, between two names)."""
        words = analysed(text)
        return len(words) > 1 and self.phrase_docs(words, "finest") != self.phrase_docs(words, "coarsest")

    # scoring

    def bm25(self, idf: float, weight: float, length: float, average: float) -> float:
        """One word's BM25F score in one document."""
        return idf * (weight * (K1 + 1)) / (weight + K1 * ((1 - B) + B * length / (average or 1)))

    def idf(self, df: int) -> float:
        """The inverse document frequency of a word found in `df` articles (Whoosh's form)."""
        return math.log(self.count / (df + 1)) + 1

    def leaf_score(self, node: Node, article: Article) -> float:
        """A matching leaf's score: a phrase scores as its words."""
        if isinstance(node, Word | Phrase):
            return sum(
                self.bm25(self.idf(self.text_df[w]), article.frequencies[w], article.length, self.text_average)
                for w in analysed(node.text)
            )
        if isinstance(node, Headline):
            return sum(
                self.bm25(
                    self.idf(self.headline_df[w]),
                    HEADLINE_BOOST * article.headline.count(w),
                    len(article.headline),
                    self.headline_average,
                )
                for w in analysed(node.text)
            )
        return 1.0  # field values and date ranges score their weight, one

    def score(self, node: Node, index: int) -> float:
        """A matching article's score: the sum over the parts of the query it matches."""
        if isinstance(node, All | Either):
            return sum(self.score(part, index) for part in node.parts if index in self.docs(part))
        if isinstance(node, Without):  # NOT in a query weighs one, like a field value
            return self.score(node.keep, index) + 1.0 if node.keep else 1.0
        return self.leaf_score(node, self.articles[index])

    # answering

    def matches(self, ask: Ask) -> frozenset[int]:
        """The articles the request finds: the query's, narrowed by the facet filters (values
        of one facet widen, facets narrow) and without the excluded values."""
        found = self.docs(ask.query) if ask.query else self.everyone
        for name, values in ask.filters.items():
            if values:
                found = frozenset(i for i in found if self.articles[i].facets[name] & set(values))
        for name, values in ask.excludes.items():
            found = frozenset(i for i in found if not self.articles[i].facets[name] & set(values))
        return found

    def period(self, ask: Ask) -> frozenset[int]:
        """The articles of the period a request is limited to: those of its year and month
        filters, and of the published ranges, years and months its query asks for as a whole."""
        found = self.everyone
        for name in ("year", "month"):
            if ask.filters.get(name):
                found = frozenset(i for i in found if self.articles[i].facets[name] & set(ask.filters[name]))
        for part in conjuncts(ask.query):
            if isinstance(part, Published) or (isinstance(part, FieldValue) and part.name in ("year", "month")):
                found &= self.docs(part)
        return found

    def answer(self, ask: Ask) -> Expected:
        """Total, pages, facets, histogram and the whole result set in order."""
        found = self.matches(ask)
        facets: dict[str, list[tuple[str, int]]] = {}
        for name in FACET_NAMES:
            counts = Counter(value for i in found for value in self.articles[i].facets[name])
            if name == "year":  # unique values: by year alone, newest first
                facets[name] = sorted(counts.items(), reverse=True)
            else:
                facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ask.filters.get("year", [])) != 1:
            facets["month"] = []
        histogram: list[tuple[str, int, int]] = []
        if ask.histogram:
            period = self.period(ask)
            one_year = len({year for i in period for year in self.articles[i].facets["year"]}) <= 1
            by = "month" if one_year else ask.histogram
            everything = Counter(v for i in period for v in self.articles[i].facets[by])
            hits = Counter(v for i in found for v in self.articles[i].facets[by])
            histogram = [(label, hits[label], count) for label, count in sorted(everything.items())]
        chosen = [self.articles[i] for i in found]
        exact = True
        scores: dict[str, float] = {}
        if ask.sort == "newest":
            dated = sorted((a for a in chosen if a.published), key=lambda a: a.url)
            dated.sort(key=lambda a: a.published, reverse=True)  # stable: equal times keep URL order
            order = dated + sorted((a for a in chosen if not a.published), key=lambda a: a.url)
        elif ask.sort == "oldest":
            order = sorted((a for a in chosen if a.published), key=lambda a: (a.published, a.url)) + sorted(
                (a for a in chosen if not a.published), key=lambda a: a.url
            )
        elif ask.sort == "most-viewed":
            order = sorted(chosen, key=lambda a: (a.best_rank, -a.minutes, a.url))
        else:
            scores = {self.articles[i].url: (self.score(ask.query, i) if ask.query else 1.0) for i in found}
            constant = ask.query is None or not any(
                isinstance(leaf, Word | Phrase | Headline) and positive for leaf, positive in leaves(ask.query)
            )
            exact = constant  # equal scores (field values, date ranges, NOT) go by URL too
            order = sorted(chosen, key=lambda a: (-scores[a.url], a.url))
        total = len(found)
        return Expected(
            total,
            max(1, -(-total // ask.page_size)),
            facets,
            histogram,
            [a.url for a in order],
            scores,
            exact,
            (0.0, 1e-9) if ask.sort == "relevance" and constant else (RELATIVE_TOLERANCE, ABSOLUTE_TOLERANCE),
        )


# -- comparing -----------------------------------------------------------------------------

SITE = "https://www.phnompenhpost.com"


@dataclass
class Difference:
    """One way a front-end's answer to a request is not the oracle's."""

    kind: str
    ask: Ask
    detail: str
    front: str


def short(url: str) -> str:
    """A URL as a failure shows it: the path, decoded and cut."""
    path = unquote(url.removeprefix(SITE))
    return path if len(path) <= 70 else path[:69] + "…"


def shorten(urls: list[str], limit: int = 4) -> str:
    """The first few URLs of a list, and its length."""
    shown = ", ".join(short(url) for url in urls[:limit])
    return f"[{shown}{', …' if len(urls) > limit else ''}] ({len(urls)})"


def first_difference(want: list[str], got: list[str]) -> str:
    """Where two lists of URLs part, and how."""
    at = next((k for k, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), min(len(want), len(got)))
    return f"from position {at}: expected {shorten(want[at:], 3)}, given {shorten(got[at:], 3)}"


def facet_detail(want: list[tuple[str, int]], got: list[tuple[str, int]]) -> str:
    """The values whose counts differ (or, if none, the orders)."""
    wanted, gotten = dict(want), dict(got)
    changed = [
        f"{v!r} {wanted.get(v, 0)} expected, {gotten.get(v, 0)} given"
        for v in sorted(set(wanted) | set(gotten))
        if wanted.get(v, 0) != gotten.get(v, 0)
    ]
    return (
        "; ".join(changed[:4]) + (" …" if len(changed) > 4 else "")
        if changed
        else f"order: expected {want[:5]}, given {got[:5]}"
    )


def inversions(ranking: list[str], scores: dict[str, float], tolerance: tuple[float, float]) -> tuple[str, str] | None:
    """The worst pair (earlier, later) the ranking puts in the wrong order by clearly
    different scores (by more than `tolerance`: relative, absolute)."""
    relative, absolute = tolerance
    worst, gap, lowest = None, 0.0, None
    for url in ranking:
        score = scores.get(url, 0.0)
        if lowest is not None:
            rise = score - scores.get(lowest, 0.0)
            if rise > absolute + relative * score and rise > gap:
                worst, gap = (lowest, url), rise
        if lowest is None or score < scores.get(lowest, 0.0):
            lowest = url
    return worst


def check_order(ask: Ask, expected: Expected, ranking: list[str], front: str, what: str) -> list[Difference]:
    """A whole result set in a front-end's order against the oracle's."""
    problems = []
    if len(ranking) != len(set(ranking)):
        repeated = [url for url, n in Counter(ranking).items() if n > 1]
        problems.append(Difference(f"{what} repeats hits", ask, f"repeated: {shorten(repeated)}", front))
    wanted = set(expected.order)
    if set(ranking) != wanted:
        problems.append(
            Difference(
                f"{what}: the set of hits",
                ask,
                f"missing {shorten(sorted(wanted - set(ranking)))}; "
                f"unexpected {shorten(sorted(set(ranking) - wanted))}",
                front,
            )
        )
    elif expected.exact:
        if ranking != expected.order:
            problems.append(
                Difference(f"{what}: order ({ask.sort})", ask, first_difference(expected.order, ranking), front)
            )
    else:
        inverted = inversions(ranking, expected.scores, expected.tolerance)
        if inverted:
            earlier, later = inverted
            problems.append(
                Difference(
                    f"{what}: relevance order",
                    ask,
                    f"{short(earlier)} (oracle score {expected.scores[earlier]:.3f}) is put "
                    f"before {short(later)} ({expected.scores[later]:.3f})",
                    front,
                )
            )
    return problems


def compare(ask: Ask, expected: Expected, got: Got, front: str, articles: dict[str, Article]) -> list[Difference]:
    """Every difference between a front-end's answer (one page, with the whole ranking when
    the front-end gave it) and the oracle's."""
    problems: list[Difference] = []

    def differ(kind: str, detail: str) -> None:
        problems.append(Difference(kind, ask, detail, front))

    if got.total != expected.total:
        differ("total", f"expected {expected.total}, given {got.total}")
    if got.pages is not None and got.pages != expected.pages:
        differ("pages", f"expected {expected.pages}, given {got.pages}")
    if got.page is not None and (got.page, got.page_size) != (ask.page, ask.page_size):
        differ("page", f"expected page {ask.page} of size {ask.page_size}, given {got.page} of {got.page_size}")
    if got.facets is not None:
        for name in FACET_NAMES:
            if got.facets.get(name) != expected.facets[name]:
                differ(f"facet {name}", facet_detail(expected.facets[name], got.facets.get(name) or []))
        if set(got.facets) != set(FACET_NAMES):
            differ("facet names", f"given {sorted(got.facets)}")
    if got.histogram is not None and got.histogram != expected.histogram:
        wanted, gotten = {p: (h, a) for p, h, a in expected.histogram}, {p: (h, a) for p, h, a in got.histogram}
        changed = [
            f"{p} {wanted.get(p)} expected, {gotten.get(p)} given"
            for p in sorted(set(wanted) | set(gotten))
            if wanted.get(p) != gotten.get(p)
        ]
        differ(f"histogram by {ask.histogram}", "; ".join(changed[:4]) or "order")
    page = [hit["url"] for hit in got.hits]
    if got.ranking is not None:
        problems += check_order(ask, expected, got.ranking, front, "result set")
        start = (ask.page - 1) * ask.page_size
        if page != got.ranking[start : start + ask.page_size]:
            differ(
                "page against the whole ranking",
                f"page {ask.page}: {first_difference(got.ranking[start : start + ask.page_size], page)}",
            )
    elif expected.exact:
        if page != expected.page(ask):
            differ(f"hits ({ask.sort})", first_difference(expected.page(ask), page))
    else:
        unexpected = [url for url in page if url not in expected.scores]
        if unexpected or len(page) != len(expected.page(ask)) or len(page) != len(set(page)):
            differ(
                "hits (relevance)",
                f"{len(page)} hits, {len(expected.page(ask))} expected; not in the result set: {shorten(unexpected)}",
            )
        problems += [
            p
            for p in check_order(ask, replace(expected, order=page), page, front, "page")
            if p.kind.endswith("relevance order")
        ]
    problems += compare_fields(ask, [(hit["url"], hit, "hit") for hit in got.hits], articles, front)
    return problems


def compare_fields(
    ask: Ask, shown: list[tuple[str, Any, str]], articles: dict[str, Article], front: str
) -> list[Difference]:
    """Each hit's or row's values against the article's: (url, what is shown, its form)."""
    wrong = []
    for url, given, form in shown:
        article = articles.get(url)
        if article is None:
            continue
        if form == "hit":
            want: Any = article.hit()
            given = {key: given.get(key) for key in want}
        else:
            want = article.csv_row() if form == "csv" else article.json_row()
        if given != want:
            if isinstance(want, dict):
                changed = ", ".join(f"{k} {given[k]!r} (expected {want[k]!r})" for k in want if given[k] != want[k])
            else:
                changed = f"{given!r} (expected {want!r})"
            wrong.append(f"{short(url)}: {changed}")
    return [Difference(f"{shown[0][2]} values", ask, "; ".join(wrong[:2]), front)] if wrong else []


def compare_export(
    ask: Ask, expected: Expected, count: str | None, rows: list[Any], form: str, articles: dict[str, Article]
) -> list[Difference]:
    """An export (CSV rows after the header, or JSON Lines objects) against the whole result set."""
    front = f"/export.{form}"
    problems = []
    if count != str(expected.total):
        problems.append(Difference("X-Archive-Count", ask, f"expected {expected.total}, given {count}", front))
    urls = [row[0] if form == "csv" else row["url"] for row in rows]
    if len(urls) != expected.total:
        problems.append(Difference("rows", ask, f"expected {expected.total} rows, given {len(urls)}", front))
    problems += check_order(ask, expected, urls, front, "rows")
    problems += compare_fields(ask, list(zip(urls, rows, [form] * len(rows), strict=True)), articles, front)
    return problems


def report(problems: list[Difference], asked: int, limit: int = 20) -> str:
    """The differences as a readable list: how many of each kind, then the first requests —
    one for each kind first — with every difference found in their answers."""
    kinds = Counter(f"{p.front}: {p.kind}" for p in problems)
    by_request: dict[tuple[str, str], list[Difference]] = {}
    for problem in problems:
        by_request.setdefault((problem.front, problem.ask.describe()), []).append(problem)
    shown: list[tuple[str, str]] = []
    for kind in kinds:
        key = next(k for k, found in by_request.items() if any(f"{p.front}: {p.kind}" == kind for p in found))
        if key not in shown:
            shown.append(key)
    shown += [key for key in by_request if key not in shown]
    lines = [f"{len(problems)} differences from the oracle in {len(by_request)} answers to {asked} requests:"]
    lines += [f"  {count:4d} × {kind}" for kind, count in kinds.most_common()]
    for front, described in shown[:limit]:
        lines += ["", f"{front}: {described}"]
        found = sorted(by_request[front, described], key=lambda p: p.kind.startswith(("facet", "histogram")))
        lines += [f"    {p.kind}: {p.detail}" for p in found[:8]]
        if len(found) > 8:
            lines.append(f"    … and {', '.join(p.kind for p in found[8:])}")
    if len(shown) > limit:
        lines += ["", f"… and {len(shown) - limit} more answers"]
    return "\n".join(lines)


# -- what the requests cover ---------------------------------------------------------------


def nodes(node: Node) -> Iterator[Node]:
    """Every node of a query, itself first."""
    yield node
    if isinstance(node, All | Either):
        for part in node.parts:
            yield from nodes(part)
    elif isinstance(node, Without):
        if node.keep is not None:
            yield from nodes(node.keep)
        yield from nodes(node.drop)


def features(ask: Ask, oracle: Oracle) -> set[str]:
    """What a request exercises: its sort, each kind of leaf and operator, the facets it
    filters on and excludes, a later page."""
    found = {f"sort {ask.sort}", f"histogram {ask.histogram}"}
    found |= {f"filter {name}" for name in ask.filters} | {f"exclude {name}" for name in ask.excludes}
    if ask.page > 1:
        found.add("page after the first")
    if ask.query is None:
        return found | {"everything"}
    for node in nodes(ask.query):
        if isinstance(node, FieldValue):
            found.add(f"{node.name}:")
            printed = (
                {a.record.get(node.name, "") for a in oracle.articles}
                if node.name in ("era", "url")
                else {v for a in oracle.articles for v in a.facets[node.name]}
            )
            if node.value not in printed and node.value.lower() in {v.lower() for v in printed}:
                found.add("field value in another case")
        elif isinstance(node, Published):
            found.add(
                "published: month"
                if node.month
                else "published: open-ended"
                if node.low is None or node.high is None
                else "published: range"
            )
        elif isinstance(node, Either):
            found.add("OR")
        elif isinstance(node, Without):
            found.add("NOT" if node.keep else "NOT alone")
        elif not isinstance(node, All):
            found.add(type(node).__name__.lower())
    return found


ALL_FEATURES = {
    *(f"sort {s}" for s in SORT_NAMES),
    *(f"filter {f}" for f in FACET_NAMES),
    *(f"exclude {f}" for f in FACET_NAMES),
    "page after the first",
    "everything",
    "word",
    "phrase",
    "headline",
    "OR",
    "NOT",
    "NOT alone",
    "published: month",
    "published: open-ended",
    "published: range",
    "field value in another case",
    "author:",
    "tag:",
    "section:",
    "year:",
    "month:",
    "language:",
    "era:",
    "popularity:",
    "provisional:",
    "site:",
    "url:",
    "histogram month",
    "histogram year",
}


# -- requests ------------------------------------------------------------------------------


WORD_PARTS = {"body": 45, "headline": 15, "standfirst": 5, "captions": 10, "credits": 5, "authors": 10, "tags": 10}
FIELD_NAMES = {
    "author": 25,
    "tag": 25,
    "section": 15,
    "year": 10,
    "month": 5,
    "language": 5,
    "era": 5,
    "popularity": 4,
    "provisional": 3,
    "site": 2,
    "url": 4,
}
SORT_WEIGHTS = {"relevance": 40, "newest": 20, "oldest": 15, "most-viewed": 25}
PAGE_SIZES = (1, 2, 5, 10, 10, 20, 50, 100)
NOWHERE = {"author": ["Nobody Atall"], "tag": ["no such tag"], "section": ["no-such-section"]}  # values no article has


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    """One key, drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def recase(rng: random.Random, text: str) -> str:
    """The same text in another case, half the time."""
    return rng.choice([text, text, text.lower(), text.upper(), text.title(), text.swapcase()])


class Requests:
    """Seeded requests that combine words, phrases, fields, OR, NOT, date ranges, facet filters
    and exclusions, sorts and pages — drawn from the records so that most of them match."""

    def __init__(self, oracle: Oracle, seed: int):
        self.oracle = oracle
        self.rng = random.Random(seed)
        self.dates = sorted(a.published.date() for a in oracle.articles if a.published) or [date(2016, 1, 1)]

    def article(self, anchor: Article) -> Article:
        """The request's own article most of the time, so that its leaves meet."""
        return anchor if self.rng.random() < 0.7 else self.rng.choice(self.oracle.articles)

    def word(self, article: Article) -> Node | None:
        """A word as printed in one of the article's parts (names and tags included), in some case."""
        kind = pick(self.rng, WORD_PARTS)
        printed = article.printed[kind] or article.printed["body"] or article.printed["headline"]
        candidates = [w for w in printed if w.lower() not in RESERVED and len(analysed(w)) == 1]
        if not candidates:
            return None
        text = self.rng.choice(candidates)
        return Word(self.rng.choice([text, text, text, text.lower(), text.upper(), text.title()]))

    def phrase(self, article: Article, headline: bool = False) -> Node | None:
        """A run of two to four printed words of one part (of the headline, for `headline:`)."""
        kind = "headline" if headline else pick(self.rng, WORD_PARTS)
        printed = [w for w in article.printed[kind] if w.lower() not in RESERVED]
        if len(printed) < 2:
            return None
        size = self.rng.choice((2, 2, 3, 4))
        start = self.rng.randrange(max(1, len(printed) - size + 1))
        text = " ".join(printed[start : start + size])
        if len(analysed(text)) < (1 if headline else 2) or (not headline and self.oracle.ambiguous(text)):
            return None
        return Headline(text) if headline else Phrase(text)

    def field_value(self, article: Article) -> Node | None:
        """A field and one of the article's values for it, in some case (now and then a value no article has)."""
        name = pick(self.rng, FIELD_NAMES)
        record = article.record
        if name == "url":
            return FieldValue("url", article.url)
        if name == "era":
            return FieldValue("era", recase(self.rng, record["era"]))
        values = sorted(article.facets[name])
        if self.rng.random() < 0.04:
            values = NOWHERE.get(name, values)
        if not values or any('"' in v for v in values):
            return None
        value = self.rng.choice(values)
        return FieldValue(name, value if name in ("year", "month") else recase(self.rng, value))

    def published(self, article: Article) -> Node:
        """A range of days around the article's date (open at one end now and then), or its month."""
        around = article.published.date() if article.published else self.rng.choice(self.dates)
        low = around - timedelta(days=self.rng.randrange(0, 400))
        high = around + timedelta(days=self.rng.randrange(0, 400))
        form = self.rng.choice(("range", "range", "from", "to", "month"))
        if form == "month":
            return Published(month=f"{around:%Y-%m}")
        return Published(low.isoformat() if form != "to" else None, high.isoformat() if form != "from" else None)

    def headline(self, article: Article) -> Node | None:
        """A `headline:` word or phrase of the article's headline."""
        if self.rng.random() < 0.5:
            return self.phrase(article, headline=True)
        words = [w for w in article.printed["headline"] if w.lower() not in RESERVED and analysed(w)]
        return Headline(self.rng.choice(words)) if words else None

    def made(self, kind: str, article: Article) -> Node | None:
        if kind == "word":
            return self.word(article)
        if kind == "phrase":
            return self.phrase(article)
        if kind == "field":
            return self.field_value(article)
        if kind == "headline":
            return self.headline(article)
        return self.published(article)

    def leaf(self, anchor: Article) -> Node:
        """A word, phrase, field value, headline word or date range."""
        while True:
            kind = self.rng.choices(("word", "phrase", "field", "headline", "published"), (40, 15, 30, 5, 10))[0]
            node = self.made(kind, self.article(anchor))
            if node is not None:
                return node

    def operand(self, anchor: Article) -> Node:
        """A leaf, or two or three of them joined by OR."""
        if self.rng.random() < 0.25:
            return Either(tuple(self.leaf(anchor) for _ in range(self.rng.choice((2, 2, 3)))))
        return self.leaf(anchor)

    def query(self, anchor: Article) -> Node | None:
        """A query whose leaves all differ (the query parser merges equal ones, which would only
        change scores)."""
        while True:
            node = self.drawn_query(anchor)
            if node is None:
                return node
            keys = [canonical(leaf) for leaf, _ in leaves(node)]
            if len(keys) == len(set(keys)):
                return node

    def drawn_query(self, anchor: Article) -> Node | None:
        """Nothing, `NOT leaf`, or one to three operands with now and then a NOT."""
        draw = self.rng.random()
        if draw < 0.08:
            return None
        if draw < 0.11:
            return Without(None, self.leaf(anchor))
        parts = [self.operand(anchor) for _ in range(self.rng.choices((1, 2, 3), (50, 35, 15))[0])]
        node: Node = parts[0] if len(parts) == 1 else All(tuple(parts))
        if self.rng.random() < 0.25:
            other = self.rng.choice(self.oracle.articles)
            drop = self.operand(other)
            node = Without(node, drop)
        return node

    def facet_values(self, name: str, among: Iterable[int]) -> list[str]:
        """The values of a facet among some articles."""
        return sorted({v for i in among for v in self.oracle.articles[i].facets[name]})

    def __call__(self) -> Ask:
        """The next request: a query, facet filters and exclusions, a sort, a page and a histogram."""
        rng = self.rng
        anchor = rng.choice(self.oracle.articles)
        ask = Ask(self.query(anchor))
        if rng.random() < 0.35:
            for name in rng.sample(FACET_NAMES, rng.choice((1, 1, 2))):
                choices = (
                    sorted(anchor.facets[name]) if rng.random() < 0.7 else self.facet_values(name, self.oracle.everyone)
                )
                if name == "year" and rng.random() < 0.5:
                    choices = sorted(anchor.facets["year"])
                if choices:
                    ask.filters[name] = rng.sample(choices, min(len(choices), rng.choice((1, 1, 2))))
        if rng.random() < 0.35:
            found = self.oracle.matches(ask)
            for name in rng.sample(FACET_NAMES, rng.choice((1, 1, 2))):
                choices = self.facet_values(name, found) or self.facet_values(name, self.oracle.everyone)
                if choices:
                    ask.excludes[name] = [rng.choice(choices)]
        ask.sort = pick(rng, SORT_WEIGHTS)
        ask.page_size = rng.choice(PAGE_SIZES)
        if rng.random() < 0.5:
            pages = max(1, -(-len(self.oracle.matches(ask)) // ask.page_size))
            ask.page = rng.randint(1, pages + 1)
        ask.histogram = rng.choice(("month", "year", "year", None))
        return ask
