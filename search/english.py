"""The English analysis of every text field, in fewer steps than Whoosh's chain of filters.

Whoosh runs each token through one Python generator per filter: lower case, accent folding,
stop words, stemming, four layers for every one of the millions of tokens an index build
meets, and its stemmer's cache is a Python wrapper of its own. Here the first three are one
step, an ASCII token (nearly all English) skips the accent table (which maps no ASCII letter
once lower-cased), and stems are remembered in a plain dict. The tokens are those of
`RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter() |
StemFilter()`, attribute for attribute; tests/test_english.py holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.analysis import STOP_WORDS, Filter, StemFilter, Token
from whoosh.support.charset import accent_map

SHORTEST_WORD = 2  # StopFilter's default: a one-letter token is a stop word
REMEMBERED_STEMS = 200_000  # words whose stems are kept; past that the memory starts again


class FoldAndStop(Filter):
    """Lower case, accents folded, and stop words taken out (or, when asked to keep them,
    marked), the positions of the rest renumbered without gaps, as Whoosh's three filters do."""

    def __init__(self) -> None:
        self.stops = frozenset(STOP_WORDS)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stops = self.stops
        pos = None
        for token in tokens:
            text = token.text.lower()
            if not text.isascii():
                text = text.translate(accent_map)
            token.text = text
            if len(text) >= SHORTEST_WORD and text not in stops:
                if token.positions:
                    if pos is None:
                        pos = token.pos
                    else:
                        pos += 1
                        token.pos = pos
                token.stopped = False
                yield token
            elif not token.removestops:
                token.stopped = True
                yield token


class RememberedStem(StemFilter):
    """Whoosh's English stemmer with its stems kept in a dict (its own cache wraps every call
    in Python); still a morphological filter, which analysis without stemming leaves out."""

    def __init__(self) -> None:
        super().__init__(cachesize=None)
        self._stems: dict[str, str] = {}

    def __getstate__(self) -> dict:
        return {key: value for key, value in super().__getstate__().items() if key != "_stems"}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._stems = {}

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stems, stem = self._stems, self.stemfn
        for token in tokens:
            if not token.stopped:
                text = token.text
                found = stems.get(text)
                if found is None:
                    if len(stems) >= REMEMBERED_STEMS:
                        stems.clear()
                    found = stems[text] = stem(text)
                token.text = found
            yield token
