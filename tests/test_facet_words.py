"""Facet counts from rows of machine words equal the bitmaps' own popcounts."""

from __future__ import annotations

import random

import pytest

from search.facet_words import FacetWords


@pytest.mark.parametrize("documents", [1, 63, 64, 65, 1000, 100_003])
def test_word_popcounts_are_the_bitmaps_popcounts(documents):
    rng = random.Random(documents)
    masks = {f"value {k}": rng.getrandbits(documents) & rng.getrandbits(documents) for k in range(12)}
    masks["none"], masks["all"] = 0, (1 << documents) - 1
    facet = FacetWords.of(masks, documents)
    for _ in range(5):
        matched = rng.getrandbits(documents)
        assert facet.counts(matched).tolist() == [(matched & mask).bit_count() for mask in masks.values()]
    assert facet.values == tuple(masks)


def test_a_facet_without_values_counts_nothing():
    assert FacetWords.of({}, 500).counts(12345).tolist() == []
