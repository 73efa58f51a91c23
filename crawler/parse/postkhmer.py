"""The Post's Khmer edition (postkhmer.com): the Drupal template it shares with the English
site, with the differences the evidence shows (SITE-EVIDENCE.md) and dates printed in Khmer.

Its article pages are known only from public scrapers' selectors [E, unverified]: the body in
`div.paragraph-style p`, the date as the second text line of `.article-author-wrapper p`.
Both are taken, with the English site's Drupal selectors as alternatives. The update line's
label (ធ្វើបច្ចុប្បន្នភាព "updated") and the sidebar's Khmer heading are guesses [G].
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from crawler.parse import khmer_dates
from crawler.parse import post_template as template

ERA = dataclasses.replace(
    template.DRUPAL,
    body=".paragraph-style, #ArticleBody, [itemprop=articleBody]",
    dates=".article-author-wrapper p",
    dates_in_byline=True,
)


def khmer_or_english_date(text: str) -> tuple[datetime, bool] | None:
    """A date printed in Khmer (Khmer digits and month names) or, as the edition's listings
    print it, in English."""
    return khmer_dates.parse_khmer_date(text, template.ICT, template.ZONE_NAMES, template.PRINTED_DATES)


EDITION = template.Edition(
    site="postkhmer.com",
    origin="https://www.postkhmer.com",
    eras=(ERA,),
    byline_suffixes=(re.compile(r"\s*\|\s*(?:Post Khmer|ប៉ុស្តិ៍ខ្មែរ|(?:The\s+)?Phnom Penh Post)\s*$", re.I),),
    title_suffix=re.compile(r"\s*\|\s*(?:Post Khmer|ប៉ុស្តិ៍ខ្មែរ|Phnom Penh Post)\s*$"),
    most_viewed_headings=frozenset({"most viewed", "អត្ថបទពេញនិយម", "ពេញនិយម", "អានច្រើនជាងគេ"}),
    read_date=khmer_or_english_date,
)
SITE = EDITION.site
ORIGIN = EDITION.origin
ZONE = template.ICT
PARSER = template.EditionParser(EDITION)
