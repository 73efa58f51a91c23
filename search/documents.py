"""Index documents from the store: the current revision of each article, with the
popularity its Most viewed history gives it."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from archive.store import Store
from search.schema import HEADLINE_WEIGHT, NEVER_LISTED, popularity_band

# Between the parts of the combined text field a word no query asks for, so that a phrase
# cannot match across two parts (the end of the body and the start of a caption, two names).
PART_BREAK = "\n zzpartbreakzz \n"
# What a document holds; an index of another format is rebuilt rather than updated. 2: plain
# words also search the authors' names and the tags.
DOCUMENT_FORMAT = 2


@dataclass
class Popularity:
    best_rank: int = NEVER_LISTED
    hours: float = 0.0
    first: str | None = None
    last: str | None = None


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def popularity(store: Store, urls: set[str] | None = None) -> dict[str, Popularity]:
    """Best rank, hours in the list (the span each list was seen up, summed) and first and
    last sighting, per article URL."""
    found: dict[str, Popularity] = {}
    rows = store.db.execute("SELECT e.url, e.rank, s.first_seen, s.last_seen FROM snapshot_entries e "
                            "JOIN snapshots s ON s.id = e.snapshot_id")
    for url, rank, first, last in rows:
        if urls is not None and url not in urls:
            continue
        entry = found.setdefault(url, Popularity())
        entry.best_rank = min(entry.best_rank, rank)
        entry.hours += (parse_utc(last) - parse_utc(first)).total_seconds() / 3600
        entry.first = min(filter(None, (entry.first, first)))
        entry.last = max(filter(None, (entry.last, last)))
    return found


def to_document(record: dict, seen: Popularity | None) -> dict:
    """One record (docs/record.schema.json) as Whoosh field values."""
    seen = seen or Popularity()
    published = datetime.fromisoformat(record["published"]) if record.get("published") else None
    headline, body = record.get("headline") or "", "\n\n".join(record.get("body") or [])
    captions = "\n".join(" ".join(filter(None, (image.get("caption"), image.get("credit"))))
                          for image in record.get("images") or [])
    standfirst = record.get("standfirst") or ""
    names = [*(record.get("authors") or []), *(record.get("tags") or [])]
    document = {
        "url": record["url"],
        "text": PART_BREAK.join([*[headline] * HEADLINE_WEIGHT, standfirst, body, captions, *names]),
        "site": record["site"],
        "era": record["era"],
        "headline": headline,
        "standfirst": standfirst,
        "body": body,
        "captions": captions,
        "author": ",".join(a.replace(",", " ") for a in record.get("authors") or []),
        "section": record.get("section") or "",
        "tag": ",".join(t.replace(",", " ") for t in record.get("tags") or []),
        "language": record.get("language") or "",
        "best_rank": seen.best_rank,
        "minutes_listed": round(seen.hours * 60),
        "first_listed": seen.first,
        "last_listed": seen.last,
        "popularity": popularity_band(seen.best_rank),
    }
    if published is not None:
        document |= {"published": published.replace(tzinfo=None), "published_text": record["published"],
                     "year": f"{published:%Y}", "month": f"{published:%Y-%m}"}
    return {key: value for key, value in document.items() if value not in (None, "")}


def all_documents(store: Store) -> Iterator[dict]:
    seen = popularity(store)
    for record in store.current_records():
        yield to_document(record, seen.get(record["url"]))


def changed_documents(store: Store, after_revision: int, after_sighting: str) -> Iterator[dict]:
    """Documents of articles with a revision newer than `after_revision`, or in a Most
    viewed list seen after `after_sighting`."""
    urls = {row[0] for row in store.db.execute(
        "SELECT a.url FROM revisions r JOIN articles a ON a.id = r.article_id WHERE r.id > ?", (after_revision,))}
    urls |= {row[0] for row in store.db.execute(
        "SELECT e.url FROM snapshot_entries e JOIN snapshots s ON s.id = e.snapshot_id WHERE s.last_seen > ?",
        (after_sighting,))}
    seen = popularity(store, urls)
    marks = ",".join("?" * len(urls))
    rows = store.db.execute(
        f"SELECT r.record FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision "
        f"WHERE a.url IN ({marks})", sorted(urls)) if urls else []
    for row in rows:
        record = json.loads(row[0])
        yield to_document(record, seen.get(record["url"]))


def high_water(store: Store) -> tuple[int, str]:
    """The newest revision id and the latest sighting: what an index built now includes."""
    revision = store.db.execute("SELECT coalesce(max(id), 0) FROM revisions").fetchone()[0]
    sighting = store.db.execute("SELECT coalesce(max(last_seen), '') FROM snapshots").fetchone()[0]
    return revision, sighting
