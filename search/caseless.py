"""Field values (author:, tag:, section:, …) match without regard to case: the facet fields
keep each value as printed ("Meas Sokchea", "Hun Sen"), for facets and filters, and a query's
value is widened to every stored value that differs from it in case only."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from whoosh import query

from search.schema import CASELESS_FIELDS


def caseless(parsed: query.Query, values: dict[str, Iterable[str]]) -> query.Query:
    """`parsed` with each term, prefix or wildcard of a caseless field standing for the
    stored values (`values[field]`) equal to it when case is ignored."""
    folded: dict[str, dict[str, list[str]]] = {}  # only the fields the query names: most name none

    def widen(node: query.Query) -> query.Query:
        field = getattr(node, "fieldname", None)
        if (
            field not in CASELESS_FIELDS
            or field not in values
            or not isinstance(node, query.Term | query.Prefix | query.Wildcard)
        ):
            return node.apply(widen) if not node.is_leaf() else node
        if field not in folded:
            folded[field] = _by_fold(values[field])
        by_fold = folded[field]
        wanted = node.text.casefold()
        if isinstance(node, query.Prefix):
            matched = [v for key, same in by_fold.items() if key.startswith(wanted) for v in same]
        elif isinstance(node, query.Wildcard):
            matched = [v for key, same in by_fold.items() if fnmatch.fnmatchcase(key, wanted) for v in same]
        else:
            matched = by_fold.get(wanted, [])
        if not matched:
            return node
        terms = [query.Term(field, value) for value in sorted(matched)]
        return terms[0].with_boost(node.boost) if len(terms) == 1 else query.Or(terms, boost=node.boost)

    return widen(parsed)


def _by_fold(values: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for value in values:
        found.setdefault(value.casefold(), []).append(value)
    return found
