"""Pure page parsers, one module per site: HTML bytes in, records out. Which parser a site
uses is said by its site module (crawler.sites)."""

from __future__ import annotations

import os
import re
from datetime import datetime
from urllib.parse import urlsplit

from archive.model import ParsedPage
from crawler import sites

TEMPLATES_SWITCH = "NEWSARCHIVE_TEMPLATES"  # "off": every article from the generic extractor (a test switch)


def parse_page(
    html: bytes, url: str, fetched_at: datetime, site: str = sites.DEFAULT, article_expected: bool = False
) -> ParsedPage:
    """Parse one page with its site's rules; a page fetched as an article (`article_expected`)
    that no rule reads gets a provisional record from the generic extractor.

    A page that breaks the parser still yields a record with a warning, so one bad page never
    stops a crawl or a reparse. A call that is wrong (a fetch time without a zone, an unknown
    site) raises ValueError. With NEWSARCHIVE_TEMPLATES=off in the environment no template
    rule is tried, which is how the safety net is measured on pages the rules do read.
    """
    if fetched_at.utcoffset() is None:
        raise ValueError("fetched_at needs a time zone")
    parser = sites.site(site).PARSER
    templates = os.environ.get(TEMPLATES_SWITCH, "on").lower() != "off"
    try:
        return parser.parse(html, url, fetched_at, article_expected, templates)
    except Exception as error:
        return ParsedPage(None, None, [f"parser-error: {type(error).__name__}: {error}"])


def address_identity(address: str) -> str | None:
    """The record identity a typed or pasted address stands for, by the rule of the site it is
    on (or else of the default site): http or https, with or without www., a trailing slash,
    tracking parameters, or no scheme at all (`phnompenhpost.com/national/…`) all give one
    identity; None if it cannot be read."""
    text = address.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I) and not text.startswith("/"):
        text = "https://" + text
    try:
        host = urlsplit(text).netloc
    except ValueError:
        return None
    return (sites.for_host(host) or sites.default()).PARSER.absolute_identity(text)
