"""A correction to Whoosh 2.7.4's AndNot matcher (`a ANDNOT b`, used for NOT and for excluded
facet values): on creation and reset it skipped the excluded matcher forward only when both
already stood on the same document, so a segment's first match was let through whenever the
excluded term's first document came before it ("tag:defamation" with "year!=2024" kept the
2024 article). Whoosh is pinned and unmaintained, so the fix is applied here, once, on import
of the search package."""

from __future__ import annotations

from whoosh.matching.binary import AndNotMatcher


def _find_first(self: AndNotMatcher) -> None:
    """Move past every leading document of `a` that `b` excludes, wherever `b` starts."""
    if self.a.is_active() and self.b.is_active():
        self._find_next()


AndNotMatcher._find_first = _find_first
