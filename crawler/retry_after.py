"""How long a site or an archive asks to be left alone: the Retry-After of a 429 or 503
answer, read once for the crawler's Scrapy middleware and for the web-archive client."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_PAUSE = 300.0  # seconds: the longest wait taken, whatever the answer asks


def retry_after_seconds(value: bytes | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
