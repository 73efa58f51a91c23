"""Scrapy spiders: one per registered site, each the shared NewspaperSpider with its site."""
