"""An offline replica of The Phnom Penh Post: a deterministic generator, its ground truth,
and an HTTP server on 127.0.0.1. It knows nothing of the crawler or the parser."""

from collections.abc import Callable, Iterable

Wrap = Callable[[Iterable, int, str], Iterable]
"""A progress wrapper for long loops: (items, expected count, unit) -> the same items."""
