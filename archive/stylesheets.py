"""The addresses a stylesheet names (`url(…)`, `@import "…"`): what the crawler fetches with it
and what a replay points back into the archive."""

from __future__ import annotations

import re
from collections.abc import Callable

CSS_ADDRESS = re.compile(r"""(url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)


def css_addresses(css: str) -> list[str]:
    """The addresses named, as written, in order, without data: ones."""
    return [match.group(2) for match in CSS_ADDRESS.finditer(css) if not match.group(2).startswith("data:")]


def rewritten(css: str, change: Callable[[str], str]) -> str:
    """The stylesheet with each address it names replaced by `change(address)`."""
    return CSS_ADDRESS.sub(lambda match: match.group(1) + change(match.group(2)), css)
