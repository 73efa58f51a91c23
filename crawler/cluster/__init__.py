"""A crawl shared by several crawler processes, on one machine or many, through one Redis
server.

Workers (`newsarchive crawl --redis …`) take requests from one shared frontier and one
duplicate filter (scrapy-redis), write their responses to WARC files of their own, and send
what they capture and parse to a Redis list. One ingester (`newsarchive ingest --redis …`),
on the machine that holds the store, is the only process that opens SQLite: it records the
run, stores each message in the order it was sent, and tells the workers which articles the
archive already has.

Every key of one crawl starts with `newsarchive:<crawl id>:` (see keys.CrawlKeys)."""
