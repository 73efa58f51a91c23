"""Citations of archived articles: RIS, BibTeX (read back with a real BibTeX parser) and
CSL-JSON name the archived copy they cite, and the article page shows a formatted citation."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import date
from urllib.parse import quote

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts
from markupsafe import escape

from web import create_app

SEED = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"
ODD_HEADLINE = "Rates up 5% & rising_fast: #1 at $3 ~ ^ \\ {ok}"
ODD_AUTHORS = ["Erin Handley", "Meas Sokchea", "Harriet Fitch Little", "Post Staff", "Xinhua", "មាស សុខជា"]
FIRST_CAPTURE, LATER_CAPTURE = "2021-04-12T02:30:00.000000Z", "2021-05-02T03:04:05.000000Z"


@pytest.fixture(scope="module")
def store(indexed_archive):
    db = sqlite3.connect(f"file:{indexed_archive / 'data' / 'archive.sqlite3'}?mode=ro", uri=True)
    yield db
    db.close()


@pytest.fixture(scope="module")
def odd_client(indexed_archive, store, tmp_path_factory):
    """A copy of the archive where the seed article has a headline full of TeX's special
    characters, names of every kind, and two captures of its one revision made in 2021."""
    data = tmp_path_factory.mktemp("odd") / "data"
    data.mkdir()
    copy = sqlite3.connect(data / "archive.sqlite3")
    store.backup(copy)
    article_id, capture_id, record = copy.execute(
        "SELECT a.id, r.capture_id, r.record FROM articles a JOIN revisions r ON r.article_id = a.id "
        "AND r.number = a.current_revision WHERE a.url = ?",
        (SEED,),
    ).fetchone()
    record = json.loads(record) | {"headline": ODD_HEADLINE, "authors": ODD_AUTHORS}
    later = copy.execute(
        "SELECT id FROM captures WHERE id NOT IN (SELECT capture_id FROM article_captures) ORDER BY id LIMIT 1"
    ).fetchone()[0]
    with copy:
        copy.execute("UPDATE revisions SET record = ? WHERE article_id = ?", (json.dumps(record), article_id))
        copy.execute("UPDATE captures SET fetched_at = ? WHERE id = ?", (FIRST_CAPTURE, capture_id))
        copy.execute("UPDATE captures SET fetched_at = ? WHERE id = ?", (LATER_CAPTURE, later))
        copy.execute(
            "INSERT INTO article_captures (capture_id, article_id, revision) VALUES (?, ?, 1)", (later, article_id)
        )
    copy.close()
    app = create_app(indexed_archive / "index", data)
    app.testing = True
    return app.test_client()


def cited(client, style: str, url: str = SEED):
    response = client.get(f"/article/cite.{style}?url={quote(url)}")
    assert response.status_code == 200
    return response.get_json() if style == "json" else response.get_data(as_text=True)


def bib_entry(text: str, *middleware):
    library = bibtexparser.parse_string(text, append_middleware=list(middleware))
    assert not library.failed_blocks and len(library.entries) == 1
    return library.entries[0]


def ris_lines(text: str, tag: str) -> list[str]:
    return [line[6:] for line in text.splitlines() if line.startswith(f"{tag}  - ")]


def test_bibtex_keeps_a_percent_encoded_khmer_url_as_it_is_and_cites_the_khmer_edition(khmer_archive):
    client = create_app(khmer_archive / "index", khmer_archive / "data").test_client()
    db = sqlite3.connect(f"file:{khmer_archive / 'data' / 'archive.sqlite3'}?mode=ro", uri=True)
    url = db.execute("SELECT url FROM articles WHERE language = 'km' ORDER BY url LIMIT 1").fetchone()[0]
    db.close()
    assert url.startswith("https://www.postkhmer.com/%E1%9E")
    bib = cited(client, "bib", url)
    assert f"  url = {{{url}}}," in bib.splitlines()
    assert bib_entry(bib)["url"] == url
    assert cited(client, "json", url)[0]["container-title"] == "Post Khmer (The Phnom Penh Post)"


def test_bibtex_escapes_the_special_characters_of_text_fields(odd_client):
    bib = cited(odd_client, "bib")
    title = bib_entry(bib, LatexDecodingMiddleware())["title"]
    # pylatexenc reads LaTeX's \textasciicircum as the modifier letter circumflex
    assert title == ODD_HEADLINE.replace("^", "\u02c6")


def test_bibtex_gives_classic_bibtex_a_year_and_month(client):
    entry = bib_entry(cited(client, "bib"))
    assert entry["year"] == "2016" and entry["month"] == "mar" and entry["date"] == "2016-03-11"


def test_bibtex_keys_are_unique_and_stable(client, store):
    unsigned = defaultdict(list)
    for url, record in store.execute(
        "SELECT a.url, r.record FROM articles a JOIN revisions r ON "
        "r.article_id = a.id AND r.number = a.current_revision ORDER BY a.url"
    ):
        record = json.loads(record)
        if not record["authors"] and record.get("published"):
            unsigned[record["published"][:4]].append(url)
    year, (first, second, *_) = next((y, urls) for y, urls in sorted(unsigned.items()) if len(urls) > 1)
    keys = [bib_entry(cited(client, "bib", url)).key for url in (first, second, first)]
    assert keys[0] != keys[1] and keys[0] == keys[2] and year in keys[0]
    assert bib_entry(cited(client, "bib")).key.startswith("meas2016")


def test_a_cambodian_name_is_family_name_first_in_every_format(client):
    assert ris_lines(cited(client, "ris"), "AU") == ["Meas, Sokchea"]
    [author] = bib_entry(cited(client, "bib"), SeparateCoAuthors(), SplitNameParts())["author"]
    assert (author.last, author.first) == (["Meas"], ["Sokchea"])
    assert cited(client, "json")[0]["author"] == [{"family": "Meas", "given": "Sokchea"}]


def test_western_names_organisations_and_khmer_script_names(odd_client):
    assert ris_lines(cited(odd_client, "ris"), "AU") == [
        "Handley, Erin",
        "Meas, Sokchea",
        "Little, Harriet Fitch",
        "Post Staff",
        "Xinhua",
        "មាស, សុខជា",
    ]
    authors = bib_entry(cited(odd_client, "bib"), SeparateCoAuthors(), SplitNameParts())["author"]
    assert [(a.last, a.first) for a in authors] == [
        (["Handley"], ["Erin"]),
        (["Meas"], ["Sokchea"]),
        (["Little"], ["Harriet", "Fitch"]),
        (["{Post Staff}"], []),
        (["{Xinhua}"], []),
        (["មាស"], ["សុខជា"]),
    ]
    assert cited(odd_client, "json")[0]["author"] == [
        {"family": "Handley", "given": "Erin"},
        {"family": "Meas", "given": "Sokchea"},
        {"family": "Little", "given": "Harriet Fitch"},
        {"literal": "Post Staff"},
        {"literal": "Xinhua"},
        {"family": "មាស", "given": "សុខជា"},
    ]


def test_citations_cite_the_latest_capture_of_the_current_revision(odd_client):
    article = odd_client.get(f"/article.json?url={quote(SEED)}").get_json()
    [capture] = [c for c in article["captures"] if c["fetched_at"] == LATER_CAPTURE]
    address = f"http://localhost/capture/{capture['id']}"
    note = f"Archived copy: {address} (newsarchive, captured {LATER_CAPTURE[:19]}Z, revision 1)"
    ris = cited(odd_client, "ris")
    assert ris_lines(ris, "Y2") == ["2021/05/02"] and ris_lines(ris, "UR") == [SEED]
    assert ris_lines(ris, "DB") == ["newsarchive"] and ris_lines(ris, "AN") == [address]
    assert ris_lines(ris, "N1") == [note]
    entry = bib_entry(cited(odd_client, "bib"))
    assert entry["urldate"] == "2021-05-02" and entry["url"] == SEED and entry["note"] == note
    [item] = cited(odd_client, "json")
    assert item["accessed"] == {"date-parts": [[2021, 5, 2]]} and item["URL"] == SEED
    assert (item["archive"], item["archive_location"], item["note"]) == ("newsarchive", address, note)


def test_the_capture_time_cited_is_the_stored_one(client, store):
    capture_id, fetched_at = store.execute(
        "SELECT c.id, c.fetched_at FROM captures c JOIN article_captures ac ON ac.capture_id = c.id "
        "JOIN articles a ON a.id = ac.article_id WHERE a.url = ? ORDER BY c.fetched_at DESC LIMIT 1",
        (SEED,),
    ).fetchone()
    [item] = cited(client, "json")
    assert item["archive_location"] == f"http://localhost/capture/{capture_id}"
    assert f"captured {fetched_at[:19]}Z," in item["note"]  # the stored time, to the second
    assert item["accessed"] == {"date-parts": [[int(part) for part in fetched_at[:10].split("-")]]}


def test_the_article_page_shows_a_formatted_citation(client):
    article = client.get(f"/article.json?url={quote(SEED)}").get_json()
    capture = article["captures"][-1]
    day = date.fromisoformat(capture["fetched_at"][:10])
    expected = (
        f"Meas, S. (2016) ‘{article['record']['headline']}’, The Phnom Penh Post, 11 March. "
        f"Available at: {SEED} (Accessed: {day.day} {day:%B %Y}). Archived copy: "
        f"http://localhost/capture/{capture['id']} (newsarchive, captured {capture['fetched_at'][:19]}Z, revision 1)"
    )
    page = client.get(f"/article?url={quote(SEED)}").get_data(as_text=True)
    assert str(escape(expected)) in page
