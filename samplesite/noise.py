"""Byte-level noise of pages served from the real site's cache: NUL bytes, CRLF line ends
and a cache comment after </html> (all seen in one saved Drupal page, SITE-EVIDENCE.md)."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

TAG_END = re.compile(rb">")


def with_noise(data: bytes, noise: frozenset[str], rng: random.Random, cached_at: datetime) -> bytes:
    """`data` with the named kinds of noise. NUL bytes go after tags only, so that removing
    them gives back the page's text exactly."""
    if "nul" in noise:
        data = with_nul_bytes(data, rng)
    if "cache-comment" in noise:
        expires = cached_at + timedelta(hours=1)
        data += (
            f"\n<!-- Page cached by Boost @ {cached_at:%Y-%m-%d %H:%M:%S}, expires @ "
            f"{expires:%Y-%m-%d %H:%M:%S}, lifetime 1 hour -->\n"
        ).encode()
    if "crlf" in noise:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return data


def with_nul_bytes(data: bytes, rng: random.Random) -> bytes:
    ends = [match.end() for match in TAG_END.finditer(data)]
    chosen = sorted(rng.sample(ends, min(len(ends), 6)), reverse=True)
    for at in chosen:
        data = data[:at] + b"\x00" * rng.randint(1, 4) + data[at:]
    return data
