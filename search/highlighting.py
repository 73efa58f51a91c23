"""The analysis that snippets are cut from, done once per distinct word instead of once per
word of every hit's text. Highlighting re-analyses each hit's whole body to find where the
query's words are; the English chain (lower case, accents, stop words, stemming) is a
generator per filter per token, most of a search's time. Each filter acts on one token at a
time, so a word's analysis is the same wherever it stands: here the tokenizer's words are
looked up in a table of what the chain made of each before, and only a new word goes through
it. And a long body's snippet is cut from the passages around the query's words only
(`around`): the words are found by a regular expression of their stems' beginnings, each
candidate checked against the table, and only the words near a match, all a fragment can
reach, are made tokens and highlighted. Text with Khmer in it takes the analyzer's own path
(search/khmer.py)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from whoosh.analysis import Composable, RegexTokenizer, Token
from whoosh.highlight import ContextFragmenter

from search.khmer import KhmerTokenizer, has_khmer

REMEMBERED_WORDS = 200_000  # distinct words kept; past that the table starts again
PASSAGES_WORTH_IT = 4  # a text is cut to passages only if longer than this many passages' reach
SPARE_WORDS = 2
STEM_CHANGES = 2  # the English stemmer keeps a word's beginning, changing at most its stem's last letters
WORD_CHARACTER = re.compile(r"\w")
WORDS = r"\w+(\.?\w+)*"  # the tokenizer's words, which the passages are cut between
IN_A_WORD = re.compile(r"[\w.]")  # what those words are made of
BEYOND_ASCII = re.compile(r"(?![\x00-\x7f])\w")


def _beginnings(matching: frozenset[str]) -> re.Pattern[str] | None:
    """A pattern that finds, in ASCII text, every word whose analysis could be one of the
    matching words: a word starting with one's beginning (all but its last letters, which
    the stemmer may have changed), in any case."""
    if not matching or not all(word.isascii() for word in matching):
        return None  # a word outside ASCII: its forms cannot be spelled out here
    beginnings = sorted({word[: max(1, len(word) - STEM_CHANGES)] for word in matching})
    return re.compile(r"\b(?:" + "|".join(map(re.escape, beginnings)) + ")", re.IGNORECASE)


def _run(value: str, inside: int) -> tuple[int, int]:
    """The run of word characters and dots around `inside`: words never cross its ends."""
    start = end = inside
    while start > 0 and IN_A_WORD.match(value, start - 1):
        start -= 1
    while end < len(value) and IN_A_WORD.match(value, end):
        end += 1
    return start, end


def _merged(passages: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(passages):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


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
        self.passages = self.words.pattern == WORDS  # the words `_run` knows how to find the ends of
        self.filters = chain.items[1:]
        self._analysed: dict[str, tuple[tuple[str, bool], ...]] = {}
        self._lock = threading.Lock()

    def __call__(self, value: str, **options: Any) -> Iterator[Token]:
        if has_khmer(value):
            return self.analyzer(value, **options)
        return self._tokens(value, [(0, len(value))])

    def around(self, matching: frozenset[str], context: ContextFragmenter) -> Callable[..., Iterator[Token]]:
        """An analyzer giving `context` what it needs to cut the fragments it cuts from every
        token: the tokens near a token in `matching`. Before a match, a fragment takes the
        tokens within `surround` characters of text of the end of the word before the match
        (however far back that one is); after it, it runs on until its tokens' own characters
        (not the spaces between) pass `surround` twice or `maxchars`. So a passage runs from
        `maxchars + surround` characters before the end of the word before each match to two
        words past `maxchars + 2 * surround` characters of words after it. A text this does
        not pay for, or cannot find words in exactly, is given whole: a short one, one past
        the fragmenter's character limit, one with Khmer, or with letters outside ASCII (an
        accent folds a letter into another, a ligature into two)."""
        before, after = context.maxchars + context.surround, context.maxchars + 2 * context.surround
        finder = _beginnings(matching)

        def analyse(value: str, **options: Any) -> Iterator[Token]:
            if has_khmer(value):
                return self.analyzer(value, **options)
            beyond = bool(context.charlimit) and len(value) > context.charlimit
            whole = beyond or len(value) <= PASSAGES_WORTH_IT * (before + after)
            if finder is None or whole or not self.passages or BEYOND_ASCII.search(value):
                return self._tokens(value, [(0, len(value))])
            candidates = list(finder.finditer(value))
            if len(candidates) * (before + after) >= len(value):  # the passages would be the whole text
                return self._tokens(value, [(0, len(value))])
            passages = []
            for candidate in candidates:
                start, end = _run(value, candidate.start())
                for word in self.words.finditer(value, start, end):
                    if any(text in matching for text, _ in self._analysed_word(word.group())):
                        passages.append((self._back(value, word.start(), before), self._on(value, word.end(), after)))
            return self._tokens(value, _merged(passages))

        return analyse

    def _back(self, value: str, start: int, reach: int) -> int:
        """Where a passage must begin for a match at `start`: `reach` characters before the
        end of the word before it (a token: with stop words kept, as highlighting keeps
        them, the chain drops no word), at the beginning of a word."""
        previous = start
        while previous > 0 and not WORD_CHARACTER.match(value, previous - 1):
            previous -= 1
        return _run(value, max(0, previous - reach))[0]

    def _on(self, value: str, end: int, reach: int) -> int:
        """Where a passage must end for a match ending at `end`: two words past the word where
        the words' own characters after it reach `reach`."""
        counted, spare = 0, SPARE_WORDS
        for word in self.words.finditer(value, end):
            if counted >= reach:
                spare -= 1
                if spare < 0:
                    return word.start()
            counted += (word.end() - word.start()) * len(self._analysed_word(word.group()))
        return len(value)

    def _analysed_word(self, text: str) -> tuple[tuple[str, bool], ...]:
        found = self._analysed.get(text)
        return self._analyse(text) if found is None else found

    def _tokens(self, value: str, passages: list[tuple[int, int]]) -> Iterator[Token]:
        """The tokens of the words of the passages (each beginning and ending between words)."""
        token = Token(positions=True, chars=True, removestops=False, mode="query")
        position = 0
        for start, end in passages:
            for word in self.words.finditer(value, start, end):
                for token.text, token.stopped in self._analysed_word(word.group()):  # one, or none if dropped
                    token.pos, token.startchar, token.endchar = position, word.start(), word.end()
                    token.boost, token.matched = 1.0, False
                    yield token
                position += 1

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
