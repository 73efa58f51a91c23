"""One identity per page, whatever host, scheme, slash or tracking parameters it came with."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from archive.urls import canonical_url, same_site
from crawler.parse.phnompenhpost import PARSER
from crawler.parse.postkhmer import PARSER as KHMER

ORIGIN = "https://www.phnompenhpost.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.phnompenhpost.com/national/story",
        "http://phnompenhpost.com/national/story",
        "https://phnompenhpost.com/national/story/",
        "http://www.phnompenhpost.com/national/story?utm_source=fb&utm_medium=social",
        "https://www.phnompenhpost.com/national/story?fbclid=abc#comments",
        "HTTPS://WWW.PHNOMPENHPOST.COM/national/story",
        "http://m.phnompenhpost.com/national/story",
    ],
)
def test_variants_of_one_address_are_one_identity(url):
    assert canonical_url(url, ORIGIN) == "https://www.phnompenhpost.com/national/story"
    assert PARSER.absolute_identity(url) == "https://www.phnompenhpost.com/national/story"


def test_the_khmer_edition_s_hosts_are_one_site_of_its_own():
    khmer = "https://www.postkhmer.com/%E1%9E%96/story"
    for host in ("postkhmer.com", "www.postkhmer.com", "m.postkhmer.com"):
        assert KHMER.absolute_identity(f"http://{host}/%E1%9E%96/story/") == khmer
        english = PARSER.absolute_identity(f"http://{host}/%E1%9E%96/story/")
        assert english == f"https://{host}/%E1%9E%96/story", "a link to the Khmer edition is no English record"


def test_other_hosts_keep_their_own_name_and_escaped_slashes_stay():
    assert canonical_url("http://m.facebook.com/x/") == "https://m.facebook.com/x"
    assert canonical_url(ORIGIN + "/national/a%2Fb") != canonical_url(ORIGIN + "/national/a/b")


def test_links_that_are_not_web_addresses_have_no_identity():
    for href in ("javascript:void(0)", "mailto:news@phnompenhpost.com", "#top", "http://[::1/oops"):
        assert PARSER.to_identity(href, ORIGIN + "/national/x") is None


def test_a_mirror_keeps_the_identity_of_the_original():
    assert canonical_url("http://127.0.0.1:8080/business/x/", ORIGIN) == ORIGIN + "/business/x"


def test_percent_escapes_are_normalised():
    khmer = "/ព័ត៌មានជាតិ/story"
    lower_case_escapes = quote(khmer).lower()
    encoded = canonical_url(ORIGIN + lower_case_escapes)
    assert encoded == canonical_url(ORIGIN + khmer)
    assert "%E1%9E%96" in encoded


def test_meaningful_query_parameters_are_kept_and_sorted():
    assert (
        canonical_url("https://www.phnompenhpost.com/national?page=2&utm_campaign=x&b=1")
        == "https://www.phnompenhpost.com/national?b=1&page=2"
    )


def test_same_site_ignores_www_and_port():
    assert same_site("www.phnompenhpost.com", "phnompenhpost.com")
    assert not same_site("phnompenhpost.com.evil.example", "phnompenhpost.com")
