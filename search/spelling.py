"""Did you mean: the query as typed, each word the index does not hold replaced by the
nearest word it does hold, everything else (fields, phrases, operators) left as it was.

The text fields hold stems, not words ("defamation" is indexed as `defam`), and a misspelt
word often stems to nothing like its correction: `defamaton` is four edits from `defam`,
so Whoosh's corrector, which compares the query's stem with the indexed stems, finds nothing.
Here a word of a stemmed field is corrected on what was typed. The candidates are the stems
within two edits of its own stem, those within one edit of its first letters (a stem is a
word less its ending), and the stems of every spelling one edit from it; each is shown as the
archive writes it (the form, found in a few of its articles, nearest to what was typed), and
the nearest within two edits, then the most common, wins. The query searches the stem; the
suggestion shows the word, in the case it was typed in. A name, a tag or a Khmer word is
corrected with the nearest term of its field, in its own script.
"""

from __future__ import annotations

import copy
import functools
import re
import string
from collections import Counter
from collections.abc import Iterator

from whoosh import fields, query
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, Token
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.spelling import Correction
from whoosh.support.charset import accent_map

from search.khmer import has_khmer

MAX_EDITS = 2
NEAR_STEMS = 10  # stems near the typed word's own stem that are looked at, most frequent first
MAX_CANDIDATES = 24  # stems whose written forms are looked for, the nearest to the typed word's start first
SAMPLED_ARTICLES = 10  # articles of a stem read for the forms the archive writes it in
WORDS = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)  # the English analysis, unstemmed


def edit_distance(one: str, other: str) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours (`riec` is one from
    `rice`), as a typist makes them."""
    previous2: list[int] = []
    previous = list(range(len(other) + 1))
    for i, a in enumerate(one, 1):
        current = [i]
        for j, b in enumerate(other, 1):
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == other[j - 2] and one[i - 2] == b:
                best = min(best, previous2[j - 2] + 1)
            current.append(best)
        previous2, previous = previous, current
    return previous[-1]


def one_edit(word: str) -> Iterator[str]:
    """Every spelling one edit from `word` (Latin letters)."""
    letters = string.ascii_lowercase
    for k in range(len(word) + 1):
        head, tail = word[:k], word[k:]
        yield from (head + letter + tail for letter in letters)
        if tail:
            yield head + tail[1:]
            yield from (head + letter + tail[1:] for letter in letters if letter != tail[0])
        if len(tail) > 1:
            yield head + tail[1] + tail[0] + tail[2:]


def folded(text: str) -> str | None:
    """`text` as one word, lowercased and without accents, or None if it is not one word."""
    words = [token.text for token in WORDS(text)]
    return words[0] if len(words) == 1 else None


def near_terms(reader: IndexReader, fieldname: str, text: str, maxdist: int) -> set[str]:
    """The field's terms within `maxdist` edits of `text`, in the script of `text` (two Khmer
    letters are as near to two Latin ones as to other Khmer), through each segment's own
    automaton: Whoosh's reader of several segments compares every term of the field instead."""
    found: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        found.update(leaf.terms_within(fieldname, text, maxdist))
    khmer = has_khmer(text)
    return {term for term in found if has_khmer(term) == khmer}


def nearest(reader: IndexReader, fieldname: str, term: str) -> str | None:
    """The term of the field nearest to `term`, the commonest among equals (a word of a
    field that is not stemmed: a name, a tag, a Khmer word)."""
    near = near_terms(reader, fieldname, term, MAX_EDITS) - {term}
    return min(
        near,
        key=lambda found: (edit_distance(term, found), -reader.doc_frequency(fieldname, found), found),
        default=None,
    )


class StemmedCorrector:
    """Corrections of words of one stemmed text field: (the stem to search, the word to show)."""

    def __init__(self, searcher: Searcher, fieldname: str):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.fieldname = fieldname
        self.field = searcher.schema[fieldname]

    def stem(self, word: str) -> str | None:
        """The term the field indexes `word` as (None if it is not one term, or a stop word)."""
        terms = list(self.field.process_text(word, mode="query"))
        return terms[0] if len(terms) == 1 else None

    def correct(self, typed: str, term: str) -> tuple[str, str] | None:
        """The best correction of `typed` (searched as `term`), or None."""
        if has_khmer(term):
            found = nearest(self.reader, self.fieldname, term)
            return (found, found) if found else None
        word = folded(typed) or term
        scored = []
        for stem in self.candidates(word, term):
            shown = self.written(stem, word)
            if shown is not None and (distance := edit_distance(word, shown)) <= MAX_EDITS:
                scored.append((distance, -self.reader.doc_frequency(self.fieldname, stem), shown, stem))
        if not scored:
            return None
        _, _, shown, stem = min(scored)
        return stem, shown

    def candidates(self, word: str, term: str) -> list[str]:
        """Indexed stems that may be the stem of a correction, the likeliest first: those near
        the typed word's own stem, near its first letters (a stem is a word less its ending,
        and `corupton` stems to nothing near `corrupt`), and those of spellings one edit from it."""
        frequency = functools.partial(self.reader.doc_frequency, self.fieldname)
        near = sorted(
            near_terms(self.reader, self.fieldname, term, MAX_EDITS),
            key=lambda stem: (edit_distance(term, stem), -frequency(stem)),
        )
        found = set(near[:NEAR_STEMS])
        for size in range(max(4, len(word) - 4), len(word)):
            found |= near_terms(self.reader, self.fieldname, word[:size], 1)
        if word.isalpha() and word.isascii():
            for spelling in set(one_edit(word)):
                stem = self.stem(spelling)
                if stem is not None and (self.fieldname, stem) in self.reader:
                    found.add(stem)
        found.discard(term)
        return sorted(found, key=lambda stem: (edit_distance(word[: len(stem)], stem), stem))[:MAX_CANDIDATES]

    def written(self, stem: str, word: str) -> str | None:
        """The form of `stem` the archive writes that is nearest to `word` (the commonest among
        equals), from a few articles that have it; a stem that is itself a word stands for itself."""
        forms: Counter[str] = Counter()
        head = re.compile(r"\b" + re.escape(stem[:-1] if len(stem) > 1 else stem) + r"\w*", re.IGNORECASE)
        for number, docnum in enumerate(self.reader.postings(self.fieldname, stem).all_ids()):
            if number == SAMPLED_ARTICLES:
                break
            stored = self.searcher.stored_fields(docnum)
            text = " ".join(value for value in stored.values() if isinstance(value, str))
            for found in head.findall(text):
                form = folded(found)
                if form is not None and self.stem(form) == stem:
                    forms[form] += 1
        if not forms:
            return stem if self.stem(stem) == stem else None
        return min(forms, key=lambda form: (edit_distance(word, form), -forms[form], form))


def as_typed(shown: str, typed: str) -> str:
    """The correction in the case the word was typed in (Defamaton → Defamation)."""
    if len(typed) > 1 and typed.isupper():
        return shown.upper()
    return shown[:1].upper() + shown[1:] if typed[:1].isupper() else shown


def corrected(parsed: query.Query, text: str, searcher: Searcher) -> Correction:
    """`parsed` (read from `text`) with every word the index does not hold corrected, and
    `text` with those words rewritten in place."""
    reader = searcher.reader()
    stemmed: dict[str, StemmedCorrector] = {}
    fixed = copy.deepcopy(parsed)  # Whoosh replaces a phrase's words in place
    changed: list[Token] = []
    for token in parsed.all_tokens():
        name = token.fieldname
        if name not in searcher.schema or (name, token.text) in reader or token.startchar is None:
            continue
        typed = text[token.startchar : token.endchar]
        if isinstance(searcher.schema[name], fields.TEXT):
            correction = stemmed.setdefault(name, StemmedCorrector(searcher, name)).correct(typed, token.text)
        else:
            found = nearest(reader, name, token.text)
            correction = (found, found) if found else None
        if correction is None:
            continue
        term, shown = correction
        fixed = fixed.replace(name, token.text, term)
        token.original, token.text = token.text, as_typed(shown, typed)
        changed.append(token)
    return Correction(parsed, text, fixed, sorted(changed, key=lambda token: token.startchar))
