"""Queries answered with arrays instead of Whoosh's matchers: words, phrases and wildcards of
any indexed field (the text, the headline, an author, a section, a year…), ranges of
publication dates, and any AND, OR and NOT of them (the front page's everything too). Whoosh
walks them a posting at a time in Python, a date range as a union of hundreds of term ranges
and a wildcard as a union of its words; here a word is its postings as arrays, AND an
intersection, OR a union, NOT a difference, a phrase is checked on its words' positions all
at once, and a date range on each document's date from the index's column. Each match gets
the score Whoosh gives it: BM25F for a word of a field with lengths (a phrase, the sum over
its words; a wildcard, as the one word it stands for in a segment, else a constant), the
posting's weight in a field without (a facet value), the sum over the parts that match for
AND and OR, and 1 for a date range, a NOT and everything, which Whoosh scores as constants.
So the whole result set, with exact totals and facets, costs a few array operations. Whoosh
sums a long AND in another order, so two scores could differ in the last bit: the tests hold
hits, totals, facets and timelines to Whoosh's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query, scoring
from whoosh.fields import Schema
from whoosh.searching import Searcher

from search.postings import POSITION_BITS, Postings
from search.postings_cache import PostingsCache

DATES = "published"
CONSTANT = 1.0  # what Whoosh scores a date range, a NOT and everything with
Matches = tuple[np.ndarray, np.ndarray]  # ascending segment-local document numbers, each one's score


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


def array_query(parsed: query.Query, searcher: Searcher) -> query.Query | None:
    """The query itself if the arrays answer every part of it as Whoosh would, else None."""
    if type(searcher.weighting) is not scoring.BM25F:
        return None
    return parsed if _answerable(parsed, searcher.schema) else None


def _answerable(node: query.Query, schema: Schema) -> bool:
    if node.boost != 1.0:
        return False
    if type(node) in (query.And, query.Or):
        plain = type(node) is query.And or _plain_or(node)
        return plain and all(_answerable(sub, schema) for sub in node.subqueries)
    if type(node) is query.Not:
        return _answerable(node.query, schema)
    if type(node) in (query.Term, query.Prefix, query.Wildcard):
        return _indexed(node.fieldname, schema)
    if type(node) is query.Phrase:
        positions = _indexed(node.fieldname, schema) and schema[node.fieldname].format.supports("positions")
        return positions and node.slop == 1 and bool(node.words)
    if type(node) is query.NumericRange:
        return node.fieldname == DATES and node.constantscore
    return type(node) is query.Every and node.fieldname is None


def _indexed(field: str, schema: Schema) -> bool:
    """A field whose words have postings (not one only stored or only sorted on)."""
    return field in schema and schema[field].indexed and schema[field].format is not None


def _plain_or(node: query.Or) -> bool:
    """An OR that scores a match as the sum of its parts' scores (no minimum, no scaling)."""
    return not node.minmatch and node.scale is None


def evaluate(parsed: query.Query, searcher: Searcher, cache: PostingsCache) -> Matches:
    """The matching document numbers over the whole index (ascending; deleted documents
    included, the caller removes them) and each one's score."""
    scorer = Scorer(searcher)
    all_docs, all_scores = [], []
    for sub, offset in searcher.leaf_searchers():
        docs, scores = Segment(sub, cache, scorer).matches(parsed)
        if len(docs):
            all_docs.append(docs.astype(np.int64) + offset)
            all_scores.append(scores)
    if not all_docs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return np.concatenate(all_docs), np.concatenate(all_scores)


class Scorer:
    """Each field's scores as Whoosh's searcher weighs them: BM25F where the field keeps
    lengths (with the field's own B, if the weighting names one), the posting's weight where
    it does not; each word's idf over the whole index taken once."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.weighting: scoring.BM25F = searcher.weighting
        self._idf: dict[tuple[str, bytes], float] = {}
        self._average: dict[str, float] = {}

    def scorable(self, field: str) -> bool:
        return bool(self.searcher.schema[field].scorable)

    def scores(self, field: str, word: bytes, weights: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """BM25F of the word in each document, from its weights and the field's lengths there."""
        if (field, word) not in self._idf:
            self._idf[field, word] = self.searcher.idf(field, word)
        if field not in self._average:
            self._average[field] = self.searcher.avg_field_length(field) or 1
        b, k1 = self.weighting._field_B.get(field, self.weighting.B), self.weighting.K1
        ratio = lengths / self._average[field]
        return self._idf[field, word] * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * ratio)))


class Segment:
    """One segment's answer to a query, part by part."""

    def __init__(self, sub: Searcher, cache: PostingsCache, scorer: Scorer):
        self.reader = sub.reader()
        self.name = self.reader.segment().segment_id()  # a new name for every segment written
        self.count = self.reader.doc_count_all()
        self.cache, self.scorer = cache, scorer
        self.schema = sub.schema

    def matches(self, node: query.Query) -> Matches:
        if type(node) is query.And:
            return self._all_of(node.subqueries)
        if type(node) is query.Or:
            return _union([self.matches(sub) for sub in node.subqueries])
        if type(node) is query.Not:
            return self._constant(_complement(self.matches(node.query)[0], self.count))
        if type(node) is query.Term:
            return self._word(node.fieldname, self.schema[node.fieldname].to_bytes(node.text))
        if type(node) in (query.Prefix, query.Wildcard):
            return self._words_like(node)
        if type(node) is query.Phrase:
            field = node.fieldname
            return self._phrase(field, [self.schema[field].to_bytes(word) for word in node.words])
        if type(node) is query.NumericRange:
            return self._constant(np.flatnonzero(self._dates(node)))
        return self._constant(np.arange(self.count))  # Every

    def _all_of(self, parts: list[query.Query]) -> Matches:
        """AND: the documents every part matches, their scores summed in the order written;
        a date range narrows the others' documents without a list of its own."""
        ranges = [part for part in parts if type(part) is query.NumericRange]
        matched = [self.matches(part) for part in parts if type(part) is not query.NumericRange]
        docs = _intersection([docs for docs, _ in matched], self.count) if matched else np.arange(self.count)
        for dates in ranges:
            docs = docs[self._dates(dates)[docs]]
        scores = np.zeros(len(docs), dtype=np.float64)
        for part in parts:
            if type(part) is query.NumericRange:
                scores += CONSTANT
            else:
                part_docs, part_scores = matched.pop(0)
                scores += part_scores[np.searchsorted(part_docs, docs)]
        return docs, scores

    def _words_like(self, node: query.MultiTerm) -> Matches:
        """A wildcard: the documents with any of the segment's words it stands for, scored as
        Whoosh scores it: as that word when it stands for one, else as a constant."""
        field = node.fieldname
        words = [word for _, word in node.expanded_terms(self.reader) if word]
        if len(words) == 1:
            return self._word(field, words[0])
        return self._constant(_union([self._word(field, word) for word in words])[0])

    def _word(self, field: str, word: bytes) -> Matches:
        found = self._postings(field, word, False)
        return found.docs, self._scores(field, word, found, found.docs)

    def _phrase(self, field: str, words: list[bytes]) -> Matches:
        """The documents where the words stand one right after the other, scored as the sum
        of the words' scores."""
        postings = [self._postings(field, word, True) for word in words]
        docs = _intersection([found.docs for found in postings], self.count)
        if len(docs):
            docs = np.intersect1d(docs, _phrase_docs(postings, docs, self.count), assume_unique=True)
        scores = np.zeros(len(docs), dtype=np.float64)
        for word, found in zip(words, postings, strict=True):
            scores += self._scores(field, word, found, docs)
        return docs, scores

    def _scores(self, field: str, word: bytes, found: Postings, docs: np.ndarray) -> np.ndarray:
        """The word's score in each of `docs` (all among its postings)."""
        weights = found.weights if docs is found.docs else found.weights[np.searchsorted(found.docs, docs)]
        if not self.scorer.scorable(field):
            return weights.copy()
        lengths = self.cache.lengths(self.name, self.reader, field)[docs]
        return self.scorer.scores(field, word, weights, lengths)

    def _postings(self, field: str, word: bytes, positions: bool) -> Postings:
        return self.cache.postings(self.name, self.reader, field, word, positions)

    def _dates(self, node: query.NumericRange) -> np.ndarray:
        """Whether each document's publication date falls in the range."""
        values = self.cache.numbers(self.name, self.reader, DATES)
        dates = DateRange(node.start, node.end, node.startexcl, node.endexcl)
        return dates.admits(values, self.schema[DATES].column_type._default)

    @staticmethod
    def _constant(docs: np.ndarray) -> Matches:
        return docs, np.full(len(docs), CONSTANT)


def _intersection(lists: list[np.ndarray], count: int) -> np.ndarray:
    """The document numbers in every list (each ascending)."""
    lists = sorted(lists, key=len)
    docs = lists[0]
    for other in lists[1:]:
        present = np.zeros(count, dtype=bool)
        present[other] = True
        docs = docs[present[docs]]
    return docs


def _union(parts: list[Matches]) -> Matches:
    """OR: the documents any part matches, each one's score the sum of the parts it is in."""
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    docs = np.unique(np.concatenate([found for found, _ in parts]))
    scores = np.zeros(len(docs), dtype=np.float64)
    for found, found_scores in parts:
        scores[np.searchsorted(docs, found)] += found_scores
    return docs, scores


def _complement(docs: np.ndarray, count: int) -> np.ndarray:
    present = np.ones(count, dtype=bool)
    present[docs] = False
    return np.flatnonzero(present)


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
