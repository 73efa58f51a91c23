"""Running `newsarchive crawl` against a sample site served in the test process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from samplesite.corpus import Corpus
from samplesite.server import Faults, SiteClock, start_in_thread
from samplesite.wordpress_site import site_for

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
# The settings a user types to crawl the local replica quickly. Page requisites (photos,
# stylesheets, the logo) about double a crawl's requests, so the crawls that are about
# something else leave them out; the session's archive, which the pages, the replay and the
# exports are checked on, and the tests of requisites themselves keep them (WITH_REQUISITES).
WITH_REQUISITES = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False"]
FAST = [*WITH_REQUISITES, "--no-requisites"]


def crawl(
    base: str, data: Path, *extra: str, timeout: int = 300, allowed: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess:
    """`newsarchive crawl`, whose exit status must be one of `allowed` (3: finished with known
    articles unfetched)."""
    result = subprocess.run(
        [NEWSARCHIVE, "crawl", "--base-url", base, "--data-dir", str(data), *extra],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode in allowed, result.stderr[-3000:]
    return result


def serve(corpus: Corpus, now=None, crawl_delay: float = 0.0, faults: Faults | None = None):
    site = site_for(corpus, SiteClock(now or corpus.config.end), crawl_delay, faults=faults)
    server, base = start_in_thread(site)
    return site, server, base
