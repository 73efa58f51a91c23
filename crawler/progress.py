"""How far a crawl is: once discovery is over the number of articles asked for is known, so a
terminal gets a bar with rate and time left, and a log gets a line every ten seconds."""

from __future__ import annotations

import logging
import sys
import time

from tqdm import tqdm

logger = logging.getLogger(__name__)


class ArticleProgress:
    def __init__(self, every: float = 10.0):
        self.every = every
        self.total = 0
        self.done = 0
        self.bar: tqdm | None = None
        self.started = self.last = time.monotonic()

    def add(self, count: int) -> None:
        """More articles asked for (discovery, or links found on article pages)."""
        self.total += count
        if self.bar is None and sys.stderr.isatty():
            self.bar = tqdm(total=self.total, unit="articles", dynamic_ncols=True)
        elif self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = self.done / (now - self.started)
            left = (self.total - self.done) / rate if rate else 0
            logger.info("articles: %d of %d (%.1f/s, about %.0f s left)", self.done, self.total, rate, left)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
