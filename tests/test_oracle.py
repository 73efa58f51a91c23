"""Every number the archive gives, against the oracle (tests/oracle.py): a brute-force
evaluation of each request over the store's current records and Most viewed snapshots.

Seeded requests go to the search service, `/search.json`, `newsarchive search --json` and both
exports; every difference is collected and the test fails once with a readable list.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient

from search.service import MAX_PAGE_SIZE, SearchRequest, SearchService
from tests.crawling import NEWSARCHIVE
from tests.oracle import (
    ALL_FEATURES,
    EXPORT_COLUMNS,
    All,
    Ask,
    Difference,
    Either,
    FieldValue,
    Got,
    Oracle,
    Phrase,
    Published,
    Requests,
    Without,
    Word,
    compare,
    compare_export,
    features,
    report,
)

SEED = int(os.environ.get("NEWSARCHIVE_ORACLE_SEED", "20261201"))
SERVICE_REQUESTS, WEB_REQUESTS, CLI_REQUESTS, EXPORT_REQUESTS, SMALL_REQUESTS = 300, 100, 10, 20, 60


@pytest.fixture(scope="module")
def oracle(indexed_archive: Path) -> Oracle:
    return Oracle.from_store(indexed_archive / "data" / "archive.sqlite3")


@pytest.fixture(scope="module")
def service(indexed_archive: Path) -> SearchService:
    return SearchService(indexed_archive / "index")


def service_request(ask: Ask) -> SearchRequest:
    """The request as the search service takes it."""
    return SearchRequest(
        query=ask.text,
        filters=ask.filters,
        excludes=ask.excludes,
        sort=ask.sort,
        page=ask.page,
        page_size=ask.page_size,
        histogram=ask.histogram,
    )


def from_service(search: SearchService, ask: Ask) -> Got:
    """The service's answer, with the whole ranking (page after page) under relevance."""
    result = search.search(service_request(ask))
    got = Got(
        result.total,
        result.page,
        result.page_size,
        result.pages,
        result.facets,
        result.histogram,
        [asdict(hit) for hit in result.hits],
    )
    if ask.sort == "relevance":
        got.ranking = []
        for page in range(1, -(-result.total // MAX_PAGE_SIZE) + 1):
            whole = replace(service_request(ask), page=page, page_size=MAX_PAGE_SIZE)
            got.ranking += [hit.url for hit in search.search(whole).hits]
    return got


def from_web(client: FlaskClient, ask: Ask) -> Got:
    """`/search.json`'s answer, with the whole ranking (page after page) under relevance. A
    page past the last is redirected to the last page, which `ask` then asks for."""
    response = client.get("/search.json?" + urlencode(ask.web_params()))
    if response.status_code == 302:
        asked, ask.page = ask.page, int(parse_qs(urlsplit(response.headers["Location"]).query)["page"][0])
        response = client.get(response.headers["Location"])
        pages = response.get_json()["pages"]
        if not asked > pages == ask.page:
            raise AssertionError(f"page {asked} was redirected to page {ask.page} of {pages}")
    if response.status_code != 200:
        raise AssertionError(f"status {response.status_code}: {response.get_data(as_text=True)[:300]}")
    got = Got.from_json(response.get_json())
    if ask.sort == "relevance":
        got.ranking = []
        for page in range(1, -(-(got.total or 0) // MAX_PAGE_SIZE) + 1):
            whole = replace(ask, page=page, page_size=MAX_PAGE_SIZE)
            got.ranking += [
                hit["url"] for hit in client.get("/search.json?" + urlencode(whole.web_params())).get_json()["hits"]
            ]
    return got


def failed(ask: Ask, front: str, problem: Exception) -> Difference:
    """A request the front-end refused or failed on: a difference like any other."""
    return Difference("refused or failed", ask, f"{type(problem).__name__}: {str(problem)[:300]}", front)


def test_the_oracle_keeps_phrases_within_the_parts_of_an_article():
    """The oracle's own reading of a record: words of every part, names and tags included;
    phrases within one part; field values in any case; the date as printed."""
    record = {
        "url": "u",
        "site": "s",
        "era": "drupal",
        "headline": "Kem Sokha launches national deal",
        "body": ["It awaits approval from the National Assembly."],
        "authors": ["Meas Sokchea", "Ben Sokhean"],
        "tags": ["Hun Sen", "ASEAN"],
        "images": [{"caption": "Members of the National Assembly meet.", "credit": "Photo supplied"}],
        "published": "2020-01-01T00:30:00+07:00",
        "section": "national",
        "language": "en",
    }
    oracle = Oracle([record])
    for text, count in [
        ('"national assembly"', 1),
        ('"national assembly member"', 0),
        ('"deal kem sokha"', 0),
        ("sokchea", 1),
        ('"meas sokchea"', 1),
        ('"sokchea ben"', 0),
        ('"sen asean"', 0),
        ("supplied", 1),
        ('"hun sen"', 1),
    ]:
        node = Phrase(text.strip('"')) if text.startswith('"') else Word(text)
        assert len(oracle.docs(node)) == count, text
    assert oracle.docs(FieldValue("author", "MEAS SOKCHEA")) == oracle.docs(FieldValue("tag", "asean")) == {0}
    assert oracle.docs(Published("2020-01-01", "2020-01-01")) == {0}, "the day as printed, not in UTC"
    assert oracle.docs(Without(Word("kem"), Either((Word("nothing"), FieldValue("section", "NATIONAL"))))) == set()
    assert oracle.docs(All((Word("Sokha"), Published(month="2020-01")))) == {0}


def test_the_oracle_holds_every_current_record(oracle: Oracle, truth: dict[str, dict]):
    assert {a.url for a in oracle.articles} >= set(truth)
    everything = oracle.answer(Ask(histogram="year"))
    assert everything.total == len(oracle.articles)
    assert sum(count for _, count in everything.facets["popularity"]) == everything.total


def test_the_requests_cover_the_query_language(oracle: Oracle):
    """The service's requests use every sort, kind of word, field, operator, facet filter and
    exclusion, and most of them find something."""
    requests = Requests(oracle, SEED)
    asked = [requests() for _ in range(SERVICE_REQUESTS)]
    covered = set().union(*(features(ask, oracle) for ask in asked))
    assert not ALL_FEATURES - covered
    found = sum(bool(oracle.matches(ask)) for ask in asked)
    assert found >= 0.6 * len(asked), f"only {found} of {len(asked)} requests find anything"


def differences(
    oracle: Oracle, seed: int, count: int, front: str, answer: Callable[[Ask], Got], histogram: bool = False
) -> list[Difference]:
    """Every way `answer` (one front-end) differs from the oracle over `count` seeded requests."""
    requests, problems = Requests(oracle, seed), []
    for _ in range(count):
        ask = requests()
        if histogram:
            ask.histogram = ask.histogram or "year"
        try:
            got = answer(ask)
        except Exception as problem:
            problems.append(failed(ask, front, problem))
            continue
        problems += compare(ask, oracle.answer(ask), got, front, oracle.by_url)
    return problems


def test_the_search_service_answers_as_the_oracle(oracle: Oracle, service: SearchService):
    problems = differences(oracle, SEED, SERVICE_REQUESTS, "service", lambda ask: from_service(service, ask))
    assert not problems, report(problems, SERVICE_REQUESTS)


def test_search_json_answers_as_the_oracle(oracle: Oracle, client: FlaskClient):
    problems = differences(
        oracle, SEED + 1, WEB_REQUESTS, "/search.json", lambda ask: from_web(client, ask), histogram=True
    )
    assert not problems, report(problems, WEB_REQUESTS)


def test_the_command_line_answers_as_the_oracle(oracle: Oracle, indexed_archive: Path):
    requests = Requests(oracle, SEED + 2)
    asked = [requests() for _ in range(CLI_REQUESTS)]
    running = []
    for ask in asked:
        ask.histogram = ask.histogram or "year"
        running.append(
            subprocess.Popen(
                [NEWSARCHIVE, "search", *ask.cli_args(), "--index-dir", str(indexed_archive / "index")],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    problems = []
    for ask, process in zip(asked, running, strict=True):
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            problems.append(Difference("exit status", ask, f"{process.returncode}: {err.strip()[-300:]}", "CLI"))
            continue
        problems += compare(ask, oracle.answer(ask), Got.from_json(json.loads(out)), "CLI", oracle.by_url)
    assert not problems, report(problems, CLI_REQUESTS)


def test_exports_are_the_whole_result_set_in_order(oracle: Oracle, client: FlaskClient):
    requests, problems = Requests(oracle, SEED + 3), []
    for number in range(EXPORT_REQUESTS):
        ask = requests()
        ask.histogram = ask.histogram or "year"
        ask.page = 1 + number % 4  # the page asked for never narrows an export
        expected = oracle.answer(ask)
        for form in ("csv", "jsonl"):
            response = client.get(f"/export.{form}?" + urlencode(ask.web_params()))
            text = response.get_data(as_text=True)
            if response.status_code != 200:
                problems.append(Difference("status", ask, f"{response.status_code}: {text[:300]}", f"/export.{form}"))
                continue
            if form == "csv":
                table = list(csv.reader(io.StringIO(text)))
                if not table or table[0] != list(EXPORT_COLUMNS):
                    problems.append(Difference("header", ask, f"{table[:1]}", "/export.csv"))
                rows = table[1:]
            else:
                rows = [json.loads(line) for line in text.splitlines() if line]
            problems += compare_export(
                ask, expected, response.headers.get("X-Archive-Count"), rows, form, oracle.by_url
            )
    assert not problems, report(problems, EXPORT_REQUESTS)


@pytest.fixture(scope="module")
def small_archive(oracle: Oracle, tmp_path_factory) -> tuple[Oracle, SearchService]:
    """An index of a few records written in reverse URL order, with copies that have no
    publication date and copies published at the same moment as another article."""
    from whoosh import index

    from search.documents import to_document
    from search.schema import build_schema

    records = [a.record for a in oracle.articles[::12]]
    undated = [dict(r, url=f"{r['url']}-undated", published=None) for r in records[:4]]
    same_time = [dict(records[k], url=f"{records[k]['url']}-{suffix}") for k in (4, 5) for suffix in ("a", "b")]
    records = sorted([*records, *undated, *same_time], key=lambda r: r["url"], reverse=True)
    root = tmp_path_factory.mktemp("small-index")
    generation = root / "gen-00001"
    generation.mkdir()
    writer = index.create_in(str(generation), build_schema()).writer()
    for record in records:
        writer.add_document(**to_document(record, None))
    writer.commit()
    (root / "current").symlink_to(generation.name)
    return Oracle(records), SearchService(root)


def test_undated_and_simultaneous_articles_sort_as_the_oracle_says(small_archive: tuple[Oracle, SearchService]):
    """Articles without a date come last under newest and oldest alike; articles published at
    the same moment, and every tie of every sort, go by URL."""
    small, search = small_archive
    requests = Requests(small, SEED + 4)
    asked = [
        Ask(sort=sort, page=page, page_size=7, histogram="year")
        for sort in ("newest", "oldest", "most-viewed", "relevance")
        for page in (1, 2, 8)
    ]
    asked += [
        Ask(Without(None, Published(high="2100-01-01")), sort="oldest", page_size=20),
        Ask(Published(low="1990-01-01"), sort="newest", page_size=100, histogram="month"),
    ]
    asked += [requests() for _ in range(SMALL_REQUESTS)]
    problems = []
    for ask in asked:
        try:
            got = from_service(search, ask)
        except Exception as problem:
            problems.append(failed(ask, "service", problem))
            continue
        problems += compare(ask, small.answer(ask), got, "service", small.by_url)
    assert not problems, report(problems, len(asked))
