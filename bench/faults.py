"""Fault benchmark: what kill -9 at random moments does to the archive of a crawl of a faulty site.

A sample site of `--articles` articles is served by `newsarchive site serve` in a process of its
own on 127.0.0.1, with faults on (`--error-rate`, `--drop-rate`, `--challenge-rate`: shares of
addresses that fail once or twice before they answer). Into one data folder, `--runs` crawls are
started one after the other and each is killed with SIGKILL at a moment drawn with `--seed`
between 0.3 s and `--longest` seconds after its start; then one last crawl runs to its end (it
resumes what the killed ones left). After every run the benchmark prints the articles stored,
the articles of the site still missing, the articles stored twice (two rows for one identity, or
two revisions with the same content) and SQLite's integrity check of the store. The figures to
read are the last line's: nothing lost, nothing doubled, integrity "ok".

This is a benchmark, not a test: the moments are random (seeded), and the figures are printed,
never asserted.

Run: cd /work/main && .venv/bin/python bench/faults.py [--articles 400] [--runs 10] [--seed 1]
[--longest 6] [--error-rate 0.05] [--drop-rate 0.02] [--challenge-rate 0.0] [--work DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from archive.store import Store

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+")
CRAWL = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=ERROR"]


@dataclass
class Outcome:
    """The archive after one run."""

    run: int
    killed_after: float | None  # seconds after the start; None for the run left to finish
    exit_status: int
    stored: int
    missing: int
    doubled: int
    integrity: str


def serve(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    """The faulty site in a process of its own, and its address."""
    command = [
        NEWSARCHIVE,
        "site",
        "serve",
        "--port",
        "0",
        "--count",
        str(args.articles),
        "--seed",
        str(args.seed),
        "--crawl-delay",
        "0",
        "--error-rate",
        str(args.error_rate),
        "--drop-rate",
        str(args.drop_rate),
        "--challenge-rate",
        str(args.challenge_rate),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    found = ADDRESS.search(line)
    if not found:
        process.kill()
        raise SystemExit(f"The sample site did not start: {line.strip()!r}")
    return process, found.group(0)


def site_articles(args: argparse.Namespace, work: Path) -> set[str]:
    """Every article identity the site holds (its ground truth)."""
    truth = work / "truth"
    subprocess.run(
        [NEWSARCHIVE, "site", "truth", "--out", str(truth), "--count", str(args.articles), "--seed", str(args.seed)],
        check=True,
        capture_output=True,
    )
    lines = (truth / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["url"] for line in lines}


def measure(data: Path, expected: set[str]) -> tuple[int, int, int, str]:
    """(stored, missing, doubled, integrity) of the store in `data`, read-only."""
    path = data / "archive.sqlite3"
    if not path.is_file():
        return 0, len(expected), 0, "no store yet"
    with Store(path, read_only=True) as store:
        urls = store.article_urls()
        doubled = len(urls) - len(set(urls)) + store.repeated_revisions()
        integrity = store.integrity()
    return len(set(urls) & expected), len(expected - set(urls)), doubled, integrity


def crawl(base: str, data: Path, kill_after: float | None) -> tuple[int, float | None]:
    """One crawl; killed with SIGKILL `kill_after` seconds in (if it is still running then)."""
    process = subprocess.Popen(
        [NEWSARCHIVE, "crawl", "--base-url", base, "--data-dir", str(data), *CRAWL],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if kill_after is None:
        return process.wait(), None
    try:
        return process.wait(timeout=kill_after), None
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        return process.wait(), kill_after


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400, help="generated articles of the sample site")
    parser.add_argument("--runs", type=int, default=10, help="crawls killed with SIGKILL before the last one")
    parser.add_argument("--seed", type=int, default=1, help="seed of the site and of the moments")
    parser.add_argument("--longest", type=float, default=6.0, help="latest moment of a kill, in seconds")
    parser.add_argument("--error-rate", type=float, default=0.05)
    parser.add_argument("--drop-rate", type=float, default=0.02)
    parser.add_argument("--challenge-rate", type=float, default=0.0)
    parser.add_argument("--work", type=Path, help="the folder to crawl into (default: a temporary one, removed)")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON Lines")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="newsarchive-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    moments = random.Random(args.seed)
    server, base = serve(args)
    outcomes: list[Outcome] = []
    try:
        expected = site_articles(args, work)
        print(
            f"site: {len(expected)} articles at {base}, faults: errors {args.error_rate:.0%}, dropped "
            f"{args.drop_rate:.0%}, challenges {args.challenge_rate:.0%}",
            file=sys.stderr,
        )
        for number in range(1, args.runs + 2):
            last = number == args.runs + 1
            started = time.perf_counter()
            status, killed = crawl(base, work / "data", None if last else moments.uniform(0.3, args.longest))
            outcome = Outcome(number, killed, status, *measure(work / "data", expected))
            outcomes.append(outcome)
            print(
                json.dumps(asdict(outcome))
                if args.json
                else f"run {number:>3} {'killed after ' + format(killed, '.1f') + ' s' if killed else 'to its end':>20}"
                f" ({time.perf_counter() - started:.1f} s, exit {status:>3}): {outcome.stored} stored, "
                f"{outcome.missing} missing, {outcome.doubled} doubled, integrity {outcome.integrity}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    final = outcomes[-1]
    killed = sum(o.killed_after is not None for o in outcomes)
    print(
        f"after {killed} kills and one run to its end: {final.missing} of {len(expected)} articles lost, "
        f"{final.doubled} doubled, integrity {final.integrity}; "
        f"integrity ok after every run: {all(o.integrity in ('ok', 'no store yet') for o in outcomes)}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
