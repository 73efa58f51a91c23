"""The index and the search service, on an index built from a crawl of the sample site and
checked against counts computed from the site's ground truth."""

from __future__ import annotations

import re
import subprocess
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from archive.store import Store
from samplesite.corpus import Corpus, SiteConfig
from search import indexer, service
from search.indexer import current_generation, lock_writer, rebuild, update
from search.postings import POSITION_BITS, field_lengths, read_postings
from search.service import QueryError, SearchRequest, SearchService
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve


@pytest.fixture(scope="module")
def archive(indexed_archive):
    return indexed_archive


@pytest.fixture(scope="module")
def search(archive):
    return SearchService(archive / "index")


def run(search_service: SearchService, text: str = "", **kwargs) -> service.SearchResult:
    return search_service.search(SearchRequest(query=text, **kwargs))


def urls(search_service: SearchService, text: str, **kwargs) -> set[str]:
    return {hit.url for hit in search_service.harvest(SearchRequest(query=text, **kwargs))}


def by_matchers(search_service: SearchService, monkeypatch, text: str, **kwargs) -> service.SearchResult:
    """The result as Whoosh's own matchers give it, every query taking the general path."""
    with monkeypatch.context() as patched:
        patched.setattr(service, "array_query", lambda parsed, searcher: None)
        return run(search_service, text, **kwargs)


def test_everything_with_exact_facet_counts(search, truth):
    result = run(search, histogram="year")
    records = list(truth.values())
    assert result.total == len(records)
    assert dict(result.facets["section"]) == Counter(r["section"] for r in records)
    assert dict(result.facets["author"]) == Counter(a for r in records for a in r["authors"])
    assert dict(result.facets["tag"]) == Counter(t for r in records for t in r["tags"])
    assert dict(result.facets["language"]) == Counter(r["language"] for r in records)
    years = Counter(r["published"][:4] for r in records)
    assert dict(result.facets["year"]) == years
    assert result.histogram == [(year, count, count) for year, count in sorted(years.items())]


def test_months_are_a_facet_within_one_year(search, truth):
    result = run(search, filters={"year": ["2016"]})
    months = Counter(r["published"][:7] for r in truth.values() if r["published"].startswith("2016"))
    assert dict(result.facets["month"]) == months and result.total == sum(months.values())
    assert run(search).facets["month"] == []


def test_popularity_from_the_most_viewed_snapshots(search, corpus):
    entries = corpus.most_viewed_truth(corpus.config.end)["entries"]
    result = run(search)
    bands = dict(result.facets["popularity"])
    assert bands["top3"] == 3 and bands["top10"] == len(entries) - 3
    assert bands["never"] == result.total - len(entries)
    top = run(search, sort="most-viewed", page_size=len(entries))
    assert [hit.url for hit in top.hits] == [e["url"] for e in entries]
    assert [hit.best_rank for hit in top.hits] == [e["rank"] for e in entries]


@pytest.mark.parametrize(
    "query, expected",
    [
        ('author:"Meas Sokchea"', lambda r: "Meas Sokchea" in r["authors"]),
        ("section:national", lambda r: r["section"] == "national"),
        ('tag:"Hun Sen"', lambda r: "Hun Sen" in r["tags"]),
        ("published:[2016-01-01 TO 2016-12-31]", lambda r: r["published"][:4] == "2016"),
        ("published:[2025-06-01 TO]", lambda r: r["published"][:10] >= "2025-06-01"),
        ("published:[TO 2009-01-31]", lambda r: r["published"][:10] <= "2009-01-31"),
        ("section:national OR section:business", lambda r: r["section"] in ("national", "business")),
        ('section:national NOT tag:"Hun Sen"', lambda r: r["section"] == "national" and "Hun Sen" not in r["tags"]),
        ('headline:"rice exports"', lambda r: re.search(r"\brice exports\b", (r["headline"] or "").lower())),
        ("year:2013 language:en", lambda r: r["published"][:4] == "2013" and r["language"] == "en"),
    ],
)
def test_query_forms_find_exactly_what_the_truth_says(search, truth, query, expected):
    assert urls(search, query) == {url for url, record in truth.items() if expected(record)}


def test_all_words_must_match_and_stems_match(search, truth):
    found = urls(search, "garment inspections")
    assert found
    for url in found:
        record = truth[url]
        captions = [image["caption"] or "" for image in record["images"]]
        text = " ".join(
            [
                record["headline"] or "",
                record["standfirst"] or "",
                *record["body"],
                *captions,
                *record["authors"],
                *record["tags"],
            ]
        ).lower()
        assert "garment" in text and "inspect" in text, "stems: inspections, inspect"
    assert urls(search, "defamation") >= {url for url in truth if "defamation" in " ".join(truth[url]["body"])}


def test_wildcards_expand_and_are_bounded(search, monkeypatch):
    assert "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes" in urls(
        search, "defam*"
    )
    monkeypatch.setattr(service, "MAX_WILDCARD_TERMS", 3)
    with pytest.raises(QueryError, match=r'wildcard "c\*" stands for more than 3 words'):
        run(search, "c*")


def test_facet_filters_widen_within_and_narrow_across(search, truth):
    both = run(search, filters={"section": ["national", "business"]})
    assert both.total == sum(r["section"] in ("national", "business") for r in truth.values())
    narrowed = run(search, filters={"section": ["national", "business"], "year": ["2018"]})
    assert narrowed.total == sum(
        r["section"] in ("national", "business") and r["published"][:4] == "2018" for r in truth.values()
    )
    excluded = run(search, filters={"section": ["national"]}, excludes={"tag": ["Hun Sen"]})
    assert excluded.total == sum(r["section"] == "national" and "Hun Sen" not in r["tags"] for r in truth.values())


def test_sorts_are_ordered_and_pages_never_repeat_or_skip(search):
    newest = [h.published for h in run(search, sort="newest", page_size=50).hits]
    assert newest == sorted(newest, reverse=True)
    oldest = [h.published for h in run(search, sort="oldest", page_size=50).hits]
    assert oldest == sorted(oldest)
    for sort in ("relevance", "newest", "most-viewed"):
        total = run(search, "province", sort=sort).total
        seen = []
        for page in range(1, -(-total // 7) + 1):
            seen += [h.url for h in run(search, "province", sort=sort, page=page, page_size=7).hits]
        assert len(seen) == len(set(seen)) == total


def test_the_cursor_walks_every_hit_once(search):
    result = run(search, "officials", page_size=13)
    walked, request = [], SearchRequest(query="officials", page_size=13)
    while True:
        page = search.search(request)
        walked += [h.url for h in page.hits]
        if not page.next_cursor:
            break
        request.cursor = page.next_cursor
    assert len(walked) == len(set(walked)) == result.total
    with pytest.raises(QueryError, match="another query"):
        search.search(SearchRequest(query="rice", cursor=result.next_cursor))


def test_snippets_mark_the_words_and_escape_the_archived_text(search):
    hit = run(search, "hacked").hits[0]
    assert "&lt;script&gt;" in hit.snippet and "<script>" not in hit.snippet
    assert '<mark class="match' in hit.snippet
    with_rice = [hit for hit in run(search, "rice", page_size=20).hits if re.search(r"\brice\b", hit.headline.lower())]
    assert with_rice and all('<mark class="match' in hit.headline_html for hit in with_rice)


def test_did_you_mean_and_more_like_this(search):
    assert run(search, "facebok").did_you_mean == "facebook"
    seed = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"
    similar = search.more_like_this(seed)
    assert similar and seed not in {hit.url for hit in similar}


@pytest.mark.parametrize(
    "text, message",
    [
        ('"unbalanced', "unbalanced quotation mark"),
        ("(open", "opens a bracket"),
        ("close)", "closes a bracket"),
        ("published:[2016-01-01 TO", "opens a bracket"),
        ("colour:red", "There is no field colour:"),
        ("rice " * 2500, "the limit is 1,000"),
    ],
)
def test_bad_queries_get_one_sentence(search, text, message):
    with pytest.raises(QueryError, match=re.escape(message)):
        run(search, text)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sort": "random"}, "is not one of"),
        ({"page_size": 5000}, "A page holds"),
        ({"page": 0}, "numbered from 1"),
        ({"filters": {"colour": ["red"]}}, "There is no facet"),
        ({"histogram": "day"}, "A histogram is by"),
    ],
)
def test_bad_parameters_get_one_sentence(search, kwargs, message):
    with pytest.raises(QueryError, match=message):
        run(search, **kwargs)


def test_the_command_line_prints_results_and_refuses_bad_queries(archive):
    result = subprocess.run(
        [NEWSARCHIVE, "search", "defamation", "--index-dir", str(archive / "index")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and "Rainsy faces [defamation] charge" in result.stdout
    bad = subprocess.run(
        [NEWSARCHIVE, "search", "a OR (b", "--index-dir", str(archive / "index")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "bracket" in bad.stderr and "Traceback" not in bad.stderr


def test_incremental_update_after_a_second_crawl_and_live_refresh(tmp_path):
    corpus = Corpus(SiteConfig(seed=9, count=150))
    earlier = corpus.config.end - timedelta(days=200)
    site, server, base = serve(corpus, earlier)
    data, root = tmp_path / "data", tmp_path / "index"
    try:
        crawl(base, data, *FAST)
        subprocess.run(
            [NEWSARCHIVE, "index", "--data-dir", str(data), "--index-dir", str(root)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        live = SearchService(root)
        before = run(live).total
        site.clock.set(corpus.config.end)
        crawl(base, data, *FAST)
    finally:
        server.shutdown()
    new = [corpus.article(i) for i in corpus.newest_first(corpus.config.end) if not corpus.visible(i, earlier)]
    errors: list[Exception] = []

    def keep_searching() -> None:
        try:
            for _ in range(40):
                run(live, "officials")
        except Exception as error:
            errors.append(error)

    searching = threading.Thread(target=keep_searching)
    searching.start()
    with Store(data / "archive.sqlite3") as store:
        report = update(store, root)
    searching.join()
    assert not errors
    assert report.documents == before + len(new)
    assert len(new) <= report.indexed <= len(new) + 10, "only new articles and the new sidebar's entries"
    assert run(live).total == before + len(new), "a running service sees the commit without a restart"
    searcher = live.searcher()
    assert run(live, "officials").total == live.matches(live.parse("officials", searcher), searcher).bit_count(), (
        "a word read before the commit counts the new and changed articles too"
    )
    assert run(live, f'headline:"{new[0].original.headline}"').total >= 1


def test_a_second_writer_is_refused_with_one_sentence(archive):
    writer = lock_writer(archive / "index")
    try:
        result = subprocess.run(
            [NEWSARCHIVE, "index", "--data-dir", str(archive / "data"), "--index-dir", str(archive / "index")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        writer.cancel()
    assert result.returncode == 2
    assert "Another indexer is writing" in result.stderr and "Traceback" not in result.stderr


def test_a_failed_rebuild_leaves_the_previous_index_serving(archive, monkeypatch, search):
    before = current_generation(archive / "index")
    total = run(search).total

    def broken(store):
        yield from []
        raise OSError("disk full")

    monkeypatch.setattr(indexer, "all_documents", broken)
    with Store(archive / "data" / "archive.sqlite3") as store, pytest.raises(OSError):
        rebuild(store, archive / "index", procs=1)
    assert current_generation(archive / "index") == before
    assert run(search).total == total
    assert sorted(p.name for p in (archive / "index").glob("gen-*")) == [before.name]


def test_khmer_text_is_indexed_and_found(khmer_archive, khmer_truth):
    """The Khmer edition, an archive of its own: every article under its language and site,
    each found by its headline."""
    khmer_search = SearchService(khmer_archive / "index")
    assert run(khmer_search, filters={"language": ["km"]}).total == len(khmer_truth)
    assert run(khmer_search, filters={"site": ["postkhmer.com"]}).total == len(khmer_truth)
    for record in list(khmer_truth.values())[:5]:
        assert record["url"] in urls(khmer_search, f'headline:"{record["headline"]}"')


def test_index_dates_use_the_site_zone(search, truth):
    late = [r for r in truth.values() if r["published"][11:13] in ("00", "01", "02", "03", "04", "05", "06")]
    sample = late[0]
    day = date.fromisoformat(sample["published"][:10])
    assert sample["url"] in urls(search, f"published:[{day} TO {day}]")


# The body ends "National Assembly", a caption begins "Members", and the headline ends "deal"
# before its next copy begins "Kem Sokha": no phrase may join two parts of the text field.
ACROSS_PARTS = {
    "url": "u",
    "site": "s",
    "era": "drupal",
    "headline": "Kem Sokha launches national deal",
    "body": ["It awaits approval from the National Assembly."],
    "images": [{"caption": "Members of the National Assembly meet.", "credit": None}],
    "published": "2020-01-01T00:00:00+07:00",
}


def test_a_phrase_does_not_match_across_the_parts_of_an_article(tmp_path):
    from whoosh import index as whoosh_index

    from search.documents import to_document
    from search.schema import build_schema

    ix = whoosh_index.create_in(str(tmp_path), build_schema())
    writer = ix.writer()
    writer.add_document(**to_document(ACROSS_PARTS, None))
    writer.commit()
    parser = service.qparser.QueryParser("text", ix.schema)
    with ix.searcher() as searcher:
        assert len(searcher.search(parser.parse('"national assembly"'))) == 1
        assert len(searcher.search(parser.parse('"national assembly member"'))) == 0, "body end + caption start"
        assert len(searcher.search(parser.parse('"deal kem sokha"'))) == 0, "one headline copy + the next"


def test_postings_read_as_arrays_are_whooshs_postings(search):
    searcher = search.searcher()
    for term in (b"offici", b"rice", b"nation", b"assembl", b"defam"):
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            arrays = read_postings(reader, "text", term, positions=True)
            docs, weights, keys = [], [], []
            if ("text", term) in reader:
                matcher = reader.postings("text", term)
                while matcher.is_active():
                    docs.append(matcher.id())
                    weights.append(matcher.weight())
                    keys += [(matcher.id() << POSITION_BITS) | p for p in matcher.value_as("positions")]
                    matcher.next()
            assert (arrays.docs.tolist(), arrays.weights.tolist(), arrays.keys.tolist()) == (docs, weights, keys)
    for sub, _ in searcher.leaf_searchers():
        lengths = field_lengths(sub.reader(), "text")
        assert lengths.tolist() == [sub.doc_field_length(d, "text", 1) for d in range(sub.doc_count_all())]


def test_threads_asking_for_the_same_words_at_once_get_the_same_answer(archive, search):
    expected = run(search, '"prime minister" officials').total
    fresh = SearchService(archive / "index")
    totals: list[int] = []
    threads = [
        threading.Thread(target=lambda: totals.append(run(fresh, '"prime minister" officials').total)) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert totals == [expected] * 6


@pytest.mark.parametrize(
    "text, kwargs",
    [
        ("officials", {}),
        ("garment inspections", {}),
        ('"national assembly"', {}),
        ('"prime minister" hun sen', {"page": 2, "page_size": 7}),
        ('"said the" government', {}),
        ("officials", {"filters": {"section": ["national", "business"], "year": ["2018"]}}),
        ("officials", {"filters": {"year": ["2016"]}, "excludes": {"tag": ["Hun Sen"]}}),
        ('"no such phrase anywhere"', {}),
        ("published:[2016-01-01 TO 2016-12-31]", {}),
        ("published:[2016-01-01 TO]", {"page": 2, "page_size": 7}),
        ("published:{2014-01-01 TO 2018-12-31}", {"filters": {"section": ["national"]}}),
        ("officials published:[TO 2019-06-30]", {}),
        ('"prime minister" published:[2012 TO 2020]', {"excludes": {"tag": ["Hun Sen"]}}),
        ("published:[2016-01-01 TO 2016-12-31] published:[2016-06-01 TO 2017-12-31]", {}),
        ("officials", {"sort": "newest"}),
        ('"prime minister"', {"sort": "oldest", "page": 2, "page_size": 7}),
        ("garment published:[2014 TO 2020]", {"sort": "most-viewed", "filters": {"section": ["national"]}}),
        ("published:[TO 2015-12-31]", {"sort": "newest", "excludes": {"tag": ["Hun Sen"]}}),
        ("", {}),
        ("", {"sort": "oldest", "filters": {"year": ["2016"]}}),
        ("officials OR inspections", {}),
        ('"national assembly" OR garment', {"sort": "most-viewed"}),
        ("officials NOT garment", {"page": 2, "page_size": 7}),
        ("NOT (officials OR garment)", {}),
        ("(officials OR garment) NOT published:[2016 TO 2018]", {"filters": {"section": ["national"]}}),
        ("inspect*", {}),
        ("g*", {"sort": "newest"}),
        ("gov*ment officials", {}),
        ('author:"meas sokchea"', {}),
        ("author:MEAS*", {"sort": "newest"}),
        ("section:national officials", {"page": 2, "page_size": 7}),
        ('tag:"hun sen" OR year:2016', {}),
        ("headline:election", {}),
        ('headline:"national assembly" OR headline:elect*', {"sort": "oldest"}),
        ("officials NOT section:business NOT year:2018", {}),
        ("year:2016 published:[2016-06-01 TO]", {"filters": {"section": ["national"]}}),
    ],
)
def test_the_arrays_find_rank_and_count_as_whooshs_matchers(search, monkeypatch, text, kwargs):
    with search.pinned() as searcher:
        assert service.array_query(search.parse(text, searcher), searcher) is not None, "the arrays answer it"
    arrays, matchers = run(search, text, **kwargs), by_matchers(search, monkeypatch, text, **kwargs)
    assert arrays.total == matchers.total
    assert arrays.facets == matchers.facets and arrays.histogram == matchers.histogram
    assert [hit.url for hit in arrays.hits] == [hit.url for hit in matchers.hits]
    assert [hit.snippet for hit in arrays.hits] == [hit.snippet for hit in matchers.hits]


def test_a_phrase_does_not_match_across_the_parts_of_an_article_in_the_service(tmp_path):
    from search.documents import to_document
    from search.schema import build_schema

    generation = tmp_path / "gen-00001"
    generation.mkdir()
    writer = service.index.create_in(str(generation), build_schema()).writer()
    writer.add_document(**to_document(ACROSS_PARTS, None))
    writer.commit()
    (tmp_path / "current").symlink_to(generation.name)
    search_service = SearchService(tmp_path)
    assert run(search_service, '"national assembly"').total == 1
    assert run(search_service, '"national assembly member"').total == 0, "body end + caption start"
    assert run(search_service, '"deal kem sokha"').total == 0, "one headline copy + the next"


def test_excluded_values_are_left_out_of_field_queries_too(search, truth):
    """Whoosh 2.7.4's AndNot let through the first document of a segment when the excluded
    term's first document came earlier; every exclusion of every tag's years is checked."""
    tags = Counter(t for r in truth.values() for t in r["tags"])
    for tag, _ in tags.most_common(6):
        years = {r["published"][:4] for r in truth.values() if tag in r["tags"]}
        for year in sorted(years):
            expected = {url for url, r in truth.items() if tag in r["tags"] and r["published"][:4] != year}
            assert urls(search, f'tag:"{tag}"', excludes={"year": [year]}) == expected, (tag, year)
            assert urls(search, f'tag:"{tag}" NOT year:{year}') == expected, (tag, year)


def test_plain_words_find_authors_and_tags(search, truth):
    """A name or a tag typed as plain words finds what the field query finds (and maybe more:
    the words may also stand in the text)."""
    authors = Counter(a for r in truth.values() for a in r["authors"])
    tags = Counter(t for r in truth.values() for t in r["tags"])
    for field, name in [("author", authors.most_common(1)[0][0]), ("tag", tags.most_common(1)[0][0])]:
        by_field = urls(search, f'{field}:"{name}"')
        assert by_field and urls(search, name) >= by_field, name
        assert urls(search, f'"{name}"') >= by_field, name


@pytest.mark.parametrize("field", ["author", "tag", "section", "language", "popularity", "site"])
def test_field_values_match_without_regard_to_case(search, truth, field):
    result = run(search)
    value = result.facets[field][0][0]
    exact = urls(search, f'{field}:"{value}"')
    assert exact
    for form in (value.lower(), value.upper(), value.title()):
        assert urls(search, f'{field}:"{form}"') == exact, form


def test_an_index_of_another_document_format_is_refused_by_search_and_rebuilt_on_update(archive, tmp_path):
    import json
    import shutil

    shutil.copytree(archive / "index", tmp_path / "index", symlinks=True)
    state_file = current_generation(tmp_path / "index") / indexer.STATE
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({key: value for key, value in state.items() if key != "format"}))
    with pytest.raises(
        QueryError,
        match="was built by another version of newsarchive, with other fields or other word analysis; run "
        "'newsarchive index' to rebuild it",
    ):
        SearchService(tmp_path / "index")
    with Store(archive / "data" / "archive.sqlite3") as store:
        assert update(store, tmp_path / "index").rebuilt
        assert not update(store, tmp_path / "index").rebuilt
    assert run(SearchService(tmp_path / "index")).total == run(SearchService(archive / "index")).total


def test_hits_that_tie_come_in_address_order(search):
    """Ties are broken by the article's address, not by where it happens to lie in the index,
    so the same archive gives the same order after any rebuild (most articles were never in
    the Most viewed list: one long tie under that sort)."""
    hits = search.harvest(SearchRequest(sort="most-viewed"))
    never = [hit.url for hit in hits if hit.best_rank is None and hit.hours_listed == 0]
    assert len(never) > 100
    assert never == sorted(never)
    assert [hit.url for hit in hits[-len(never) :]] == never


def test_bitmaps_made_by_an_older_searcher_never_answer_for_a_newer_one(archive, tmp_path):
    """A request whose searcher predates a commit may build facet bitmaps after the commit; they
    are cached under that searcher's own version, so the next request counts the new articles."""
    import shutil

    from archive.model import Article, ParsedPage

    shutil.copytree(archive / "data", tmp_path / "data")
    shutil.copytree(archive / "index", tmp_path / "index", symlinks=True)
    live = SearchService(tmp_path / "index")
    before = live.searcher()
    total = run(live, "officials").total
    with Store(tmp_path / "data" / "archive.sqlite3") as store:
        record = next(r for r in store.current_records() if "officials" in " ".join(r["body"]))
        added = Article.from_dict(record | {"url": record["url"] + "-copy"})
        store.ingest(ParsedPage(added, None), None, datetime.now(UTC), None)
        update(store, tmp_path / "index")
    live.facet_masks(before)  # the old searcher, after the commit
    assert run(live, "officials").total == total + 1
    assert (
        run(live, "officials", filters={"year": [record["published"][:4]]}).facets["year"][0][1]
        == run(live, f"officials year:{record['published'][:4]}").total
    )
    assert live.version(before) != live.version(live.searcher())


def test_an_undated_article_is_in_no_date_range_not_even_an_open_one():
    from search.array_queries import DateRange
    from search.schema import build_schema

    missing = build_schema()["published"].column_type._default
    values = np.array([missing, 10, 20, 30], dtype=np.uint64)
    assert DateRange(None, None, False, False).admits(values, missing).tolist() == [False, True, True, True]
    assert DateRange(None, 20, False, False).admits(values, missing).tolist() == [False, True, True, False]
    assert DateRange(10, None, True, False).admits(values, missing).tolist() == [False, False, True, True]
    assert DateRange(10, 30, False, True).admits(values, missing).tolist() == [False, True, True, False]


TIES = [  # (url, published, best rank, hours listed): ties of every sort key, and undated ones
    ("a", "2020-01-01T09:00:00+07:00", 1, 1.5),
    ("b", "2020-01-01T09:00:00+07:00", 1, 0.5),
    ("c", "2019-06-01T09:00:00+07:00", 2, 3.0),
    ("d", None, 1, 1.5),
    ("e", None, None, 0.0),
    ("f", "2021-03-01T09:00:00+07:00", None, 0.0),
]


@pytest.fixture(scope="module")
def ties(tmp_path_factory) -> SearchService:
    from search.documents import Popularity, to_document
    from search.schema import build_schema

    root = tmp_path_factory.mktemp("ties")
    generation = root / "gen-00001"
    generation.mkdir()
    writer = service.index.create_in(str(generation), build_schema()).writer()
    for url, published, rank, hours in reversed(TIES):
        record = ACROSS_PARTS | {"url": f"https://www.phnompenhpost.com/national/{url}", "published": published}
        seen = Popularity(rank, hours, "2021-01-01T00:00:00.000000Z", "2021-01-02T00:00:00.000000Z") if rank else None
        writer.add_document(**to_document(record, seen))
    writer.commit()
    (root / "current").symlink_to(generation.name)
    return SearchService(root)


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("newest", "fabcde"),  # undated last, simultaneous ones by address
        ("oldest", "cabfde"),
        ("most-viewed", "adbcef"),  # best rank, then hours listed (most first), then address
    ],
)
@pytest.mark.parametrize("text", ["assembly", '"national assembly"', "published:[TO]", "assembly published:[2019 TO]"])
def test_every_sort_key_and_tie_orders_as_whooshs_matchers(ties, monkeypatch, sort, expected, text):
    arrays, matchers = run(ties, text, sort=sort), by_matchers(ties, monkeypatch, text, sort=sort)
    order = [hit.url.rsplit("/", 1)[1] for hit in arrays.hits]
    assert order == [hit.url.rsplit("/", 1)[1] for hit in matchers.hits]
    dated = {url for url, published, _, _ in TIES if published}
    assert order == [name for name in expected if "published" not in text or name in dated]


def test_snippets_are_cut_from_the_analyzers_own_tokens(truth):
    """The remembered analysis (search/highlighting.py) gives the tokens the analyzer gives,
    text, stop mark and offsets, on every article of the sample site and on text written to
    catch a filter out: accents, dotted and one-letter words, digits, stop words, Khmer."""
    from search.highlighting import SnippetAnalyzer
    from search.schema import ANALYZER

    def tokens(analyzer, text):
        return [
            (t.text, bool(t.stopped), t.startchar, t.endchar)
            for t in analyzer(text, chars=True, mode="query", removestops=False)
        ]

    remembered = SnippetAnalyzer(ANALYZER)
    texts = [" ".join(record["body"]) for record in truth.values()]
    texts += [
        "Défamation in the U.S. and the E.U.: a 2016 law, I think, of the Ministry's own.",
        "An ÉCOLE in Siem Reap — 3.5% of it is theirs; x y z 7 ថ្ងៃនេះ rice",
    ]
    for text in texts:
        assert tokens(remembered, text) == tokens(ANALYZER, text), text[:80]
    words = frozenset({"defam", "rice", "ministri", "law", "2016"})
    for text in texts[:50] + texts[-2:]:
        expected = service.highlight.highlight(
            text, words, ANALYZER, service.CONTEXT, service.FORMATTER, top=2, scorer=service.EarlierFirst()
        )
        assert service.mark(text, words, service.CONTEXT, 2) == expected


def test_facet_bitmaps_are_whooshs_own_after_an_update_deleted_some_documents(archive, tmp_path):
    """Each facet value's bitmap, read from the postings as arrays, is the set of live
    documents Whoosh's own postings list, once an update has deleted the old versions."""
    import shutil

    from whoosh import query as whoosh_query

    from search.schema import CASELESS_FIELDS, FACETS
    from tests.conftest import revise_some_articles

    shutil.copytree(archive / "data", tmp_path / "data")
    shutil.copytree(archive / "index", tmp_path / "index", symlinks=True)
    revise_some_articles(tmp_path / "data", tmp_path / "index", 5)
    updated = SearchService(tmp_path / "index")
    with updated.pinned() as searcher:
        assert any(sub.reader().has_deletions() for sub, _ in searcher.leaf_searchers())
        masks = updated.facet_masks(searcher)
        reader = searcher.reader()
        for name in dict.fromkeys((*FACETS, *CASELESS_FIELDS)):
            expected = {
                term.decode(): sum(1 << docnum for docnum in reader.postings(name, term).all_ids())
                for term in reader.lexicon(name)
            }
            assert masks[name] == expected, name
        assert masks["__all__"][""] == sum(1 << docnum for docnum in whoosh_query.Every().docs(searcher))


@pytest.mark.parametrize("maxchars, surround", [(300, 60), (200, 20), (40, 15), (1000, 5)])
def test_snippets_cut_from_the_passages_near_the_matches_are_those_cut_from_the_whole_text(maxchars, surround):
    """A long body's snippet is cut from the passages near the query's words only
    (search/highlighting.py); on texts made to stretch a fragmenter's reach — matches rare or
    crowded, forms of a stem that change its last letters (`ministry`, `ministries`), long runs
    of punctuation that are no tokens, dotted and one-letter words, capitals, an accent now and
    then — the snippets are those cut from every token."""
    import random

    from search.highlighting import SnippetAnalyzer
    from search.schema import ANALYZER

    rng = random.Random(f"{maxchars}/{surround}")
    matches = ["rice", "Rice", "ministry", "ministries", "Ministry's", "2016", "RICE", "filing", "files"]
    others = ["the", "a", "I", "of", "exports", "x", "U.S.", "law", "Hun", "Sen", "said", "pricey", "ministerial"]
    gaps = [" ", " ", " ", ", ", ". ", " - ", "\n\n", " " + "." * rng.randint(20, 400) + " ", " (", ") "]
    words = frozenset({"rice", "ministri", "2016", "file"})
    context = service.highlight.ContextFragmenter(maxchars=maxchars, surround=surround)
    remembered = SnippetAnalyzer(ANALYZER)
    for case in range(400):
        length = rng.choice([5, 50, 400, 1500, 4000])
        share = rng.choice([0.002, 0.02, 0.2])
        chosen = [rng.choice(matches) if rng.random() < share else rng.choice(others) for _ in range(length)]
        if rng.random() < 0.1:
            chosen[rng.randrange(length)] = "défamation"  # a letter outside ASCII: the text is given whole
        text = "".join(word + rng.choice(gaps) for word in chosen)
        expected = service.highlight.highlight(
            text, words, ANALYZER, context, service.FORMATTER, top=2, scorer=service.EarlierFirst()
        )
        cut = service.highlight.highlight(
            text,
            words,
            remembered.around(words, context),
            context,
            service.FORMATTER,
            top=2,
            scorer=service.EarlierFirst(),
        )
        assert cut == expected, (case, len(text))
