"""Pure page parsers, one module per site: HTML bytes in, records out."""
from __future__ import annotations

from datetime import datetime

from archive.model import ParsedPage
from crawler.parse import phnompenhpost

SITES = {"phnompenhpost": phnompenhpost}


def parse_page(html: bytes, url: str, fetched_at: datetime | str,
               site: str = "phnompenhpost") -> ParsedPage:
    """Parse one page with its site's rules; a page that breaks the parser still yields a
    record with a warning, so one bad page never stops a crawl or a reparse."""
    try:
        return SITES[site].parse(html, url, fetched_at)
    except Exception as error:
        return ParsedPage(None, None, [f"parser-error: {type(error).__name__}: {error}"])
