"""Signs that a site changed its templates under the crawler: a run that finds far fewer
articles than the runs of the same job before it, or reads article pages that more often lack
a body, a date or an author, or are provisional (the generic extractor reads what the templates
do not, so a field is seldom missing altogether: this share is the sign that shows). Such a run
still stores what it found; it is flagged so that somebody looks before weeks of thin or
provisional records pile up."""

from __future__ import annotations

import json
from collections.abc import Sequence
from statistics import median
from typing import TYPE_CHECKING

from archive.read_model import CrawlRun

if TYPE_CHECKING:
    from archive.store import Store

DROP_BELOW = 0.7  # found 30% fewer articles than usual, or worse
RISE_BY = 0.25  # a share of article pages missing a field up by 25 points or more
MIN_USUAL_FOUND = 10  # too few articles usually found for a drop to mean anything
MIN_PAGES = 5  # too few article pages read for a share to mean anything
HISTORY = 5  # how many earlier runs of the job make "usual"
PROVISIONAL = "newsarchive_provisional"  # article pages read provisionally (the spider's newsarchive/provisional)
# The run's figures over its article pages whose share rising is a sign, and what each says of a page.
PAGE_SIGNS = {
    "newsarchive_missing_body": "had no body",
    "newsarchive_missing_date": "had no date",
    "newsarchive_missing_author": "had no author",
    PROVISIONAL: "were provisional (read by the generic extractor, whole or in part)",
}


def figures(run: CrawlRun) -> dict:
    """The crawler's figures of a run (its Scrapy stats, slashes as underscores)."""
    try:
        return json.loads(run.stats or "{}")
    except (TypeError, ValueError):
        return {}


def provisional_pages(run: CrawlRun) -> int:
    """How many article pages of the run the generic extractor read, whole or in part."""
    return figures(run).get(PROVISIONAL, 0)


LISTED = "newsarchive_listed"  # article addresses the run discovered, from any source
LISTING_FOUND = "newsarchive_listing_found"  # of them, those its section listings and home page named


def found_in_listings(run_figures: dict) -> int:
    """The article addresses a run's listings named: what a redesign of the listings takes away
    even when feeds and sitemaps still name the articles. Runs recorded before the figure
    existed count every address they discovered."""
    return run_figures.get(LISTING_FOUND, run_figures.get(LISTED, 0))


def redesign_flags(run: CrawlRun, earlier: Sequence[CrawlRun]) -> list[str]:
    """One sentence per sign, comparing `run` with `earlier` finished runs of its job (newest
    first)."""
    history = [figures(r) for r in earlier if r.status == "finished"][:HISTORY]
    if not history:
        return []
    now = figures(run)
    flags = []
    found = found_in_listings(now)
    usual = median(found_in_listings(h) for h in history)
    if usual >= MIN_USUAL_FOUND and found < DROP_BELOW * usual:
        flags.append(
            f"Found {found} article addresses in the listings against a usual {usual:g} "
            f"({1 - found / usual:.0%} fewer): the listings may have been redesigned."
        )
    pages = now.get("newsarchive_article_pages", 0)
    if pages >= MIN_PAGES:
        for figure, sign in PAGE_SIGNS.items():
            share = now.get(figure, 0) / pages
            before = [
                h.get(figure, 0) / h["newsarchive_article_pages"]
                for h in history
                if h.get("newsarchive_article_pages", 0) >= MIN_PAGES
            ]
            usual_share = sum(before) / len(before) if before else 0.0
            if share - usual_share >= RISE_BY:
                flags.append(
                    f"{share:.0%} of {pages} article pages {sign}, against a usual "
                    f"{usual_share:.0%}: the article template may have been redesigned."
                )
    return flags


def flag_run(store: Store, run_id: int) -> list[str]:
    """Compare a finished run with the earlier runs of its job and keep the flags on it."""
    flags = redesign_flags(store.run(run_id), store.earlier_runs(run_id))
    if flags:
        store.annotate_run(run_id, flags=flags)
    return flags
