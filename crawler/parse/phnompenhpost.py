"""The Phnom Penh Post in English (phnompenhpost.com): the Post's three template eras
(crawler.parse.post_template), dates printed in English."""

from __future__ import annotations

import re

from crawler.parse import post_template as template

EDITION = template.Edition(
    site="phnompenhpost.com",
    origin="https://www.phnompenhpost.com",
    eras=(template.DRUPAL, template.MODERN, template.JOOMLA),
    byline_suffixes=(re.compile(r"\s*\|\s*(?:The\s+)?Phnom Penh Post\s*$", re.I),),
    title_suffix=re.compile(r"\s*\|\s*Phnom Penh Post\s*$"),
    most_viewed_headings=frozenset({"most viewed"}),
    read_date=template.english_date,
)
SITE = EDITION.site
ORIGIN = EDITION.origin
ZONE = template.ICT
PARSER = template.EditionParser(EDITION)
