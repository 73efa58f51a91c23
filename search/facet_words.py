"""Facet counts as popcounts over machine words. Each value of a facet has a bitmap of its
articles (bit n for document n); the values of one facet are the rows of one array of 64-bit
words, so counting a result set's articles in every value is one AND of the result's words
with the array and one popcount per word (`np.bitwise_count`), not a Python operation per
value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WORD_BITS = 64


def as_words(bits: int, words: int) -> np.ndarray:
    """A bitmap (a non-negative int) as `words` little-endian 64-bit words."""
    return np.frombuffer(bits.to_bytes(words * WORD_BITS // 8, "little"), dtype=np.uint64)


@dataclass(frozen=True)
class FacetWords:
    """The values of one facet and their bitmaps, one row of words each."""

    values: tuple[str, ...]
    rows: np.ndarray  # (values, words) of uint64

    @classmethod
    def of(cls, masks: dict[str, int], documents: int) -> FacetWords:
        words = -(-documents // WORD_BITS)
        rows = [as_words(mask, words) for mask in masks.values()]
        return cls(tuple(masks), np.stack(rows) if rows else np.zeros((0, words), dtype=np.uint64))

    def counts(self, bits: int) -> np.ndarray:
        """How many of each value's articles are set in the bitmap `bits`."""
        return np.bitwise_count(self.rows & as_words(bits, self.rows.shape[1])).sum(axis=1, dtype=np.int64)
