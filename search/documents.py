"""Index documents from the store: the current revision of each article, with the
popularity its Most viewed history gives it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from archive.fields import FIELDS, NEVER_LISTED, Field, Indexed, flag_text
from archive.store import Store
from archive.times import utc
from search.khmer import SEGMENTER
from search.schema import HEADLINE_WEIGHT, INDEXED, date_text

# Between the parts of the combined text field a word no query asks for, so that a phrase
# cannot match across two parts (the end of the body and the start of a caption, two names).
PART_BREAK = "\n zzpartbreakzz \n"
# How documents are built and analysed here, counted by hand (2: plain words also search the
# authors' names and the tags; 3: Khmer is cut into words); the Khmer segmenter's version and
# what documents hold (index_layout) are the rest of their format.
DOCUMENT_VERSION = 3


def index_layout(fields: tuple[Field, ...]) -> str:
    """A digest of how the index keeps each field the registry indexes: a field added to the
    registry, or indexed otherwise, gives another layout."""
    kept = [
        (row.key, str(row.index), row.stored, row.sortable, row.unique, row.boost, repr(row.default), row.caseless)
        for row in fields
        if row.index is not None
    ]
    return hashlib.sha256(repr(kept).encode()).hexdigest()[:16]


# What a document holds; an index of another format is rebuilt rather than updated.
DOCUMENT_FORMAT = f"{DOCUMENT_VERSION}-{SEGMENTER}-{index_layout(FIELDS)}"


@dataclass
class Popularity:
    best_rank: int = NEVER_LISTED
    hours: float = 0.0
    first: str | None = None
    last: str | None = None


def popularity(store: Store, urls: set[str] | None = None) -> dict[str, Popularity]:
    """Best rank, hours in the list (the span each list was seen up, summed) and first and
    last sighting (as stored), per article URL."""
    found: dict[str, Popularity] = {}
    for listed in store.list_entries(urls):
        entry = found.setdefault(listed.url, Popularity())
        entry.best_rank = min(entry.best_rank, listed.rank)
        entry.hours += (listed.last_seen - listed.first_seen).total_seconds() / 3600
        entry.first = min(filter(None, (entry.first, utc(listed.first_seen))))
        entry.last = max(filter(None, (entry.last, utc(listed.last_seen))))
    return found


def popularity_band(best_rank: int) -> str:
    if best_rank <= 3:
        return "top3"
    if best_rank <= 10:
        return "top10"
    return "listed" if best_rank < NEVER_LISTED else "never"


def published_at(record: dict) -> datetime | None:
    return datetime.fromisoformat(record["published"]) if record.get("published") else None


# The values of the derived fields (archive/fields.py), from the record and its Most viewed history.
DERIVED: dict[str, Callable[[dict, Popularity], object]] = {
    "year": lambda record, seen: f"{moment:%Y}" if (moment := published_at(record)) else None,
    "month": lambda record, seen: f"{moment:%Y-%m}" if (moment := published_at(record)) else None,
    "best_rank": lambda record, seen: seen.best_rank,
    "popularity": lambda record, seen: popularity_band(seen.best_rank),
}


def indexed_value(field: Field, record: dict) -> object:
    """The record's own value of `field` as the index takes it: a list of values joined by
    commas (a comma inside a value becomes a space), paragraphs by a blank line, a moment
    without its zone, a flag as true or false."""
    value = record.get(field.name)
    if field.index is Indexed.FLAG:
        return flag_text(value)
    if field.index is Indexed.KEYWORDS:
        return ",".join(item.replace(",", " ") for item in value or [])
    if field.index is Indexed.DATE:
        return datetime.fromisoformat(value).replace(tzinfo=None) if value else None
    return "\n\n".join(value) if isinstance(value, list) else value


def combined_text(record: dict, captions: str) -> str:
    """What unqualified words search: the headline (several times over, so it weighs more), the
    standfirst, the body, the captions, the authors' names and the tags, each part apart."""
    headline, body = record.get("headline") or "", "\n\n".join(record.get("body") or [])
    names = [*(record.get("authors") or []), *(record.get("tags") or [])]
    return PART_BREAK.join([*[headline] * HEADLINE_WEIGHT, record.get("standfirst") or "", body, captions, *names])


def to_document(record: dict, seen: Popularity | None) -> dict:
    """One record (the record schema, archive/fields.py) as Whoosh field values: every indexed
    field of the record, and what only the index needs."""
    seen = seen or Popularity()
    captions = "\n".join(
        " ".join(filter(None, (image.get("caption"), image.get("credit")))) for image in record.get("images") or []
    )
    document = {
        "text": combined_text(record, captions),
        "captions": captions,
        "minutes_listed": round(seen.hours * 60),
        "first_listed": seen.first,
        "last_listed": seen.last,
    }
    for field in INDEXED:
        document[field.key] = DERIVED[field.name](record, seen) if field.derived else indexed_value(field, record)
        if field.index is Indexed.DATE:
            document[date_text(field.key)] = record.get(field.name)
    return {key: value for key, value in document.items() if value not in (None, "")}


def all_documents(store: Store) -> Iterator[dict]:
    """A document of every article the archive does not withhold."""
    seen, withheld = popularity(store), store.withheld()
    for record in store.current_records():
        if not withheld.of(record["url"]):
            yield to_document(record, seen.get(record["url"]))


def changed_documents(store: Store, after_revision: int, after_sighting: str) -> Iterator[dict]:
    """Documents of articles with a revision newer than `after_revision`, or in a Most
    viewed list seen after `after_sighting`."""
    urls = store.changed_article_urls(after_revision, after_sighting)
    seen, withheld = popularity(store, urls), store.withheld()
    for record in store.current_records_of(urls):
        if not withheld.of(record["url"]):
            yield to_document(record, seen.get(record["url"]))


def high_water(store: Store) -> tuple[int, str]:
    """The newest revision id and the latest sighting: what an index built now includes."""
    return store.high_water()
