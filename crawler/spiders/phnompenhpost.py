"""`scrapy crawl phnompenhpost -a base_url=…`: The Phnom Penh Post, or a mirror of it."""
from crawler.sites import phnompenhpost
from crawler.spiders.newspaper import NewspaperSpider


class PhnomPenhPostSpider(NewspaperSpider):
    name = "phnompenhpost"
    site = phnompenhpost
