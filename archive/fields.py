"""The record's fields, declared once: what each is in the record, in the index, in a hit and in
an export. From these rows the search layer builds its Whoosh schema, the documents it indexes,
its hits and the export columns; the front-end its facet parameters and the OpenAPI shape of a
hit; and the record's JSON schema is built here (`record_schema`). A new field of the record
needs its parser, the sample site and one row here.

Derived rows are fields a user sees or names that the record does not hold as such: the year and
month of publication (facets), the Most viewed figures (best rank, hours listed, the popularity
band) and what a search marks (snippet, headline_html); `derived` says where each comes from and
the search layer computes it. What only the index needs and nobody names (the combined `text`
that unqualified words search, the captions with their credits, a date's text kept beside it,
minutes listed and the first and last sighting) stays in the search layer (search/schema.py,
search/documents.py): it is how the index works, not a field of the record, and a row here would
promise a name no one can use.

The rows are in the order of a hit; the record schema keeps the model's order
(archive/model.py). The facets, the fields a query may name and the export columns are listed
in orders of their own, each row giving its place in them: a new column goes last, so that a
spreadsheet reading columns by position still finds the old ones where they were.

docs/record.schema.json is a copy of `record_schema()`: `python -m archive.fields > docs/record.schema.json`
writes it again.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass
from enum import StrEnum
from types import GenericAlias, UnionType

from archive.model import Article

RECORD_SCHEMA_COPY = "docs/record.schema.json"
NEVER_LISTED = 1000  # the best rank of an article never seen in the Most viewed list

HitType = type | UnionType | GenericAlias


class Indexed(StrEnum):
    """How the index keeps a field."""

    TEXT = "text"  # words, analysed for English: searched by words and phrases
    KEYWORDS = "keywords"  # a list of values, each one term as printed: filtered and counted as a facet
    ID = "id"  # one value, one term as printed
    DATE = "date"  # a moment: searched by ranges and sorted on, its text as the record has it kept beside it
    STORED = "stored"  # kept to be shown, never searched
    SORT = "sort"  # a whole number to show and sort on, never searched
    FLAG = "flag"  # a yes or no, one term, true or false (flag_text): filtered and counted as a facet


@dataclass(frozen=True)
class Field:
    """One field: in the record (`schema`), the index (`index`), a hit (`hit`) and the exports."""

    name: str  # in the record, a hit and an export
    schema: dict | None = None  # the JSON schema of its value in the record; None: not in the record
    index: Indexed | None = None  # None: not in the index
    index_name: str = ""  # its name in the index and in queries, when not `name`
    stored: bool = True  # kept in the index, so a hit can show it
    sortable: bool = False  # hits are ordered by it (facets and sort numbers are column-stored anyway)
    unique: bool = False  # one document per value: the record's identity
    boost: float = 1.0  # its weight when a query names it
    default: object = None  # the value of a document without one, in the index (a sort number) and in a hit
    facet: int = 0  # its place among the facets, 1 first; 0: not a facet
    caseless: bool = False  # a query's value matches stored values that differ from it in case only
    query: int = 0  # its place among the fields a query may name, 1 first; 0: queries cannot name it
    hit: HitType | None = None  # its type in a hit; None: a hit does not show it
    export: int = 0  # its place among the columns of CSV and JSON Lines exports, 1 first; 0: not a column
    derived: str = ""  # where its value comes from, when not from the record's own field

    @property
    def key(self) -> str:
        """Its name in the index and in queries."""
        return self.index_name or self.name


def flag_text(value: object) -> str:
    """A yes or no where only text goes (a term of the index, a CSV cell), spelt as JSON spells
    it; a record without the flag (stored before it existed) reads as false."""
    return "true" if value else "false"


def described(schema: dict, description: str) -> dict:
    return schema | {"description": description}


STRING, NULLABLE_STRING = {"type": "string"}, {"type": ["string", "null"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
TIME = {"oneOf": [{"$ref": "#/$defs/time"}, {"type": "null"}]}
IMAGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["url", "caption", "credit"],
    "properties": {
        "url": described(STRING, "Absolute URL of the image on the site's own host."),
        "caption": described(NULLABLE_STRING, "The caption without its credit."),
        "credit": described(
            NULLABLE_STRING,
            "The photo credit as printed at the end of the caption (Photo supplied, "
            "Heng Chivoan, Khem Sovannara/AFP); a leading 'Photograph:' is dropped. "
            "Null when the caption has none.",
        ),
    },
}

FIELDS = (
    Field(
        "url",
        described(
            STRING,
            "Identity of the record: the canonical URL, https, the site's own host (www.), no "
            "trailing slash, no tracking parameters, percent-escapes in upper case. The same "
            "article fetched from a mirror, the bare host or over http has the same url.",
        ),
        Indexed.ID,
        sortable=True,
        unique=True,
        query=11,
        hit=str,
        export=1,
    ),
    Field(
        "headline",
        described(
            NULLABLE_STRING, "The headline, once, as printed over the article (not the <title> or the logo text)."
        ),
        Indexed.TEXT,
        boost=3.0,
        default="",
        query=1,
        hit=str,
        export=2,
    ),
    Field(
        "published",
        described(TIME, "When the article was published, in the site's zone."),
        Indexed.DATE,
        sortable=True,
        query=9,
        hit=str | None,
        export=3,
    ),
    Field(
        "authors",
        described(
            STRINGS,
            "Authors in name case ('MAY KUNMAKARA' becomes 'May Kunmakara'), split on "
            "commas and 'and', the paper's name dropped. Organisational bylines (Post "
            "Staff, AFP, Xinhua) are kept as authors. Empty when the page has no byline.",
        ),
        Indexed.KEYWORDS,
        index_name="author",
        facet=2,
        caseless=True,
        query=2,
        hit=list[str],
        export=4,
    ),
    Field(
        "section",
        described(
            NULLABLE_STRING,
            "The section slug of the current site (national, business, "
            "politics-0, …; Khmer sections in Khmer script). Old section names "
            "(National-news) are mapped to it.",
        ),
        Indexed.ID,
        facet=1,
        caseless=True,
        query=3,
        hit=str | None,
        export=5,
    ),
    Field(
        "tags",
        described(STRINGS, "Topic tags as printed, in page order."),
        Indexed.KEYWORDS,
        index_name="tag",
        facet=5,
        caseless=True,
        query=4,
        hit=list[str],
        export=6,
    ),
    Field(
        "language",
        described(STRING, "ISO 639-1 code of the article's language: en or km (Khmer)."),
        Indexed.ID,
        facet=7,
        caseless=True,
        query=6,
        hit=str | None,
        export=7,
    ),
    Field("snippet", hit=str, derived="the body, the query's words marked (HTML)"),
    Field("headline_html", hit=str, derived="the headline, the query's words marked (HTML)"),
    Field(
        "best_rank",
        index=Indexed.SORT,
        default=NEVER_LISTED,
        hit=int | None,
        export=8,
        derived="the Most viewed history: the best rank the article reached",
    ),
    Field("hours_listed", hit=float, export=9, derived="the Most viewed history: the hours the article was listed"),
    Field(
        "popularity",
        index=Indexed.ID,
        default="never",
        facet=8,
        caseless=True,
        query=10,
        hit=str,
        export=10,
        derived="best_rank, in bands: top3, top10, listed or never",
    ),
    Field(
        "site",
        described(STRING, "The newspaper, by its bare host name, e.g. phnompenhpost.com."),
        Indexed.ID,
        facet=6,
        caseless=True,
        query=5,
    ),
    Field(
        "era",
        described(
            STRING | {"enum": ["joomla", "drupal", "modern", "generic"]},
            "The site template the page uses: joomla (to 2012), drupal (2013-2022), modern (2023 on); "
            "generic when it matched none and the generic extractor read it (a provisional record).",
        ),
        Indexed.ID,
        caseless=True,
        query=12,
    ),
    Field("year", index=Indexed.ID, facet=3, query=7, derived="published, its year in the site's zone"),
    Field("month", index=Indexed.ID, facet=4, query=8, derived="published, its year and month in the site's zone"),
    Field(
        "standfirst",
        described(NULLABLE_STRING, "The summary printed under the headline, where there is one."),
        Indexed.STORED,
    ),
    Field(
        "body",
        described(
            STRINGS,
            "The article's paragraphs in order, white space collapsed; nothing of "
            "navigation, sidebars, related links, ads, share buttons or captions.",
        ),
        Indexed.STORED,
    ),
    Field(
        "byline", described(NULLABLE_STRING, "The byline exactly as printed (white space collapsed), before splitting.")
    ),
    Field(
        "published_precision",
        described(
            NULLABLE_STRING | {"enum": ["minute", "day", None]},
            "minute when the page prints a time; day when it prints only a date (then "
            "published is that day's midnight in the site's zone and the time of day "
            "is unknown).",
        ),
    ),
    Field("updated", described(TIME, "When the page says the article was last updated, or null.")),
    Field(
        "images",
        {
            "type": "array",
            "description": "Every photo of the article in page order (not the logo, not sidebar pictures).",
            "items": IMAGE,
        },
    ),
    Field(
        "word_count",
        described(
            {"type": "integer", "minimum": 0},
            "Number of white-space separated tokens in the body. Khmer writes no spaces between "
            "words, so for Khmer it counts phrases.",
        ),
    ),
    Field(
        "fetched_url",
        described(NULLABLE_STRING, "The address the page was actually fetched from (a mirror, the sample site)."),
    ),
    Field("fetched_at", described(TIME, "When the page was fetched.")),
    Field("warnings", {"$ref": "#/$defs/warnings"}),
    Field(
        "provisional",
        described(
            {"type": "boolean"},
            "true when some or all of the record is a generic extractor's (trafilatura's) reading of the "
            "page rather than the paper's own markup read by rules written for it: the page matched none of "
            "the site's known templates (era generic; its warnings say why, provisional: …), or a template "
            "read it but found no date, byline or body and the generic extractor supplied that field (its "
            "warnings name each, fallback-date: …). Treat such a record as a lead: check it against the raw "
            "capture before quoting or counting it (authors, section and date are the likeliest to be wrong "
            "or missing). false for a record read by a template of the site alone, and for every record "
            "stored before this field existed. Search filters on it as provisional:true.",
        ),
        Indexed.FLAG,
        facet=9,
        caseless=True,
        query=13,
        hit=bool,
        export=11,
    ),
)
FIELD = {field.name: field for field in FIELDS}

MOST_VIEWED = {
    "type": "object",
    "additionalProperties": False,
    "required": ["site", "seen_at", "page_url", "entries"],
    "properties": {
        "site": described(STRING, "The newspaper, by its bare host name."),
        "seen_at": described(
            {"$ref": "#/$defs/time"}, "When the sidebar was seen: the fetch time of the page, not the article's date."
        ),
        "page_url": described(STRING, "Identity URL of the page the sidebar was seen on."),
        "entries": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rank", "url", "title", "teaser"],
                "properties": {
                    "rank": described({"type": "integer", "minimum": 1}, "Position in the list, 1 at the top."),
                    "url": described(STRING, "Identity URL of the ranked article (same rules as article.url)."),
                    "title": described(STRING, "The title as the sidebar shows it."),
                    "teaser": described(
                        NULLABLE_STRING, "The teaser text under the title, as shown (often cut mid-sentence)."
                    ),
                },
            },
        },
    },
}


def record_schema() -> dict:
    """The JSON schema of what the parser makes of one page (`newsarchive parse`): the article
    from the rows, in the model's order, and the Most viewed sidebar."""
    article = [FIELD[field.name] for field in dataclasses.fields(Article)]
    return copy.deepcopy(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "newsarchive/record.schema.json",
            "title": "newsarchive records",
            "description": "The records the parser makes from one page, as `newsarchive parse` prints them. "
            "Exports, the API and the sample site's ground truth use the same field names. Times are ISO 8601 "
            "with their UTC offset (the Phnom Penh Post prints ICT, +07:00).",
            "type": "object",
            "required": ["article", "most_viewed", "warnings"],
            "additionalProperties": False,
            "properties": {
                "article": {
                    "oneOf": [{"$ref": "#/$defs/article"}, {"type": "null"}],
                    "description": "The article on the page, or null when the page is not an article (a listing, "
                    "a 404 page).",
                },
                "most_viewed": {
                    "oneOf": [{"$ref": "#/$defs/most_viewed"}, {"type": "null"}],
                    "description": "The 'Most viewed' sidebar as the page showed it, or null when it showed none.",
                },
                "warnings": {"$ref": "#/$defs/warnings"},
            },
            "$defs": {
                "warnings": described(
                    {"type": "array", "items": {"type": "string"}},
                    "What went wrong reading the page, one sentence each, starting with a code and a "
                    "colon: truncated, charset, empty, no-headline, no-date, no-body, parser-error; "
                    "provisional (no known template matched: a generic extractor read the page) and "
                    "fallback-<field> (that field is the generic extractor's, e.g. fallback-date).",
                ),
                "time": {"type": "string", "format": "date-time", "pattern": "[+-]\\d\\d:\\d\\d$"},
                "article": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [f.name for f in article],
                    "properties": {f.name: f.schema for f in article},
                },
                "most_viewed": MOST_VIEWED,
            },
        }
    )


def record_schema_text() -> str:
    """The record schema as docs/record.schema.json holds it."""
    return json.dumps(record_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    print(record_schema_text(), end="")
