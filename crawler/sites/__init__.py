"""What the crawler knows of each newspaper beyond its parser: where the listings, sitemaps
and feeds are and how to read a listing. One module per site; the spider is shared."""
