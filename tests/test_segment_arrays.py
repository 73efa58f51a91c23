"""The arrays `newsarchive index` writes beside each segment: what Whoosh itself reads from the
segment, written once per segment (an update writes only its new segments'), mapped by the
serving processes, and answering as Whoosh's files do."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import index

from archive.store import Store
from search import service
from search.indexer import current_generation
from search.segment_arrays import (
    COLUMNS,
    FOLDER,
    FREQUENT_LEAST,
    FREQUENT_SHARE,
    VALUE_FIELDS,
    address_ranks,
    arrays_of,
)
from search.service import SearchRequest, SearchService
from tests.conftest import revise_some_articles

QUERIES = ["", "officials", '"prime minister"', "published:[2016 TO 2018]", 'author:"meas sokchea" OR garment']


@pytest.fixture
def archive(indexed_archive, tmp_path) -> Path:
    """A copy of the indexed sample archive, for tests that update it."""
    for part in ("data", "index"):
        shutil.copytree(indexed_archive / part, tmp_path / part, symlinks=True)
    return tmp_path


def segment_folders(index_root: Path) -> dict[str, int]:
    """Each segment's arrays folder in the current generation, by name, with its inode."""
    arrays = current_generation(index_root) / FOLDER
    return {folder.name: folder.stat().st_ino for folder in arrays.iterdir() if folder.is_dir()}


def segments_of(index_root: Path) -> set[str]:
    with index.open_dir(str(current_generation(index_root))).reader() as reader:
        return {leaf.segment().segment_id() for leaf, _ in reader.leaf_readers()}


def iter_matcher(matcher):
    """Walk a Whoosh matcher: yield once per posting, the matcher at it."""
    while matcher.is_active():
        yield matcher
        matcher.next()


def answers(search: SearchService) -> list[tuple]:
    results = [search.search(SearchRequest(query=text, histogram="year")) for text in QUERIES]
    return [(r.total, [hit.url for hit in r.hits], r.facets, r.histogram) for r in results]


def test_each_segments_arrays_hold_what_whoosh_reads_from_it(indexed_archive):
    with index.open_dir(str(current_generation(indexed_archive / "index"))).reader() as reader:
        addresses = [fields["url"] for fields in reader.all_stored_fields()]
        ranks = address_ranks(reader)
        assert [addresses[docnum] for docnum in np.argsort(ranks)] == sorted(addresses)
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert len(leaves) >= 2, "the build's two writer processes each wrote a segment"
        for leaf in leaves:
            mapped = arrays_of(leaf)
            assert mapped is not None, leaf.segment().segment_id()
            count = leaf.doc_count_all()
            for field in COLUMNS:
                assert mapped.column(field).tolist() == list(leaf.column_reader(field, translate=False)), field
            for field in ("text", "headline"):
                lengths = [leaf.doc_field_length(docnum, field, 1) for docnum in range(count)]
                assert mapped.lengths(field).tolist() == lengths, field
            for field in VALUE_FIELDS:
                expected = {term: list(leaf.postings(field, term).all_ids()) for term in leaf.lexicon(field)}
                assert {term: docs.tolist() for term, docs in mapped.values(field).items()} == expected, field


def test_the_frequent_words_postings_are_whooshs_own(indexed_archive):
    # Whoosh's writers take batches of documents as they come free, so on a loaded machine one
    # segment may hold a last batch too small for any word to be frequent in it: the commonest
    # words are counted over the whole index, every segment's postings checked.
    frequent = 0
    with index.open_dir(str(current_generation(indexed_archive / "index"))).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            mapped = arrays_of(leaf)
            for word in leaf.lexicon("text"):
                kept = mapped.postings("text", word)
                if leaf.doc_frequency("text", word) < max(FREQUENT_LEAST, FREQUENT_SHARE * leaf.doc_count_all()):
                    assert kept is None, word
                    continue
                frequent += 1
                found, counts, positions = kept
                matcher = leaf.postings("text", word)
                expected = [
                    (matcher.id(), matcher.weight(), list(matcher.value_as("positions"))) for _ in iter_matcher(matcher)
                ]
                got = np.split(positions, np.cumsum(counts)[:-1])
                assert [
                    (d, w, p.tolist()) for d, w, p in zip(found.docs.tolist(), found.weights.tolist(), got, strict=True)
                ] == expected, word
    assert frequent >= 10, "the sample's commonest words are kept"


def test_an_update_writes_the_arrays_of_its_new_segments_only_and_removes_those_merged_away(archive):
    before = segment_folders(archive / "index")
    revise_some_articles(archive / "data", archive / "index", 5)
    after = segment_folders(archive / "index")
    assert set(after) == segments_of(archive / "index"), "every segment has arrays, and no segment gone has"
    assert set(after) - set(before), "the update wrote a new segment"
    kept = set(before) & set(after)
    assert all(after[name] == before[name] for name in kept), "arrays of untouched segments are not rewritten"
    ranks = list((current_generation(archive / "index") / FOLDER).glob("addresses-*.npy"))
    with index.open_dir(str(current_generation(archive / "index"))).reader() as reader:
        assert len(ranks) == 1 and address_ranks(reader) is not None, "one commit's address order, the current one's"


def test_the_arrays_answer_as_the_segments_files_do(archive):
    revise_some_articles(archive / "data", archive / "index", 5)  # deletions too
    from_arrays = answers(SearchService(archive / "index"))
    shutil.rmtree(current_generation(archive / "index") / FOLDER)
    from_files = answers(SearchService(archive / "index"))
    assert from_arrays == from_files
    with Store(archive / "data" / "archive.sqlite3") as store:
        assert from_arrays[0][0] == store.article_count(), "the revised articles' old documents are not counted"


def test_a_process_just_started_counts_facets_and_orders_hits_from_the_mapped_arrays(indexed_archive, monkeypatch):
    def refused(*args: object) -> None:
        raise AssertionError("read from Whoosh's files")

    monkeypatch.setattr(service, "read_postings", refused)
    monkeypatch.setattr("search.postings_cache.field_lengths", refused)
    monkeypatch.setattr(service, "rank_addresses", refused)
    fresh = SearchService(indexed_archive / "index")
    result = fresh.search(SearchRequest(query="published:[2016 TO 2018]", sort="newest"))
    assert result.total and result.facets["section"]
    mapped = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if ".npy" in line}
    generation = current_generation(indexed_archive / "index") / FOLDER
    assert any(Path(path).is_relative_to(generation) for path in mapped), "the arrays are mapped, not copied"


def test_segments_written_side_by_side_are_those_written_one_after_the_other(archive, monkeypatch):
    """A big rebuild writes each segment's arrays in a process of its own; the sample's small
    one writes them in turn, in the indexer's process."""
    from search import segment_arrays

    generation = current_generation(archive / "index")
    in_turn = generation.parent / "in-turn"
    shutil.move(generation / FOLDER, in_turn)
    monkeypatch.setattr(segment_arrays, "SIDE_BY_SIDE", 0)
    assert segment_arrays.write_arrays(generation) == len(segments_of(archive / "index"))
    written = sorted(path.relative_to(generation / FOLDER) for path in (generation / FOLDER).rglob("*"))
    assert written == sorted(path.relative_to(in_turn) for path in in_turn.rglob("*"))
    for name in written:
        if name.suffix == ".npy":
            side_by_side, one_by_one = np.load(generation / FOLDER / name), np.load(in_turn / name)
            assert side_by_side.dtype == one_by_one.dtype and np.array_equal(side_by_side, one_by_one), name
