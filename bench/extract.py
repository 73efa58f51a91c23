"""Generic extraction benchmark: `newsarchive parse` on real pages of sites it has no module
for, beside trafilatura on the same pages in the same run.

The pages are the Article Extraction Benchmark's (`tests/data/aeb-dev`, or any folder of the
same form given as `--pages`: `html/<id>.html.gz` and `ground-truth.json`). Measured:

* body: the benchmark's 4-word shingle precision and recall, averaged over pages, and their
  F1 (tests/scoring.py);
* speed: pages per second on one CPU core, from the page's bytes to the fields, best of
  `--repeat` timed passes after a warm-up, the extractors' passes taking turns;
* dates and authors, where the page states them in machine form (JSON-LD `datePublished` and
  `author`, `article:published_time`, `<meta name=author>`): the share of those pages on which
  each extractor gives the same calendar date (in the zone the page states) and the same names.

Two references, both trafilatura 2.x in its default (non-fast) mode: `trafilatura.extract`,
body text only, which is what the benchmark's published figures use; and `bare_extraction`
with metadata, which gives the fields ours gives (headline, authors, date, tags). Ours is
`crawler.parse.parse_page` with the site `newsarchive parse` picks for the page's address: its
host, which no module knows, so the generic extractor reads it.

Run: cd /work/main && PYTHONPATH=. .venv/bin/python bench/extract.py [--pages DIR] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import trafilatura
from lxml import html as lxml_html

from bench.parse import pin_to_one_core, progress
from crawler import sites
from crawler.parse import parse_page
from tests.scoring import ShingleScore, benchmark_f1, shingle_score

PAGES = Path(__file__).resolve().parent.parent / "tests" / "data" / "aeb-dev"
FETCHED_AT = datetime(2020, 6, 1, tzinfo=UTC)  # after every page of the benchmark was saved
WARMUP_PAGES = 10
LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
LD_AUTHOR = re.compile(r'"author"\s*:\s*(\{[^{}]*\}|\[[^\[\]]*\])', re.S)
LD_NAME = re.compile(r'"name"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class Page:
    key: str
    url: str
    html: bytes
    body: str  # as a person marked it
    stated_date: date | None  # the page's own machine-readable publication date
    stated_authors: frozenset[str]  # the page's own machine-readable author names, lower case


@dataclass(frozen=True)
class Fields:
    body: str
    published: date | None
    authors: frozenset[str]


@dataclass
class Run:
    name: str
    seconds: float
    fields: list[Fields]

    def pages_per_second(self) -> float:
        return len(self.fields) / self.seconds


def stated_date(tree: lxml_html.HtmlElement, text: str) -> date | None:
    stated = tree.xpath("string(//meta[@property='article:published_time']/@content)") or next(
        iter(LD_DATE.findall(text)), ""
    )
    try:
        return datetime.fromisoformat(stated.strip().replace("Z", "+00:00")).date() if stated.strip() else None
    except ValueError:
        return None


def stated_authors(tree: lxml_html.HtmlElement, text: str) -> frozenset[str]:
    found = {name for block in LD_AUTHOR.findall(text) for name in LD_NAME.findall(block)}
    if not found:
        found = {tree.xpath("string(//meta[@name='author']/@content)")}
    return frozenset(name.strip().lower() for name in found if name.strip())


def load_pages(folder: Path) -> list[Page]:
    marked = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, record in sorted(marked.items()):
        raw = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        text = raw.decode("utf-8", "replace")
        tree = lxml_html.fromstring(raw) if raw.strip() else lxml_html.Element("html")
        pages.append(
            Page(key, record["url"], raw, record["articleBody"], stated_date(tree, text), stated_authors(tree, text))
        )
    return pages


def ours(page: Page) -> Fields:
    article = parse_page(page.html, page.url, FETCHED_AT, sites.reading(page.url), article_expected=True).article
    if article is None:
        return Fields("", None, frozenset())
    published = datetime.fromisoformat(article.published).date() if article.published else None
    return Fields("\n".join(article.body), published, frozenset(name.lower() for name in article.authors))


def trafilatura_body(page: Page) -> Fields:
    return Fields(trafilatura.extract(page.html, url=page.url) or "", None, frozenset())


AUTHOR_SEPARATOR = re.compile(r"\s*;\s*")  # how trafilatura joins the names it finds


def trafilatura_fields(page: Page) -> Fields:
    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    if document is None:
        return Fields("", None, frozenset())
    published = date.fromisoformat(document.date) if document.date else None
    names = frozenset(name.lower() for name in AUTHOR_SEPARATOR.split(document.author or "") if name)
    return Fields(document.text or "", published, names)


def timed(extractors: dict[str, Callable[[Page], Fields]], pages: list[Page], repeat: int) -> list[Run]:
    """Each extractor's best total time of `repeat` passes over every page (only the
    extraction calls count). The passes take turns, one of each extractor at a time, so that
    a change in the machine's speed during the run falls on all of them alike."""
    for extract in extractors.values():
        for page in pages[:WARMUP_PAGES]:
            extract(page)
    best = dict.fromkeys(extractors, float("inf"))
    results: dict[str, list[Fields]] = {}
    for attempt in range(1, repeat + 1):
        for name, extract in extractors.items():
            found, elapsed = [], 0.0
            for page in progress(pages, f"{name} pass {attempt}/{repeat}"):
                start = time.perf_counter()
                found.append(extract(page))
                elapsed += time.perf_counter() - start
            best[name], results[name] = min(best[name], elapsed), found
    return [Run(name, best[name], results[name]) for name in extractors]


def agreement(stated: list[Any], found: list[Any]) -> tuple[int, int]:
    """(pages that state the field, pages where the extractor gives what they state)."""
    checked = [(want, got) for want, got in zip(stated, found, strict=True) if want]
    return len(checked), sum(want == got for want, got in checked)


def figures(runs: list[Run], pages: list[Page], cpu: str) -> dict[str, Any]:
    out: dict[str, Any] = {"pages": len(pages), "cpu": cpu, "trafilatura_version": trafilatura.__version__}
    for run in runs:
        scores: list[ShingleScore] = [shingle_score(f.body, p.body) for f, p in zip(run.fields, pages, strict=True)]
        precision, recall, f1 = benchmark_f1(scores)
        out[run.name] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "seconds": run.seconds,
            "pages_per_second": run.pages_per_second(),
            "dates": agreement([p.stated_date for p in pages], [f.published for f in run.fields])
            if run.name != "trafilatura-body"
            else None,
            "authors": agreement([p.stated_authors for p in pages], [f.authors for f in run.fields])
            if run.name != "trafilatura-body"
            else None,
        }
    return out


def share(pair: tuple[int, int] | None) -> str:
    return "n/a" if not pair else f"{pair[1]}/{pair[0]} ({100 * pair[1] / pair[0]:.0f}%)"


def report(found: dict[str, Any], names: list[str]) -> str:
    lines = [
        f"pages: {found['pages']}, one process pinned to {found['cpu']}, trafilatura {found['trafilatura_version']}",
        "",
        f"{'extractor':<20}{'precision':>10}{'recall':>8}{'F1':>7}{'pages/s':>9}  {'dates as stated':<18}"
        "authors as stated",
    ]
    for name in names:
        row = found[name]
        lines.append(
            f"{name:<20}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}"
            f"{row['pages_per_second']:>9.1f}  {share(row['dates']):<18}{share(row['authors'])}"
        )
    lines.append("")
    for reference in names[1:]:
        speed = found["ours"]["pages_per_second"] / found[reference]["pages_per_second"]
        lines.append(
            f"ours against {reference}: F1 {found['ours']['f1'] - found[reference]['f1']:+.3f}, speed {speed:.2f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=Path, default=PAGES, help="a folder of html/<id>.html.gz and ground-truth.json")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per extractor; the best counts")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    for name in ("trafilatura", "htmldate", "readability", "justext"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    cpu = pin_to_one_core()
    pages = load_pages(args.pages)
    extractors = {"ours": ours, "trafilatura-body": trafilatura_body, "trafilatura-fields": trafilatura_fields}
    runs = timed(extractors, pages, args.repeat)
    found = figures(runs, pages, cpu)
    print(json.dumps(found) if args.json else report(found, list(extractors)), file=sys.stdout)


if __name__ == "__main__":
    main()
