"""The articles an export is about: those a query and facet filters match, read from the index
one at a time in index order, so that an export of the whole archive holds one article in
memory at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from search.export_rows import csv_row
from search.service import Hit, SearchRequest, SearchService, restricted, to_hit, validate


@dataclass
class Selection:
    """How many articles match, in which index version, and the articles themselves."""

    total: int
    index_version: str
    service: SearchService
    request: SearchRequest

    def hits(self) -> Iterator[Hit]:
        """Every match as the search results show it (no snippet marks), in index order."""
        searcher = self.service.searcher()
        narrowed = restricted(self.service.parse(self.request.query, searcher), self.request)
        for docnum in narrowed.docs(searcher):
            yield to_hit(searcher.stored_fields(docnum), {})

    def csv_rows(self) -> Iterator[list[str]]:
        return (csv_row(hit) for hit in self.hits())


def select(service: SearchService, request: SearchRequest) -> Selection:
    """The selection of `request` (query, filters, excludes); a query that cannot be answered
    raises the service's QueryError."""
    validate(request)
    first = service.search(
        SearchRequest(
            query=request.query, filters=request.filters, excludes=request.excludes, page_size=1, histogram=None
        )
    )
    return Selection(first.total, first.index_version, service, request)
