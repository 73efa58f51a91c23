"""The index writer's chunked pool writes the index Whoosh's own pool writes, posting for
posting, when both spill run files many times over."""

from __future__ import annotations

from pathlib import Path

from whoosh import index
from whoosh.writing import PostingPool

from search.documents import to_document
from search.schema import build_schema
from search.writer_pool import ChunkedPostingPool, pool_in_chunks

LIMIT_MB = 1  # a run file every few articles


def build(folder: Path, documents: list[dict], chunked: bool) -> int:
    """Write the documents into a new index; the number of run files the pool wrote."""
    folder.mkdir()
    writer = index.create_in(str(folder), build_schema()).writer(limitmb=LIMIT_MB, compound=False)
    if chunked:
        pool_in_chunks(writer)
    assert type(writer.pool) is (ChunkedPostingPool if chunked else PostingPool)
    runs = 0
    new_run = writer.pool._new_run

    def counted() -> tuple:
        nonlocal runs
        runs += 1
        return new_run()

    writer.pool._new_run = counted
    for document in documents:
        writer.add_document(**document)
    writer.commit()
    return runs


def everything(folder: Path) -> tuple:
    with index.open_dir(str(folder)).reader() as reader:
        postings = {}
        for field in reader.indexed_field_names():
            for term in reader.lexicon(field):
                matcher = reader.postings(field, term)
                found = []
                while matcher.is_active():
                    found.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                postings[field, term] = found
        lengths = [reader.doc_field_length(docnum, "text") for docnum in range(reader.doc_count_all())]
        return postings, list(reader.all_stored_fields()), lengths


def test_the_chunked_pool_writes_whooshs_index(corpus, tmp_path):
    documents = [to_document(corpus.article(number).truth(corpus.config.end), None) for number in corpus.order[:150]]
    whooshs = build(tmp_path / "whoosh", documents, chunked=False)
    chunked = build(tmp_path / "chunked", documents, chunked=True)
    assert whooshs == chunked and chunked >= 5, "both pools spilled the same runs, many of them"
    assert everything(tmp_path / "chunked") == everything(tmp_path / "whoosh")
