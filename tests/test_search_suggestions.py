"""What a search that finds little offers, and the shapes of its figures: "did you mean" for
every misspelt word with the rest of the query kept, the total without each filter, the year
facet in year order, and a timeline over the period the search is limited to."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from html.parser import HTMLParser

import pytest

from search.schema import ANALYZER
from search.service import SearchRequest, SearchService
from tests.crawling import NEWSARCHIVE


@pytest.fixture(scope="module")
def search(indexed_archive) -> SearchService:
    return SearchService(indexed_archive / "index")


@pytest.fixture(scope="module")
def written(truth) -> str:
    """Every word the archive prints, lowercased, as one text."""
    parts = []
    for record in truth.values():
        parts += [record.get("headline") or "", record.get("standfirst") or "", *(record.get("body") or [])]
    return " ".join(parts).lower()


def run(search: SearchService, text: str, **kwargs) -> object:
    return search.search(SearchRequest(query=text, **kwargs))


# -- did you mean ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("defamaton", "defamation"),
        ("defamaton lawsuit", "defamation lawsuit"),
        ("  defamaton lawsuit ", "defamation lawsuit"),
        ("Goverment corupton", "Government corruption"),
        ("rice exprts", "rice exports"),
        ("offcials", "officials"),
        ("facebok", "facebook"),
    ],
)
def test_did_you_mean_corrects_every_misspelt_word(search, typed, meant):
    result = run(search, typed)
    assert result.total == 0 and result.did_you_mean == meant
    assert run(search, meant).total > 0


@pytest.mark.parametrize(
    "typed, meant",
    [
        ('headline:Defamaton OR "defamaton lawsuit"', 'headline:Defamation OR "defamation lawsuit"'),
        (
            "published:[2016-01-01 TO 2021-12-31] defamaton NOT court",
            "published:[2016-01-01 TO 2021-12-31] defamation NOT court",
        ),
        ("tag:defamaton", "tag:defamation"),
        ("(defamaton OR court) section:natinal", "(defamation OR court) section:national"),
    ],
)
def test_did_you_mean_keeps_fields_phrases_and_operators(search, typed, meant):
    assert run(search, typed).did_you_mean == meant
    assert run(search, meant).total > 0


def test_each_correction_is_a_word_the_archive_prints_and_the_index_holds(search, written):
    """One against the other: the suggestion's corrected words are written in the archive's
    articles as shown, and each one analysed is a term of the index."""
    with search.pinned() as searcher:
        reader = searcher.reader()
        for typed in ("defamaton lawsuit", "Goverment corupton", "rice exprts", "offcials"):
            suggested = run(search, typed).did_you_mean
            assert suggested, typed
            for was, now in zip(typed.split(), suggested.split(), strict=True):
                if was == now:
                    continue
                assert re.search(rf"\b{re.escape(now.lower())}\b", written), (typed, now)
                terms = [token.text for token in ANALYZER(now)]
                assert len(terms) == 1 and ("text", terms[0]) in reader, (typed, now, terms)
                assert ("text", next(token.text for token in ANALYZER(was))) not in reader


def test_no_suggestion_when_every_word_is_in_the_index(search):
    assert run(search, "defamation lawsuit").did_you_mean is None
    assert run(search, "defamation").did_you_mean is None


# -- the totals without each filter ----------------------------------------------------------------


def test_a_search_that_finds_little_says_what_each_filter_left_out(client):
    path = "/search.json?q=defamation&section=business&year=2024&not-tag=Hun+Sen"
    answer = client.get(path).get_json()
    assert answer["total"] < 3
    suggestions = answer["suggestions"]
    assert [s["drop"] for s in suggestions] == ["section: business", "year: 2024", "not tag: Hun Sen"]
    for suggestion in suggestions:
        widened = client.get(suggestion["url"]).get_json()
        assert widened["total"] == suggestion["total"], suggestion
        assert suggestion["url"].startswith("/search.json?") and "q=defamation" in suggestion["url"]
    assert (
        suggestions[1]["total"]
        == client.get("/search.json?q=defamation&section=business&not-tag=Hun+Sen").get_json()["total"]
    )
    assert max(s["total"] for s in suggestions) > answer["total"]


def test_the_page_of_a_search_that_finds_little_has_the_same_suggestions(client):
    page = client.get("/search?q=defamation&section=business&year=2024")
    twin = client.get("/search.json?q=defamation&section=business&year=2024").get_json()
    text = page.get_data(as_text=True)
    for suggestion in twin["suggestions"]:
        assert suggestion["url"].replace("/search.json", "/search").replace("&", "&amp;") in text


@pytest.mark.parametrize("path", ["/search.json?q=defamation", "/search.json?q=defamation&section=national"])
def test_a_search_that_finds_enough_or_has_no_filter_suggests_none(client, path):
    assert client.get(path).get_json()["suggestions"] == []


# -- the year facet ----------------------------------------------------------------------------------


class FacetList(HTMLParser):
    """The values one facet of a search page lists, in order."""

    def __init__(self, text: str, name: str):
        super().__init__()
        self.name, self.inside, self.values = name, False, []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.inside = dict(attrs).get("data-facet") == self.name

    def handle_data(self, data: str) -> None:
        if self.inside and re.fullmatch(r"\d{4}", data.strip()):
            self.values.append(data.strip())


def test_the_year_facet_is_in_year_order_newest_first(client, search, truth):
    years = client.get("/search.json?q=&more=year").get_json()["facets"]["year"]
    assert [year for year, _ in years] == sorted({r["published"][:4] for r in truth.values()}, reverse=True)
    assert dict(years) == Counter(r["published"][:4] for r in truth.values())
    page = client.get("/search?q=&more=year").get_data(as_text=True)
    assert FacetList(page, "year").values == [year for year, _ in years]
    assert [y for y, _ in run(search, "court").facets["year"]] == sorted(
        (y for y, _ in run(search, "court").facets["year"]), reverse=True
    )


def test_the_command_line_lists_the_years_newest_first(indexed_archive):
    printed = subprocess.run(
        [NEWSARCHIVE, "search", "court", "--index-dir", str(indexed_archive / "index")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    line = next(line for line in printed.splitlines() if line.startswith("year: "))
    years = re.findall(r"(\d{4}) \(\d+\)", line)
    assert len(years) > 1 and years == sorted(years, reverse=True)


def test_the_other_facets_stay_by_count(search):
    for name, values in run(search, "").facets.items():
        if name != "year":
            assert [count for _, count in values] == sorted((count for _, count in values), reverse=True), name


# -- the timeline over the period of the search ---------------------------------------------------


def months_of(truth: dict, start: str, end: str) -> Counter:
    """Articles per month published on the days from `start` to `end` (the dates as printed)."""
    return Counter(r["published"][:7] for r in truth.values() if start <= r["published"][:10] <= end)


@pytest.mark.parametrize(
    "asked",
    [
        {"year": "2016"},
        {"year": "2016", "histogram": "year"},
        {"q": "published:2016"},
        {"q": "year:2016 officials"},
        {"q": "officials published:[2016-01-01 TO 2016-12-31]"},
    ],
)
def test_a_search_of_one_year_has_its_timeline_by_month_over_that_year(client, truth, asked):
    answer = client.get("/search.json", query_string=asked).get_json()
    assert answer["histogram_by"] == "month"
    rows = answer["histogram"]
    assert [label for label, _, _ in rows] == sorted(months_of(truth, "2016-01-01", "2016-12-31"))
    assert {label: articles for label, _, articles in rows} == months_of(truth, "2016-01-01", "2016-12-31")
    assert sum(hits for _, hits, _ in rows) == answer["total"]


def test_a_search_of_a_range_has_its_timeline_over_that_range(client, truth):
    """By month from the first month of the range to its last, the archive's count of a month
    the range cuts through being of the days within it."""
    days = sorted(r["published"][:10] for r in truth.values() if r["published"].startswith("2017"))
    cut = next(day for day in days if any(later[:7] == day[:7] and later > day for later in days))
    asked = f"published:[2015-06-01 TO {cut}]"
    answer = client.get("/search.json", query_string={"q": asked, "histogram": "month"}).get_json()
    expected = months_of(truth, "2015-06-01", cut)
    assert [(label, articles) for label, _, articles in answer["histogram"]] == sorted(expected.items())
    assert answer["histogram"][0][0] == "2015-06" and answer["histogram"][-1][0] == cut[:7]
    assert expected[cut[:7]] < months_of(truth, cut[:7] + "-01", cut[:7] + "-31")[cut[:7]], "the range cuts a month"
    by_year = client.get("/search.json", query_string={"q": asked}).get_json()
    assert by_year["histogram_by"] == "year" and [row[0] for row in by_year["histogram"]] == ["2015", "2016", "2017"]


@pytest.mark.parametrize("q", ["", "officials", "officials OR published:2016", "officials NOT published:2016"])
def test_a_search_not_limited_to_a_period_has_its_timeline_over_the_whole_archive(client, truth, q):
    answer = client.get("/search.json", query_string={"q": q, "histogram": "year"}).get_json()
    years = Counter(r["published"][:4] for r in truth.values())
    assert answer["histogram_by"] == "year"
    assert [(label, articles) for label, _, articles in answer["histogram"]] == sorted(years.items())
