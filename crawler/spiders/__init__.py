"""Scrapy spiders, one per newspaper."""
