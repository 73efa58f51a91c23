"""What makes a revision: any change of a recorded field of the article, never a change of the
fetch alone; and the article page's diff shows the field that changed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from archive.model import Article, Image, ParsedPage
from archive.store import Capture, Store
from search.indexer import rebuild
from web import create_app
from web.article_views import revision_diff

T0 = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
URL = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge"
STORY = Article(
    url=URL,
    site="phnompenhpost.com",
    era="drupal",
    language="en",
    headline="Rainsy faces defamation charge",
    standfirst="The opposition leader is accused over a post.",
    authors=["Meas Sokchea"],
    byline="Meas Sokchea | The Phnom Penh Post",
    published="2016-03-11T08:20:00+07:00",
    published_precision="minute",
    section="national",
    tags=["Sam Rainsy", "CNRP"],
    images=[Image(f"{URL}/photo.jpg", "Sam Rainsy speaks in Phnom Penh.", "Heng Chivoan")],
    body=["Opposition leader Sam Rainsy faces a charge.", "He denies it."],
    word_count=12,
    fetched_url="http://127.0.0.1:8000/national/rainsy-faces-defamation-charge",
    fetched_at="2026-11-01T12:00:00+07:00",
)
CORRECTED_BYLINE = replace(
    STORY, authors=["Meas Sokchea", "Shaun Turton"], byline="Meas Sokchea and Shaun Turton | The Phnom Penh Post"
)
CHANGES: dict[str, Callable[[Article], Article]] = {
    "a corrected byline": lambda a: CORRECTED_BYLINE,
    "new tags": lambda a: replace(a, tags=[*a.tags, "Defamation"]),
    "a changed section": lambda a: replace(a, section="politics-0"),
    "a new image caption": lambda a: replace(a, images=[replace(a.images[0], caption="Sam Rainsy in Paris.")]),
    "an updated stamp": lambda a: replace(a, updated="2016-03-12T09:00:00+07:00"),
}


def refetched(article: Article) -> Article:
    """The same version captured again: from elsewhere, later, and read with a complaint."""
    return replace(
        article,
        fetched_url=URL,
        fetched_at="2026-11-02T12:00:00+07:00",
        warnings=["charset: the page declares iso-8859-1 but is UTF-8"],
    )


def ingest(store: Store, article: Article, hours: int) -> str | None:
    return store.ingest(ParsedPage(article, None), None, T0 + timedelta(hours=hours), None).article


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_of_any_recorded_field_is_a_revision(tmp_path, change):
    changed = CHANGES[change](STORY)
    with Store(tmp_path / "a.sqlite3") as store:
        assert [ingest(store, STORY, 0), ingest(store, changed, 1), ingest(store, refetched(changed), 2)] == [
            "new",
            "revised",
            "unchanged",
        ]
        assert store.current_record(URL) == changed.to_dict()
        assert store.db.execute("SELECT count(*) FROM revisions").fetchone()[0] == 2


def test_the_same_page_fetched_again_is_unchanged(tmp_path):
    with Store(tmp_path / "a.sqlite3") as store:
        assert [ingest(store, STORY, 0), ingest(store, STORY, 1), ingest(store, refetched(STORY), 2)] == [
            "new",
            "unchanged",
            "unchanged",
        ]
        assert store.current_record(URL) == STORY.to_dict()  # the first capture's record is kept
        assert store.revision_like(refetched(STORY)) is not None


def diff_lines(old: Article, new: Article) -> dict[str, list[str]]:
    html = str(revision_diff(old.to_dict(), new.to_dict()))
    found: dict[str, list[str]] = {"removed": [], "added": []}
    for kind, text in re.findall(r'<p class="(removed|added)">(.*?)</p>', html):
        found[kind].append(text)
    return found


@pytest.mark.parametrize(
    "new, removed, added",
    [
        (
            replace(STORY, headline="Rainsy charged"),
            ["Headline: Rainsy faces defamation charge"],
            ["Headline: Rainsy charged"],
        ),
        (replace(STORY, standfirst=None), ["Standfirst: The opposition leader is accused over a post."], []),
        (
            CORRECTED_BYLINE,
            ["Authors: Meas Sokchea", "Byline: Meas Sokchea | The Phnom Penh Post"],
            ["Authors: Meas Sokchea, Shaun Turton", "Byline: Meas Sokchea and Shaun Turton | The Phnom Penh Post"],
        ),
        (replace(STORY, section="politics-0"), ["Section: national"], ["Section: politics-0"]),
        (replace(STORY, tags=["Sam Rainsy"]), ["Tags: Sam Rainsy · CNRP"], ["Tags: Sam Rainsy"]),
        (
            replace(STORY, published="2016-03-11T00:00:00+07:00", published_precision="day"),
            ["Published: 2016-03-11T08:20:00+07:00"],
            ["Published: 2016-03-11T00:00:00+07:00 (day only)"],
        ),
        (replace(STORY, updated="2016-03-12T09:00:00+07:00"), [], ["Updated: 2016-03-12T09:00:00+07:00"]),
        (
            replace(STORY, images=[Image(f"{URL}/photo.jpg", "Sam Rainsy in Paris.", "AFP")]),
            [f"Photo: Sam Rainsy speaks in Phnom Penh. · credit: Heng Chivoan · {URL}/photo.jpg"],
            [f"Photo: Sam Rainsy in Paris. · credit: AFP · {URL}/photo.jpg"],
        ),
        (
            replace(STORY, images=[*STORY.images, Image(f"{URL}/two.jpg")]),
            [],
            [f"Photo: (no caption) · credit: none · {URL}/two.jpg"],
        ),
        (
            replace(STORY, body=[STORY.body[0], "He denies it, his lawyer said."]),
            ["He denies it."],
            ["He denies it, his lawyer said."],
        ),
    ],
)
def test_the_diff_shows_every_changed_field_and_only_those(new, removed, added):
    assert diff_lines(STORY, new) == {"removed": removed, "added": added}


def captured(store: Store, article: Article, hours: int) -> str | None:
    """Ingested as the crawler does: the capture recorded first, the page's records linked to it."""
    when = T0 + timedelta(hours=hours)
    capture_id = store.add_capture(
        None, Capture(article.fetched_url, 200, when, "article", 1000, "x.warc.gz", hours, f"<urn:uuid:{hours}>")
    )
    return store.ingest(ParsedPage(article, None), capture_id, when, None).article


def test_the_article_page_shows_a_corrected_byline_in_its_diff(tmp_path):
    data, index = tmp_path / "data", tmp_path / "index"
    with Store(data / "archive.sqlite3") as store:
        assert [captured(store, STORY, 0), captured(store, CORRECTED_BYLINE, 1)] == ["new", "revised"]
        rebuild(store, index, procs=1)
    client = create_app(index, data).test_client()
    page = client.get(f"/article?url={quote(URL)}").get_data(as_text=True)
    (diff,) = re.findall(r'<details class="diff">.*?</details>', page, re.S)
    assert "Version 1 → 2" in diff
    assert '<p class="removed">Authors: Meas Sokchea</p>' in diff
    assert '<p class="added">Authors: Meas Sokchea, Shaun Turton</p>' in diff
    assert '<p class="same">Headline: Rainsy faces defamation charge</p>' in diff


def test_an_article_stored_without_a_capture_still_has_its_page_and_citations(tmp_path):
    data, index = tmp_path / "data", tmp_path / "index"
    with Store(data / "archive.sqlite3") as store:
        assert store.ingest(ParsedPage(STORY, None), None, T0, None).article == "new"
        rebuild(store, index, procs=1)
    client = create_app(index, data).test_client()
    page = client.get(f"/article.json?url={quote(URL)}")
    assert page.status_code == 200 and "no capture kept" in page.get_json()["citation"]
    for style in ("ris", "bib", "json"):
        assert client.get(f"/article/cite.{style}?url={quote(URL)}").status_code == 200
