"""Khmer search: words found as words, in the index and in queries, on two archives. One is the
replica's Khmer edition crawled and indexed (`khmer_archive`); its text is written from only
30 words (`samplesite.words.KHMER_WORDS`), so the other is written here: a store of articles,
each a sentence of Khmer words from the vocabulary below (with the English words, numbers and
zero-width spaces Khmer news carries), whose segmentation is therefore known.

Recall and precision of a one-word search are measured against the articles that contain the
word *as a word* of the text's own segmentation; the segmenter (khmercut) may cut otherwise,
and a compound written without spaces may hold a shorter word that is one of the vocabulary's
(នាយករដ្ឋមន្ត្រី "prime minister" holds រដ្ឋមន្ត្រី "minister"): those count against it.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from whoosh import query

from archive.fields import FIELDS
from archive.model import Article, ParsedPage
from archive.store import Store
from samplesite.words import KHMER_WORDS
from search import indexer
from search.documents import index_layout
from search.indexer import current_generation, rebuild, update
from search.khmer import KHMER_RUN
from search.schema import ANALYZER
from search.service import QueryError, SearchRequest, SearchService

ZWSP = "\u200b"
TARGET = 0.9  # recall and precision of a one-word search
MARKED = re.compile(r'<mark class="match[^"]*">([^<]*)</mark>')
LATIN = re.compile(r"[A-Za-z]")

# Khmer words as news prints them: nouns, verbs, words of grammar, one-letter words (ឬ, ឯ) and
# compounds that hold a shorter word of the list.
VOCABULARY = {
    "ពេល": "time", "ស្ត្រី": "woman", "កម្ពុជា": "Cambodia", "ប្រទេស": "country", "ភាសា": "language",
    "ខ្មែរ": "Khmer", "សាលារៀន": "school", "មន្ទីរពេទ្យ": "hospital", "វេជ្ជបណ្ឌិត": "doctor",
    "ថ្នាំ": "medicine", "ទឹក": "water", "ភ្លៀង": "rain", "អាកាសធាតុ": "climate", "ផ្ទះ": "house",
    "ភូមិ": "village", "ឃុំ": "commune", "ស្រុក": "district", "ទីក្រុង": "city", "ផ្សារ": "market",
    "តម្លៃ": "price", "ប្រាក់": "money", "ដុល្លារ": "dollar", "ធនាគារ": "bank", "ក្រុមហ៊ុន": "company",
    "កម្មករ": "worker", "សហជីព": "union", "ប៉ូលិស": "police", "តុលាការ": "court", "ចៅក្រម": "judge",
    "មេធាវី": "lawyer", "ច្បាប់": "law", "រដ្ឋសភា": "National Assembly", "គណបក្ស": "party",
    "បោះឆ្នោត": "vote", "នយោបាយ": "politics", "រដ្ឋមន្ត្រី": "minister", "មន្ត្រី": "official",
    "អភិបាល": "governor", "សន្តិភាព": "peace", "ទាហាន": "soldier", "ព្រំដែន": "border", "ថៃ": "Thailand",
    "វៀតណាម": "Vietnam", "ចិន": "China", "ជប៉ុន": "Japan", "ពិភពលោក": "world", "សេដ្ឋកិច្ច": "economy",
    "វិនិយោគ": "invest", "ទេសចរ": "tourist", "កសិករ": "farmer", "អង្ករ": "milled rice", "ត្រី": "fish",
    "សាច់": "meat", "បន្លែ": "vegetables", "ផ្លែឈើ": "fruit", "ព្រៃឈើ": "forest", "ដី": "land",
    "ទន្លេ": "river", "សមុទ្រ": "sea", "បឹង": "lake", "ភ្នំ": "mountain", "ផ្លូវ": "road", "ស្ពាន": "bridge",
    "ឡាន": "car", "ម៉ូតូ": "motorbike", "យន្តហោះ": "aeroplane", "ភ្លើង": "fire", "អគ្គិសនី": "electricity",
    "ប្រេង": "oil", "ទូរស័ព្ទ": "telephone", "ព័ត៌មាន": "news", "កាសែត": "newspaper", "វិទ្យុ": "radio",
    "ទូរទស្សន៍": "television", "សិស្ស": "pupil", "និស្សិត": "student", "គ្រូ": "teacher",
    "សាកលវិទ្យាល័យ": "university", "សៀវភៅ": "book", "កីឡា": "sport", "បាល់ទាត់": "football",
    "តន្ត្រី": "music", "វប្បធម៌": "culture", "វត្ត": "pagoda", "ព្រះសង្ឃ": "monk", "បុណ្យ": "festival",
    "ឆ្នាំ": "year", "ខែ": "month", "ថ្ងៃ": "day", "សប្តាហ៍": "week", "ព្រឹក": "morning", "យប់": "night",
    "កុមារ": "children", "មនុស្ស": "person", "ប្រជាជន": "people", "គ្រួសារ": "family", "ម្តាយ": "mother",
    "ឪពុក": "father", "យុវជន": "youth", "សុខភាព": "health", "ជំងឺ": "disease", "វ៉ាក់សាំង": "vaccine",
    "ការងារ": "work", "ពន្ធ": "tax", "បំណុល": "debt", "ទីផ្សារ": "market (trade)", "ទំនិញ": "goods",
    "សណ្ឋាគារ": "hotel", "អាហារ": "food", "កាហ្វេ": "coffee", "បញ្ហា": "problem", "គម្រោង": "project",
    "ផែនការ": "plan", "អង្គការ": "organisation", "សង្គម": "society", "បរិស្ថាន": "environment",
    "ធ្វើ": "do", "និយាយ": "speak", "ប្រកាស": "announce", "ទទួល": "receive", "ផ្តល់": "provide",
    "ជួយ": "help", "ឃាត់ខ្លួន": "arrest", "សាងសង់": "build", "ការពារ": "protect", "អភិវឌ្ឍ": "develop",
    "កើនឡើង": "rise", "ថយចុះ": "fall", "ចំណាយ": "spend", "លក់": "sell", "ទិញ": "buy", "ធំ": "big",
    "តូច": "small", "ថ្មី": "new", "ល្អ": "good", "ច្រើន": "many", "នៅ": "at", "និង": "and",
    "ដែល": "which", "បាន": "did", "មាន": "have", "ថា": "that", "នេះ": "this", "ពី": "from", "ទៅ": "to",
    "ក្នុង": "in", "លើ": "on", "ដើម្បី": "in order to", "ប៉ុន្តែ": "but", "នឹង": "will", "ត្រូវ": "must",
    "អាច": "can", "ឬ": "or", "ឯ": "as for", "នាយករដ្ឋមន្ត្រី": "prime minister",
    "ក្រសួងសុខាភិបាល": "Ministry of Health", "អ្នកសារព័ត៌មាន": "journalist", "ទឹកជំនន់": "flood",
    "ការអប់រំ": "education",
}  # fmt: skip
WORDS = tuple(VOCABULARY)
ARTICLES = 240
T0 = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
SITE = "https://www.postkhmer.com"
# Written by hand for one check each: a zero-width space between two words, and the two words
# of the phrase query side by side in one article and apart in another.
FIXED = {
    "zwsp-between": [["ពេល", ZWSP, "វេលា", "ដែល", "កម្មករ"]],
    "zwsp-none": [["ពេលវេលា", "ដែល", "កម្មករ"]],
    "police-arrest": [["ប៉ូលិស", "ឃាត់ខ្លួន", "កម្មករ"]],
    "police-apart": [["ប៉ូលិស", "និយាយ", "ថា"], ["កម្មករ", "ត្រូវ", "ឃាត់ខ្លួន"]],
}


@dataclass(frozen=True)
class Written:
    """One article of the written archive: its phrases (runs of tokens, printed without spaces
    between them, phrases apart), and so its words."""

    url: str
    phrases: tuple[tuple[str, ...], ...]

    @property
    def words(self) -> set[str]:
        return {token for phrase in self.phrases for token in phrase if token in VOCABULARY}

    def text(self) -> str:
        return " ".join("".join(phrase) for phrase in self.phrases) + "។"

    def adjacent(self, first: str, second: str) -> bool:
        """Whether `second` follows `first` in the body, zero-width spaces aside."""
        tokens = [token for phrase in self.phrases for token in phrase if token != ZWSP]
        return (first, second) in itertools.pairwise(tokens)


def written_phrases(rng: random.Random, n: int) -> list[list[str]]:
    """A sentence of 2-4 phrases of 2-5 words, now and then a zero-width space between two
    words; some carry an English word, the year in Khmer or ASCII digits, or "TV"."""
    phrases = []
    for _ in range(rng.randint(2, 4)):
        phrase = [rng.choice(WORDS)]
        for _ in range(rng.randint(1, 4)):
            phrase += [ZWSP, rng.choice(WORDS)] if rng.random() < 0.1 else [rng.choice(WORDS)]
        phrases.append(phrase)
    if n % 12 == 0:
        phrases.insert(1, ["defamation"])
    if n % 24 == 0:
        phrases[0].insert(0, "ពេល")
    if n % 10 == 3:
        phrases.append(["ឆ្នាំ", "២០១៦"])
    if n % 10 == 7:
        phrases += [["ឆ្នាំ"], ["2016"]]
    if n % 3 == 1:
        phrases.append(["TV"])
    return phrases


def written_articles() -> list[Written]:
    rng = random.Random(2016)
    made = [
        Written(f"{SITE}/national/sentence-{n:03d}", tuple(map(tuple, written_phrases(rng, n))))
        for n in range(ARTICLES)
    ]
    return made + [Written(f"{SITE}/national/{slug}", tuple(map(tuple, phrases))) for slug, phrases in FIXED.items()]


def record(article: Written) -> Article:
    text = article.text()
    return Article(
        url=article.url,
        site="postkhmer.com",
        era="drupal",
        language="km",
        headline="".join(article.phrases[0]),
        body=[text],
        published="2026-10-31T08:00:00+07:00",
        section="ព័ត៌មានជាតិ",
        word_count=len(text.split()),
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, list[Written]]:
    """The written archive: a real store (data/) and its index (index/)."""
    folder = tmp_path_factory.mktemp("khmer-written")
    articles = written_articles()
    with Store(folder / "data" / "archive.sqlite3") as store:
        for article in articles:
            store.ingest(ParsedPage(record(article), None), None, T0, None)
        rebuild(store, folder / "index", procs=1)
    return folder, articles


@pytest.fixture(scope="module")
def search(written) -> SearchService:
    return SearchService(written[0] / "index")


@pytest.fixture(scope="module")
def edition(khmer_archive) -> SearchService:
    return SearchService(khmer_archive / "index")


def urls(service: SearchService, text: str) -> set[str]:
    return {hit.url for hit in service.harvest(SearchRequest(query=text, histogram=None))}


def measured(service: SearchService, truth: dict[str, set[str]], words: list[str]) -> tuple[float, float]:
    """Recall and precision of searching each word alone, pooled over the words: every article
    that has the word as a word and is found, over every such article, and over every found."""
    relevant = found = both = 0
    for word in words:
        wanted = {url for url, has in truth.items() if word in has}
        got = urls(service, word)
        relevant, found, both = relevant + len(wanted), found + len(got), both + len(wanted & got)
    return both / relevant, both / found


def vocabulary_words(text: str) -> set[str]:
    """The words the replica wrote a text with: each run between spaces and punctuation cut
    into KHMER_WORDS, which it is in one way only (runs of another script, an English quote,
    are left out)."""
    found: set[str] = set()
    for run in KHMER_RUN.findall(text.replace("។", " ")):
        ways: list[list[tuple[str, ...]]] = [[()]] + [[] for _ in run]
        for end in range(1, len(run) + 1):
            for word in KHMER_WORDS:
                if end >= len(word) and run.startswith(word, end - len(word)):
                    ways[end] += [(*way, word) for way in ways[end - len(word)]]
        assert len(ways[-1]) <= 1, f"{run} is written from KHMER_WORDS in {len(ways[-1])} ways"
        found.update(*ways[-1])
    return found


# -- the analyzer ---------------------------------------------------------------------------


@pytest.mark.parametrize("word", [*WORDS, *KHMER_WORDS])
def test_a_khmer_word_is_never_cut_to_nothing_or_to_fragments(word):
    words = [token.text for token in ANALYZER(word)]
    assert words and "".join(words) == word, words


def test_the_words_of_the_issue_are_whole_words():
    for word in ("ពេល", "ស្ត្រី", "កម្ពុជា", "ឬ", "ឯ"):
        assert [token.text for token in ANALYZER(word)] == [word]
    assert [token.text for token in ANALYZER("ពេល defamation")] == ["ពេល", "defam"]


def test_a_zero_width_space_is_a_boundary_and_never_part_of_a_word():
    tokens = [(t.text, t.startchar, t.endchar) for t in ANALYZER(f"ពេល{ZWSP}វេលា", chars=True)]
    assert tokens == [("ពេល", 0, 3), ("វេលា", 4, 8)]
    assert [t.text for t in ANALYZER("ពេលវេលា")] == ["ពេលវេលា"]


def test_the_two_subscripts_that_look_alike_are_one_spelling():
    """ស្ដ្រី (subscript DA) and ស្ត្រី (subscript TA), both "woman", are one word; the text keeps
    its own spelling, the token the one the index uses."""
    da, ta = "ស\u17d2\u178a\u17d2\u179a\u17b8", "ស\u17d2\u178f\u17d2\u179a\u17b8"
    assert da != ta
    assert [t.text for t in ANALYZER(da)] == [t.text for t in ANALYZER(ta)] == [ta]
    assert [(t.startchar, t.endchar) for t in ANALYZER(f"ពេល {da}", chars=True)] == [(0, 3), (4, 4 + len(da))]


def test_khmer_digits_are_ascii_digits_and_punctuation_is_no_word():
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in ANALYZER("ឆ្នាំ២០១៦។ ផ្លូវៗ", positions=True, chars=True)]
    assert tokens == [("ឆ្នាំ", 0, 0, 5), ("2016", 1, 5, 9), ("ផ្លូវ", 2, 11, 16)]


# -- the written archive ----------------------------------------------------------------------


def test_the_written_vocabulary_is_found_as_words(written, search):
    _, articles = written
    assert len(articles) >= 200  # one sentence each
    truth = {article.url: article.words for article in articles}
    words = [word for word in WORDS if any(word in has for has in truth.values())]
    assert len(words) >= 100
    recall, precision = measured(search, truth, words)
    print(f"written archive: {len(words)} words, recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= TARGET and precision >= TARGET, (recall, precision)


def test_a_khmer_query_never_becomes_empty(search):
    with search.pinned() as searcher:
        for text in (*WORDS, "the ឬ", "ឬ and ៗ"):
            parsed = search.parse(text, searcher)
            assert parsed is not query.NullQuery and not isinstance(parsed, query.Every), text
            words = "".join(word for _, word in parsed.iter_all_terms(phrases=True))
            assert words == "".join(KHMER_RUN.findall(text.replace("ៗ", ""))), text


def test_the_year_in_khmer_digits_finds_what_it_finds_in_ascii_digits(written, search):
    _, articles = written
    printed = {a.url for a in articles if any("២០១៦" in phrase or "2016" in phrase for phrase in a.phrases)}
    khmer = {a.url for a in articles if any("២០១៦" in phrase for phrase in a.phrases)}
    assert khmer and printed - khmer
    assert urls(search, "២០១៦") == urls(search, "2016") == printed


def test_a_zero_width_space_parts_two_words_in_the_index(written, search):
    found = urls(search, "ពេល")
    assert f"{SITE}/national/zwsp-between" in found and f"{SITE}/national/zwsp-none" not in found
    with search.pinned() as searcher:
        words = [word for field in ("text", "headline") for word in searcher.lexicon(field)]
    assert words and not [word for word in words if ZWSP.encode() in word]


def test_a_mixed_query_keeps_its_english_word(written, search):
    _, articles = written
    both = urls(search, "ពេល defamation")
    assert both == urls(search, "ពេល") & urls(search, "defamation")
    assert both and both < urls(search, "ពេល")
    assert both == {a.url for a in articles if "ពេល" in a.words and any("defamation" in p for p in a.phrases)}


def test_a_khmer_phrase_finds_its_words_side_by_side(written, search):
    _, articles = written
    by_url = {article.url: article for article in articles}
    found = urls(search, '"ប៉ូលិស ឃាត់ខ្លួន"')
    assert f"{SITE}/national/police-arrest" in found and f"{SITE}/national/police-apart" not in found
    assert f"{SITE}/national/police-apart" in urls(search, "ប៉ូលិស ឃាត់ខ្លួន")
    assert found == {url for url, article in by_url.items() if article.adjacent("ប៉ូលិស", "ឃាត់ខ្លួន")}
    assert urls(search, "ប៉ូលិសឃាត់ខ្លួន") == found  # written without a space: the same phrase


def test_snippets_and_headlines_mark_whole_khmer_words(search):
    for text, marks in (("ស្ត្រី", {"ស្ត្រី"}), ("ក្រសួងសុខាភិបាល", {"ក្រសួង", "សុខាភិបាល"})):
        hits = search.search(SearchRequest(query=text, page_size=20)).hits
        assert hits
        for hit in hits:
            marked = set(MARKED.findall(hit.snippet)) | set(MARKED.findall(hit.headline_html))
            assert marked == marks, (text, hit.snippet, hit.headline_html)


def test_did_you_mean_corrects_khmer_with_khmer_never_latin(search):
    assert search.search(SearchRequest(query="ស្ត្រ")).did_you_mean == "ស្ត្រី"
    assert search.search(SearchRequest(query="ក្រសួងសុខាភិបា")).did_you_mean == "ក្រសួងសុខាភិបាល"
    with search.pinned() as searcher:  # two Khmer letters are two edits from "tv", more frequent than any Khmer word
        assert searcher.correct_query(search.parse("ឆឆ", searcher), "ឆឆ").string == "tv"
    suggested = search.search(SearchRequest(query="ឆឆ")).did_you_mean
    assert suggested and KHMER_RUN.search(suggested) and not LATIN.search(suggested), suggested


# -- the replica's Khmer edition --------------------------------------------------------------


def test_every_word_of_the_khmer_edition_is_found_as_a_word(edition, khmer_truth):
    indexed = urls(edition, "")
    assert len(indexed) >= 0.99 * len(khmer_truth)
    truth = {
        url: vocabulary_words(" ".join([r["headline"] or "", *r["body"], *(i["caption"] or "" for i in r["images"])]))
        for url, r in khmer_truth.items()
        if url in indexed
    }
    recall, precision = measured(edition, truth, list(KHMER_WORDS))
    print(f"Khmer edition: {len(KHMER_WORDS)} words, recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= TARGET and precision >= TARGET, (recall, precision)


def test_khmer_section_names_and_authors_are_fields_of_a_query(edition, khmer_truth):
    indexed = urls(edition, "")
    records = {url: r for url, r in khmer_truth.items() if url in indexed}
    national = {url for url, r in records.items() if r["section"] == "ព័ត៌មានជាតិ"}
    assert national and urls(edition, "section:ព័ត៌មានជាតិ") == national
    narrowed = urls(edition, "section:ព័ត៌មានជាតិ ក្រសួង")
    assert narrowed == national & urls(edition, "ក្រសួង") and narrowed != national
    name = next(a for r in records.values() for a in r["authors"] if KHMER_RUN.search(a))
    by_name = {url for url, r in records.items() if name in r["authors"]}
    assert by_name and urls(edition, f'author:"{name}"') == by_name
    assert urls(edition, f'author:"{name}" ភ្នំពេញ') == by_name & urls(edition, "ភ្នំពេញ")


# -- the index format -------------------------------------------------------------------------


def test_an_index_of_the_analysis_before_khmer_words_is_refused_in_one_sentence(written, tmp_path):
    folder, _ = written
    shutil.copytree(folder / "index", tmp_path / "index", symlinks=True)
    state_file = current_generation(tmp_path / "index") / indexer.STATE
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps(state | {"format": f"2-{index_layout(FIELDS)}"}))  # before Khmer words
    with pytest.raises(QueryError) as refused:
        SearchService(tmp_path / "index")
    message = str(refused.value)
    assert message.endswith("run 'newsarchive index' to rebuild it.") and ". " not in message, message
    with Store(folder / "data" / "archive.sqlite3") as store:
        assert update(store, tmp_path / "index").rebuilt
    assert urls(SearchService(tmp_path / "index"), "ស្ត្រី") == urls(SearchService(folder / "index"), "ស្ត្រី")
