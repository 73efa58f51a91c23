"""Harvest benchmark: captures per second brought in from a web archive (`crawl --from-archive`)
beside the same pages crawled directly from the site, in one run.

What it measures: the replica site (`--articles` generated articles, Crawl-delay 0) served by
`newsarchive site serve` in a process of its own on 127.0.0.1;

* the reference: `newsarchive crawl --delay 0 --concurrency 1 --no-requisites` of it into a fresh
  data folder, one request at a time as a harvest makes them: its HTML pages answered 200 (articles
  and listings) per second of wall time;
* the harvest: pywb (.venv-pywb) serving that crawl's WARC files, and `newsarchive crawl
  --from-archive` of them into another fresh folder with the rate limits lifted (`--archive-rate
  1000 --index-rate 1000`), so that what is measured is the harvest's own work — the CDX listing,
  fetching each `id_` capture, writing it to WARC, parsing and storing it — not its politeness:
  captures per second of wall time.

Then the check that the harvest stored the articles the crawl stored, and the figures with the
default rates (3 captures a second from an archive, one request a second to a site) for scale.

Run: cd /work/main && .venv/bin/python bench/harvest.py [--articles 300] [--seed 1] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.archive_server import COLLECTION, archive_server
from tests.redis_server import free_port

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")


def timed(command: list[str], what: str) -> float:
    print(f"{what} …", file=sys.stderr, flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stderr[-3000:]}")
    print(f"{what}: {seconds:.1f} s", file=sys.stderr, flush=True)
    return seconds


def figures(data: Path) -> tuple[int, set[str]]:
    """(HTML captures answered 200, article addresses) of a store."""
    with sqlite3.connect(data / "archive.sqlite3") as db:
        pages = db.execute(
            "SELECT count(*) FROM captures WHERE status = 200 AND kind IN ('article', 'listing', 'other')"
        ).fetchone()[0]
        articles = {row[0] for row in db.execute("SELECT url FROM articles")}
    return pages, articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    port = free_port()
    serve = ["site", "serve", "--port", str(port), "--count", str(args.articles), "--seed", str(args.seed)]
    site = subprocess.Popen(
        [NEWSARCHIVE, *serve, "--crawl-delay", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        time.sleep(2)
        direct = work / "direct"
        one_at_a_time = ["--delay", "0", "--concurrency", "1", "--no-requisites", "-s", "AUTOTHROTTLE_ENABLED=False"]
        crawl_seconds = timed(
            [NEWSARCHIVE, "crawl", "--base-url", base, "--data-dir", str(direct), *one_at_a_time], "direct crawl"
        )
        crawled, crawled_articles = figures(direct)
        warcs = sorted((direct / "warc").glob("*.warc.gz"))
        with archive_server(warcs, work / "pywb") as archive:
            harvested_dir = work / "harvested"
            unlimited = ["--archive-rate", "1000", "--index-rate", "1000", "--data-dir", str(harvested_dir)]
            harvest_seconds = timed(
                [NEWSARCHIVE, "crawl", "--from-archive", f"{archive}/cdx", "--base-url", base, *unlimited],
                "harvest from pywb",
            )
        harvested, harvested_articles = figures(harvested_dir)
    finally:
        site.terminate()
        site.wait(timeout=30)
    crawl_rate, harvest_rate = crawled / crawl_seconds, harvested / harvest_seconds
    print(f"site: {args.articles} articles (seed {args.seed}); archive: pywb collection {COLLECTION!r}")
    print(f"direct crawl (reference): {crawled} HTML pages in {crawl_seconds:.1f} s = {crawl_rate:.1f} pages/s")
    print(f"harvest from pywb:        {harvested} captures in {harvest_seconds:.1f} s = {harvest_rate:.1f} captures/s")
    print(f"ratio harvest/direct: {harvest_rate / crawl_rate:.2f}x")
    same = crawled_articles == harvested_articles
    print(f"articles stored: crawl {len(crawled_articles)}, harvest {len(harvested_articles)}; the same: {same}")
    print(
        f"at the default rates: {harvested} captures take at least {harvested / 3:.0f} s from an archive "
        f"(3 a second); {crawled} pages at least {crawled:.0f} s from a site (1 a second)"
    )
    if args.keep:
        print(f"work folder: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if not same:
        raise SystemExit("the harvest did not store the articles the crawl stored")


if __name__ == "__main__":
    main()
