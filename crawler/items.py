"""The item the spider yields and the session stores or sends on (crawler.session, and a
worker's session in crawler.cluster)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archive.model import ParsedPage


@dataclass
class PageItem:
    """A parsed page on its way to the store, with the capture it came from (its row in the
    store, or in a distributed crawl its WARC record id until the ingester stores it)."""

    page: ParsedPage
    capture_id: int | str | None
    fetched_at: datetime
    addresses: tuple[str, ...]
