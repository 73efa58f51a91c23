"""The Whoosh schema: what a researcher can search, filter, facet and sort on.

Unqualified words search one field, `text` (headline, standfirst, body and captions, the
headline three times over so it weighs more): one posting list per word is several times
faster in Whoosh than a union over four fields, and each word is indexed once. The headline is
indexed on its own as well, for `headline:` queries; standfirst, body and captions are kept
(stored) for snippets and pages. Text is analysed for English (case and
accents folded before stemming, so "défamation" finds "defamation"); Khmer, which has no
spaces between words, is split wherever the tokenizer sees a break, which keeps it
searchable by fragments and never stops indexing. Facet fields are sortable
(column-stored), which Whoosh needs for fast grouping. Best rank and minutes listed are only
shown and sorted on, never searched: they are stored and column-stored but not indexed (Whoosh
would index eight terms per number, for range queries nobody can ask).
"""
from __future__ import annotations

from whoosh import fields
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

ENGLISH = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() | StemFilter()

FACETS = ("section", "author", "year", "month", "tag", "site", "language", "popularity")
CASELESS_FIELDS = ("section", "author", "tag", "site", "language", "popularity", "era")  # values matched ignoring case
HEADLINE_WEIGHT = 3  # the headline counts three times in `text`, the field unqualified words search
QUERY_FIELDS = ("headline", "author", "section", "tag", "site", "language", "year", "month", "published", "popularity",
                "url", "era")
POPULARITY_BANDS = ("top3", "top10", "listed", "never")
NEVER_LISTED = 1000


class SortKey(fields.NUMERIC):
    """A number to show and sort on, not to search."""

    indexed = False


def build_schema() -> fields.Schema:
    return fields.Schema(
        url=fields.ID(stored=True, unique=True, sortable=True),
        site=fields.ID(stored=True, sortable=True),
        era=fields.ID(stored=True),
        text=fields.TEXT(analyzer=ENGLISH),
        headline=fields.TEXT(analyzer=ENGLISH, stored=True, field_boost=3.0),
        standfirst=fields.STORED,
        body=fields.STORED,
        captions=fields.STORED,
        author=fields.KEYWORD(commas=True, stored=True, sortable=True, lowercase=False),
        section=fields.ID(stored=True, sortable=True),
        tag=fields.KEYWORD(commas=True, stored=True, sortable=True, lowercase=False),
        language=fields.ID(stored=True, sortable=True),
        published=fields.DATETIME(stored=True, sortable=True),
        published_text=fields.STORED,
        year=fields.ID(stored=True, sortable=True),
        month=fields.ID(stored=True, sortable=True),
        best_rank=SortKey(int, stored=True, sortable=True, default=NEVER_LISTED),
        minutes_listed=SortKey(int, stored=True, sortable=True, default=0),
        first_listed=fields.STORED,
        last_listed=fields.STORED,
        popularity=fields.ID(stored=True, sortable=True),
    )


def popularity_band(best_rank: int) -> str:
    if best_rank <= 3:
        return "top3"
    if best_rank <= 10:
        return "top10"
    return "listed" if best_rank < NEVER_LISTED else "never"
