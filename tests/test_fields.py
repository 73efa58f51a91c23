"""The record's fields are declared once (archive/fields.py) and everything else follows from
them: every row is in the Whoosh schema, the index document, the hit, the export columns, the
web parameters and the OpenAPI document exactly as the row says, and docs/record.schema.json
is the schema the rows make."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict

import pytest
from whoosh import fields as whoosh_fields

from archive.fields import FIELDS, RECORD_SCHEMA_COPY, Field, Indexed, record_schema_text
from archive.model import Article, Image
from search.documents import DERIVED, DOCUMENT_FORMAT, index_layout, to_document
from search.export_rows import COLUMNS, csv_row, json_row
from search.schema import CASELESS_FIELDS, FACETS, INDEXED, QUERY_FIELDS, SortKey, build_schema, date_text
from search.service import HIT_FIELDS, Hit, SearchRequest, to_hit, validate

WHOOSH_TYPES = {
    Indexed.TEXT: whoosh_fields.TEXT,
    Indexed.KEYWORDS: whoosh_fields.KEYWORD,
    Indexed.ID: whoosh_fields.ID,
    Indexed.DATE: whoosh_fields.DATETIME,
    Indexed.STORED: whoosh_fields.STORED,
    Indexed.SORT: SortKey,
    Indexed.FLAG: whoosh_fields.ID,
}
RECORD = Article(
    url="https://www.phnompenhpost.com/business/rice-exports-rise",
    site="phnompenhpost.com",
    era="modern",
    language="en",
    headline="Rice exports rise",
    standfirst="More rice left the country.",
    authors=["May Kunmakara", "Post Staff"],
    byline="May Kunmakara and Post Staff",
    published="2016-03-11T09:30:00+07:00",
    published_precision="minute",
    section="business",
    tags=["rice", "ASEAN"],
    images=[Image("https://www.phnompenhpost.com/a.jpg", "A rice field.", "Heng Chivoan")],
    body=["Exports rose.", "Prices fell."],
    word_count=4,
).to_dict()


def test_the_record_schema_copy_is_current(repo_root):
    assert (repo_root / RECORD_SCHEMA_COPY).read_text(encoding="utf-8") == record_schema_text(), (
        f"{RECORD_SCHEMA_COPY} is out of date: python -m archive.fields > {RECORD_SCHEMA_COPY}"
    )


def test_every_field_of_the_model_has_one_row_and_every_record_row_is_in_the_model():
    names = [row.name for row in FIELDS]
    assert len(names) == len(set(names))
    assert {row.name for row in FIELDS if row.schema is not None} == {f.name for f in dataclasses.fields(Article)}
    assert all(row.schema is None for row in FIELDS if row.derived)


@pytest.mark.parametrize("row", INDEXED, ids=lambda row: row.name)
def test_every_indexed_row_is_in_the_whoosh_schema_as_it_says(row):
    schema = build_schema()
    found = schema[row.key]
    assert type(found) is WHOOSH_TYPES[row.index]
    assert found.stored == (row.stored or row.index is Indexed.STORED)
    if row.facet or row.sortable:
        assert found.column_type is not None
    if row.query or row.facet or row.caseless:
        assert found.indexed, f"{row.name} is named in queries or filters but not searchable"
    if row.index is Indexed.DATE:
        assert type(schema[date_text(row.key)]) is whoosh_fields.STORED


def test_the_facet_query_and_caseless_lists_follow_the_rows():
    for row in FIELDS:
        assert (row.key in FACETS) == bool(row.facet) and (row.key in QUERY_FIELDS) == bool(row.query), row.name
        assert (row.key in CASELESS_FIELDS) == row.caseless, row.name
        assert not row.facet or FACETS[row.facet - 1] == row.key
        assert not row.query or QUERY_FIELDS[row.query - 1] == row.key


def test_every_indexed_row_is_in_the_document_with_the_records_value():
    document = to_document(RECORD, None)
    assert {row.name for row in INDEXED if row.derived} == DERIVED.keys()
    for row in INDEXED:
        assert row.key in document, row.name
    assert document["author"] == "May Kunmakara,Post Staff" and document["body"] == "Exports rose.\n\nPrices fell."
    assert document[date_text("published")] == RECORD["published"]


def test_the_hit_has_every_hit_row_and_reads_the_record_back():
    assert [(f.name, f.type) for f in dataclasses.fields(Hit)] == [(row.name, row.hit) for row in HIT_FIELDS]
    schema = build_schema()
    document = to_document(RECORD, None)
    hit = asdict(to_hit({name: value for name, value in document.items() if schema[name].stored}, {}))
    for row in HIT_FIELDS:
        if row.schema is not None:
            assert hit[row.name] == RECORD[row.name], row.name
    assert all(hit[row.name] is not None for row in HIT_FIELDS if row.index is None), "a hit field nothing makes"
    assert hit["best_rank"] is None and hit["hours_listed"] == 0 and hit["popularity"] == "never"
    assert hit["snippet"] == "Exports rose. Prices fell." and hit["headline_html"] == "Rice exports rise"


def test_the_export_columns_are_the_exported_rows_in_their_declared_order():
    for row in FIELDS:
        assert (row.name in COLUMNS) == bool(row.export), row.name
    places = sorted(row.export for row in FIELDS if row.export)
    assert places == list(range(1, len(COLUMNS) + 1)), "each column has a place of its own, none left out"
    assert [next(row.name for row in FIELDS if row.export == place) for place in places] == COLUMNS
    assert all(row.hit is not None for row in FIELDS if row.export), "a column is something a hit shows"
    hit = to_hit(to_document(RECORD, None), {})
    assert list(json_row(hit)) == COLUMNS and len(csv_row(hit)) == len(COLUMNS)
    assert csv_row(hit)[COLUMNS.index("authors")] == "May Kunmakara|Post Staff"


def test_a_facet_row_is_a_web_filter_an_exclusion_and_a_search_filter():
    from web.params import SEARCH_PARAMS, search_request

    params = {param.name: param for param in SEARCH_PARAMS}
    assert params["more"].choices == FACETS
    for name in FACETS:
        assert params[name].repeatable and params[f"not-{name}"].repeatable
        asked = search_request({name: ["x"], f"not-{name}": ["y"]})
        assert asked.filters == {name: ["x"]} and asked.excludes == {name: ["y"]}
        validate(SearchRequest(filters={name: ["x"]}))


def test_the_openapi_hit_has_every_hit_row_and_the_record_is_the_rows_schema():
    from web.openapi import document, schema_of

    schemas = document()["components"]["schemas"]
    hit = schemas["Hit"]
    assert list(hit["properties"]) == hit["required"] == [row.name for row in HIT_FIELDS]
    for row in HIT_FIELDS:
        assert hit["properties"][row.name] == schema_of(row.hit)
    article = schemas["Record_article"]
    assert article["required"] == [f.name for f in dataclasses.fields(Article)]
    assert set(article["properties"]) == {row.name for row in FIELDS if row.schema is not None}
    search = {p["name"] for p in document()["paths"]["/search"]["get"]["parameters"]}
    assert {*FACETS, *(f"not-{name}" for name in FACETS)} <= search


def test_a_field_added_to_the_registry_gives_indexes_another_format():
    kicker = Field("kicker", index=Indexed.ID, facet=len(FACETS) + 1, caseless=True, hit=str | None)
    assert DOCUMENT_FORMAT.endswith(index_layout(FIELDS))
    assert index_layout((*FIELDS, kicker)) != index_layout(FIELDS), "an old index would be updated, not rebuilt"
