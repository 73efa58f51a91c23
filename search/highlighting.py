"""The analysis that snippets are cut from, done once per distinct word instead of once per
word of every hit's text. Highlighting re-analyses each hit's whole body to find where the
query's words are; the English chain (lower case, accents, stop words, stemming) is a
generator per filter per token, most of a search's time. Each filter acts on one token at a
time, so a word's analysis is the same wherever it stands: here the tokenizer's words are
looked up in a table of what the chain made of each before, and only a new word goes through
it. Text with Khmer in it takes the analyzer's own path (search/khmer.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import Composable, RegexTokenizer, Token

from search.khmer import KhmerTokenizer, has_khmer

REMEMBERED_WORDS = 200_000  # distinct words kept; past that the table starts again


class SnippetAnalyzer:
    """`analyzer`'s tokens for highlighting (chars, no stop words removed), the same texts,
    stop marks and character offsets, from a table of analysed words."""

    def __init__(self, analyzer: KhmerTokenizer):
        self.analyzer = analyzer
        chain: Composable = analyzer.english
        tokenizer = chain.items[0]
        if not isinstance(tokenizer, RegexTokenizer) or tokenizer.gaps:
            raise TypeError("the English chain must start with a RegexTokenizer that matches words")
        self.words = tokenizer.expression
        self.filters = chain.items[1:]
        self._analysed: dict[str, tuple[tuple[str, bool], ...]] = {}
        self._lock = threading.Lock()

    def __call__(self, value: str, **options: Any) -> Iterator[Token]:
        if has_khmer(value):
            return self.analyzer(value, **options)
        return self._tokens(value)

    def _tokens(self, value: str) -> Iterator[Token]:
        token = Token(positions=True, chars=True, removestops=False, mode="query")
        analysed = self._analysed
        for position, word in enumerate(self.words.finditer(value)):
            text = word.group()
            found = analysed.get(text)
            if found is None:
                found = self._analyse(text)
            for token.text, token.stopped in found:  # one, or none for a word the chain drops
                token.pos, token.startchar, token.endchar = position, word.start(), word.end()
                token.boost, token.matched = 1.0, False
                yield token

    def _analyse(self, word: str) -> tuple[tuple[str, bool], ...]:
        """What the chain's filters make of one word alone: its tokens' texts and stop marks."""
        token = Token(positions=True, chars=True, removestops=False, mode="query")
        token.text, token.original, token.stopped, token.boost = word, word, False, 1.0
        token.pos, token.startchar, token.endchar = 0, 0, len(word)
        stream: Iterator[Token] = iter([token])
        for step in self.filters:
            stream = step(stream)
        found = tuple((out.text, bool(out.stopped)) for out in stream)
        with self._lock:
            if len(self._analysed) >= REMEMBERED_WORDS:
                self._analysed = {}
            self._analysed[word] = found
        return found
