"""The Post's Khmer edition, postkhmer.com: a site of its own (its records are not
phnompenhpost.com records), with Khmer section paths, Khmer dates, and the listing markup of
its saved section page (SITE-EVIDENCE.md). Registered as the site `postkhmer.com`."""

from __future__ import annotations

from crawler.parse import postkhmer as parser
from crawler.sites import post_listings

NAME = "postkhmer.com"
PARSER = parser.PARSER
SITE = parser.SITE
HOSTS = post_listings.hosts(SITE)
ORIGIN = parser.ORIGIN
CITATION_NAME = "Post Khmer (The Phnom Penh Post)"
ZONE = parser.ZONE
SITEMAP = post_listings.SITEMAP
# The national section and post-plus are evidenced; the others are guesses [G].
SECTIONS = ("ព័ត៌មានជាតិ", "ពាណិជ្ជកម្ម", "អន្តរជាតិ", "post-plus")
FEEDS = post_listings.FEEDS
LOGO = post_listings.LOGO
IMAGE_HOSTS = post_listings.IMAGE_HOSTS
LISTINGS = post_listings.Listings(HOSTS, SECTIONS, parser.EDITION.read_date)
listing_path = LISTINGS.listing_path
section_paths = LISTINGS.section_paths
listing_items = LISTINGS.listing_items
is_article_path = LISTINGS.is_article_path
is_alias_path = post_listings.is_alias_path
