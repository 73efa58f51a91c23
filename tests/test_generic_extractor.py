"""The generic extractor (crawler.parse.generic) on its own, with no template rule to help it:
every article page of the sample site, all three template eras, against the ground truth, and
real pages of other news sites (the article-extraction benchmark's development split) against
the bodies people marked on them."""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

import pytest
import trafilatura

from crawler.parse import common, generic
from tests.conftest import get
from tests.scoring import benchmark_f1, shingle_score, token_f1

SITE_ZONE = timezone(timedelta(hours=7))  # the paper prints its times at +07:00
ERAS = ("joomla", "drupal", "modern")
AEB = Path(__file__).parent / "data" / "aeb-dev"


def local_date(moment: datetime | str | None):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(SITE_ZONE).date() if moment is not None else None


@pytest.fixture(scope="module")
def extracted(site, corpus):
    """(era, truth, fields, fetched_at) of every article page the site shows, fetched over HTTP
    and read by the generic extractor alone."""
    now = site.clock.now()
    rows = []
    for i in corpus.newest_first(now):
        article = corpus.article(i)
        url = site.base + quote(article.path)
        status, _, body = get(url)
        assert status == 200, article.path
        text, _ = common.decode_html(body)
        rows.append((article.era, article.truth(now), generic.extract(text, url, now, SITE_ZONE), now))
    return rows


@pytest.fixture(scope="module")
def with_body(extracted):
    """The pages whose truth has a body, by era (a page served without text has none to score)."""
    by_era = defaultdict(list)
    for era, truth, fields, _ in extracted:
        if truth["body"]:
            by_era[era].append((truth, fields))
    return by_era


def test_every_era_has_enough_pages_to_measure(with_body):
    assert {era: len(with_body[era]) >= 30 for era in ERAS} == dict.fromkeys(ERAS, True), {
        era: len(rows) for era, rows in with_body.items()
    }


@pytest.mark.parametrize("era", ERAS)
def test_headline_is_exact_on_every_page(with_body, era):
    wrong = [(t["url"], f.headline, t["headline"]) for t, f in with_body[era] if f.headline != t["headline"]]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("era", ERAS)
def test_publication_date_is_the_truth_s_calendar_day_on_every_page(with_body, era):
    wrong = [
        (t["url"], f.published, t["published"])
        for t, f in with_body[era]
        if local_date(f.published) != local_date(t["published"])
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("era", ERAS)
def test_body_token_f1_is_high_on_average_and_on_nearly_every_page(with_body, era):
    scores = [token_f1(f.body, t["body"]) for t, f in with_body[era]]
    mean = sum(scores) / len(scores)
    share = sum(score >= 0.9 for score in scores) / len(scores)
    worst = min(zip(scores, (t["url"] for t, _ in with_body[era]), strict=True))
    assert mean >= 0.97, (era, mean, worst)
    assert share >= 0.97, (era, share, worst)
    assert worst[0] >= 0.5, worst


@pytest.mark.parametrize("era", ERAS)
def test_a_printed_or_stated_time_of_day_is_kept_and_a_bare_date_is_a_day(with_body, era):
    """Drupal and modern pages print (or state in a meta) the minute; Joomla pages print a
    date only, which must not be given a made-up time."""
    wrong = []
    for truth, fields in with_body[era]:
        want = datetime.fromisoformat(truth["published"])
        if fields.published_precision != truth["published_precision"] or fields.published != want:
            wrong.append((truth["url"], fields.published, fields.published_precision, truth["published"]))
    assert len(wrong) <= 0.01 * len(with_body[era]), wrong[:5]


@pytest.mark.parametrize("era", ERAS)
def test_authors_and_language_match_on_nearly_every_page(with_body, era):
    """Not the template's job here: trafilatura's byline, split, without the paper's name."""
    rows = with_body[era]
    authors = [(t["url"], f.authors, t["authors"]) for t, f in rows if f.authors != t["authors"]]
    languages = [(t["url"], f.language, t["language"]) for t, f in rows if f.language != t["language"]]
    assert len(authors) <= 0.05 * len(rows), authors[:5]
    assert len(languages) <= 0.01 * len(rows), languages[:5]


def test_a_page_without_text_still_gives_its_headline_and_date(extracted):
    empty = [(truth, fields) for _, truth, fields, _ in extracted if not truth["body"]]
    assert len(empty) >= 3
    for truth, fields in empty:
        assert fields.headline == truth["headline"], truth["url"]
        assert local_date(fields.published) == local_date(truth["published"]), truth["url"]


def test_no_page_is_dated_after_its_fetch_and_every_date_has_a_zone(extracted):
    for _, truth, fields, fetched_at in extracted:
        if fields.published is not None:
            assert fields.published.utcoffset() is not None, truth["url"]
            assert fields.published <= fetched_at, truth["url"]


JOOMLA_DATELINE = re.compile(r"^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} [A-Z][a-z]+ \d{4}\b")


def test_the_body_holds_no_page_furniture(with_body):
    """Nor the headline or the dateline, which trafilatura takes in (first or last) when they
    sit in the article's block, as on Joomla pages."""
    for era in ERAS:
        for truth, fields in with_body[era]:
            text = "\n".join(fields.body)
            for marker in ("Most viewed", "Share this article", "To contact the reporter", "Publication date"):
                assert marker not in text, (truth["url"], marker)
            assert truth["headline"] not in fields.body, truth["url"]
            assert not any(JOOMLA_DATELINE.match(line) for line in fields.body), truth["url"]


def page(head: str = "", body: str = "") -> str:
    text = " ".join(["The council met on Tuesday and agreed the plan after a long debate."] * 6)
    return (
        f"<html lang='en-GB'><head><title>A plan is agreed | The Gazette</title>{head}</head>"
        f"<body><article><h1>A plan is agreed</h1>{body}<p>{text}</p><p>{text}</p></article></body></html>"
    )


FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2024-04-20T20:09:00+07:00">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-04-20T20:09:00+07:00"}'
        "</script>",
    ],
)
def test_a_stated_publication_minute_is_kept_with_its_offset(head):
    fields = generic.extract(page(head), "https://gazette.example/a-plan", FETCHED, SITE_ZONE)
    assert fields.published == datetime(2024, 4, 20, 20, 9, tzinfo=SITE_ZONE)
    assert fields.published.utcoffset() == timedelta(hours=7)
    assert fields.published_precision == "minute"
    assert fields.headline == "A plan is agreed"
    assert fields.language == "en"


def test_a_stated_minute_after_the_fetch_is_not_taken():
    head = '<meta property="article:published_time" content="2024-05-01T20:00:00+00:00">'
    fields = generic.extract(page(head), "https://gazette.example/a-plan", FETCHED, UTC)
    assert fields.published_precision == "day"
    assert fields.published == datetime(2024, 5, 1, tzinfo=UTC)


def test_the_declared_instant_is_kept_over_a_time_printed_in_the_writer_s_zone():
    """A page that prints its local time without a zone ('11:03 PM', Pacific) and declares the
    instant in its head: the declaration is the page's own word, the printed time a guess."""
    head = '<meta property="article:published_time" content="2019-11-19T07:03:25+00:00">'
    body = '<time class="the-time" datetime="2019-11-19T07:03:25+00:00">November 18, 2019 11:03 PM</time>'
    url = "https://gazette.example/2019/11/18/a-plan/"
    fields = generic.extract(page(head, body), url, FETCHED, UTC)
    assert fields.published == datetime(2019, 11, 19, 7, 3, 25, tzinfo=UTC)
    assert fields.published_precision == "minute"


def test_a_declared_time_is_kept_to_the_second():
    head = '<meta property="article:published_time" content="2024-04-20T13:09:14.418Z">'
    fields = generic.extract(page(head), "https://gazette.example/a-plan", FETCHED, SITE_ZONE)
    assert fields.published == datetime(2024, 4, 20, 13, 9, 14, tzinfo=UTC)


def test_a_placeholder_declaration_dates_nothing():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "0001-01-01T00:00:00Z"}</script>'
    )
    body = "<p class='date'>Saturday, 20 April 2024</p>"
    fields = generic.extract(page(head, body), "https://gazette.example/a-plan", FETCHED, SITE_ZONE)
    assert fields.published == datetime(2024, 4, 20, tzinfo=SITE_ZONE)
    assert fields.published_precision == "day"


def test_declarations_of_several_days_leave_the_day_to_the_page():
    """JSON-LD that lists other stories with their dates: the earliest declared time is theirs."""
    graph = {
        "@graph": [
            {"@type": "NewsArticle", "datePublished": "2024-04-20T20:09:00+07:00"},
            {
                "@type": "ItemList",
                "itemListElement": [{"@type": "NewsArticle", "datePublished": "2024-03-01T08:00:00Z"}],
            },
        ]
    }
    head = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    body = "<p class='date'>Saturday, 20 April 2024</p>"
    fields = generic.extract(page(head, body), "https://gazette.example/a-plan", FETCHED, SITE_ZONE)
    assert fields.published == datetime(2024, 4, 20, 20, 9, tzinfo=SITE_ZONE)


def test_a_page_date_without_a_zone_is_read_in_the_paper_s_zone():
    fields = generic.extract(
        page(body="<p class='date'>Saturday, 20 April 2024</p>"), "https://gazette.example/a", FETCHED, SITE_ZONE
    )
    assert fields.published == datetime(2024, 4, 20, tzinfo=SITE_ZONE)
    assert fields.published_precision == "day"


def test_text_loose_between_breaks_keeps_its_first_run():
    """trafilatura alone drops the first run of `text<br><br>text` in a div that follows a
    paragraph (Run 0 here)."""
    lead = "Lead: " + " ".join(["the mayor opened the meeting with a statement."] * 8)
    runs = [f"Run {n}: " + " ".join(["of the council's long debate on the plan."] * 8) for n in range(3)]
    html = (
        f"<html><body><article><h1>A plan</h1><p>{lead}</p><div>"
        + "<br /><br />".join(runs)
        + "</div></article></body></html>"
    )
    fields = generic.extract(html, "https://gazette.example/a", FETCHED, UTC)
    assert fields.body == [lead, *runs]


def teasers(host: str) -> str:
    return "".join(
        f"<li><a href='{host}/story-{n}'>Story {n}</a><div>Teaser {n}: "
        + " ".join(["what the other story says, at some length."] * 3)
        + "</div></li>"
        for n in range(3)
    )


def test_a_list_of_the_site_s_own_teasers_is_dropped_whatever_its_heading():
    box = f"<div class='block'><h2>Les plus lus</h2><ul>{teasers('https://www.gazette.example')}</ul></div>"
    fields = generic.extract(page(body=box), "https://gazette.example/a-plan", FETCHED, UTC)
    assert fields.body and not any("Teaser" in line for line in fields.body)


def test_a_list_of_links_to_other_sites_is_text():
    fields = generic.extract(
        page(body=f"<ul>{teasers('https://shop.example')}</ul>"), "https://gazette.example/a-plan", FETCHED, UTC
    )
    assert sum("Teaser" in line for line in fields.body) == 3


def test_the_paper_s_name_and_a_glued_weekday_are_no_authors():
    head = '<meta name="author" content="Jane Roe Monday; The Gazette">'
    fields = generic.extract(page(head), "https://gazette.example/a-plan", FETCHED, UTC)
    assert fields.authors == ["Jane Roe"]


def test_a_fetch_time_without_a_zone_is_refused():
    with pytest.raises(ValueError):
        generic.extract("<html><body><p>x</p></body></html>", "https://example.com/", datetime(2020, 1, 1), UTC)


def test_an_empty_page_gives_empty_fields():
    fields = generic.extract("", "https://example.com/", datetime(2020, 1, 1, tzinfo=UTC), UTC)
    assert fields == generic.GenericFields(None, [], None, None, [], [], None)


# -- real pages of other news sites ---------------------------------------------------------


@pytest.fixture(scope="module")
def benchmark_pages():
    """(url, html, marked body) of every page of the benchmark's development split."""
    marked = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, record in sorted(marked.items()):
        text, _ = common.decode_html(gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()))
        pages.append((record["url"], text, record["articleBody"]))
    return pages


REALISTIC_FETCH = datetime(2020, 6, 1, tzinfo=UTC)  # after every page of the benchmark was saved


@pytest.fixture(scope="module")
def benchmark_fields(benchmark_pages):
    return [generic.extract(html, url, REALISTIC_FETCH, UTC) for url, html, _ in benchmark_pages]


def test_real_pages_give_a_body_close_to_the_marked_one(benchmark_pages, benchmark_fields):
    assert len(benchmark_pages) >= 100
    scores = [token_f1(f.body, [body]) for (_, _, body), f in zip(benchmark_pages, benchmark_fields, strict=True)]
    empty = [url for (url, _, _), f in zip(benchmark_pages, benchmark_fields, strict=True) if not f.body]
    assert not empty, empty
    assert sum(scores) / len(scores) >= 0.95
    assert sum(score >= 0.8 for score in scores) / len(scores) >= 0.95
    assert sum(score >= 0.9 for score in scores) / len(scores) >= 0.9


def test_real_pages_read_at_least_as_well_as_trafilatura_alone(benchmark_pages, benchmark_fields):
    """The page clean-ups and the line tidying must not cost body quality on sites they were
    not written for: by the benchmark's own measure (4-word shingles, averaged over pages),
    the F1 is not below that of trafilatura's own text of the page in its default mode."""
    ours = [
        shingle_score("\n".join(f.body), body)
        for (_, _, body), f in zip(benchmark_pages, benchmark_fields, strict=True)
    ]
    alone = [shingle_score(trafilatura.extract(html, url=url) or "", body) for url, html, body in benchmark_pages]
    assert benchmark_f1(ours)[2] >= benchmark_f1(alone)[2]


def test_real_pages_are_dated_and_headlined_and_never_after_the_fetch(benchmark_pages, benchmark_fields):
    dated = [f.published for f in benchmark_fields if f.published is not None]
    assert len(dated) >= 0.9 * len(benchmark_fields)
    assert sum(bool(f.headline) for f in benchmark_fields) >= 0.95 * len(benchmark_fields)
    assert all(moment.utcoffset() is not None and moment <= REALISTIC_FETCH for moment in dated)


@pytest.mark.parametrize(
    "fetched_at, zone, every",
    [
        (datetime(2019, 11, 18, 12, 0, tzinfo=UTC), timezone(timedelta(hours=-5)), 1),  # amid the pages' dates
        # before most of them; htmldate then searches each page to its end, so a third of them
        (datetime(2016, 1, 1, tzinfo=SITE_ZONE), SITE_ZONE, 3),
    ],
)
def test_no_real_page_is_dated_after_an_earlier_fetch(benchmark_pages, fetched_at, zone, every):
    """Pages print dates later than the fetch (here, their own: the fetch time is made up),
    and events, sidebars and copyright years do the same: the extractor must never take one,
    yet still date the page by an earlier one or at the day when its stated minute is later."""
    later, dated = [], 0
    for url, html, _ in benchmark_pages[::every]:
        fields = generic.extract(html, url, fetched_at, zone)
        if fields.published is not None:
            dated += 1
            if fields.published.utcoffset() is None or fields.published > fetched_at:
                later.append((url, fields.published))
    assert not later, later[:5]
    if every == 1:  # amid the pages' own dates most are dated; before them, any date would be one invented
        assert dated >= 10
