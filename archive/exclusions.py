"""What the archive withholds: addresses, or prefixes of addresses, each with the reason and the
day it was decided (a takedown request granted, a court order, a source's safety). Withheld
material stays in the WARC files and the store unless a purge is asked for; search, article
pages, replays, raw captures, exports and bundles leave it out.

An entry names a page by its path and query (archive.urls.address_key): the host is not
compared, since the paper's hosts (www., bare, http or https) and a mirror's copy of a page are
one page [G: one archive holding two sites with the same paths withholds the path on both]. A
prefix entry withholds every address that begins with it ("/national/" withholds the section's
articles, not /national-assembly)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from archive.urls import address_key


@dataclass(frozen=True)
class Exclusion:
    address: str  # as given
    key: str  # address_key of it: what is compared
    prefix: bool
    reason: str
    decided: str  # YYYY-MM-DD
    added_at: str  # a stored time


def exclusion_key(address: str, prefix: bool) -> str:
    """What an entry compares: the path and query; a prefix keeps its trailing slash, so that it
    names a folder rather than any address beginning with the same letters."""
    key = address_key(address)
    if prefix and address.split("?", 1)[0].endswith("/") and not key.endswith("/"):
        key += "/"
    return key


class Withheld:
    """Which addresses a list of exclusions withholds."""

    def __init__(self, exclusions: Iterable[Exclusion]):
        self.exclusions = list(exclusions)
        self.exact = {entry.key: entry for entry in self.exclusions if not entry.prefix}
        self.prefixes = sorted((entry for entry in self.exclusions if entry.prefix), key=lambda entry: entry.key)

    def __bool__(self) -> bool:
        return bool(self.exclusions)

    def of(self, url: str) -> Exclusion | None:
        """The entry that withholds `url`, or None."""
        if not self.exclusions:
            return None
        key = address_key(url)
        found = self.exact.get(key)
        if found is not None:
            return found
        return next(
            (entry for entry in self.prefixes if key.startswith(entry.key) or key == entry.key.rstrip("/")), None
        )

    def fingerprint(self) -> str:
        """What the list withholds, in a few letters: an index built under another list is stale."""
        lines = sorted(f"{entry.prefix:d} {entry.key}" for entry in self.exclusions)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
