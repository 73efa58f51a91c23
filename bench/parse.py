"""Parser benchmark: speed and field accuracy of `crawler.parse.parse_page` against trafilatura.

What it measures, on the replica site of `samplesite` (seed `--seed`, at least `--pages` article
pages, all of them, rendered into memory before any clock starts):

* speed: pages per second of the project's parser and of trafilatura's `bare_extraction` over the
  same page bytes, in one process pinned to one CPU core; each extractor first warms up on a small
  slice, then the timed pass runs over every page (best of `--repeat` passes). Only the extraction
  calls are timed: progress display and bookkeeping fall outside the clock.
* accuracy against the ground truth (`SiteArticle.truth`): headline exact, authors exact (list
  equality), publication date (calendar date in the site's zone, since trafilatura gives dates
  only), body token F1 (multiset of whitespace tokens, averaged over pages) and tags exact; for the
  project's parser also section and images (URL, caption and credit) exact. Fields trafilatura
  does not give are shown as n/a.

Reference: trafilatura (https://trafilatura.readthedocs.io), `bare_extraction` with metadata,
without comments, in its default (non-fast) mode with `favor_precision=True`, which scored the
best body F1 of its modes on this site, the paper's name as its author blacklist (Drupal bylines
read "Name | The Phnom Penh Post") and htmldate's extensive date search bounded by the site's
last day. The target is a speed ratio (ours/trafilatura) of at least 5x.

Run: cd /work/main && PYTHONPATH=. .venv/bin/python bench/parse.py [--pages 2000] [--seed 1]
[--repeat 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import trafilatura
from tqdm import tqdm
from trafilatura.settings import Document

from archive.model import Article
from crawler.parse import parse_page
from samplesite.corpus import ICT, Corpus, SiteConfig
from samplesite.render import render_article
from tests.scoring import token_f1

T = TypeVar("T")
PROGRESS_EVERY = 250
WARMUP_PAGES = 50
TARGET_RATIO = 5.0
FIELDS = ["headline", "authors", "published", "body", "section", "tags", "images"]
FIELD_LABELS = {
    "headline": "headline (exact)",
    "authors": "authors (exact list)",
    "published": "published date (ICT)",
    "body": "body token F1 (mean)",
    "section": "section (exact)",
    "tags": "tags (exact list)",
    "images": "images+captions+credits (exact)",
}
AUTHOR_SEPARATORS = re.compile(r"\s*[;,]\s*|\s+and\s+")
AUTHOR_BLACKLIST = {"The Phnom Penh Post"}  # the paper's name, printed after the names in Drupal bylines


@dataclass(frozen=True)
class Page:
    """One rendered article page and the record a perfect parser would write for it."""

    id: int
    url: str
    html: bytes
    truth: dict[str, Any]


@dataclass
class Run:
    """One extractor's timing and its per-field scores (1.0/0.0, or F1 for the body)."""

    name: str
    seconds: float
    scores: dict[str, list[float]]
    misses: dict[str, list[int]]

    def pages_per_second(self, pages: int) -> float:
        return pages / self.seconds if self.seconds else float("inf")

    def accuracy(self) -> dict[str, float | None]:
        return {
            field: (sum(values) / len(values) if values else None)
            for field, values in ((f, self.scores.get(f, [])) for f in FIELDS)
        }


def pin_to_one_core() -> str:
    """Pin this process to the first CPU it may use; say which, or why not."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"cpu {cpu}"


def progress(items: Sequence[T], label: str) -> Iterator[T]:
    """Yield items, showing progress on stderr: a tqdm bar on a terminal, else a line now and then."""
    if sys.stderr.isatty():
        yield from tqdm(items, desc=label, unit="page", file=sys.stderr, leave=False)
        return
    total = len(items)
    for done, item in enumerate(items, 1):
        yield item
        if done % PROGRESS_EVERY == 0 or done == total:
            print(f"{label}: {done}/{total}", file=sys.stderr, flush=True)


def generate_pages(seed: int, count: int) -> tuple[list[Page], datetime]:
    """Every article page of a replica of `count` articles, rendered as served at its end."""
    corpus = Corpus(SiteConfig(seed=seed, count=count))
    now = corpus.config.end
    pages = []
    for i in progress(corpus.newest_first(now), "rendering"):
        article = corpus.article(i)
        pages.append(Page(i, article.url, render_article(corpus, article, now), article.truth(now)))
    return pages, now


def time_extractor(extract: Callable[[Page], T], pages: list[Page], repeat: int, label: str) -> tuple[float, list[T]]:
    """Best total extraction time over `repeat` passes, and the results of the last pass."""
    for page in pages[:WARMUP_PAGES]:
        extract(page)
    best = float("inf")
    results: list[T] = []
    for attempt in range(1, repeat + 1):
        results = []
        elapsed = 0.0
        for page in progress(pages, f"{label} pass {attempt}/{repeat}"):
            start = time.perf_counter()
            result = extract(page)
            elapsed += time.perf_counter() - start
            results.append(result)
        best = min(best, elapsed)
    return best, results


def ours(page: Page, fetched_at: datetime) -> Article | None:
    return parse_page(page.html, page.url, fetched_at).article


def reference(page: Page, last_day: str) -> Document | None:
    return trafilatura.bare_extraction(
        page.html,
        url=page.url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        author_blacklist=AUTHOR_BLACKLIST,
        date_extraction_params={"original_date": True, "extensive_search": True, "max_date": last_day},
    )


def local_date(moment: str | None) -> str | None:
    """The calendar date of an ISO timestamp in the site's zone."""
    return datetime.fromisoformat(moment).astimezone(ICT).date().isoformat() if moment else None


def truth_fields(truth: dict[str, Any]) -> dict[str, Any]:
    return {
        "headline": truth["headline"],
        "authors": truth["authors"],
        "published": local_date(truth["published"]),
        "body": truth["body"],
        "section": truth["section"],
        "tags": truth["tags"],
        "images": truth["images"],
    }


def our_fields(article: Article | None) -> dict[str, Any]:
    if article is None:
        return {
            "headline": None,
            "authors": [],
            "published": None,
            "body": [],
            "section": None,
            "tags": [],
            "images": [],
        }
    return {
        "headline": article.headline,
        "authors": article.authors,
        "published": local_date(article.published),
        "body": article.body,
        "section": article.section,
        "tags": article.tags,
        "images": [asdict(image) for image in article.images],
    }


def reference_fields(document: Document | None) -> dict[str, Any]:
    if document is None:
        return {"headline": None, "authors": [], "published": None, "body": [], "tags": []}
    authors = [name for name in AUTHOR_SEPARATORS.split(document.author or "") if name]
    return {
        "headline": document.title,
        "authors": authors,
        "published": document.date,
        "body": [document.text or ""],
        "tags": document.tags or [],
    }


def score(name: str, seconds: float, records: list[dict[str, Any]], pages: list[Page]) -> Run:
    """Compare each extracted record with its page's truth, field by field."""
    run = Run(name, seconds, {}, {})
    for record, page in zip(records, pages, strict=True):
        truth = truth_fields(page.truth)
        for field in FIELDS:
            if field not in record:
                continue
            if field == "body":
                value = token_f1(record[field], truth[field])
                missed = value < 1.0
            else:
                missed = record[field] != truth[field]
                value = 0.0 if missed else 1.0
            run.scores.setdefault(field, []).append(value)
            if missed:
                run.misses.setdefault(field, []).append(page.id)
    return run


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def report(runs: list[Run], pages: int, seed: int, cpu: str, examples: int) -> str:
    ours_run, reference_run = runs
    ratio = ours_run.pages_per_second(pages) / reference_run.pages_per_second(pages)
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    lines = [
        f"pages: {pages} (seed {seed}), one process pinned to {cpu}, trafilatura {trafilatura.__version__}",
        "",
        f"{'extractor':<14}{'pages':>8}{'seconds':>10}{'pages/s':>10}",
    ]
    lines += [f"{run.name:<14}{pages:>8}{run.seconds:>10.2f}{run.pages_per_second(pages):>10.1f}" for run in runs]
    lines += [
        f"ratio ours/trafilatura: {ratio:.2f}x (target >= {TARGET_RATIO:g}x: {verdict})",
        "",
        f"{'field':<34}{'ours':>10}{'trafilatura':>13}",
    ]
    accuracies = [run.accuracy() for run in runs]
    lines += [
        f"{FIELD_LABELS[field]:<34}{percent(accuracies[0][field]):>10}{percent(accuracies[1][field]):>13}"
        for field in FIELDS
    ]
    if examples:
        lines += ["", "pages below full marks (count, first article ids):"]
        for run in runs:
            for field in FIELDS:
                ids = run.misses.get(field, [])
                if ids:
                    shown = ", ".join(map(str, ids[:examples]))
                    lines.append(f"  {run.name:<12} {field:<10} {len(ids):>5}  e.g. {shown}")
    return "\n".join(lines)


def figures(runs: list[Run], pages: int, seed: int, cpu: str) -> dict[str, Any]:
    ours_run, reference_run = runs
    return {
        "pages": pages,
        "seed": seed,
        "cpu": cpu,
        "trafilatura_version": trafilatura.__version__,
        "ratio": ours_run.pages_per_second(pages) / reference_run.pages_per_second(pages),
        "target_ratio": TARGET_RATIO,
        **{
            run.name: {
                "seconds": run.seconds,
                "pages_per_second": run.pages_per_second(pages),
                "accuracy": run.accuracy(),
                "misses": {f: len(ids) for f, ids in run.misses.items()},
            }
            for run in runs
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=2000, help="articles in the replica (all are measured)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the replica site")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes per extractor; the best counts")
    parser.add_argument("--examples", type=int, default=5, help="article ids listed per imperfect field")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    cpu = pin_to_one_core()
    pages, now = generate_pages(args.seed, args.pages)
    ours_seconds, articles = time_extractor(partial(ours, fetched_at=now), pages, args.repeat, "ours")
    reference_seconds, documents = time_extractor(
        partial(reference, last_day=now.date().isoformat()), pages, args.repeat, "trafilatura"
    )
    runs = [
        score("ours", ours_seconds, [our_fields(a) for a in articles], pages),
        score("trafilatura", reference_seconds, [reference_fields(d) for d in documents], pages),
    ]
    if args.json:
        print(json.dumps(figures(runs, len(pages), args.seed, cpu)))
    else:
        print(report(runs, len(pages), args.seed, cpu, args.examples))


if __name__ == "__main__":
    main()
