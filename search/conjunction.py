"""Queries that are words and phrases of the text field and ranges of publication dates, all
of which must match (the common case), answered with arrays instead of Whoosh's matchers: the
matching documents are an intersection of the words' document lists, a phrase is checked on
the words' positions all at once, a date range on each document's date from the index's
column, and each match gets the score Whoosh would give it (BM25F, the sum over the words, and
1 for each date range, which Whoosh scores as a constant), so the whole result set, with exact
totals and facets, costs a few array operations. Whoosh walks a date range as a union of
hundreds of term ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query, scoring
from whoosh.searching import Searcher

from search.postings import POSITION_BITS, Postings, PostingsCache

FIELD = "text"
DATES = "published"
RANGE_SCORE = 1.0  # what Whoosh's constant-score date range adds to a match's score


@dataclass(frozen=True)
class DateRange:
    """`published:[A TO B]` as Whoosh parses it: bounds as its longs (None: open), each
    included unless excluded (`{A TO B}`)."""

    start: int | None
    end: int | None
    startexcl: bool
    endexcl: bool

    def admits(self, values: np.ndarray, missing: int) -> np.ndarray:
        """Which of the documents' date values (uint64; `missing` for an undated one) fall in it."""
        kept = values != np.uint64(missing)
        if self.start is not None:
            kept &= values > np.uint64(self.start) if self.startexcl else values >= np.uint64(self.start)
        if self.end is not None:
            kept &= values < np.uint64(self.end) if self.endexcl else values <= np.uint64(self.end)
        return kept


@dataclass(frozen=True)
class Conjunction:
    """The words that must each appear, the phrases (runs of adjacent words) and the date
    ranges each match must fall in."""

    words: tuple[bytes, ...]
    phrases: tuple[tuple[bytes, ...], ...]
    ranges: tuple[DateRange, ...] = ()

    def scored(self) -> list[bytes]:
        """Every word the score sums over, once per time it appears in the query."""
        return [*self.words, *(word for phrase in self.phrases for word in phrase)]


def conjunction(parsed: query.Query, searcher: Searcher) -> Conjunction | None:
    """The query as a conjunction of words and phrases of the text field, or None if it is
    anything else (or scored in some way these arrays do not reproduce)."""
    weighting = searcher.weighting
    if type(weighting) is not scoring.BM25F or FIELD in weighting._field_B:
        return None
    words: list[bytes] = []
    phrases: list[tuple[bytes, ...]] = []
    ranges: list[DateRange] = []
    stack = [parsed]
    while stack:
        node = stack.pop()
        if type(node) is query.And and node.boost == 1.0:
            stack.extend(reversed(node.subqueries))
        elif type(node) is query.Term and node.fieldname == FIELD and node.boost == 1.0:
            words.append(searcher.schema[FIELD].to_bytes(node.text))
        elif (
            type(node) is query.Phrase
            and node.fieldname == FIELD
            and node.boost == 1.0
            and node.slop == 1
            and node.words
        ):
            phrases.append(tuple(searcher.schema[FIELD].to_bytes(word) for word in node.words))
        elif type(node) is query.NumericRange and node.fieldname == DATES and node.boost == 1.0 and node.constantscore:
            ranges.append(DateRange(node.start, node.end, node.startexcl, node.endexcl))
        else:
            return None
    return Conjunction(tuple(words), tuple(phrases), tuple(ranges)) if words or phrases or ranges else None


def evaluate(found: Conjunction, searcher: Searcher, cache: PostingsCache) -> tuple[np.ndarray, np.ndarray]:
    """The matching document numbers (ascending; deleted documents included, the caller
    removes them) and each one's score."""
    weighting = searcher.weighting
    b, k1 = weighting.B, weighting.K1
    average = searcher.avg_field_length(FIELD) or 1
    idf = {word: searcher.idf(FIELD, word) for word in found.scored()}
    positional = {word for phrase in found.phrases for word in phrase}
    all_docs, all_scores = [], []
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        segment = reader.segment().segment_id()  # a new name for every segment written
        postings = {word: cache.postings(segment, reader, FIELD, word, word in positional) for word in idf}
        lists = [postings[word].docs for word in idf]
        docs = _intersection(lists, reader.doc_count_all()) if lists else np.arange(reader.doc_count_all())
        if found.ranges:
            values = cache.numbers(segment, reader, DATES)
            missing = searcher.schema[DATES].column_type._default
            for dates in found.ranges:
                docs = docs[dates.admits(values[docs], missing)]
        for phrase in found.phrases:
            if len(docs):
                docs = np.intersect1d(
                    docs,
                    _phrase_docs([postings[word] for word in phrase], docs, reader.doc_count_all()),
                    assume_unique=True,
                )
        if not len(docs):
            continue
        lengths = cache.lengths(segment, reader, FIELD)[docs]
        scores = np.zeros(len(docs), dtype=np.float64)
        for word in found.scored():
            mine = postings[word]
            weight = mine.weights[np.searchsorted(mine.docs, docs)]
            scores += idf[word] * ((weight * (k1 + 1)) / (weight + k1 * ((1 - b) + b * lengths / average)))
        for _ in found.ranges:
            scores += RANGE_SCORE
        all_docs.append(docs + offset)
        all_scores.append(scores)
    if not all_docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(all_docs), np.concatenate(all_scores)


def _intersection(lists: list[np.ndarray], count: int) -> np.ndarray:
    """The document numbers in every list (each ascending)."""
    lists = sorted(lists, key=len)
    docs = lists[0]
    for other in lists[1:]:
        present = np.zeros(count, dtype=bool)
        present[other] = True
        docs = docs[present[docs]]
    return docs


def _phrase_docs(words: list[Postings], candidates: np.ndarray, count: int) -> np.ndarray:
    """The candidate documents where the words appear one right after the other: starting
    from the rarest word's positions, keep the starts where every other word is at its
    place."""
    keys = [word.position_keys() for word in words]
    allowed = np.zeros(count, dtype=bool)
    allowed[candidates] = True
    rarest = min(range(len(keys)), key=lambda k: len(keys[k]))
    starts = keys[rarest]
    starts = starts[allowed[starts >> POSITION_BITS]] - rarest
    for place, word_keys in enumerate(keys):
        if place == rarest or not len(starts):
            continue
        wanted = starts + place
        found = np.searchsorted(word_keys, wanted)
        found[found == len(word_keys)] = 0
        starts = starts[word_keys[found] == wanted] if len(word_keys) else starts[:0]
    return np.unique(starts >> POSITION_BITS)
