"""The web front-end through Flask's test client: JSON twins against the OpenAPI document,
escaping, exports, and 4xx answers for what a user can get wrong."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import jsonschema
import pytest

from search.export_rows import neutralise
from tests.oracle import EXPORT_COLUMNS
from web import create_app

SEED = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"


@pytest.fixture(scope="module")
def openapi(client):
    return client.get("/openapi.json").get_json()


def check(document: dict, schema_name: str, payload: dict) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    jsonschema.validate(payload, schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    "path, schema",
    [
        ("/search.json?q=rice&section=national&sort=newest", "SearchResult"),
        ("/search.json", "SearchResult"),
        (f"/article.json?url={quote(SEED)}", "Article"),
        ("/most-viewed.json?at=2026-11-01T06:00:00", "MostViewed"),
        ("/most-viewed/leaderboard.json", "Leaderboard"),
        ("/about.json", "About"),
        ("/status.json", "Status"),
        ("/search.json?q=%22unbalanced", "Error"),
        ("/article.json?url=https://example.invalid/none", "Error"),
    ],
)
def test_every_json_twin_follows_the_openapi_document(client, openapi, path, schema):
    response = client.get(path)
    assert response.is_json
    check(openapi, schema, response.get_json())
    assert path.split("?")[0] in openapi["paths"]


def test_accept_header_gives_the_same_twin(client):
    by_suffix = client.get("/search.json?q=rice").get_json()
    by_accept = client.get("/search?q=rice", headers={"Accept": "application/json"}).get_json()
    assert by_suffix == by_accept


def test_archived_markup_is_shown_as_text(client, truth):
    url = next(u for u, r in truth.items() if any("<script>" in p for p in r["body"]))
    page = client.get(f"/article?url={quote(url)}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;hacked&#39;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    results = client.get("/search?q=hacked").get_data(as_text=True)
    assert "&lt;script&gt;" in results and "<script>alert" not in results


def test_every_answer_forbids_anything_external(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "http" not in policy
    page = client.get("/search?q=rice").get_data(as_text=True)
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "").split("<main>")[0]


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/search?size=5000", 400, "size must be a whole number from 1 to 100"),
        ("/search?sort=random", 400, "sort must be one of"),
        ("/search?colour=red", 400, "Unknown parameter"),
        ("/search?q=(open", 400, "opens a bracket"),
        ("/search?q=" + "x" * 2000, 400, "the limit is 1,000"),
        ("/most-viewed?at=yesterday", 400, "ISO 8601"),
        ("/article?url=https://example.invalid/none", 404, "no article"),
        ("/article", 400, "?url="),
        ("/capture/999999", 404, "no capture"),
        ("/search?q=published:[garbage TO x]", 400, "date"),
        ("/search.json?q=published:[2016-13-45 TO 2017-01-01]", 400, "date"),
        ("/capture/99999999999999999999999", 404, "no capture"),
        ("/export.csv?q=published:[garbage TO x]", 400, "date"),
        ("/most-viewed/leaderboard?from=2021-02-30", 400, "ISO 8601"),
        ("/search?page=0", 400, "page must be a whole number"),
        ("/search?histogram=week", 400, "histogram"),
        ("/search?cursor=not-a-cursor", 400, "cursor"),
    ],
)
def test_bad_parameters_get_a_4xx_with_one_sentence(client, path, status, message):
    response = client.get(path)
    text = response.get_data(as_text=True)
    assert response.status_code == status and message in text and "Traceback" not in text


def test_csv_export_is_the_whole_result_set_with_its_provenance(client, truth):
    response = client.get("/export.csv?section=national&sort=newest")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(EXPORT_COLUMNS)
    expected = sum(r["section"] == "national" for r in truth.values())
    assert len(rows) - 1 == expected == int(response.headers["X-Archive-Count"])
    assert json.loads(response.headers["X-Archive-Filters"]) == {"section": ["national"]}
    assert response.headers["X-Archive-Index-Version"].startswith("gen-")
    multi = next(r for r in rows[1:] if "|" in r[3])
    assert all(name for name in multi[3].split("|"))


def test_json_lines_export_round_trips(client):
    response = client.get("/export.jsonl?q=defamation&sort=newest")
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    shown = client.get("/search.json?q=defamation&sort=newest&size=100").get_json()
    assert [line["url"] for line in lines] == [hit["url"] for hit in shown["hits"]]
    assert len(lines) == shown["total"] == int(response.headers["X-Archive-Count"])
    assert SEED in {line["url"] for line in lines}


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("plain", "plain"),
        (["A", "=B"], "A|=B"),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(value, cell):
    assert neutralise(value) == cell


def test_too_many_exports_at_once_are_refused(indexed_archive):
    app = create_app(indexed_archive / "index", indexed_archive / "data", export_slots=1)
    client = app.test_client()
    first = client.get("/export.csv", buffered=False)
    second = client.get("/export.csv")
    assert second.status_code == 503 and "Too many exports" in second.get_data(as_text=True)
    first.close()


def test_citations(client):
    ris = client.get(f"/article/cite.ris?url={quote(SEED)}").get_data(as_text=True)
    assert "TY  - NEWS" in ris and "AU  - Meas, Sokchea" in ris and "DA  - 2016/03/11" in ris
    bib = client.get(f"/article/cite.bib?url={quote(SEED)}").get_data(as_text=True)
    assert bib.startswith("@article{meas2016-") and "Rainsy faces defamation charge" in bib
    csl = client.get(f"/article/cite.json?url={quote(SEED)}").get_json()
    assert csl[0]["issued"] == {"date-parts": [[2016, 3, 11]]} and csl[0]["type"] == "article-newspaper"


def test_the_article_page_shows_provenance_and_history(client, corpus):
    top = corpus.most_viewed_truth(corpus.config.end)["entries"][0]
    article = client.get(f"/article.json?url={quote(top['url'])}").get_json()
    assert article["peak_rank"] == 1 and article["most_viewed"]
    assert article["captures"] and article["revisions"][0]["capture_id"] == article["captures"][0]["id"]
    raw = client.get(f"/capture/{article['captures'][0]['id']}")
    assert raw.mimetype == "text/plain" and top["title"].encode() in raw.data


def test_the_time_machine_shows_the_list_of_the_moment(client, corpus):
    expected = corpus.most_viewed_truth(corpus.config.end)["entries"]
    page = client.get("/most-viewed.json?at=2030-01-01").get_json()
    assert [e["url"] for e in page["snapshot"]["entries"]] == [e["url"] for e in expected]
    assert client.get("/most-viewed.json?at=2001-01-01").get_json()["snapshot"] is None
