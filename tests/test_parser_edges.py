"""Variations of real-looking pages that the sample site does not produce on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.parse import parse_page
from crawler.parse.common import name_case, split_authors, split_credit
from samplesite.corpus import SiteConfig
from samplesite.render import render_article

NOW = datetime(2021, 4, 12, 2, 31, tzinfo=UTC)
URL = "http://127.0.0.1:8000/national/some-story"


def drupal_page(body: str = "<p>Text.</p>", head: str = "", extra: str = "", dates: str = "") -> bytes:
    dates = dates or '<p class="publication-date">Publication date 15 August 2018 | 08:20 ICT</p>'
    return (
        f'<html lang="en"><head>{head}</head><body><div id="main"><div class="ads-social-left-title">'
        f'<h2><a href="/national">National</a></h2><div class="article-author-wrapper"><p><span>Ben Sokhean'
        f'</span> | The Phnom Penh Post</p></div>{dates}</div><div class="single-article-header">'
        f'<h2>A headline</h2></div><div id="ArticleBody" itemprop="articleBody">{body}</div>{extra}</div>'
        "</body></html>"
    ).encode()


@pytest.mark.parametrize(
    "caption, expected",
    [
        ("A forum in France. Photo supplied", ("A forum in France.", "Photo supplied")),
        ("Workers sort rice. Khem Sovannara/AFP", ("Workers sort rice.", "Khem Sovannara/AFP")),
        ("A mill in Kampot. Photo: S. Sok", ("A mill in Kampot.", "S. Sok")),
        ("Students sit an exam. Photograph: Mey Kimlay", ("Students sit an exam.", "Mey Kimlay")),
        ("Vendors in Phnom Penh PHOTO SUPPLIED", ("Vendors in Phnom Penh", "PHOTO SUPPLIED")),
        ("A temple in Kep. Post staff", ("A temple in Kep.", "Post staff")),
        ("Protesters read ‘No more evictions!’ Hong Menea", ("Protesters read ‘No more evictions!’", "Hong Menea")),
        ("Hun Sen at the U.N. in New York", ("Hun Sen at the U.N. in New York", None)),
        (
            "Workers at a factory. The factory employs 300 people",
            ("Workers at a factory. The factory employs 300 people", None),
        ),
        ("A market. The plan was rejected yesterday.", ("A market. The plan was rejected yesterday.", None)),
        ("ខេត្ត។ Heng Chivoan", ("ខេត្ត។", "Heng Chivoan")),
    ],
)
def test_caption_credits_are_split_off(caption, expected):
    assert split_credit(caption) == expected


def test_names_in_capitals_and_bylines_with_partners():
    assert name_case("MCDONALD O'NEIL") == "McDonald O'Neil"
    assert name_case("AFP") == "AFP"
    assert split_authors("By MAY KUNMAKARA and Niem Chheng", []) == ["May Kunmakara", "Niem Chheng"]
    assert split_authors("Ben Sokhean with Reuters", []) == ["Ben Sokhean", "Reuters"]


@pytest.mark.parametrize("href", ["http://[::1/oops", "javascript:void(0)", "mailto:x@example.org"])
def test_one_unreadable_link_does_not_lose_the_record(href):
    sidebar = (
        f'<div class="most-viewed"><h3>Most viewed</h3><ul><li><a href="{href}">Bad</a></li>'
        '<li><a href="/national/good">Good</a><p>Teaser</p></li></ul></div>'
    )
    page = parse_page(drupal_page(extra=sidebar), URL, NOW)
    assert page.article.headline == "A headline"
    assert [(e.rank, e.title) for e in page.most_viewed.entries] == [(1, "Good")]


def test_an_unreadable_canonical_or_image_address_is_warned_not_fatal():
    html = drupal_page(
        head='<link rel="canonical" href="http://[www.phnompenhpost.com/x">',
        body='<p>Text.</p><figure><img src="http://[cdn/a.jpg"><figcaption>A. B</figcaption></figure>',
    )
    page = parse_page(html, URL, NOW)
    assert page.article.headline == "A headline" and page.article.images == []
    assert any(w.startswith("address") for w in page.warnings)


def test_an_xml_declaration_does_not_empty_the_page():
    page = parse_page(b'<?xml version="1.0" encoding="utf-8"?>\n' + drupal_page(), URL, NOW)
    assert page.article.headline == "A headline"


def test_a_date_without_a_day_is_not_invented():
    page = parse_page(drupal_page(dates='<p class="publication-date">Publication date August 2018</p>'), URL, NOW)
    assert page.article.published is None
    assert any(w.startswith("no-date") for w in page.warnings)


def test_a_date_without_a_time_has_day_precision():
    page = parse_page(drupal_page(dates='<p class="d">Publication date 17 November 2017</p>'), URL, NOW)
    assert page.article.published == "2017-11-17T00:00:00+07:00"
    assert page.article.published_precision == "day"


def test_a_fetch_time_without_a_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        parse_page(drupal_page(), URL, datetime(2021, 4, 12, 9, 31))


def test_seen_at_keeps_the_zone_it_was_given():
    ict = timezone(timedelta(hours=7))
    sidebar = '<div class="most-viewed"><ul><li><a href="/national/x">X</a></li></ul></div>'
    page = parse_page(drupal_page(extra=sidebar), URL, datetime(2021, 4, 12, 9, 31, tzinfo=ict))
    assert page.most_viewed.seen_at == "2021-04-12T09:31:00+07:00"


def test_canonical_links_relative_several_or_to_the_sister_site():
    relative = parse_page(
        drupal_page(head='<link rel="canonical" href="/national/the-story/">'), "http://127.0.0.1:9/node/5", NOW
    )
    assert relative.article.url == "https://www.phnompenhpost.com/national/the-story"
    two = parse_page(
        drupal_page(
            head='<link rel="canonical shortlink" href="/national/a"><link rel="canonical" href="/national/b">'
        ),
        URL,
        NOW,
    )
    assert two.article.url.endswith("/national/a")
    assert any(w.startswith("canonical") for w in two.warnings)
    sister = drupal_page(head='<link rel="canonical" href="https://www.postkhmer.com/%e1%9e%96/abc">')
    khmer = parse_page(sister, "https://www.postkhmer.com/%E1%9E%96/abc", NOW, "postkhmer.com")
    assert khmer.article.url == "https://www.postkhmer.com/%E1%9E%96/abc"
    assert khmer.article.site == "postkhmer.com"
    english = parse_page(sister, "https://www.postkhmer.com/%E1%9E%96/abc", NOW, "phnompenhpost.com")
    assert english.article is None, "a page of the sister site is no record of the English site"
    assert any(w.startswith("other-site:") and "postkhmer.com" in w for w in english.warnings)


def test_no_canonical_link_on_a_bare_http_host():
    page = parse_page(drupal_page(), "http://phnompenhpost.com/national/the-story/?utm_source=x", NOW)
    assert page.article.url == "https://www.phnompenhpost.com/national/the-story"


def test_text_after_the_closing_html_tag_is_not_truncation():
    page = parse_page(drupal_page() + b"\n<!-- " + b"x" * 2000 + b" -->\n", URL, NOW)
    assert not any(w.startswith("truncated") for w in page.warnings)


def test_body_text_outside_paragraphs_is_kept_and_clutter_with_paragraphs_is_not():
    body = (
        "Lead text.<p>One.</p><div>Two in a div.</div><h3>A subhead</h3><ul><li>A list item</li></ul>"
        '<blockquote>A quote</blockquote><div class="ad-slot"><p>Advertisement</p></div>'
        '<div class="related-articles"><h3>Related</h3><ul><li><a href="/x">Other</a><p>Teaser</p></li></ul>'
        "</div><p>&nbsp;</p><p>Last.</p>"
    )
    page = parse_page(drupal_page(body=body), URL, NOW)
    assert page.article.body == ["Lead text.", "One.", "Two in a div.", "A subhead", "A list item", "A quote", "Last."]


def test_a_caption_wrapped_deeper_or_an_image_twice():
    body = (
        '<p>Text.</p><div class="field-name-field-image"><a class="colorbox" href="/a.jpg"><img src="/a.jpg">'
        '</a><div class="wrap"><div class="field-name-field-image-caption">A scene. Heng Chivoan</div></div>'
        '</div><figure><img src="/a.jpg"><figcaption>A scene. Heng Chivoan</figcaption></figure>'
        '<div class="ad-slot"><img src="/ad.gif"></div>'
    )
    images = parse_page(drupal_page(body=body), URL, NOW).article.images
    assert [(i.url, i.caption, i.credit) for i in images] == [
        ("https://www.phnompenhpost.com/a.jpg", "A scene.", "Heng Chivoan")
    ]


def test_a_sidebar_found_by_its_heading_with_date_lines_in_its_items():
    sidebar = (
        '<div class="block"><div class="block-title"><h2>Most Viewed</h2></div><ul>'
        '<li><a href="/national/one">One</a><p>Publication date 11 April 2021 | 16:05 | ICT</p>'
        '<p>The teaser</p></li><li><a href="http://phnompenhpost.com/business/two/?utm_source=mv">Two</a>'
        "</li></ul></div>"
    )
    entries = parse_page(drupal_page(extra=sidebar), URL, NOW).most_viewed.entries
    assert [(e.rank, e.url, e.title, e.teaser) for e in entries] == [
        (1, "https://www.phnompenhpost.com/national/one", "One", "The teaser"),
        (2, "https://www.phnompenhpost.com/business/two", "Two", None),
    ]


def test_the_page_tree_is_not_changed_by_reading_the_body(corpus):
    config = SiteConfig()
    article = corpus.article(corpus.newest_first(config.end)[0])
    html = render_article(corpus, article, config.end)
    first, second = parse_page(html, URL, NOW), parse_page(html, URL, NOW)
    assert first.article.to_dict() == second.article.to_dict()


@pytest.mark.parametrize(
    "dates",
    [
        "<span>Publication date 15 August 2018 | 08:20 ICT</span><span>Updated 16 August 2018 | 09:05 ICT</span>",
        "\nPublication date 15 August 2018 | 08:20 | ICT\nUpdated 16 August 2018 | 09:05 | ICT\n",
    ],
)
def test_a_date_line_in_a_span_or_as_bare_text(dates):
    article = parse_page(drupal_page(dates=dates), URL, NOW).article
    assert (article.published, article.updated) == ("2018-08-15T08:20:00+07:00", "2018-08-16T09:05:00+07:00")
    assert article.authors == ["Ben Sokhean"]


@pytest.mark.parametrize(
    "photo",
    [
        '<div class="field field-name-field-image"><div class="field-items"><div class="field-item even">'
        '<img src="/a.jpg"></div></div></div><div class="field field-name-field-image-caption">'
        '<div class="field-items"><div class="field-item even">A scene. Heng Chivoan</div></div></div>',
        '<div class="field field-name-field-image"><img src="/a.jpg"></div><div>A scene. Heng Chivoan</div>',
        "<figure><img src='/a.jpg'><figcaption>A scene. Heng Chivoan</figcaption></figure>",
    ],
)
@pytest.mark.parametrize("in_body", [True, False])
def test_a_photo_without_itemprop_and_its_caption_in_each_form(photo, in_body):
    html = (
        drupal_page(body=photo + "<p>Text.</p><div>More text.</div>")
        if in_body
        else drupal_page(body="<p>Text.</p><div>More text.</div>", extra="").replace(
            b'<div id="ArticleBody"', photo.encode() + b'<div id="ArticleBody"'
        )
    )
    article = parse_page(html, URL, NOW).article
    assert [(i.url, i.caption, i.credit) for i in article.images] == [
        ("https://www.phnompenhpost.com/a.jpg", "A scene.", "Heng Chivoan")
    ]
    assert article.body == ["Text.", "More text."]


def test_nul_bytes_crlf_and_a_cache_comment_change_nothing():
    clean = parse_page(drupal_page(body="<p>One.</p><p>Two.</p>"), URL, NOW).article
    noisy = drupal_page(body="<p>One.</p>\x00\x00<p>T\x00wo.</p>").replace(b"\n", b"\r\n").replace(b">", b">\x00", 3)
    noisy += b"\r\n<!-- Page cached by Boost @ 2016-10-15 10:22:31 -->\r\n"
    got = parse_page(noisy, URL, NOW)
    assert got.article.to_dict() | {"warnings": []} == clean.to_dict() | {"warnings": []}
    assert got.warnings == []
