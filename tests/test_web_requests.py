"""What a researcher types or clicks in the web front-end, answered exactly: exports from any
page, HEAD requests, the cursor handed out, times with offsets, addresses in any of their
forms, and a 4xx with one sentence for anything that cannot be used."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from web import create_app

SEED = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"
ICT = timedelta(hours=7)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]


@pytest.mark.parametrize("page", [1, 2, 3, 40])
def test_an_export_is_the_whole_result_set_from_any_page(client, page):
    everything = client.get("/search.json?q=&size=100").get_json()["total"]
    response = client.get(f"/export.csv?q=&page={page}")
    rows = csv_rows(response)
    assert len(rows) == int(response.headers["X-Archive-Count"]) == everything
    assert len({row[0] for row in rows}) == everything
    lines = client.get(f"/export.jsonl?q=&page={page}").get_data(as_text=True).splitlines()
    assert len(lines) == everything


def test_head_requests_leave_the_export_slots_free(indexed_archive):
    app = create_app(indexed_archive / "index", indexed_archive / "data", export_slots=1)
    client = app.test_client()
    for _ in range(3):
        head = client.head("/export.csv?q=court")
        assert head.status_code == 200 and head.headers["X-Archive-Count"] and not head.get_data()
    full = client.get("/export.csv?q=court")
    assert full.status_code == 200 and len(csv_rows(full)) == int(full.headers["X-Archive-Count"])
    running = client.get("/export.csv", buffered=False)
    refused = client.get("/export.jsonl")
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    running.close()
    assert client.get("/export.jsonl?q=court").status_code == 200


@pytest.mark.parametrize("path", ["/search.json", "/search", "/"])
def test_the_cursor_handed_out_is_accepted_and_walks_every_hit_once(client, path):
    first = client.get("/search.json?q=officials&size=7").get_json()
    seen, cursor = [hit["url"] for hit in first["hits"]], first["next_cursor"]
    while cursor:
        response = client.get(f"{path}?q=officials&size=7&cursor={cursor}", headers={"Accept": "application/json"})
        assert response.status_code == 200, response.get_data(as_text=True)
        answer = response.get_json()
        seen += [hit["url"] for hit in answer["hits"]]
        cursor = answer["next_cursor"]
    assert len(seen) == len(set(seen)) == first["total"]


def test_an_export_resumes_from_a_cursor(client):
    whole = [row[0] for row in csv_rows(client.get("/export.csv?q=officials&sort=newest"))]
    cursor = client.get("/search.json?q=officials&sort=newest&size=5").get_json()["next_cursor"]
    rest = [row[0] for row in csv_rows(client.get(f"/export.csv?q=officials&sort=newest&cursor={cursor}"))]
    assert rest == whole[5:]


def test_a_cursor_of_another_query_is_refused_in_one_sentence(client):
    cursor = client.get("/search.json?q=officials&size=5").get_json()["next_cursor"]
    response = client.get(f"/search.json?q=rice&cursor={cursor}")
    assert response.status_code == 400 and "another query" in response.get_json()["error"]


def first_sighting(client) -> datetime:
    sightings = client.get("/most-viewed.json").get_json()["sightings"]
    return datetime.fromisoformat(sightings[0]["first_seen"].replace("Z", "+00:00"))


def snapshot_id(client, at: str) -> int | None:
    found = client.get(f"/most-viewed.json?at={quote(at)}").get_json()["snapshot"]
    return found and found["id"]


def test_the_time_machine_honours_any_offset_and_reads_bare_times_in_the_papers_zone(client):
    first = first_sighting(client)
    listed = snapshot_id(client, (first + timedelta(minutes=1)).isoformat())
    assert listed is not None
    before = first - timedelta(minutes=1)
    forms = [
        before.astimezone(UTC).isoformat(),
        before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        before.astimezone(UTC).astimezone(timezone_of(7)).isoformat(),
        before.astimezone(UTC).astimezone(timezone_of(-5)).isoformat(),
        (before.astimezone(UTC) + ICT).replace(tzinfo=None).isoformat(),
    ]
    assert [snapshot_id(client, form) for form in forms] == [None] * len(forms)
    after = first + timedelta(minutes=1)
    assert snapshot_id(client, (after.astimezone(UTC) + ICT).replace(tzinfo=None).isoformat()) == listed
    page = client.get(f"/most-viewed?at={quote(after.isoformat())}").get_data(as_text=True)
    assert "ICT" in page and "UTC+07:00" in page


def timezone_of(hours: int):
    from datetime import timezone

    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    "address",
    [
        SEED,
        SEED.replace("https://www.", "http://"),
        SEED.replace("https://www.", "https://"),
        SEED + "/",
        SEED + "?utm_source=x",
        SEED + "?utm_source=x&fbclid=y",
        SEED.removeprefix("https://"),
        SEED.removeprefix("https://www."),
        SEED.replace("www.phnompenhpost.com", "WWW.PhnomPenhPost.com"),
    ],
)
def test_an_article_is_found_by_any_form_of_its_address(client, address):
    response = client.get(f"/article.json?url={quote(address)}")
    assert response.status_code == 200, address
    assert response.get_json()["url"] == SEED


def test_the_front_page_has_a_find_by_address_box(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/article"' in page and 'name="url"' in page


def test_an_export_taken_while_the_index_is_updated_is_one_version_whole(indexed_archive, tmp_path):
    """Every page of an export is read from the searcher it started with: a commit landing
    halfway neither breaks the stream nor shifts the pages (no row twice, none missing)."""
    import shutil

    from archive.model import Article, ParsedPage
    from archive.store import Store
    from search.indexer import update

    shutil.copytree(indexed_archive / "data", tmp_path / "data")
    shutil.copytree(indexed_archive / "index", tmp_path / "index", symlinks=True)
    client = create_app(tmp_path / "index", tmp_path / "data").test_client()
    response = client.get("/export.csv?q=&sort=oldest", buffered=False)
    chunks = iter(response.response)
    head = [next(chunks) for _ in range(150)]  # the header and the first rows: the first pages are read
    with Store(tmp_path / "data" / "archive.sqlite3") as store:
        for record in list(store.current_records())[:40]:  # revised: deleted and added again in the index
            revised = Article.from_dict(record | {"headline": (record["headline"] or "") + " (corrected)"})
            store.ingest(ParsedPage(revised, None), None, datetime.now(UTC), None)
        update(store, tmp_path / "index")
    text = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in [*head, *chunks]).decode()
    response.close()
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert len(rows) == len({row[0] for row in rows}) == int(response.headers["X-Archive-Count"])
    assert not any(row[1].endswith("(corrected)") for row in rows), "all rows from the version the export began with"


def test_a_damaged_raw_copy_is_said_in_one_sentence(indexed_archive, tmp_path):
    import shutil
    import sqlite3

    shutil.copytree(indexed_archive / "data", tmp_path / "data")
    db = sqlite3.connect(tmp_path / "data" / "archive.sqlite3")
    capture_id, name, offset = db.execute(
        "SELECT id, warc_file, warc_offset FROM captures ORDER BY warc_file, warc_offset DESC LIMIT 1"
    ).fetchone()
    db.close()
    with open(tmp_path / "data" / "warc" / name, "r+b") as warc:
        warc.truncate(offset + 40)
    client = create_app(indexed_archive / "index", tmp_path / "data").test_client()
    response = client.get(f"/capture/{capture_id}", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.get_json()["error"].startswith(f"The raw copy of capture {capture_id} cannot be read")
