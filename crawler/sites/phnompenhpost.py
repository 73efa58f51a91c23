"""The Phnom Penh Post in English: its hosts, its listings, sitemaps and feeds
(SITE-EVIDENCE.md), its parser, and how it is cited and dated. Registered as the site
`phnompenhpost.com`."""

from __future__ import annotations

from crawler.parse import phnompenhpost as parser
from crawler.sites import post_listings

NAME = "phnompenhpost.com"
PARSER = parser.PARSER
SITE = parser.SITE
HOSTS = post_listings.hosts(SITE)
ORIGIN = parser.ORIGIN
CITATION_NAME = "The Phnom Penh Post"
ZONE = parser.ZONE
SITEMAP = post_listings.SITEMAP
SECTIONS = (
    "national",
    "business",
    "opinion",
    "international",
    "politics-0",
    "around-ngos",
    "post-depth",
    "kr-tribunal",
    "post-property",
    "post-focus",
    "post-auto",
    "special-reports",
    "supplements",
    "post-weekend",
    "7days",
    "columns",
    "lift/lift-news",
)
FEEDS = post_listings.FEEDS
LOGO = post_listings.LOGO
IMAGE_HOSTS = post_listings.IMAGE_HOSTS
LISTINGS = post_listings.Listings(HOSTS, SECTIONS, parser.EDITION.read_date)
listing_path = LISTINGS.listing_path
section_paths = LISTINGS.section_paths
listing_items = LISTINGS.listing_items
is_article_path = LISTINGS.is_article_path
is_alias_path = post_listings.is_alias_path
