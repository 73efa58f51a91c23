"""The front-end as HTTP has it: answers chosen by the Accept header say so (Vary), answers
read from the index alone can be revalidated (ETag, 304) and say how to cache them, every 503
says when to try again, a 400 page keeps the search it refused, a page past the end leads to
the last page, and the leaderboard's dates are whole days in the paper's zone."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.conftest import revise_some_articles
from web import create_app

SEED = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"
ICT = timezone(timedelta(hours=7))
JSON = {"Accept": "application/json"}


class Page(HTMLParser):
    """The inputs of a page's forms (name → value) and its links (text → href)."""

    def __init__(self, text: str):
        super().__init__()
        self.inputs: list[tuple[str, str]] = []
        self.links: dict[str, str] = {}
        self._href: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name"):
            self.inputs.append((found["name"] or "", found.get("value") or ""))
        if tag == "a":
            self._href = found.get("href")

    def handle_data(self, data: str) -> None:
        if self._href is not None and data.strip():
            self.links[data.strip()] = self._href
            self._href = None


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- Vary ------------------------------------------------------------------------------------

EVERY_PAGE = [  # one address of each page type, two of them errors
    "/",
    "/search?q=rice",
    f"/article?url={quote(SEED)}",
    "/most-viewed",
    "/most-viewed/leaderboard",
    "/about",
    "/status",
    "/search?q=(open",
    "/article?url=https://example.invalid/none",
]


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_an_answer_chosen_by_the_accept_header_varies_on_it(client, path):
    for headers in ({}, JSON):
        response = client.get(path, headers=headers)
        assert "accept" in {value.lower() for value in response.vary}, (path, headers, response.status_code)
    assert client.get(path).mimetype == "text/html"
    assert client.get(path, headers=JSON).mimetype == "application/json"


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_every_page_and_its_twin_is_asked_for_again_before_a_cache_reuses_it(client, path):
    for headers in ({}, JSON):
        assert client.get(path, headers=headers).headers.get("Cache-Control") == "no-cache", (path, headers)


def test_a_json_address_answers_json_whatever_is_accepted(client):
    response = client.get("/search.json?q=rice", headers={"Accept": "text/html"})
    assert response.mimetype == "application/json" and "accept" not in {v.lower() for v in response.vary}


# -- ETag and Cache-Control --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/search?q=rice&section=national", "/", "/search.json?q=rice", "/index.json"])
def test_a_search_answer_is_revalidated_by_its_index_version(client, path):
    first = client.get(path)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"')
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag and again.headers["Cache-Control"] == "no-cache"
    assert client.get(path, headers={"If-None-Match": 'W/"something-else"'}).status_code == 200


def test_the_html_page_and_its_json_twin_have_their_own_tags(client):
    page = client.get("/search?q=rice")
    twin = client.get("/search?q=rice", headers=JSON)
    assert page.headers["ETag"] != twin.headers["ETag"]
    asked = client.get("/search?q=rice", headers={**JSON, "If-None-Match": page.headers["ETag"]})
    assert asked.status_code == 200 and asked.is_json
    assert client.get("/search?q=rice", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert client.get("/search?q=court").headers["ETag"] != page.headers["ETag"]


@pytest.fixture
def own_archive(indexed_archive, tmp_path) -> Path:
    """A copy of the sample archive this test may change."""
    shutil.copytree(indexed_archive / "data", tmp_path / "data")
    shutil.copytree(indexed_archive / "index", tmp_path / "index", symlinks=True)
    return tmp_path


def test_an_index_update_makes_a_kept_answer_stale(own_archive):
    client = create_app(own_archive / "index", own_archive / "data").test_client()
    path = "/search.json?q=headline:corrected"
    before = client.get(path)
    tag = before.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    revise_some_articles(own_archive / "data", own_archive / "index", 3)
    after = client.get(path, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.get_json()["index_version"] != before.get_json()["index_version"]
    assert after.get_json()["total"] == before.get_json()["total"] + 3


# -- 503 ----------------------------------------------------------------------------------------


def test_an_index_that_cannot_be_read_gets_503_with_retry_after(own_archive):
    client = create_app(own_archive / "index", own_archive / "data").test_client()
    assert client.get("/search?q=rice").status_code == 200
    (own_archive / "index" / "gen-99999").mkdir()  # a generation switched to before it was written
    (own_archive / "index" / "current").unlink()
    (own_archive / "index" / "current").symlink_to("gen-99999")
    for path, headers in (("/search?q=rice", {}), ("/search.json?q=rice", {}), ("/", JSON)):
        response = client.get(path, headers=headers)
        assert response.status_code == 503, response.get_data(as_text=True)[:300]
        assert int(response.headers["Retry-After"]) > 0
        assert "try again" in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)


def test_busy_exports_get_503_with_retry_after_as_a_page_and_as_json(indexed_archive):
    client = create_app(indexed_archive / "index", indexed_archive / "data", export_slots=1).test_client()
    running = client.get("/export.csv", buffered=False)
    for headers in ({}, JSON):
        refused = client.get("/export.jsonl", headers=headers)
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    running.close()


# -- a 400 keeps the search ----------------------------------------------------------------------


def test_a_bad_query_gets_a_400_page_with_the_search_form_still_filled_in(client):
    response = client.get("/search?q=a+OR+(b&section=national&not-year=2016&sort=newest")
    assert response.status_code == 400
    shown = Page(response.get_data(as_text=True))
    assert ("q", "a OR (b") in shown.inputs
    assert {("section", "national"), ("not-year", "2016"), ("sort", "newest")} <= set(shown.inputs)
    back = query_of(shown.links["Back to search"])
    assert back == {"q": ["a OR (b"], "section": ["national"], "not-year": ["2016"], "sort": ["newest"]}


@pytest.mark.parametrize(
    "path, faulty",
    [
        ("/search?q=rice&section=national&page=0", "page"),
        ("/search?q=rice&section=national&size=5000", "size"),
        ("/search?q=rice&section=national&sort=random", "sort"),
        ("/export.csv?q=rice&section=national&histogram=week", "histogram"),
    ],
)
def test_a_bad_parameter_gets_a_way_back_to_the_search_without_it(client, path, faulty):
    response = client.get(path)
    assert response.status_code == 400
    shown = Page(response.get_data(as_text=True))
    assert ("q", "rice") in shown.inputs and ("section", "national") in shown.inputs
    back = shown.links["Back to search"]
    assert query_of(back) == {"q": ["rice"], "section": ["national"]}
    assert client.get(back).status_code == 200


def test_other_error_pages_offer_the_search_too(client):
    shown = Page(client.get("/article?url=https://example.invalid/none").get_data(as_text=True))
    assert ("q", "") in shown.inputs and urlsplit(shown.links["Back to search"]).path == "/search"


# -- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/search", "/search.json", "/"])
def test_a_page_past_the_last_is_redirected_to_the_last(client, path):
    asked = f"{path}?q=rice&section=national&size=7&sort=newest&page=10000"
    last = client.get("/search.json?q=rice&section=national&size=7&sort=newest").get_json()["pages"]
    response = client.get(asked)
    assert response.status_code in (302, 303)
    target = response.headers["Location"]
    assert urlsplit(target).path == path
    assert query_of(target) == {
        "q": ["rice"],
        "section": ["national"],
        "size": ["7"],
        "sort": ["newest"],
        "page": [str(last)],
    }
    answer = client.get(target, headers=JSON).get_json()
    assert answer["page"] == answer["pages"] == last and answer["hits"]
    assert client.get(f"{path}?q=rice&section=national&size=7&sort=newest&page={last}").status_code == 200


def test_a_search_with_no_hits_past_page_one_goes_to_page_one(client):
    response = client.get("/search.json?q=zzzznothing&page=2")
    assert response.status_code == 302 and query_of(response.headers["Location"])["page"] == ["1"]


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "²", "٣", "+2", " 2"])
def test_a_page_that_is_not_a_whole_number_from_one_gets_one_sentence(client, value):
    for headers in ({}, JSON):
        response = client.get(f"/search?q=rice&page={quote(value)}", headers=headers)
        text = response.get_data(as_text=True)
        assert response.status_code == 400, (value, text[:200])
        assert "page must be a whole number from 1 to 10,000" in text and "Traceback" not in text


# -- the leaderboard's days --------------------------------------------------------------------------


def leaderboard(client, **period: str) -> dict:
    response = client.get("/most-viewed/leaderboard.json", query_string=period)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def first_sighting_day(client) -> date:
    """The day, in the paper's zone, the first Most viewed list was first seen."""
    first = client.get("/most-viewed.json").get_json()["sightings"][0]["first_seen"]
    return datetime.fromisoformat(first.replace("Z", "+00:00")).astimezone(ICT).date()


def test_the_leaderboard_takes_in_the_whole_of_its_last_day(client):
    day = first_sighting_day(client)
    through = leaderboard(client, to=day.isoformat())
    assert through["articles"], "a list first seen during the last day of the period is in it"
    assert through["to"] == f"{day.isoformat()}T23:59:59.999999+07:00"
    assert leaderboard(client, to=(day - timedelta(days=1)).isoformat())["articles"] == []
    same_day = leaderboard(client, **{"from": day.isoformat(), "to": day.isoformat()})
    assert [a["url"] for a in same_day["articles"]] == [a["url"] for a in through["articles"]]


def test_the_leaderboard_starts_with_the_whole_of_its_first_day(client):
    sightings = client.get("/most-viewed.json").get_json()["sightings"]
    last_seen = max(datetime.fromisoformat(s["last_seen"].replace("Z", "+00:00")) for s in sightings)
    day = last_seen.astimezone(ICT).date()
    started = leaderboard(client, **{"from": day.isoformat()})
    assert started["articles"] and started["from"] == f"{day.isoformat()}T00:00:00+07:00"
    assert leaderboard(client, **{"from": (day + timedelta(days=1)).isoformat()})["articles"] == []


def test_a_time_given_with_the_day_is_that_moment(client):
    day = first_sighting_day(client)
    midnight = leaderboard(client, to=f"{day.isoformat()}T00:00:00")
    assert midnight["to"] == f"{day.isoformat()}T00:00:00+07:00"
