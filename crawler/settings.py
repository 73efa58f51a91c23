"""Scrapy settings: defaults that suit a real newspaper (one request a second to a site,
robots.txt obeyed). A benchmark against the local sample site may lift them."""

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
FEED_EXPORT_ENCODING = "utf-8"
