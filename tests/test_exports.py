"""Corpus exports as a researcher uses them: JSON Lines that read back as the same records, CSV
with the documented columns and the right number of rows, the Most viewed history one entry a
row, raw captures as WARC, and a provenance file beside each."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.store import Store
from search.service import SearchRequest, SearchService
from tests.oracle import EXPORT_COLUMNS
from web import create_app

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
COLUMNS = list(EXPORT_COLUMNS)  # the documented columns, as the tests' oracle states them


def export(archive: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSARCHIVE, "export", *args, "--data-dir", str(archive / "data"), "--index-dir", str(archive / "index")],
        capture_output=True,
        text=True,
        timeout=300,
    )


def provenance(output: Path) -> dict:
    found = json.loads(output.with_name(output.name + ".provenance.json").read_text())
    assert found["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert found["archive"]["figures"]["articles"] > 0 and found["exported_at"] and found["tool_version"]
    return found


@pytest.fixture(scope="module")
def store(indexed_archive):
    with Store(indexed_archive / "data" / "archive.sqlite3", read_only=True) as opened:
        yield opened


def test_json_lines_read_back_as_the_stored_records(indexed_archive, store, tmp_path, repo_root):
    output = tmp_path / "articles.jsonl"
    result = export(indexed_archive, "articles", "--output", str(output))
    assert result.returncode == 0, result.stderr
    exported = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    stored = list(store.current_records())
    assert sorted(exported, key=lambda r: r["url"]) == sorted(stored, key=lambda r: r["url"])
    schema = json.loads((repo_root / "docs" / "record.schema.json").read_text())
    article_schema = {"$ref": "#/$defs/article", "$defs": schema["$defs"]}
    for record in exported:
        jsonschema.validate(record, article_schema)
    found = provenance(output)
    assert found["rows"] == len(stored) == found["archive"]["figures"]["articles"]
    assert found["query"] == "" and found["filters"] == {}


def test_csv_has_the_documented_columns_and_a_row_per_match(indexed_archive, tmp_path, repo_root):
    output = tmp_path / "national.csv"
    result = export(
        indexed_archive,
        "articles",
        "--query",
        "rice",
        "--facet",
        "section=national",
        "--facet",
        "tag!=ASEAN",
        "--output",
        str(output),
    )
    assert result.returncode == 0, result.stderr
    with open(output, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == COLUMNS
    readme = (repo_root / "README.md").read_text()
    assert all(f"| `{column}` |" in readme.split("## Carrying the archive")[1] for column in COLUMNS)
    request = SearchRequest(query="rice", filters={"section": ["national"]}, excludes={"tag": ["ASEAN"]})
    total = SearchService(indexed_archive / "index").search(request).total
    assert len(rows) - 1 == total > 0
    web = create_app(indexed_archive / "index", indexed_archive / "data").test_client()
    answer = web.get("/export.csv?q=rice&section=national&not-tag=ASEAN").get_data(as_text=True)
    assert sorted(rows) == sorted(csv.reader(answer.splitlines()))
    found = provenance(output)
    assert (found["query"], found["filters"], found["excludes"]) == (
        "rice",
        {"section": ["national"]},
        {"tag": ["ASEAN"]},
    )
    assert found["rows"] == found["matched"] == total and found["index_version"].startswith("gen-")


def test_snapshots_export_one_row_per_entry(indexed_archive, store, tmp_path):
    output = tmp_path / "most-viewed.csv"
    result = export(indexed_archive, "snapshots", "--output", str(output))
    assert result.returncode == 0, result.stderr
    with open(output, encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    lists = store.snapshot_lists()
    assert len(rows) == sum(len(s["entries"]) for s in lists) > 0
    first = lists[0]
    assert [(int(r["rank"]), r["url"]) for r in rows if int(r["snapshot_id"]) == first["id"]] == [
        (e["rank"], e["url"]) for e in first["entries"]
    ]
    assert provenance(output)["export"] == "snapshots"
    jsonl = tmp_path / "most-viewed.jsonl"
    assert export(indexed_archive, "snapshots", "--output", str(jsonl)).returncode == 0
    assert [json.loads(line)["url"] for line in jsonl.read_text().splitlines()] == [r["url"] for r in rows]


def test_warc_export_holds_the_raw_captures_of_the_query(indexed_archive, store, tmp_path):
    output = tmp_path / "defamation.warc.gz"
    result = export(indexed_archive, "warc", "--query", "defamation", "--output", str(output))
    assert result.returncode == 0, result.stderr
    urls = [hit.url for hit in SearchService(indexed_archive / "index").harvest(SearchRequest(query="defamation"))]
    expected = [capture for url in urls for capture in store.captures_of_article(url) if capture.status == 200]
    with open(output, "rb") as stream:
        records = [
            (r.rec_type, r.rec_headers.get_header("WARC-Record-ID"), r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]
    assert records[0][0] == "warcinfo"
    responses = [r for r in records if r[0] == "response"]
    assert sorted(r[1] for r in responses) == sorted(capture.warc_record_id for capture in expected)  # in index order
    assert sum(r[0] == "request" for r in records) == len(responses)
    assert all(b"<html" in body.lower() for _, _, body in responses)
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "warcio"), "check", str(output)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert provenance(output)["captures"] == len(expected)


def test_exported_captures_import_into_an_empty_archive_with_their_dates(indexed_archive, store, tmp_path):
    output = tmp_path / "defamation.warc.gz"
    assert export(indexed_archive, "warc", "--query", "defamation", "--output", str(output)).returncode == 0
    data = tmp_path / "data"
    result = subprocess.run(
        [NEWSARCHIVE, "import", "warc", str(output), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    with Store(data / "archive.sqlite3", read_only=True) as copy:
        for record in copy.current_records():
            original = store.db.execute("SELECT first_captured FROM articles WHERE url = ?", (record["url"],))
            imported = copy.db.execute("SELECT first_captured FROM articles WHERE url = ?", (record["url"],))
            assert imported.fetchone()[0] == original.fetchone()[0]
            assert record == store.current_record(record["url"])
        urls = [hit.url for hit in SearchService(indexed_archive / "index").harvest(SearchRequest(query="defamation"))]
        assert copy.article_count() == len(urls) > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["articles", "--query", '"unbalanced', "--output", "x.jsonl"], "unbalanced quotation mark"),
        (["articles", "--facet", "colour=red", "--output", "x.csv"], "There is no facet 'colour'"),
        (["articles", "--output", "/no/such/folder/x.csv"], "there is no folder"),
    ],
)
def test_a_bad_export_ends_in_one_sentence(indexed_archive, tmp_path, args, message):
    result = subprocess.run(
        [
            NEWSARCHIVE,
            "export",
            *args,
            "--data-dir",
            str(indexed_archive / "data"),
            "--index-dir",
            str(indexed_archive / "index"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "command",
    [
        ["export"],
        ["export", "bundle"],
        ["export", "articles"],
        ["export", "snapshots"],
        ["export", "warc"],
        ["import"],
        ["import", "bundle"],
        ["import", "warc"],
    ],
)
def test_every_export_and_import_command_has_help(command):
    result = subprocess.run([NEWSARCHIVE, *command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "usage: newsarchive" in result.stdout
