"""The safety net: records from the generic extractor (crawler.parse.generic) where a site's
template rules read nothing, so that a redesign degrades the archive instead of emptying it.

A page no template of its site matches becomes a *provisional* record when it is an article:
when it was fetched as one, or when it says so itself (og:type, JSON-LD, a publication time).
An era's rules that find no date, no byline or no body take that field from the generic
extractor; each field so taken is named in the record's warnings, and the record is
provisional too, as a reader should check it against the capture.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from urllib.parse import unquote, urlsplit

from archive.model import Article
from archive.urls import bare_host
from crawler.parse import common, declared, generic
from crawler.parse.pageindex import PageIndex


def provisional_article(
    site: str,
    text: str,
    page: PageIndex,
    page_url: str,
    fetched_url: str,
    fetched_at: datetime,
    zone: tzinfo,
    article_expected: bool,
    warnings: list[str],
) -> Article | None:
    """The generic extractor's record of a page no template of `site` matched, or None for a
    page that is not an article (a listing, a home page) or that holds no article text."""
    host = bare_host(urlsplit(page_url).netloc)
    if not (article_expected or declared.says_article(page.tree)):
        if host != site:
            warnings.append(
                f"other-site: the page is of {host}, not of {site}, and does not say it is an article; "
                "no record is made"
            )
        return None
    reason = f"of {host}, not of {site}" if host != site else f"matches no known template of {site}"
    fields = generic.extract(text, fetched_url, fetched_at, zone)
    return generic_record(fields, host, page_url, fetched_url, fetched_at, warnings, f"the page {reason}")


def generic_record(
    fields: generic.GenericFields,
    site: str,
    page_url: str,
    fetched_url: str,
    fetched_at: datetime,
    warnings: list[str],
    reason: str,
) -> Article | None:
    """The provisional record of what the generic extractor read (None when it found neither
    headline nor body), its warnings naming each field it could not find or had to guess."""
    if not fields.body and not fields.headline:
        warnings.append(f"no-template: {reason} and no article text was found in it")
        return None
    warnings.append(f"provisional: {reason}; its fields come from the generic extractor")
    missing = [name for name, value in (("date", fields.published), ("body", fields.body)) if not value]
    warnings.extend(f"no-{name}: the generic extractor found none" for name in missing)
    section = fields.section
    if section is None and (section := path_section(page_url)) is not None:
        warnings.append("guessed-section: the page states none; its address's first part is taken")
    if fields.published_precision == "day":
        warnings.append("guessed-time: the page states a day but no time of day; midnight is recorded")
    return article_of(replace(fields, section=section), "generic", site, page_url, fetched_url, fetched_at, warnings)


def article_of(
    fields: generic.GenericFields,
    era: str,
    site: str,
    page_url: str,
    fetched_url: str,
    fetched_at: datetime,
    warnings: list[str],
) -> Article:
    """The record of the fields read from a page, by the generic extractor alone (era
    "generic": provisional) or with a known template's hints (its era)."""
    return Article(
        url=page_url,
        site=site,
        era=era,
        language=common.language_of(fields.body or [fields.headline or ""], fields.language),
        headline=fields.headline,
        authors=fields.authors,
        byline=", ".join(fields.authors) or None,
        published=common.iso(fields.published),
        published_precision=fields.published_precision,
        updated=common.iso(fields.updated),
        section=fields.section,
        tags=fields.tags,
        images=fields.images,
        body=fields.body,
        word_count=sum(len(p.split()) for p in fields.body),
        fetched_url=fetched_url,
        fetched_at=common.iso(fetched_at),
        warnings=list(warnings),
        provisional=era == "generic",
    )


def path_section(url: str) -> str | None:
    """The first segment of an address with more than one, the way most papers file articles
    (`/national/story`), unless it is a number (`/2017/09/04/story`, a date); a guess, as the
    page's template is unknown."""
    segments = [unquote(segment) for segment in urlsplit(url).path.split("/") if segment]
    return segments[0] if len(segments) > 1 and not segments[0].isdigit() else None
