"""Every page type of the front-end as a researcher meets it in Chromium, on a laptop (1366 px)
and on a phone (390 px): never wider than the screen, one `<h1>`, no serious or critical
accessibility violation by axe-core (package.json; injected into the page), the facets folded
on a phone with the results first, controls big enough to hit, times labelled and never shown
with microseconds. Each page's screenshot is kept in tests.browsing.ARTIFACTS."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browsing import ARTIFACTS, AXE

WIDTHS = {"laptop": 1366, "phone": 390}
SERIOUS = {"serious", "critical"}
MICROSECONDS = re.compile(r"\d\d:\d\d:\d\d\.\d{3,6}")


@pytest.fixture(scope="module")
def page_types(corpus) -> dict[str, str]:
    """One address of each kind of page, the article one with a Most viewed history."""
    listed = corpus.most_viewed_truth(corpus.config.end)["entries"][0]["url"]
    return {
        "front": "/",
        "search": "/search?q=rice",
        "search-one-year": "/search?q=rice&histogram=month&year=2016",
        "empty-result": "/search?q=defamaton+lawsuit",
        "bad-query": "/search?q=a+OR+%28b",
        "article": "/article?url=" + quote(listed, safe=""),
        "most-viewed": "/most-viewed?at=2030-01-01T00:00",
        "leaderboard": "/most-viewed/leaderboard",
        "about": "/about",
        "status": "/status",
        "not-found": "/article?url=" + quote("https://www.phnompenhpost.com/national/no-such-article", safe=""),
    }


def opened(browser, server: str, path: str, width: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)  # axe is injected
    page = context.new_page()
    page.goto(server + path)
    return page


def serious_violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — {node['target']}"
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize(
    "kind",
    [
        "front",
        "search",
        "search-one-year",
        "empty-result",
        "bad-query",
        "article",
        "most-viewed",
        "leaderboard",
        "about",
        "status",
        "not-found",
    ],
)
def test_every_page_fits_the_screen_and_passes_axe(browser, server, page_types, kind, device):
    width = WIDTHS[device]
    page = opened(browser, server, page_types[kind], width)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{kind}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.locator("h1")).to_have_count(1)
    assert not MICROSECONDS.search(page.locator("body").inner_text())
    assert serious_violations(page) == []
    page.context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(browser, server):
    page = opened(browser, server, "/search?q=rice", WIDTHS["laptop"])
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.context.close()


def test_on_a_phone_the_results_come_first_and_the_facets_are_folded(browser, server):
    page = opened(browser, server, "/search?q=rice", WIDTHS["phone"])
    facet_link = page.locator('section[data-facet="section"] li a').first
    expect(facet_link).to_be_hidden()
    results, facets = page.locator("section.results").bounding_box(), page.locator("details.facets").bounding_box()
    assert results and facets and results["y"] < facets["y"]
    page.locator("details.facets > summary").click()
    expect(facet_link).to_be_visible()
    page.context.close()


def test_on_a_laptop_the_facets_are_open_beside_the_results(browser, server):
    page = opened(browser, server, "/search?q=rice", WIDTHS["laptop"])
    expect(page.locator('section[data-facet="section"] li a').first).to_be_visible()
    expect(page.locator("details.facets > summary")).to_be_hidden()
    results, facets = page.locator("section.results").bounding_box(), page.locator("details.facets").bounding_box()
    assert results and facets and facets["x"] + facets["width"] <= results["x"]
    page.context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_exclude_and_remove_controls_are_named_and_big_enough(browser, server, device):
    page = opened(browser, server, "/search?q=rice&section=national", WIDTHS[device])
    page.locator("details.facets").evaluate("details => { details.open = true; }")
    exclude = page.get_by_role("link", name=re.compile(r"^exclude (author|year|tag) "))
    expect(exclude.first).to_be_visible()
    for control in [*exclude.all(), page.get_by_role("link", name=re.compile(r"remove this filter"))]:
        box = control.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, control.inner_text()
    page.context.close()


def test_the_timeline_is_a_picture_a_table_and_links_of_the_same_numbers(browser, server):
    page = opened(browser, server, "/search?q=rice", WIDTHS["laptop"])
    twin = page.request.get(server + "/search.json?q=rice").json()
    chart = page.locator("figure.timeline svg")
    expect(chart).to_have_attribute("role", "group")  # of links, one per bar
    busiest = max(twin["histogram"], key=lambda row: row[1])
    assert f"the most, {busiest[1]}, in {busiest[0]}" in (chart.get_attribute("aria-label") or "")
    page.locator("figure.timeline details.numbers > summary").click()
    rows = page.locator("figure.timeline table tbody tr")
    table = [[cell.inner_text() for cell in row.locator("th, td").all()][:3] for row in rows.all()]
    assert table == [[period, str(hits), str(total)] for period, hits, total in twin["histogram"]]
    assert chart.locator("a").count() == len(twin["histogram"])
    chart.locator(f'a[aria-label^="{busiest[0]}:"]').click()
    page.wait_for_url(f"**year={busiest[0]}*")
    assert int(page.locator("p.summary strong").first.inner_text()) == busiest[1]
    page.context.close()


def test_the_date_range_control_keeps_both_days(browser, server):
    page = opened(browser, server, "/search?q=rice", WIDTHS["laptop"])
    page.fill("#from", "2016-01-01")
    page.fill("#to", "2016-12-31")
    page.locator("form.search button").click()
    page.wait_for_url("**to=2016-12-31*")
    expect(page.locator("#query")).to_have_value("rice")
    typed = page.request.get(server + "/search.json?q=rice+published:[2016-01-01+TO+2016-12-31]&size=100").json()
    assert int(page.locator("p.summary strong").first.inner_text()) == typed["total"] > 0
    dates = page.locator(".hit .meta time").evaluate_all("times => times.map(t => t.textContent)")
    assert dates and all("2016-01-01" <= day <= "2016-12-31" for day in dates)
    expect(page.locator("figure.timeline figcaption")).to_contain_text("By month")
    page.goto(server + "/search?q=defamation&from=2016-03-11&to=2016-03-11")  # one day, the seed's
    expect(page.locator(".hit a.headline")).to_contain_text(["Rainsy faces defamation charge"])
    page.context.close()


def test_printed_times_are_the_papers_and_capture_times_are_utc_each_labelled(browser, server, page_types):
    page = opened(browser, server, page_types["article"], WIDTHS["laptop"])
    twin = page.request.get(server + page_types["article"].replace("/article?", "/article.json?")).json()
    published = page.locator("dl.dates dd time").first
    assert published.inner_text().endswith(" ICT")
    assert published.get_attribute("datetime") == twin["record"]["published"]
    captured = page.locator("table.captures:not(.photos) td[data-label=Captured] time")
    assert captured.evaluate_all("times => times.map(t => t.getAttribute('datetime'))") == [
        c["fetched_at"] for c in twin["captures"]
    ]
    photos = page.locator("table.photos td[data-label=Captured] time")
    assert photos.evaluate_all("times => times.map(t => t.getAttribute('datetime'))") == [
        p["fetched_at"] for p in twin["photos"] if p["fetched_at"]
    ]
    assert all(text.endswith(" UTC") for text in captured.all_inner_texts() + photos.all_inner_texts())
    page.context.close()


def test_a_misspelt_search_offers_its_correction_and_a_bad_one_keeps_the_form(browser, server):
    page = opened(browser, server, "/search?q=defamaton+lawsuit", WIDTHS["laptop"])
    assert int(page.locator("p.summary strong").first.inner_text()) == 0
    page.get_by_role("link", name="defamation lawsuit").click()
    page.wait_for_url("**q=defamation+lawsuit*")
    assert int(page.locator("p.summary strong").first.inner_text()) > 0
    answer = page.goto(server + "/search?q=a+OR+%28b")
    assert answer is not None and answer.status == 400
    expect(page.locator("#query")).to_have_value("a OR (b")
    page.context.close()


def test_a_page_past_the_end_leads_to_the_last_and_answers_say_how_to_cache_them(browser, server):
    page = opened(browser, server, "/search?q=rice", WIDTHS["laptop"])
    pages = page.request.get(server + "/search.json?q=rice").json()["pages"]
    answer = page.goto(server + "/search?q=rice&page=10000")
    assert answer is not None and answer.status == 200
    assert page.url.endswith(f"page={pages}")
    expect(page.locator("nav.pages")).to_contain_text(f"page {pages} of {pages}")
    headers = answer.all_headers()
    assert headers["cache-control"] == "no-cache" and headers["etag"] and "accept" in headers["vary"].lower()
    page.context.close()
