"""How a parsed record is scored against the ground truth."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass


def token_f1(got: list[str], want: list[str]) -> float:
    """F1 of the multisets of whitespace tokens of two bodies (1.0 when both are empty)."""
    got_tokens, want_tokens = Counter(" ".join(got).split()), Counter(" ".join(want).split())
    if not got_tokens and not want_tokens:
        return 1.0
    common = sum((got_tokens & want_tokens).values())
    if common == 0:
        return 0.0
    precision = common / sum(got_tokens.values())
    recall = common / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


# The Article Extraction Benchmark's measure (scrapinghub/article-extraction-benchmark): the
# sets of 4-word shingles of the marked and the extracted body, words being runs of \w.
SHINGLE_WORDS = 4
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ShingleScore:
    """Shingle precision and recall of one page (1.0 each when both bodies are empty)."""

    precision: float
    recall: float


def shingles(text: str) -> set[tuple[str, ...]]:
    words = WORD.findall(text)
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def shingle_score(got: str, want: str) -> ShingleScore:
    found, marked = shingles(got), shingles(want)
    right, wrong, missed = len(found & marked), len(found - marked), len(marked - found)
    if wrong == missed == 0:
        return ShingleScore(1.0, 1.0)
    precision = right / (right + wrong) if right + wrong else 0.0
    recall = right / (right + missed) if right + missed else 0.0
    return ShingleScore(precision, recall)


def benchmark_f1(scores: list[ShingleScore]) -> tuple[float, float, float]:
    """Precision and recall averaged over pages, and the F1 of those two averages, as the
    benchmark reports them."""
    precision = sum(s.precision for s in scores) / len(scores)
    recall = sum(s.recall for s in scores) / len(scores)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
