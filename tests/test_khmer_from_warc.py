"""Khmer news the replica never writes, as a web archive keeps it: a page of postkhmer.com in the
markup the site is known by (SITE-EVIDENCE.md), in a WARC file written with warcio, goes
through `newsarchive import warc` (no --site: the page's host names its edition), `index` and
`search`, and every word the segmenter's own library finds in it finds the article."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import khmercut  # type: ignore[import-untyped]
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search.khmer import ASCII_DIGITS, KHMER_PIECE
from search.service import SearchRequest, SearchService

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
SECTION = "ព័ត៌មានជាតិ"
HEADLINE = "ពន្យារពេលប្រឡងបាក់ឌុបដោយសារទឹកជំនន់"
AUTHOR = "ហ៊ុន ស្រីពៅ"
# Three sentences of news in Khmer, none of them the replica's: the exam postponed by floods,
# families evacuated in Battambang, rice exports forecast to rise.
PARAGRAPHS = [
    "រាជរដ្ឋាភិបាលកម្ពុជាបានសម្រេចពន្យារពេលការប្រឡងសញ្ញាបត្រមធ្យមសិក្សាទុតិយភូមិរហូតដល់ខែធ្នូ ដោយសារទឹកជំនន់នៅតាមបណ្តាខេត្ត។",
    "អភិបាលខេត្តបាត់ដំបងបានថ្លែងថា ប្រជាពលរដ្ឋជាង ៣០០០ គ្រួសារត្រូវបាន\u200bជម្លៀសចេញពីតំបន់ទំនាប។",
    "អ្នកជំនាញសេដ្ឋកិច្ចព្យាករថា ការនាំចេញអង្ករនឹងកើនឡើងប្រមាណ ១៥ ភាគរយនៅឆ្នាំ ២០២៥។",
]
URL = f"https://www.postkhmer.com/{quote(SECTION)}/{quote(HEADLINE)}"
PAGE = f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
<head><meta charset="utf-8"><title>{HEADLINE} | Post Khmer</title></head>
<body>
<div class="ads-social-left-title"><h2>{SECTION}</h2></div>
<div class="single-article-header"><h2>{HEADLINE}</h2></div>
<div class="article-author-wrapper"><p><span>{AUTHOR}</span><br>ថ្ងៃទី ១២ ខែ តុលា ឆ្នាំ ២០២៤ ម៉ោង ០៨:៣០</p></div>
<div class="paragraph-style">
{"".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)}
</div>
</body></html>
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("khmer-warc")
    warc = folder / "postkhmer.warc.gz"
    with open(warc, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        payload = io.BytesIO(PAGE.encode())
        dated = {"WARC-Date": "2024-10-12T02:00:00Z"}
        record = writer.create_warc_record(
            URL, "response", payload=payload, http_headers=headers, warc_headers_dict=dated
        )
        writer.write_record(record)
    imported = run("import", "warc", str(warc), "--data-dir", str(folder / "data"))
    assert imported.returncode == 0 and "1 new articles" in imported.stdout, imported.stdout + imported.stderr
    indexed = run("index", "--data-dir", str(folder / "data"), "--index-dir", str(folder / "index"))
    assert indexed.returncode == 0, indexed.stderr
    return folder


def words_of(text: str) -> list[str]:
    """The words khmercut itself cuts from the text's pieces of Khmer, digits aside."""
    pieces = (piece.group() for piece in KHMER_PIECE.finditer(text.translate(ASCII_DIGITS)))
    return sorted({word for piece in pieces for word in khmercut.tokenize(piece)})


def test_the_page_is_read_by_the_khmer_editions_parser(archive):
    searched = run("search", "ជម្លៀស", "--json", "--index-dir", str(archive / "index"))
    assert searched.returncode == 0, searched.stderr
    (hit,) = json.loads(searched.stdout)["hits"]
    assert hit["url"] == URL
    assert (hit["headline"], hit["authors"], hit["section"]) == (HEADLINE, [AUTHOR], SECTION)
    assert hit["published"] == "2024-10-12T08:30:00+07:00"


def test_every_word_of_the_text_finds_the_article(archive):
    service = SearchService(archive / "index")
    words = words_of(" ".join([HEADLINE, *PARAGRAPHS]))
    assert len(words) > 30
    missed = [word for word in words if service.search(SearchRequest(query=word)).total != 1]
    assert missed == []
    assert service.search(SearchRequest(query="ផ្កាឈូក")).total == 0  # "lotus": not in the text


def test_numbers_in_khmer_digits_are_found_by_either_digits(archive):
    service = SearchService(archive / "index")
    for query in ("២០២៥", "2025", "៣០០០", "3000"):
        assert service.search(SearchRequest(query=query)).total == 1, query


def test_a_reparse_reads_it_with_the_same_parser(archive):
    def stored() -> list[tuple]:
        with sqlite3.connect(archive / "data" / "archive.sqlite3") as db:
            return db.execute("SELECT url, site, headline, published_utc, section, language FROM articles").fetchall()

    before = stored()
    assert before == [(URL, "postkhmer.com", HEADLINE, "2024-10-12T01:30:00.000000Z", SECTION, "km")]
    reparsed = run("reparse", "--data-dir", str(archive / "data"))
    assert reparsed.returncode == 0, reparsed.stderr
    assert stored() == before
