"""The harvest: a Scrapy project and the pure page parsers it feeds."""
