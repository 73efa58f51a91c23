"""A second paper of another make: the replica's WordPress paper (The Cambodia Daily's shape)
crawled as a user crawls it, with its site module (`--site english.cambodiadaily.com`) and
without (`--site generic:english.cambodiadaily.com`: the generic extractor, and discovery from
robots.txt, sitemaps, feeds and the home page), each checked against its ground truth; then
both papers in one archive, searched, cited and described together."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from archive.store import Store
from samplesite.corpus import Corpus, SiteConfig
from tests.conftest import written_truth
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve
from tests.scoring import token_f1
from web import create_app

DAILY = "english.cambodiadaily.com"
POST = "phnompenhpost.com"
DAILY_ARTICLES = 150
EXACT_FIELDS = ["headline", "authors", "published", "updated", "section", "tags", "images", "language", "site"]


def records(data: Path) -> dict[str, dict]:
    with Store(data / "archive.sqlite3") as store:
        return {record["url"]: record for record in store.current_records()}


@pytest.fixture(scope="module")
def daily_corpus() -> Corpus:
    return Corpus(SiteConfig(seed=3, count=DAILY_ARTICLES, edition="cd"))


@pytest.fixture(scope="module")
def daily_truth(daily_corpus, tmp_path_factory) -> dict[str, dict]:
    return written_truth(daily_corpus, tmp_path_factory.mktemp("daily-truth"))


def crawled(corpus: Corpus, data: Path, site_name: str):
    site, server, base = serve(corpus)
    try:
        crawl(base, data, *FAST, "--site", site_name)
    finally:
        server.shutdown()
    return site


@pytest.fixture(scope="module")
def with_module(daily_corpus, tmp_path_factory):
    data = tmp_path_factory.mktemp("daily") / "data"
    return crawled(daily_corpus, data, DAILY), data


@pytest.fixture(scope="module")
def without_module(daily_corpus, tmp_path_factory):
    data = tmp_path_factory.mktemp("daily-generic") / "data"
    return crawled(daily_corpus, data, f"generic:{DAILY}"), data


def fetched_paths(site) -> Counter:
    return Counter(unquote(urlsplit(r["path"]).path) for r in site.requests if r["status"] == 200)


def test_with_its_module_every_article_is_fetched_once_and_read_right(with_module, daily_corpus, daily_truth):
    site, data = with_module
    articles = Counter(path for path in fetched_paths(site).elements() if path in daily_corpus.paths)
    assert set(articles) == {daily_corpus.path(i) for i in daily_corpus.newest_first(daily_corpus.config.end)}
    assert max(articles.values()) == 1, "no article page fetched twice"
    stored = records(data)
    assert set(stored) == set(daily_truth)
    for field in EXACT_FIELDS:
        wrong = [url for url in daily_truth if stored[url][field] != daily_truth[url][field]]
        assert len(wrong) <= 0.01 * len(daily_truth), (field, wrong[:3])
    scores = [token_f1(stored[url]["body"], daily_truth[url]["body"]) for url in daily_truth]
    assert sum(scores) / len(scores) >= 0.99
    assert {(r["era"], r["provisional"]) for r in stored.values()} == {("wordpress", False)}


def test_its_most_read_box_is_a_snapshot_of_its_own(with_module, daily_corpus):
    _, data = with_module
    with Store(data / "archive.sqlite3") as store:
        snapshots = store.snapshot_lists()
    expected = daily_corpus.most_viewed_truth(daily_corpus.config.end)
    assert len(snapshots) == 1, "one list, seen on every page of its window"
    assert snapshots[0]["site"] == DAILY
    shown = [(e["rank"], e["url"], e["title"], e["teaser"]) for e in snapshots[0]["entries"]]
    assert shown == [(e["rank"], e["url"], e["title"], e["teaser"]) for e in expected["entries"]]


def test_without_its_module_the_generic_extractor_finds_and_reads_it(without_module, daily_corpus, daily_truth):
    site, data = without_module
    fetched = fetched_paths(site)
    # found from what robots.txt, the home page and the sitemaps name, not from its listings
    assert {"/robots.txt", "/wp-sitemap.xml", "/news-sitemap.xml", "/feed/"} <= set(fetched)
    assert not [path for path in fetched if path.startswith("/category/")]
    stored = records(data)
    assert set(stored) == set(daily_truth)
    scores = [token_f1(stored[url]["body"], daily_truth[url]["body"]) for url in daily_truth]
    assert sum(scores) / len(scores) >= 0.95
    dated = [url for url in daily_truth if stored[url]["published"] == daily_truth[url]["published"]]
    assert len(dated) >= 0.95 * len(daily_truth)
    assert all(r["provisional"] and r["era"] == "generic" and r["site"] == DAILY for r in stored.values())
    assert all(r["warnings"] and r["warnings"][0].startswith("provisional:") for r in stored.values())
    with Store(data / "archive.sqlite3") as store:  # its "Most Read" box, found by its heading
        (snapshot,) = store.snapshot_lists()
    expected = daily_corpus.most_viewed_truth(daily_corpus.config.end)["entries"]
    assert [(e["rank"], e["url"]) for e in snapshot["entries"]] == [(e["rank"], e["url"]) for e in expected]


def test_reparse_reads_each_run_as_it_was_read(with_module, without_module):
    """`reparse` reads a run of the module with the module and a run without it without it:
    no record changes, none becomes of the other kind."""
    for _, data in (with_module, without_module):
        before = records(data)
        result = subprocess.run(
            [NEWSARCHIVE, "reparse", "--data-dir", str(data)], capture_output=True, text=True, timeout=600
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert records(data) == before


# -- both papers in one archive ---------------------------------------------------------------


@pytest.fixture(scope="module")
def two_papers(daily_corpus, daily_truth, tmp_path_factory):
    """The Post's replica and the WordPress paper crawled into one archive, and indexed."""
    folder = tmp_path_factory.mktemp("two-papers")
    post_corpus = Corpus(SiteConfig(seed=5, count=80))
    crawled(post_corpus, folder / "data", POST)
    crawled(daily_corpus, folder / "data", DAILY)
    result = subprocess.run(
        [NEWSARCHIVE, "index", "--data-dir", str(folder / "data"), "--index-dir", str(folder / "index")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    truth = written_truth(post_corpus, folder / "post-truth") | daily_truth
    return folder, truth


@pytest.fixture(scope="module")
def two_client(two_papers):
    folder, _ = two_papers
    return create_app(folder / "index", folder / "data").test_client()


def facet(answer: dict, name: str) -> dict[str, int]:
    return {value: count for value, count in answer["facets"][name]}


def test_both_papers_are_searched_together_with_facets_that_count_both_truths(two_papers, two_client):
    _, truth = two_papers
    everything = two_client.get("/search.json").get_json()
    assert everything["total"] == len(truth)
    assert facet(everything, "site") == Counter(record["site"] for record in truth.values())
    for paper in (POST, DAILY):
        mine = two_client.get(f"/search.json?site={paper}").get_json()
        assert mine["total"] == sum(r["site"] == paper for r in truth.values())
        assert facet(mine, "section") == Counter(r["section"] for r in truth.values() if r["site"] == paper)


def test_the_command_line_counts_each_paper_as_its_truth_does(two_papers):
    folder, truth = two_papers
    for paper in (POST, DAILY):
        result = subprocess.run(
            [
                *(NEWSARCHIVE, "search", "--json", "--facet", f"site={paper}"),
                *("--data-dir", str(folder / "data"), "--index-dir", str(folder / "index")),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        answer = json.loads(result.stdout)
        assert answer["total"] == sum(r["site"] == paper for r in truth.values())
        assert facet(answer, "site") == {paper: answer["total"]}


def test_each_paper_is_cited_under_its_own_name(two_papers, two_client):
    _, truth = two_papers
    for paper, name in ((POST, "The Phnom Penh Post"), (DAILY, "The Cambodia Daily")):
        url = next(u for u, r in sorted(truth.items()) if r["site"] == paper)
        cited = two_client.get(f"/article/cite.json?url={quote(url)}").get_json()
        assert cited[0]["container-title"] == name


def test_the_about_page_describes_each_paper(two_papers, two_client):
    _, truth = two_papers
    about = two_client.get("/about.json").get_json()
    papers = {paper["site"]: paper for paper in about["papers"]}
    assert set(papers) == {POST, DAILY}
    for site, paper in papers.items():
        mine = [r for r in truth.values() if r["site"] == site]
        assert paper["articles"] == len(mine)
        assert paper["sections"] == dict(Counter(r["section"] for r in mine))
        assert paper["snapshots"] >= 1
    assert papers[DAILY]["name"] == "The Cambodia Daily"
    assert DAILY in two_client.get("/about").get_data(as_text=True)


def test_each_paper_has_its_own_most_viewed_list(two_papers, two_client, daily_corpus):
    expected = [e["url"] for e in daily_corpus.most_viewed_truth(daily_corpus.config.end)["entries"]]
    shown = two_client.get(f"/most-viewed.json?site={DAILY}").get_json()
    assert shown["snapshot"]["site"] == DAILY
    assert [e["url"] for e in shown["snapshot"]["entries"]] == expected
    post = two_client.get(f"/most-viewed.json?site={POST}").get_json()
    assert post["snapshot"]["site"] == POST
    assert {s["site"] for s in shown["papers"]} == {POST, DAILY}
    board = two_client.get(f"/most-viewed/leaderboard.json?site={DAILY}").get_json()
    assert board["articles"] and {a["url"] for a in board["articles"]} <= set(expected)


def test_a_bundle_of_both_papers_installs_with_both_papers_figures(two_papers, tmp_path):
    folder, truth = two_papers
    here = ("--data-dir", str(folder / "data"), "--index-dir", str(folder / "index"))
    there = ("--data-dir", str(tmp_path / "data"), "--index-dir", str(tmp_path / "ix"))
    bundle = tmp_path / "two.tar.gz"
    for command in (
        ["export", "bundle", str(bundle), *here],
        ["import", "bundle", str(bundle), *there],
        ["export", "articles", "--output", str(tmp_path / "all.jsonl"), *there],
    ):
        result = subprocess.run([NEWSARCHIVE, *command], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, (command, result.stderr[-2000:])
    exported = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines()]
    assert Counter(r["site"] for r in exported) == Counter(r["site"] for r in truth.values())
    installed = create_app(tmp_path / "ix", tmp_path / "data").test_client()
    assert installed.get("/about.json").get_json()["papers"] == two_client_about(folder)


def two_client_about(folder: Path) -> list[dict]:
    return create_app(folder / "index", folder / "data").test_client().get("/about.json").get_json()["papers"]


@pytest.fixture(scope="module")
def two_server(two_papers):
    from tests.browsing import serving

    folder, _ = two_papers
    yield from serving(folder)


@pytest.fixture(scope="module")
def browser():
    from tests.browsing import launched

    yield from launched()


def test_a_reader_moves_from_one_paper_s_list_to_the_other_s_in_a_browser(browser, two_server, daily_corpus):
    """The chooser on the Most viewed page leads to the other paper's list, and the pages
    with it pass axe-core like every other page."""
    from tests.test_pages_in_browser import opened, serious_violations

    page = opened(browser, two_server, f"/most-viewed?site={POST}", 1280)
    assert "The Phnom Penh Post" in page.locator("h1").inner_text()
    page.get_by_role("navigation", name="Papers").get_by_role("link", name="The Cambodia Daily").click()
    page.wait_for_url("**site=english.cambodiadaily.com**")
    shown = page.locator("ol.most-viewed > li > a").all_inner_texts()
    expected = daily_corpus.most_viewed_truth(daily_corpus.config.end)["entries"]
    assert shown == [entry["title"] for entry in expected]
    assert not serious_violations(page)
    for path in ("/about", f"/most-viewed/leaderboard?site={DAILY}"):
        other = opened(browser, two_server, path, 390)
        assert not serious_violations(other), path
        assert other.evaluate("document.documentElement.scrollWidth") <= 390, path
