"""A researcher's path through the front-end in a real browser: Debian's Chromium, driven by
Playwright, against the production server (waitress) on 127.0.0.1. Screenshots of the search
and article pages are kept in tests.browsing.ARTIFACTS for a reviewer to look at."""

from __future__ import annotations

import csv
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from archive.store import Store
from samplesite.assets import WIDTH
from tests.browsing import ARTIFACTS


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    yield context.new_page()
    context.close()


def total_of(page) -> int:
    return int(page.locator("p.summary strong").first.inner_text())


def test_search_facets_sort_article_and_export(page, server, truth, tmp_path):
    page.goto(server + "/")
    page.fill("input[name=q]", "rice")
    page.click("form.search button")
    page.wait_for_url("**/search?*q=rice*")
    everything = total_of(page)
    assert everything > 10
    page.locator('section[data-facet="section"] a', has_text="national").first.click()
    expect(page.locator(".applied .filter")).to_contain_text("section: national")
    national = total_of(page)
    assert 0 < national < everything
    page.locator(".applied .filter").first.click()
    expect(page.locator(".applied")).to_have_count(0)
    assert total_of(page) == everything
    page.locator("a.sort", has_text="newest").click()
    page.wait_for_url("**sort=newest*")
    dates = page.locator(".hit .meta").all_inner_texts()
    assert [d[:10] for d in dates] == sorted((d[:10] for d in dates), reverse=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("a.export", has_text="CSV").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    rows = list(csv.reader(saved.open(encoding="utf-8")))
    assert len(rows) - 1 == everything

    first = page.locator(".hit a.headline").first
    headline = first.inner_text()
    first.click()
    expect(page.locator("article.record h1")).to_have_text(headline)
    expect(page.locator("section.provenance")).to_contain_text("as captured")


def test_most_viewed_time_machine_and_an_articles_history(page, server, corpus):
    entries = corpus.most_viewed_truth(corpus.config.end)["entries"]
    page.goto(server + "/most-viewed")
    page.fill("input[name=at]", "2030-01-01T00:00")
    page.click("form.moment button")
    expect(page.locator("ol.most-viewed li > a")).to_have_text([e["title"] for e in entries])
    page.locator("ol.most-viewed li > a").first.click()
    history = page.locator("section.popularity")
    expect(history).to_contain_text("peak rank 1")
    expect(history.locator("svg.chart")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)


def test_the_pages_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/search?q=defamation")
    page.locator(".hit a.headline").first.click()
    expect(page.locator("article.record h1")).to_contain_text("Rainsy faces defamation charge")
    context.close()


def test_an_articles_capture_replays_as_it_looked_with_its_photo_drawn(page, server, indexed_archive):
    with Store(indexed_archive / "data" / "archive.sqlite3") as store:
        record = next(r for r in store.current_records() if r["images"] and r["body"])
    page.goto(server + "/article?url=" + quote(record["url"], safe=""))
    expect(page.locator("figure.photo img").first).to_be_visible()
    page.locator("table.captures a", has_text="replay").first.click()
    page.wait_for_url("**/replay/**")
    expect(page.get_by_text(record["headline"], exact=False).first).to_be_visible()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if message.type == "error" else None)
    page.reload()
    photo = urlsplit(record["images"][0]["url"]).path
    drawn = page.locator(f'img[src$="{photo}"]').first
    expect(drawn).to_be_visible()
    assert drawn.evaluate("image => image.complete && image.naturalWidth") == WIDTH
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia"), "its stylesheet applied"
    page.screenshot(path=str(ARTIFACTS / "replay.png"), full_page=True)
    assert not [text for text in blocked if "Content Security Policy" in text and "img-src" in text]
