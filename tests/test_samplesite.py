"""The replica's HTTP behaviour, checked over real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest

from crawler.parse import parse_page
from samplesite.corpus import Corpus, SiteConfig
from samplesite.editions import ENGLISH
from samplesite.render import article_variants, render_article
from samplesite.server import Faults, SampleSite, SiteClock, start_in_thread
from samplesite.static import StaticSite, write_static
from tests.conftest import get

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def local(url: str) -> str:
    """The path and query of an absolute URL of the site, to ask the replica for it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_robots_txt_has_a_disallow_rule_and_a_crawl_delay(site):
    status, _, body = get(site.base + "/robots.txt")
    text = body.decode()
    assert status == 200
    assert "Crawl-delay: 1" in text and "Disallow: /print/" in text and "Disallow: /search/" in text


def test_sitemap_index_lists_every_article_with_lastmod(site, corpus):
    status, _, body = get(site.base + "/sitemap.xml")
    assert status == 200
    children = [loc.text for loc in ET.fromstring(body).iter(SITEMAP + "loc")]
    assert len(children) >= 2
    urls, lastmods = [], []
    for child in children:
        _, _, xml = get(site.base + local(child))
        tree = ET.fromstring(xml)
        urls += [loc.text for loc in tree.iter(SITEMAP + "loc")]
        lastmods += [m.text for m in tree.iter(SITEMAP + "lastmod")]
    assert len(urls) == len(set(urls)) == len(corpus.newest_first(site.clock.now())) == len(lastmods)


def test_rss_feed_lists_the_newest_articles(site, corpus):
    status, headers, body = get(site.base + "/rss.xml")
    assert status == 200 and "rss" in headers["Content-Type"]
    titles = [t.text for t in ET.fromstring(body).iter("title")][1:]
    newest = corpus.article(corpus.newest_first(site.clock.now())[0])
    assert titles[0] == newest.version_at(site.clock.now()).headline
    assert get(site.base + "/rss")[0] == 301


def test_listings_are_zero_based_and_end_in_404_or_an_empty_list(site, corpus):
    now = site.clock.now()
    current, legacy = ENGLISH.section("national"), ENGLISH.section("kr-tribunal")
    for section, past_the_end in ((current, 404), (legacy, 200)):
        ids = corpus.newest_first(now, section.slug)
        pages = -(-len(ids) // corpus.config.listing_page_size)
        first = get(site.base + f"/{section.slug}?page=0")[2]
        newest = corpus.article(ids[0]).version_at(now).headline
        assert newest.encode() in first
        assert get(site.base + f"/{section.slug}?page={pages - 1}")[0] == 200
        status, _, body = get(site.base + f"/{section.slug}?page={pages}")
        assert status == past_the_end
        if status == 200:
            assert b"views-row" not in body.split(b"<aside")[0] and b"No content" in body


def test_listing_dates_follow_their_era(site, corpus):
    body = get(site.base + "/7days?page=0")[2].decode()
    assert ", " in body and " | ICT" not in body.split("views-row")[1]
    body = get(site.base + "/kr-tribunal?page=0")[2].decode()
    assert "Publication date" in body and "| ICT" in body
    body = get(site.base + "/business?page=0")[2].decode()
    assert "| by " in body and 'class="btn-load"' in body and "Top stories" in body


def test_old_urls_redirect_to_the_canonical_ones(site, corpus):
    now = site.clock.now()
    drupal = next(corpus.article(i) for i in corpus.newest_first(now) if corpus.article(i).era == "drupal")
    status, headers, _ = get(site.base + f"/node/{drupal.nid}")
    assert status == 301 and headers["Location"] == quote(drupal.path)
    late = next(corpus.article(i) for i in corpus.newest_first(now) if corpus.article(i).path.endswith("/"))
    status, headers, _ = get(site.base + quote(late.path.rstrip("/")))
    assert status == 301 and headers["Location"] == quote(late.path)
    assert get(site.base + "/national/no-such-story")[0] == 404


def test_the_khmer_edition_is_a_site_of_its_own_at_percent_encoded_khmer_urls(khmer_site, khmer_corpus, site):
    now = khmer_site.clock.now()
    khmer = khmer_corpus.article(khmer_corpus.newest_first(now)[0])
    status, _, body = get(khmer_site.base + quote(khmer.path))
    assert status == 200 and "%E1%9E" in quote(khmer.path)
    assert get(site.base + quote(khmer.path))[0] == 404, "the English site does not serve the Khmer edition"
    record = parse_page(body, khmer_site.base + quote(khmer.path), now, "postkhmer.com").article
    assert record.language == "km" and record.site == "postkhmer.com"
    assert record.url.startswith("https://www.postkhmer.com/%E1%9E")


def test_conditional_get_answers_304_until_the_page_changes(site, corpus):
    article = corpus.article(corpus.newest_first(site.clock.now())[5])
    url = site.base + quote(article.path)
    status, headers, _ = get(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-None-Match": f'W/"other", {headers["ETag"]}'})[0] == 304
    assert get(url, {"If-None-Match": "*"})[0] == 304
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert get(url, {"If-None-Match": 'W/"other"'})[0] == 200
    site.clock.set(site.clock.now() + timedelta(minutes=corpus.config.window_minutes))
    try:
        assert get(url, {"If-None-Match": headers["ETag"]})[0] == 200, "a new sidebar is a new page"
        assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 200
    finally:
        site.clock.set(corpus.config.end)


@pytest.mark.parametrize(
    "target, status",
    [
        ("/national?page=%C2%B2", 404),
        ("/national?page=%D9%A3", 404),
        ("/sitemap.xml?page=", 404),
        ("/sitemap.xml?page=%C2%B2", 404),
        ("/national?page=0&x=1", 200),
        ("/%ZZ", 404),
        ("/" + "a" * 5000, 404),
    ],
)
def test_odd_addresses_get_a_clean_answer(site, target, status):
    assert get(site.base + target)[0] == status


def test_a_double_trailing_slash_redirects_once(site, corpus):
    late = next(
        corpus.article(i) for i in corpus.newest_first(site.clock.now()) if corpus.article(i).path.endswith("/")
    )
    status, headers, _ = get(site.base + quote(late.path) + "/")
    assert status == 301 and headers["Location"] == quote(late.path)
    drupal = next(corpus.article(i) for i in corpus.newest_first(site.clock.now()) if corpus.article(i).era == "drupal")
    status, headers, _ = get(site.base + quote(drupal.path) + "/")
    assert status == 301 and headers["Location"] == quote(drupal.path)


def test_most_viewed_is_one_list_per_window_and_changes_with_the_next(site, corpus):
    now = site.clock.now()
    pages = [corpus.article(i) for i in corpus.newest_first(now)[:3]]

    def sidebar_at(article):
        url = site.base + quote(article.path)
        return [(e.rank, e.url) for e in parse_page(get(url)[2], url, now).most_viewed.entries]

    lists = [sidebar_at(a) for a in pages]
    assert lists[0] == lists[1] == lists[2]
    assert 5 <= len(lists[0]) <= 10
    assert lists[0] == [(e["rank"], e["url"]) for e in corpus.most_viewed_truth(now)["entries"]]
    site.clock.set(now + timedelta(minutes=corpus.config.window_minutes))
    try:
        later = sidebar_at(pages[0])
    finally:
        site.clock.set(corpus.config.end)
    assert later != lists[0]


def test_the_site_grows_and_articles_get_revised_as_its_clock_moves(corpus):
    clock = SiteClock(corpus.config.end - timedelta(days=60))
    server, base = start_in_thread(SampleSite(corpus, clock))
    try:
        future = corpus.newest_first(corpus.config.end)[0]
        assert get(base + quote(corpus.path(future)))[0] == 404
        revised = next(corpus.article(i) for i in corpus.newest_first(clock.now()) if corpus.article(i).revised)
        clock.set(revised.updated - timedelta(minutes=1))
        before = parse_page(get(base + quote(revised.path))[2], base, clock.now()).article
        clock.set(revised.updated + timedelta(minutes=1))
        after = parse_page(get(base + quote(revised.path))[2], base, clock.now()).article
        assert before.updated is None and after.updated is not None
        assert (before.headline, before.body) == (revised.original.headline, revised.original.body)
        assert (after.headline, after.body) == (revised.revised.headline, revised.revised.body)
        clock.set(corpus.config.end)
        assert get(base + quote(corpus.path(future)))[0] == 200
    finally:
        server.shutdown()


def test_faults_fail_a_url_at_most_twice_then_it_answers(corpus):
    site = SampleSite(corpus, SiteClock(corpus.config.end), faults=Faults(error_rate=1.0, retry_after=3))
    server, base = start_in_thread(site)
    try:
        path = quote(corpus.path(corpus.newest_first(corpus.config.end)[0]))
        answers = [get(base + path) for _ in range(3)]
    finally:
        server.shutdown()
    statuses = [status for status, _, _ in answers]
    assert statuses[0] in (500, 503, 429) and statuses[-1] == 200
    for status, headers, _ in answers:
        if status in (503, 429):
            assert headers["Retry-After"] == "3"


def test_an_anti_bot_challenge_answers_403_then_lets_through(corpus):
    site = SampleSite(corpus, SiteClock(corpus.config.end), faults=Faults(challenge_rate=1.0))
    server, base = start_in_thread(site)
    try:
        path = quote(corpus.path(corpus.newest_first(corpus.config.end)[3]))
        statuses = [get(base + path)[0] for _ in range(3)]
    finally:
        server.shutdown()
    assert statuses[0] == 403 and statuses[-1] == 200


def test_dropped_connections_and_slow_answers(corpus):
    site = SampleSite(
        corpus, SiteClock(corpus.config.end), faults=Faults(drop_rate=1.0, slow_rate=1.0, slow_seconds=0.3)
    )
    server, base = start_in_thread(site)
    port = server.server_address[1]
    path = quote(corpus.path(corpus.newest_first(corpus.config.end)[1]))
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, socket.error)):
            connection.request("GET", path)
            connection.getresponse()
        for _ in range(2):
            status, _, _ = get(base + path)
        assert status == 200
        other = quote(corpus.path(corpus.newest_first(corpus.config.end)[2]))
        site.faults.drop_rate = 0.0
        started = time.monotonic()
        assert get(base + other)[0] == 200
        assert time.monotonic() - started >= 0.3
    finally:
        server.shutdown()
    assert any(entry["status"] == 0 for entry in site.requests)


def test_the_request_log_records_every_request(site):
    before = len(site.requests)
    get(site.base + "/robots.txt", {"User-Agent": "log-check"})
    assert site.requests[before:] and site.requests[-1]["agent"] == "log-check"
    assert site.requests[-1]["path"] == "/robots.txt" and site.requests[-1]["status"] == 200


def test_same_seed_same_site_other_seed_other_site(corpus):
    again = Corpus(SiteConfig(seed=1, count=corpus.config.count))
    other = Corpus(SiteConfig(seed=2, count=corpus.config.count))
    end = corpus.config.end
    for i in (0, 150, 399):
        assert render_article(again, again.article(i), end) == render_article(corpus, corpus.article(i), end)
    assert [other.article(i).original.headline for i in range(20)] != [
        corpus.article(i).original.headline for i in range(20)
    ]


@pytest.mark.parametrize("edition", ["en", "km"])
def test_a_static_copy_answers_like_the_live_site(tmp_path, edition):
    small = Corpus(SiteConfig(seed=3, count=60, edition=edition))
    end = small.config.end
    assert write_static(small, end, tmp_path) == len(small.newest_first(end))
    static_server, static_base = start_in_thread(StaticSite(tmp_path))
    live_server, live_base = start_in_thread(SampleSite(small, SiteClock(end)))
    try:
        for i in small.newest_first(end)[:10]:
            path = quote(small.path(i))
            assert get(static_base + path)[2] == get(live_base + path)[2]
        first = quote(small.path(small.newest_first(end)[-1]))
        late = next((small.path(i) for i in small.newest_first(end) if small.path(i).endswith("/")), "/")
        nid = small.article(small.newest_first(end)[0]).nid
        section = quote(small.edition.sections[0].slug)
        term = small.edition.sections[1].term
        for target in (
            "/sitemap.xml",
            "/sitemap.xml?page=1",
            f"/{section}?page=0",
            f"/{section}",
            f"/{section}?page=00",
            f"/{section}?page=0&x=1",
            "/rss",
            "/rss.xml",
            f"/rss/{quote(small.edition.sections[1].slug)}.xml",
            f"/taxonomy/term/{term}/all/feed",
            "/robots.txt",
            first.lower(),
            quote(late.rstrip("/")),
            f"/node/{nid}",
            "/images/stories/a.jpg",
        ):
            static_answer, live_answer = get(static_base + target), get(live_base + target)
            assert static_answer[0] == live_answer[0] and static_answer[2] == live_answer[2], target
        path = quote(small.path(small.newest_first(end)[0]))
        etag = get(static_base + path)[1]["ETag"]
        assert etag == get(live_base + path)[1]["ETag"]
        assert get(static_base + path, {"If-None-Match": etag})[0] == 304
    finally:
        static_server.shutdown()
        live_server.shutdown()


# The peak is the process's own (VmHWM): getrusage's ru_maxrss would carry the test runner's
# size over from before the exec.
BIG_SITE = """
import re
from pathlib import Path
from samplesite.corpus import Corpus, SiteConfig
from samplesite.render import render_article
big = Corpus(SiteConfig(seed=1, count=100_000))
for i in big.newest_first(big.config.end)[::97]:
    render_article(big, big.article(i), big.config.end)
peak = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(len(big.order), big.article.cache_info().currsize, peak)
"""


def test_a_site_of_100000_articles_is_served_without_holding_them_all(repo_root):
    result = subprocess.run([sys.executable, "-c", BIG_SITE], cwd=repo_root, capture_output=True, text=True, check=True)
    articles, cached, peak_kib = map(int, result.stdout.split())
    assert articles == 100_007
    assert cached <= 4096
    assert peak_kib < 400 * 1024


def test_a_sidebar_stays_the_same_all_window_even_when_an_article_in_it_is_edited(corpus):
    moment = next(
        a.updated
        for a in map(corpus.article, corpus.order)
        if a.revised and a.id in corpus.most_viewed(a.updated) and corpus.window(a.updated)[0] < a.updated
    )
    start, end = corpus.window(moment)
    clock = SiteClock(start)
    server, base = start_in_thread(SampleSite(corpus, clock))
    page = quote(corpus.path(corpus.newest_first(start)[0]))
    try:
        seen = []
        for when in (start, end - timedelta(minutes=1)):
            clock.set(when)
            seen.append(parse_page(get(base + page)[2], base + page, when).most_viewed)
    finally:
        server.shutdown()
    truth = corpus.most_viewed_truth(moment)["entries"]
    for snapshot in seen:
        assert [(e.rank, e.url, e.title, e.teaser) for e in snapshot.entries] == [
            (e["rank"], e["url"], e["title"], e["teaser"]) for e in truth
        ]


@pytest.mark.parametrize(
    "form, mark",
    [("bytes:nul", rb"\x00"), ("bytes:crlf", rb"\r\n"), ("bytes:cache-comment", rb"</html>\s*<!-- Page cached")],
)
def test_pages_from_the_cache_hold_its_byte_level_noise(site, corpus, form, mark):
    articles = [corpus.article(i) for i in corpus.newest_first(site.clock.now())]
    noisy = [a for a in articles if form in article_variants(corpus, a)]
    quiet = [a for a in articles if a.era == "drupal" and not article_variants(corpus, a) & {form}]
    for article in noisy[:5]:
        assert re.search(mark, get(site.base + quote(article.path))[2]), article.path
    for article in quiet[:5]:
        assert not re.search(mark, get(site.base + quote(article.path))[2]), article.path


def test_a_listing_address_with_the_pagers_stray_key_answers_as_without_it(site, corpus):
    body = get(site.base + "/kr-tribunal?page=0&ihojjsriotdxbjcc=")[2]
    assert body == get(site.base + "/kr-tribunal?page=0")[2]
