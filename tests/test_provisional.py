"""Provisional records (read by the generic extractor, whole or in part) from the store to the
index, the search facet, the exports, the record page and the run's figures: real store files,
a real Whoosh index and the Flask test client."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from archive.health import redesign_flags
from archive.model import Article, ParsedPage
from archive.store import Capture, Store, content_hash
from search.indexer import rebuild
from search.service import SearchRequest, SearchService
from tests.oracle import Ask, FieldValue, Oracle
from web import create_app

T0 = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
SITE = "https://www.phnompenhpost.com"
NO_TEMPLATE = (
    "provisional: no known template of phnompenhpost.com matched; headline, date and body by the generic extractor"
)
FALLBACK_DATE = "fallback-date: no date by the drupal template; the generic extractor's date"


def article(slug: str, warning: str | None = None) -> Article:
    """A record read by the drupal template, or (given the warning saying so) a provisional one."""
    return Article(
        url=f"{SITE}/national/{slug}",
        site="phnompenhpost.com",
        era="generic" if warning == NO_TEMPLATE else "drupal",
        language="en",
        headline=f"Rice harvest {slug}",
        body=[f"The harvest of {slug} was good.", "Prices held."],
        published="2026-10-31T08:00:00+07:00",
        section="national",
        word_count=9,
        warnings=[warning] if warning else [],
        provisional=warning is not None,
    )


def ingest(store: Store, page: Article, hours: int = 0, capture: int | None = None) -> str | None:
    return store.ingest(ParsedPage(page, None), capture, T0 + timedelta(hours=hours), None).article


def strip_provisional(store: Store, url: str) -> None:
    """Make the stored record of `url` one written before the field existed."""
    store.db.execute(
        "UPDATE revisions SET record = json_remove(record, '$.provisional') WHERE article_id = "
        "(SELECT id FROM articles WHERE url = ?)",
        (url,),
    )


def hash_before_the_field(record: dict) -> str:
    """content_hash as a store written before the field holds it: the fields but the fetch's
    own, empty ones left out."""
    kept = {
        name: value
        for name, value in record.items()
        if name not in ("fetched_url", "fetched_at", "warnings") and value not in (None, "", [], {})
    }
    return hashlib.sha256(json.dumps(kept, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


GUESSED = {"a": NO_TEMPLATE, "c": NO_TEMPLATE, "f": FALLBACK_DATE}  # the provisional records
PROVISIONAL = tuple(GUESSED)
TEMPLATE = ("b", "d", "e", "g")
OLD = "h"  # stored before the field existed


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A store of provisional, template-read and old records, and its index."""
    folder = tmp_path_factory.mktemp("provisional")
    with Store(folder / "data" / "archive.sqlite3") as store:
        run = store.start_run("phnompenhpost.com", SITE, {})
        for number, slug in enumerate(sorted([*PROVISIONAL, *TEMPLATE, OLD])):
            capture = store.add_capture(
                run,
                Capture(f"{SITE}/national/{slug}", 200, T0, "article", 0, "f.warc.gz", 10 * number, f"<urn:{slug}>"),
            )
            ingest(store, article(slug, GUESSED.get(slug)), capture=capture)
        strip_provisional(store, f"{SITE}/national/{OLD}")
        rebuild(store, folder / "index", procs=1)
    return folder


@pytest.fixture(scope="module")
def client(archive: Path):
    app = create_app(archive / "index", archive / "data")
    app.testing = True
    return app.test_client()


def stored_records(archive: Path) -> list[dict]:
    """The current records as the store's rows hold them, the old one without the field."""
    with Store(archive / "data" / "archive.sqlite3", read_only=True) as store:
        rows = store.db.execute(
            "SELECT r.record FROM articles a JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision"
        )
        return [json.loads(row[0]) for row in rows]


def test_a_provisional_record_is_stored_and_read_back_provisional(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        assert ingest(store, article("x", NO_TEMPLATE)) == "new"
        record = store.current_record(f"{SITE}/national/x")
        assert record is not None and record["provisional"] is True and record["warnings"] == [NO_TEMPLATE]
        assert Article.from_dict(record).provisional is True
        assert store.provisional_count() == 1


def test_an_old_record_without_the_field_reads_as_not_provisional_and_keeps_its_hash(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        page = article("x")
        ingest(store, page)
        strip_provisional(store, page.url)
        (raw,) = store.db.execute("SELECT record FROM revisions").fetchone()
        old = json.loads(raw)
        assert "provisional" not in old and Article.from_dict(old).provisional is False
        assert store.current_record(page.url)["provisional"] is False
        assert [r["provisional"] for r in store.current_records()] == [False]
        history = store.article_history(page.url, "")
        assert history is not None and history.revisions[0].record["provisional"] is False
        assert store.provisional_count() == 0
        store.db.execute("UPDATE revisions SET content_hash = ?", (hash_before_the_field(old),))
        assert content_hash(page) == hash_before_the_field(old)
        assert ingest(store, page, hours=1) == "unchanged", "an old record is not a new revision of itself"


def test_a_template_reading_of_a_provisional_record_is_a_revision(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        guessed = article("x", NO_TEMPLATE)
        ingest(store, guessed)
        assert ingest(store, guessed, hours=1) == "unchanged"
        assert ingest(store, replace(guessed, provisional=False, warnings=[]), hours=2) == "revised"
        assert store.current_record(guessed.url)["provisional"] is False and store.provisional_count() == 0


def test_the_facet_counts_are_the_stored_records_counted(archive: Path):
    records = stored_records(archive)
    assert sum("provisional" not in record for record in records) == 1
    expected = Oracle(records).answer(Ask()).facets["provisional"]
    assert expected == [("false", len(TEMPLATE) + 1), ("true", len(PROVISIONAL))]
    search = SearchService(archive / "index")
    assert search.search(SearchRequest()).facets["provisional"] == expected
    with Store(archive / "data" / "archive.sqlite3", read_only=True) as store:
        assert store.provisional_count() == len(PROVISIONAL)
    wanted = sorted(f"{SITE}/national/{slug}" for slug in PROVISIONAL)
    filtered = search.search(SearchRequest(filters={"provisional": ["true"]}, sort="oldest", page_size=100))
    assert sorted(hit.url for hit in filtered.hits) == wanted
    assert all(hit.provisional is True for hit in filtered.hits)
    queried = search.search(SearchRequest(query="provisional:TRUE", sort="oldest", page_size=100))
    oracle_urls = sorted(Oracle(records).answer(Ask(FieldValue("provisional", "TRUE"))).order)
    assert sorted(hit.url for hit in queried.hits) == oracle_urls == wanted
    left = search.search(SearchRequest(excludes={"provisional": ["true"]}, page_size=100))
    assert left.total == len(TEMPLATE) + 1 and not any(hit.provisional for hit in left.hits)


def test_the_exports_have_the_provisional_column(client):
    response = client.get("/export.csv?sort=oldest")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["url"].rsplit("/", 1)[1]: row["provisional"] for row in rows} == {
        **dict.fromkeys(PROVISIONAL, "true"),
        **dict.fromkeys((*TEMPLATE, OLD), "false"),
    }
    exported = client.get("/export.jsonl?provisional=true").get_data(as_text=True)
    lines = [json.loads(line) for line in exported.splitlines()]
    assert sorted(line["url"].rsplit("/", 1)[1] for line in lines) == list(PROVISIONAL)
    assert all(line["provisional"] is True for line in lines)


def test_the_record_page_says_a_record_is_provisional_and_the_results_mark_it(client):
    unmatched = client.get(f"/article?url={quote(SITE + '/national/a')}").get_data(as_text=True)
    assert "Provisional record:" in unmatched and "the page matched no known template" in unmatched
    assert "check against the" in unmatched and "/capture/" in unmatched
    guessed = client.get(f"/article?url={quote(SITE + '/national/f')}").get_data(as_text=True)
    assert "Provisional record:" in guessed and "the drupal template found no date; that comes from" in guessed
    for slug in ("b", OLD):
        page = client.get(f"/article?url={quote(f'{SITE}/national/{slug}')}").get_data(as_text=True)
        assert "Provisional record:" not in page, slug
    old = client.get(f"/article.json?url={quote(f'{SITE}/national/{OLD}')}").get_json()
    assert old["record"]["provisional"] is False
    results = client.get("/search?provisional=true").get_data(as_text=True)
    assert results.count('class="badge provisional"') == len(PROVISIONAL)
    assert 'data-facet="provisional"' in client.get("/search").get_data(as_text=True)


def finished_run(store: Store, stats: dict) -> int:
    run = store.start_run("phnompenhpost.com", SITE, {})
    store.finish_run(run, "finished", stats)
    return run


def test_the_status_page_shows_a_runs_provisional_pages_and_the_archives(tmp_path, archive: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "archive.sqlite3").write_bytes((archive / "data" / "archive.sqlite3").read_bytes())
    with Store(data / "archive.sqlite3") as store:
        usual = [finished_run(store, {"newsarchive_article_pages": 20, "newsarchive_provisional": 1}) for _ in range(3)]
        odd = finished_run(store, {"newsarchive_article_pages": 20, "newsarchive_provisional": 17})
        flags = redesign_flags(store.run(odd), [store.run(run) for run in reversed(usual)])
    assert flags == [
        "85% of 20 article pages were provisional (read by the generic extractor, whole or in part), "
        "against a usual 5%: the article template may have been redesigned."
    ]
    client = create_app(archive / "index", data).test_client()
    status = client.get("/status.json").get_json()
    (job,) = status["jobs"]
    shown = {run["id"]: run["provisional"] for run in job["runs"]}
    assert shown[odd] == 17 and all(shown[run] == 1 for run in usual)
    assert status["provisional_articles"] == len(PROVISIONAL) and status["articles"] == 8
    page = client.get("/status").get_data(as_text=True)
    assert '<td class="provisional">17</td>' in page
    assert f"<strong>{len(PROVISIONAL)}</strong> of 8 articles" in page
