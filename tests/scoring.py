"""How a parsed record is scored against the ground truth."""

from __future__ import annotations

from collections import Counter


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
