"""The Whoosh schema: what a researcher can search, filter, facet and sort on, built from the
record's fields (archive/fields.py) and the few fields only the index needs.

Unqualified words search one field, `text` (headline, standfirst, body and captions, the
headline three times over so it weighs more): one posting list per word is several times
faster in Whoosh than a union over four fields, and each word is indexed once. The headline is
indexed on its own as well, for `headline:` queries; standfirst, body and captions are kept
(stored) for snippets and pages. Text is analysed for English (case and accents folded before
stemming, so "défamation" finds "defamation"), and Khmer, which has no spaces between words, is
cut into words by a segmenter (search/khmer.py). Facet fields are sortable (column-stored),
which Whoosh needs for fast grouping. Best rank and minutes listed are only shown and sorted
on, never searched: they are stored and column-stored but not indexed (Whoosh
would index eight terms per number, for range queries nobody can ask). A date is indexed as a
moment without its zone, for ranges and order, and its text is stored beside it, so a hit shows
it as the record has it.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.analysis import RegexTokenizer

from archive.fields import FIELDS, Field, Indexed
from search.english import FoldAndStop, RememberedStem
from search.khmer import KhmerTokenizer

ENGLISH = RegexTokenizer() | FoldAndStop() | RememberedStem()  # Whoosh's English chain, in fewer steps
ANALYZER = KhmerTokenizer(ENGLISH)  # every text field's: Khmer words, the rest English

INDEXED = tuple(field for field in FIELDS if field.index is not None)
FACETS = tuple(field.key for field in sorted((f for f in FIELDS if f.facet), key=lambda f: f.facet))
CASELESS_FIELDS = tuple(field.key for field in FIELDS if field.caseless)  # values matched ignoring case
QUERY_FIELDS = tuple(field.key for field in sorted((f for f in FIELDS if f.query), key=lambda f: f.query))
HEADLINE_WEIGHT = 3  # the headline counts three times in `text`, the field unqualified words search


class SortKey(fields.NUMERIC):
    """A number to show and sort on, not to search."""

    indexed = False


def date_text(name: str) -> str:
    """The stored field beside a date that keeps its text as the record has it."""
    return f"{name}_text"


def field_type(field: Field) -> fields.FieldType:
    """The Whoosh field of one row of the record's fields."""
    sortable = field.sortable or bool(field.facet)
    if field.index is Indexed.TEXT:
        return fields.TEXT(analyzer=ANALYZER, stored=field.stored, field_boost=field.boost, sortable=sortable)
    if field.index is Indexed.KEYWORDS:
        return fields.KEYWORD(
            commas=True,
            stored=field.stored,
            sortable=sortable,
            lowercase=False,
            unique=field.unique,
            field_boost=field.boost,
        )
    if field.index in (Indexed.ID, Indexed.FLAG):
        return fields.ID(stored=field.stored, sortable=sortable, unique=field.unique, field_boost=field.boost)
    if field.index is Indexed.DATE:
        return fields.DATETIME(stored=field.stored, sortable=sortable, unique=field.unique)
    if field.index is Indexed.SORT:
        return SortKey(int, stored=field.stored, sortable=True, unique=field.unique, default=field.default)
    return fields.STORED()


def build_schema() -> fields.Schema:
    return fields.Schema(
        **{field.key: field_type(field) for field in INDEXED},
        **{date_text(field.key): fields.STORED() for field in INDEXED if field.index is Indexed.DATE},
        text=fields.TEXT(analyzer=ANALYZER),
        captions=fields.STORED,
        minutes_listed=SortKey(int, stored=True, sortable=True, default=0),
        first_listed=fields.STORED,
        last_listed=fields.STORED,
    )
