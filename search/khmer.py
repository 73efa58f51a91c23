"""Khmer words in the index and in queries.

Khmer writes no spaces between words, and its vowel signs and subscript consonants are not
word characters to a regular expression: the English analyzer cut `ពេល` ("time") into one-letter
pieces and dropped them. Here each run of Khmer script goes to a word segmenter and the rest of
the text to the English analyzer, in one stream of positions and character offsets, so phrases
and highlights work across both.

The segmenter is khmercut (Apache-2.0; its CRF model ships in the package): word F1 0.935
measured on Khmer news. ICU's word break measured F1 0.72; khmer-nltk gives the same words as
khmercut with a far heavier install. khmercut's model is scored by search/khmer_segmenter.py,
which gives khmercut's words in a third of its time; cutting words is still most of what
indexing a Khmer article costs, so a piece cut once is remembered (`word_ends`). The index
format names khmercut's version (`SEGMENTER`): another version may cut words elsewhere, and an
index cut by it is rebuilt rather than searched with other words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from importlib.metadata import version

from whoosh import query
from whoosh.analysis import Composable, Token, Tokenizer
from whoosh.qparser import QueryParser

from search.khmer_segmenter import khmercut_model

SEGMENTER = f"khmercut-{version('khmercut')}"
KHMER = "\u1780-\u17ff\u19e0-\u19ff"  # the Khmer and Khmer Symbols blocks
KHMER_RUN = re.compile(f"[{KHMER}]+")
# Within a run, what the segmenter gets: letters, signs and symbols between Khmer punctuation
# (។ ៕ ៖ ៗ ៘ ៙ ៚ and the riel sign ៛, U+17D4–U+17DB), which is a word boundary like a space or
# a zero-width space (U+200B, outside the blocks). Khmer digits are made ASCII first.
KHMER_PIECE = re.compile("[\u1780-\u17d3\u17dc-\u17ff\u19e0-\u19ff]+")
ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
# Two spellings that look and read the same: the subscript DA (្ដ) and the subscript TA (្ត),
# which writers use one for the other (ស្ដ្រី, ស្ត្រី: "woman"). A word is indexed and searched
# with the subscript TA, so either spelling finds both.
LOOK_ALIKE = ("\u17d2\u178a", "\u17d2\u178f")
CACHED_PIECES = 50_000  # headlines are analysed four times, and short phrases recur


def has_khmer(text: str) -> bool:
    return KHMER_RUN.search(text) is not None


@functools.lru_cache(maxsize=CACHED_PIECES)
def word_ends(piece: str) -> tuple[int, ...]:
    """Where each word of a piece of Khmer (no spaces, digits or punctuation in it) ends."""
    ends, end = [], 0
    for word in khmercut_model().words(piece):
        end += len(word)
        ends.append(end)
    return tuple(ends)


class KhmerTokenizer(Tokenizer):
    """Khmer words from the segmenter, everything else from the English analyzer `english`: a
    text with Khmer in it is numbered as one stream (stop words leave no gap), its Khmer digits
    read as ASCII ones so that `២០១៦` is `2016`. Khmer words skip the English filters: no stop
    list, no stemming, and one-letter words (`ឬ`, "or") stay."""

    def __init__(self, english: Composable):
        self.english = english

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        options = dict(positions=positions, chars=chars, keeporiginal=keeporiginal, removestops=removestops, mode=mode)
        options |= kwargs
        if not has_khmer(value):  # most text: the English analyzer's own stream, as fast as it is
            return self.english(value, start_pos=start_pos, start_char=start_char, tokenize=tokenize, **options)
        if not tokenize:  # a prefix or wildcard: one token, as it is
            token = _word(Token(**options), value, start_pos, start_char, start_char + len(value), keeporiginal)
            return iter([token])
        return self._mixed(value.translate(ASCII_DIGITS), start_pos, start_char, options)

    def _mixed(self, value: str, pos: int, start_char: int, options: dict) -> Iterator[Token]:
        khmer, keeporiginal = Token(**options), options["keeporiginal"]
        done = 0
        for run in (*KHMER_RUN.finditer(value), None):
            end = run.start() if run else len(value)
            if end > done:
                for token in self.english(value[done:end], start_char=start_char + done, **options):
                    token.pos = pos
                    pos += not token.stopped
                    yield token
            if run is None:
                return
            for piece in KHMER_PIECE.finditer(value, run.start(), run.end()):
                start = piece.start()
                for end in word_ends(piece.group()):
                    end += piece.start()
                    yield _word(khmer, value[start:end], pos, start_char + start, start_char + end, keeporiginal)
                    pos, start = pos + 1, end
            done = run.end()


def _word(token: Token, text: str, pos: int, startchar: int, endchar: int, keeporiginal: bool) -> Token:
    """`token` made one Khmer word (Whoosh's tokenizers reuse one token object), in the one
    spelling of its look-alikes."""
    token.text, token.boost, token.stopped = text.replace(*LOOK_ALIKE), 1.0, False
    token.pos, token.startchar, token.endchar = pos, startchar, endchar
    if keeporiginal:
        token.original = text
    return token


class KhmerQueryParser(QueryParser):
    """Whoosh's query parser, reading a word that the analyzer cuts into several Khmer words
    (Khmer is written without spaces) as those words one after the other, as written, and
    noting where each of them is in the query, so that "did you mean" can write a correction
    of one back into the query's text."""

    def parse(self, text: str, normalize: bool = True, debug: bool = False) -> query.Query:
        def placed(node: query.Query) -> query.Query:
            start = getattr(node, "startchar", None)
            if isinstance(node, query.Phrase) and node.char_ranges is None and start is not None:
                words = self.schema[node.fieldname].tokenize(text[start : node.endchar], mode="query", chars=True)
                ranges = [(start + word.startchar, start + word.endchar) for word in words]
                node.char_ranges = ranges if len(ranges) == len(node.words) else None
            return node

        parsed = super().parse(text, False, debug).accept(placed)  # normalising drops the places
        return parsed.normalize() if normalize else parsed

    def multitoken_query(
        self, spec: str, texts: list[str], fieldname: str, termclass: type, boost: float
    ) -> query.Query:
        if any(map(has_khmer, texts)):
            return query.Phrase(fieldname, texts, boost=boost)
        return super().multitoken_query(spec, texts, fieldname, termclass, boost)
