"""Khmer on screen in Debian's Chromium, driven by Playwright, against the production server
(waitress) over the crawled Khmer edition. The browser is given a fontconfig that refuses every
font covering Khmer, so it stands for a machine without one whatever this machine has: Khmer is
drawn as text only if the front-end serves its own font. Screenshots go to tests.browsing.ARTIFACTS."""

from __future__ import annotations

import json
import os
import urllib.request
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browsing import ARTIFACTS, chromium, serving

FONT = "Noto Sans Khmer"
FONT_FILES = "**/NotoSansKhmer-*.ttf"
NO_KHMER_FONT = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><pattern><patelt name="lang"><string>km</string></patelt></pattern></rejectfont></selectfont>
</fontconfig>
"""
# Laying the page out starts the loads of the faces it uses; `ready` settles when they end.
SETTLED_FACES = """async () => {
  document.body.getBoundingClientRect();
  await document.fonts.ready;
  return [...document.fonts].map(face => [face.family, face.weight, face.status]);
}"""
WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture(scope="module")
def server(khmer_archive):
    yield from serving(khmer_archive)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    config = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    config.write_text(NO_KHMER_FONT, encoding="utf-8")
    with sync_playwright() as playwright:
        launched = chromium(playwright, {**os.environ, "FONTCONFIG_FILE": str(config)})
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def article(server) -> dict:
    """The Khmer article with the longest address among the first hits."""
    with urllib.request.urlopen(server + "/search.json?size=100", timeout=60) as response:
        hits = json.load(response)["hits"]
    return max((hit for hit in hits if hit["language"] == "km"), key=lambda hit: len(hit["url"]))


def opened(browser, address: str, width: int = 1280, without_font: bool = False):
    """A page at `address` with its fonts settled; `without_font` refuses the font's requests."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    if without_font:
        page.route(FONT_FILES, lambda route: route.abort())
    page.goto(address)
    return page, page.evaluate(SETTLED_FACES)


def is_khmer(character: str) -> bool:
    return "\u1780" <= character <= "\u17ff" or "\u19e0" <= character <= "\u19ff"


def platform_fonts(page, selector: str) -> list[dict]:
    """The fonts Chromium drew the first such element's text with, as DevTools reports them:
    family, glyph count, and whether it is a web font rather than one of the machine's."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def assert_khmer_drawn_with_the_served_font(page, selector: str) -> None:
    """Every Khmer letter drawn by the served font: other fonts drew no more glyphs than the
    text has other characters (spaces, digits), and a Khmer letter without a font is a glyph
    (a box) of one of the machine's fonts."""
    text = page.locator(selector).first.text_content() or ""
    khmer = sum(map(is_khmer, text))
    assert khmer, f"{selector} has no Khmer text: {text!r}"
    fonts = platform_fonts(page, selector)
    served = [font for font in fonts if font["isCustomFont"] and font["familyName"] == FONT]
    others = sum(font["glyphCount"] for font in fonts if not font["isCustomFont"])
    assert served and others <= len(text) - khmer, fonts


def article_address(server: str, article: dict) -> str:
    return f"{server}/article?url={quote(article['url'], safe='')}"


def test_the_page_loads_the_font_from_the_front_end_itself(browser, server, article):
    context = browser.new_context()
    page = context.new_page()
    with page.expect_response(FONT_FILES) as font:
        answer = page.goto(article_address(server, article))
    assert answer is not None and "font-src 'self'" in answer.headers["content-security-policy"]
    assert font.value.ok and font.value.url.startswith(server + "/static/"), font.value.url
    assert font.value.headers["content-type"] == "font/ttf"
    context.close()


def test_a_khmer_article_is_drawn_with_the_served_font_and_marked_km(browser, server, article):
    page, faces = opened(browser, article_address(server, article))
    assert [FONT, "400", "loaded"] in faces and [FONT, "700", "loaded"] in faces, faces
    expect(page.locator("article.record h1")).to_have_attribute("lang", "km")
    expect(page.locator("article.record .body p").first).to_have_attribute("lang", "km")
    assert_khmer_drawn_with_the_served_font(page, "article.record h1")
    assert_khmer_drawn_with_the_served_font(page, "article.record .body p")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "khmer-article.png"), full_page=True)
    page.context.close()


def test_without_the_served_font_the_same_headline_is_boxes(browser, server, article):
    """What the served font saves the reader from: the test's browser has no Khmer font of its
    own, so with the font's requests refused the headline falls back to a machine font, and
    its pixels differ from the served font's."""
    served, _ = opened(browser, article_address(server, article))
    refused, faces = opened(browser, article_address(server, article), without_font=True)
    assert {status for family, _, status in faces if family == FONT} == {"error"}, faces
    assert not any(font["isCustomFont"] for font in platform_fonts(refused, "article.record h1"))
    headline = "article.record h1"
    assert served.locator(headline).screenshot() != refused.locator(headline).screenshot()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    refused.screenshot(path=str(ARTIFACTS / "khmer-article-without-font.png"), full_page=True)
    served.context.close()
    refused.context.close()


def test_a_khmer_search_is_drawn_with_the_served_font_and_marked_km(browser, server, article):
    page, faces = opened(browser, f"{server}/search?section={quote(article['section'])}")
    assert [FONT, "700", "loaded"] in faces, faces
    hits = page.locator(".hit")
    expect(hits.first).to_be_visible()
    for element in (".hit a.headline", ".hit p.snippet"):
        langs = page.locator(element).evaluate_all("elements => elements.map(element => element.lang)")
        assert len(langs) == hits.count() and set(langs) == {"km"}, (element, langs)
    assert_khmer_drawn_with_the_served_font(page, ".hit a.headline")
    assert_khmer_drawn_with_the_served_font(page, ".hit p.snippet")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "khmer-search.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_a_long_khmer_address_wraps_inside_the_page(browser, server, article, width):
    assert len(article["url"]) > 200  # percent-encoded Khmer: hundreds of characters, no break
    page, _ = opened(browser, article_address(server, article), width)
    expect(page.locator("section.provenance a.url")).to_have_text(article["url"])
    scroll, client = page.evaluate(WIDTHS)
    assert scroll <= client, f"the page is {scroll}px wide in a {client}px window"
    page.context.close()
