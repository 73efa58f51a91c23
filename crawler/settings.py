"""Scrapy settings: defaults that suit a real newspaper (no more than one request a second
to a site, robots.txt and its Crawl-delay obeyed, an honest user agent). A test or benchmark
against the local sample site may lift them."""

import os

BOT_NAME = "newsarchive"
SPIDER_LOADER_CLASS = "crawler.spiders.loader.SiteSpiderLoader"  # a spider for each registered site

NEWSARCHIVE_CONTACT = os.environ.get("NEWSARCHIVE_CONTACT", "")
NEWSARCHIVE_DATA_DIR = os.environ.get("NEWSARCHIVE_DATA", "data")
NEWSARCHIVE_WARC_MAX_BYTES = 256 * 2**20
NEWSARCHIVE_SESSION = "crawler.session.ArchiveSession"  # a distributed worker: crawler.cluster.worker
USER_AGENT = "newsarchive/0.1 (research archive" + (f"; contact {NEWSARCHIVE_CONTACT})" if NEWSARCHIVE_CONTACT else ")")

ROBOTSTXT_OBEY = True
NEWSARCHIVE_CRAWL_DELAY_FLOOR_ENABLED = True  # robots.txt's Crawl-delay, whatever AutoThrottle does
NEWSARCHIVE_RETRY_AFTER_ENABLED = True  # a pause on 403, 429 and 503, whether or not Retry asks again
CONCURRENT_REQUESTS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429, 403]  # 403: an anti-bot challenge, retried after a pause
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 16 * 2**20
DOWNLOAD_WARNSIZE = 4 * 2**20
COOKIES_ENABLED = False
# Page requisites (crawler.requisites): photos, stylesheets and the logo of each article page.
NEWSARCHIVE_NO_REQUISITES = False
NEWSARCHIVE_REQUISITES_PER_PAGE = 12
NEWSARCHIVE_REQUISITE_MAX_BYTES = 8 * 2**20
TELNETCONSOLE_ENABLED = False
LOGSTATS_INTERVAL = 10.0
LOG_LEVEL = "INFO"
HTTPERROR_ALLOWED_CODES = [304, 404, 410]
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    "crawler.politeness.RetryAfterPause": 920,  # after the HTTP cache, so answers from it are not held back
    "crawler.capture.WarcCaptureMiddleware": 950,
}
EXTENSIONS = {  # a distributed crawl adds its own (crawler.cluster.worker.cluster_settings)
    "crawler.politeness.CrawlDelayFloor": 0,
    "crawler.session.ArchiveExtension": 100,
}
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
