"""The store on its own: schema versions, revisions, snapshots, transactions."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from archive.model import Article, MostViewedEntry, MostViewedSnapshot, ParsedPage
from archive.store import SCHEMA_VERSION, Capture, Store, StoreError

T0 = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)


def article(headline: str, body: list[str]) -> Article:
    return Article(
        url="https://www.phnompenhpost.com/national/x",
        site="phnompenhpost.com",
        era="drupal",
        language="en",
        headline=headline,
        body=body,
        published="2026-10-31T08:00:00+07:00",
    )


def sidebar(*titles: str) -> MostViewedSnapshot:
    return MostViewedSnapshot(
        "phnompenhpost.com",
        T0.isoformat(),
        "https://www.phnompenhpost.com/",
        [MostViewedEntry(k, f"https://www.phnompenhpost.com/national/{t}", t) for k, t in enumerate(titles, 1)],
    )


def test_a_new_store_has_the_current_schema_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "archive.sqlite3"
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer version"):
        Store(path)


def schema_2_hash(record: dict) -> str:
    """content_hash as stores of schema 2 hold it: the headline and the body alone."""
    text = json.dumps([record["headline"], record["body"]], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_store_of_schema_2_is_rehashed_so_an_unchanged_page_stays_unchanged(tmp_path):
    path = tmp_path / "a.sqlite3"
    first, second = article("One", ["a"]), article("One", ["a", "b"])
    with Store(path) as store:
        assert [
            store.ingest(ParsedPage(a, None), None, T0 + timedelta(hours=k), None).article
            for k, a in enumerate([first, second])
        ] == ["new", "revised"]
        for number, record in store.db.execute("SELECT id, record FROM revisions").fetchall():
            store.db.execute(
                "UPDATE revisions SET content_hash = ? WHERE id = ?", (schema_2_hash(json.loads(record)), number)
            )
        store.db.execute("PRAGMA user_version = 2")  # as schema 2 left it: the same tables, the old hashes
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.ingest(ParsedPage(second, None), None, T0 + timedelta(hours=2), None).article == "unchanged"
        assert store.revision_like(first) == (1, 1)
        corrected = replace(second, authors=["Meas Sokchea"], byline="Meas Sokchea")
        assert store.ingest(ParsedPage(corrected, None), None, T0 + timedelta(hours=3), None).article == "revised"


def schema_5_hash(record: dict) -> str:
    """content_hash as stores of schema 5 hold it: empty fields counted too."""
    fields = {k: v for k, v in record.items() if k not in ("fetched_url", "fetched_at", "warnings")}
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def test_a_field_left_empty_is_no_change_and_a_store_of_schema_5_is_rehashed_to_agree(tmp_path):
    """A field the record gains later is empty on the pages parsed before it: an article read
    again with that field empty must stay unchanged."""
    path = tmp_path / "a.sqlite3"
    first = replace(article("One", ["a"]), standfirst=None, tags=[])
    with Store(path) as store:
        assert store.ingest(ParsedPage(first, None), None, T0, None).article == "new"
        (number, record) = store.db.execute("SELECT id, record FROM revisions").fetchone()
        store.db.execute(
            "UPDATE revisions SET content_hash = ? WHERE id = ?", (schema_5_hash(json.loads(record)), number)
        )
        store.db.execute("PRAGMA user_version = 5")
    with Store(path) as store:
        again = replace(first, standfirst="", tags=[])
        assert store.ingest(ParsedPage(again, None), None, T0 + timedelta(hours=1), None).article == "unchanged"
        assert (
            store.ingest(
                ParsedPage(replace(first, standfirst="New"), None), None, T0 + timedelta(hours=2), None
            ).article
            == "revised"
        )


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "archive.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="is not an archive store"):
        Store(path)


def test_revisions_are_kept_when_headline_or_body_change(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        outcomes = [
            store.ingest(ParsedPage(a, None), None, T0 + timedelta(hours=k), None).article
            for k, a in enumerate(
                [article("One", ["a"]), article("One", ["a"]), article("One", ["a", "b"]), article("Two", ["a", "b"])]
            )
        ]
        assert outcomes == ["new", "unchanged", "revised", "revised"]
        rows = store.db.execute("SELECT number, captured_at FROM revisions ORDER BY number").fetchall()
        assert [r[0] for r in rows] == [1, 2, 3]
        assert [r["headline"] for r in store.current_records()] == ["Two"]


def test_a_list_seen_again_extends_its_snapshot_and_a_new_list_starts_one(tmp_path):
    with Store(tmp_path / "a.sqlite3", snapshot_gap=timedelta(minutes=60)) as store:
        seen = [
            store.ingest(ParsedPage(None, s), None, T0 + timedelta(minutes=m), None).snapshot
            for s, m in [
                (sidebar("a", "b"), 0),
                (sidebar("a", "b"), 30),
                (sidebar("c", "a"), 70),
                (sidebar("a", "b"), 200),
            ]
        ]
        assert seen == ["new", "seen again", "new", "new"]
        first = store.snapshot_lists()[0]
        assert first["sightings"] == 2 and first["last_seen"].startswith("2026-11-01T05:30")


def test_a_failed_write_leaves_nothing_half_done(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        broken = ParsedPage(article("One", ["a"]), sidebar("a"))
        broken.most_viewed.entries.append(broken.most_viewed.entries[0])
        with pytest.raises(sqlite3.IntegrityError):
            store.ingest(broken, None, T0, None)
        assert store.article_count() == 0 and store.snapshot_lists() == []


def test_captures_record_where_their_raw_copy_lies(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        run = store.start_run("phnompenhpost.com", "http://127.0.0.1:1", {})
        store.add_capture(
            run,
            Capture(
                "http://127.0.0.1:1/node/5",
                301,
                T0,
                "article",
                0,
                "f.warc.gz",
                10,
                "<urn:1>",
                location="http://127.0.0.1:1/national/x",
            ),
        )
        store.ingest(ParsedPage(article("One", ["a"]), None), None, T0, run, ("http://127.0.0.1:1/national/x",))
        assert store.known_addresses() == {"/national/x", "/node/5"}
        assert store.run(run).pages == 1 and store.run(run).new_articles == 1


def test_a_page_ingested_uncounted_stores_its_records_and_adds_nothing_to_the_run(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        run = store.start_run("phnompenhpost.com", "http://127.0.0.1:1", {})
        page = ParsedPage(article("One", ["a"]), sidebar("a"), ["no byline"])
        store.ingest(page, None, T0, run, counted=False)
        assert store.article_count() == 1 and len(store.snapshot_lists()) == 1
        figures = ("pages", "new_articles", "snapshots", "warnings")
        assert [getattr(store.run(run), name) for name in figures] == [0, 0, 0, 0]
        store.add_capture(
            run, Capture("http://127.0.0.1:1/national/x", 200, T0, "article", 0, "f.warc.gz", 10, "<urn:1>")
        )
        store.ingest(ParsedPage(article("Two", ["a"]), None), None, T0 + timedelta(hours=1), run)
        assert [getattr(store.run(run), name) for name in ("pages", "new_revisions")] == [1, 1]


def test_what_an_index_update_reads_of_the_store(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        assert store.high_water() == (0, "")
        store.ingest(ParsedPage(article("One", ["a"]), sidebar("x", "y")), None, T0, None)
        revision, sighting = store.high_water()
        assert (revision, sighting) == (1, "2026-11-01T05:00:00.000000Z")
        entries = store.list_entries()
        assert [(e.url.rsplit("/", 1)[1], e.rank, e.first_seen) for e in entries] == [("x", 1, T0), ("y", 2, T0)]
        assert [e.rank for e in store.list_entries({entries[1].url})] == [2]
        assert store.changed_article_urls(revision, sighting) == set()
        later = sidebar("x", "y")
        store.ingest(ParsedPage(article("One", ["a", "b"]), later), None, T0 + timedelta(minutes=30), None)
        assert store.changed_article_urls(revision, sighting) == {
            "https://www.phnompenhpost.com/national/x",
            entries[1].url,
        }
        assert store.current_records_of(store.changed_article_urls(revision, sighting)) == [
            store.current_record("https://www.phnompenhpost.com/national/x")
        ]
        assert store.current_records_of(set()) == []
