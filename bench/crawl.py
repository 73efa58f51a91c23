"""Crawl benchmark: article pages per second of the whole pipeline (`newsarchive crawl`) against a bare Scrapy spider.

What it measures, on a static copy of the replica site of `samplesite` (seed `--seed`, `--articles`
generated articles plus the seed page and its sidebar, Crawl-delay 0 in robots.txt), written to a
folder before any clock starts and served by `newsarchive site serve --static` in a process of its
own on 127.0.0.1, so that the server shares neither the core nor the GIL of the crawler measured:

* the reference: `BareSpider` below, run by `scrapy runspider` in a child process. It is given the
  address of every article page of the site (the very pages the pipeline fetches), takes a
  headline, a byline and the body paragraphs with three CSS selectors that fit all three page
  templates, and writes JSON Lines. Scrapy's defaults otherwise, politeness lifted: robots.txt not
  obeyed, no download delay, no AutoThrottle, the same concurrency as the pipeline.
* the pipeline: `newsarchive crawl --delay 0 --concurrency N -s AUTOTHROTTLE_ENABLED=False` into a
  fresh data folder, in a child process: discovery from listings, sitemaps and feeds, redirects
  followed, every response written to WARC and the store, every page parsed into records.

For each, one after the other against the same server: wall time of the child process, article
pages per second (for the pipeline, articles in the store), its CPU seconds, the server's CPU
seconds meanwhile (Linux), and its peak resident memory (its own rusage, from os.wait4 in a small
launcher process that forks it). For the pipeline also every response it kept (the store's
captures), WARC bytes per response and per article, and the store's size. Then two checks: the
store holds every article of the site, and the reference's selectors found a headline, a byline
and a body on every page that prints one.

Target: the pipeline crawls at least half as many article pages per second as the bare spider
(ratio pipeline/bare >= 0.5x).

Run: cd /work/main && .venv/bin/python bench/crawl.py [--articles 10000] [--seed 1] [--concurrency 16]
[--static DIR] [--keep] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import scrapy
from scrapy.http import Response

from archive.store import Store
from cli.progress import progress
from samplesite.corpus import Corpus, SiteConfig
from samplesite.static import file_for, write_static

TARGET_RATIO = 0.5
HEADLINE = "h2.contentheading::text, .single-article-header h2::text, .section-article-header h2::text"
BYLINE = "p.createdate::text, .article-author-wrapper span::text, .authname::text"
BODY = (
    ".article-content::text, .article-content > p:not(.related-inline)::text, "
    "#ArticleBody > p:not(.related-inline)::text, .article-text > p:not(.related-inline)::text"
)
ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+")
LOG_TAIL_CHARS = 3000
# Runs a command (argv[2:]) and writes its wall seconds, CPU seconds and peak RSS to argv[1]. The child
# is forked from this small interpreter, not from the benchmark: Linux counts the memory a process
# had when it was forked in the peak RSS of the child, which would then be the benchmark's own.
LAUNCHER = """
import json, os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "maxrss": usage.ru_maxrss}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


class BareSpider(scrapy.Spider):
    """The reference: fetch each address of a file (one a line) and take three CSS selectors."""

    name = "bare"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def __init__(self, urls: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.urls = Path(urls)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls.read_text().split():
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield {
            "url": response.url,
            "headline": response.css(HEADLINE).get(),
            "byline": response.css(BYLINE).get(),
            "body": response.css(BODY).getall(),
        }


@dataclass
class Usage:
    """What one child process cost: wall and CPU seconds, its own peak RSS, and the server's CPU meanwhile."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    server_cpu_seconds: float | None


@dataclass
class Result:
    """One crawl: its cost, the article pages it got and all the responses it received."""

    name: str
    usage: Usage
    articles: int
    responses: int

    def pages_per_second(self) -> float:
        return self.articles / self.usage.seconds if self.usage.seconds else float("inf")


@dataclass
class PipelineOutput:
    """What the pipeline left in its data folder."""

    responses_by_kind: dict[str, int]
    warc_files: int
    warc_bytes: int
    store_bytes: int


@dataclass
class SiteCopy:
    """The static copy, the paths of its article pages, and on how many of them a headline, a byline
    (a Joomla page's date line always, other pages when there is an author) and a body are printed."""

    root: Path
    articles: int
    urls: list[str]
    printed: dict[str, int]


def site_matches(root: Path, config: SiteConfig) -> bool:
    """Whether `root` already holds this site at its end, written with Crawl-delay 0."""
    info = json.loads((root / "site.json").read_text())
    robots = file_for(root, "/robots.txt")
    return (
        (info["seed"], info["count"], info["now"]) == (config.seed, config.count, config.end.isoformat())
        and robots.is_file()
        and "Crawl-delay: 0\n" in robots.read_text()
    )


def prepare_site(root: Path, seed: int, count: int) -> SiteCopy:
    """Write the static copy (untimed, with progress on stderr) unless `root` holds it already;
    the article paths come from the same corpus."""
    config = SiteConfig(seed=seed, count=count)
    corpus = Corpus(config)
    now = config.end
    if (root / "site.json").is_file():
        if not site_matches(root, config):
            raise SystemExit(
                f"{root} holds another site (seed, count, time or Crawl-delay differ); give an empty or new folder."
            )
        print(f"reusing the static site in {root}", file=sys.stderr, flush=True)
    else:
        print(f"rendering {count} articles into {root} (not timed)", file=sys.stderr, flush=True)
        write_static(corpus, now, root, crawl_delay=0, wrap=progress)
    ids = corpus.newest_first(now)
    articles = [corpus.article(i) for i in ids]
    printed = {
        "headline": len(articles),
        "byline": sum(article.era == "joomla" or bool(article.authors) for article in articles),
        "body": sum("no-body" not in article.flags for article in articles),
    }
    return SiteCopy(root, len(ids), [quote(article.path) for article in articles], printed)


def server_cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds a running process has used so far (Linux /proc), else None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(root: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`newsarchive site serve --static` in its own process; its base URL from its first line."""
    command = [
        str(Path(sys.executable).with_name("newsarchive")),
        "site",
        "serve",
        "--static",
        str(root),
        "--port",
        "0",
    ]
    with log.open("w") as errors:
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
    assert server.stdout is not None
    found = ADDRESS.search(server.stdout.readline())
    if not found:
        server.kill()
        server.wait()
        raise SystemExit(f"the site server did not start; see {log}")
    return server, found.group(0)


def run_measured(command: list[str], log: Path, cwd: Path, env: dict[str, str], server_pid: int) -> Usage:
    """Run a child to its end under LAUNCHER, its output to `log`, and read back what it cost."""
    figures_file = log.with_suffix(".usage.json")
    server_before = server_cpu_seconds(server_pid)
    with log.open("w") as output:
        launcher = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(figures_file), *command],
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            check=False,
        )
    server_after = server_cpu_seconds(server_pid)
    if launcher.returncode != 0:
        tail = log.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        raise SystemExit(f"{Path(command[0]).name} … exited with {launcher.returncode}; end of {log}:\n{tail}")
    cost = json.loads(figures_file.read_text())
    rss_bytes = cost["maxrss"] if sys.platform == "darwin" else cost["maxrss"] * 1024
    server = server_after - server_before if server_before is not None and server_after is not None else None
    return Usage(cost["seconds"], cost["cpu_seconds"], rss_bytes / 2**20, server)


def child_env() -> dict[str, str]:
    """The environment without anything that would point Scrapy at a project or a data folder."""
    return {
        k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "NEWSARCHIVE_DATA")
    }


def run_bare(site: SiteCopy, base: str, work: Path, concurrency: int, server_pid: int) -> tuple[Result, Path]:
    """The reference spider, run from `work` so that no scrapy.cfg lends it the project's settings."""
    urls, out = work / "urls.txt", work / "bare.jsonl"
    urls.write_text("".join(f"{base}{path}\n" for path in site.urls))
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(Path(__file__).resolve()),
        "-a",
        f"urls={urls}",
        "-O",
        f"{out}:jsonlines",
        "-s",
        f"CONCURRENT_REQUESTS={concurrency}",
        "-s",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
    ]
    print(f"bare spider: {len(site.urls)} pages (log: {work / 'bare.log'})", file=sys.stderr, flush=True)
    usage = run_measured(command, work / "bare.log", work, child_env(), server_pid)
    items = sum(1 for _ in out.open(encoding="utf-8"))
    return Result("bare scrapy", usage, items, items), out


def run_pipeline(base: str, work: Path, concurrency: int, server_pid: int) -> tuple[Result, PipelineOutput]:
    data = work / "data"
    command = [
        str(Path(sys.executable).with_name("newsarchive")),
        "crawl",
        "--base-url",
        base,
        "--data-dir",
        str(data),
        "--delay",
        "0",
        "--concurrency",
        str(concurrency),
        "-s",
        "AUTOTHROTTLE_ENABLED=False",
        "-s",
        "LOG_LEVEL=INFO",
    ]
    print(f"pipeline: newsarchive crawl into {data} (log: {work / 'pipeline.log'})", file=sys.stderr, flush=True)
    usage = run_measured(command, work / "pipeline.log", work, child_env(), server_pid)
    with Store(data / "archive.sqlite3", read_only=True) as store:
        articles = store.article_count()
        by_kind = {f"{kind} {status}": count for kind, status, count in store.capture_tally()}
    warcs = list((data / "warc").glob("*.warc.gz"))
    store_bytes = sum(path.stat().st_size for path in data.glob("archive.sqlite3*"))
    output = PipelineOutput(by_kind, len(warcs), sum(path.stat().st_size for path in warcs), store_bytes)
    return Result("pipeline", usage, articles, sum(by_kind.values())), output


def selector_hits(out: Path) -> dict[str, int]:
    """On how many pages each of the reference's selectors found more than white space."""
    hits = {"headline": 0, "byline": 0, "body": 0}
    with out.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            hits["headline"] += bool((item["headline"] or "").strip())
            hits["byline"] += bool((item["byline"] or "").strip())
            hits["body"] += any(text.strip() for text in item["body"])
    return hits


def megabytes(size: float) -> str:
    return f"{size / 2**20:.1f} MB"


def report(
    site: SiteCopy,
    seed: int,
    base: str,
    concurrency: int,
    results: list[Result],
    output: PipelineOutput,
    hits: dict[str, int],
) -> str:
    bare, pipeline = results
    ratio = pipeline.pages_per_second() / bare.pages_per_second()
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    stored = "all stored" if pipeline.articles == site.articles else "MISSING ARTICLES"
    lines = [
        f"site: {site.articles} articles (seed {seed}), static copy served by its own process at {base}; "
        f"concurrency {concurrency}; {os.cpu_count()} CPUs",
        "",
        f"{'crawl':<13}{'articles':>10}{'responses':>11}{'seconds':>10}{'pages/s':>10}{'CPU s':>9}"
        f"{'server CPU s':>14}{'peak RSS MB':>13}",
    ]
    for result in results:
        usage = result.usage
        server = "n/a" if usage.server_cpu_seconds is None else f"{usage.server_cpu_seconds:.1f}"
        lines.append(
            f"{result.name:<13}{result.articles:>10}{result.responses:>11}{usage.seconds:>10.1f}"
            f"{result.pages_per_second():>10.1f}{usage.cpu_seconds:>9.1f}{server:>14}"
            f"{usage.peak_rss_mb:>13.1f}"
        )
    lines += [
        f"ratio pipeline/bare: {ratio:.2f}x (target >= {TARGET_RATIO:g}x: {verdict})",
        "",
        "pipeline responses by kind and status: "
        + ", ".join(f"{kind} {count}" for kind, count in output.responses_by_kind.items()),
        f"WARC: {megabytes(output.warc_bytes)} in {output.warc_files} files, "
        f"{output.warc_bytes / pipeline.responses:,.0f} bytes per response, "
        f"{output.warc_bytes / pipeline.articles:,.0f} bytes per article",
        f"store: {megabytes(output.store_bytes)}",
        f"check: the store holds {pipeline.articles} of the site's {site.articles} articles: {stored}",
        "check: the reference's selectors found "
        + ", ".join(f"{field} on {count} of {site.printed[field]}" for field, count in hits.items())
        + " pages that print one",
    ]
    return "\n".join(lines)


def figures(
    site: SiteCopy, seed: int, concurrency: int, results: list[Result], output: PipelineOutput, hits: dict[str, int]
) -> dict[str, Any]:
    bare, pipeline = results
    return {
        "site_articles": site.articles,
        "seed": seed,
        "concurrency": concurrency,
        "cpus": os.cpu_count(),
        "ratio": pipeline.pages_per_second() / bare.pages_per_second(),
        "target_ratio": TARGET_RATIO,
        "all_articles_stored": pipeline.articles == site.articles,
        "reference_selector_hits": hits,
        "pages_printing": site.printed,
        **{
            key: {
                "articles": result.articles,
                "responses": result.responses,
                "pages_per_second": result.pages_per_second(),
                **asdict(result.usage),
            }
            for key, result in zip(("bare", "pipeline"), results, strict=True)
        },
        "pipeline_output": {
            **asdict(output),
            "warc_bytes_per_response": output.warc_bytes / pipeline.responses,
            "warc_bytes_per_article": output.warc_bytes / pipeline.articles,
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=10000, help="generated articles in the replica")
    parser.add_argument("--seed", type=int, default=1, help="seed of the replica site")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight, for both crawls")
    parser.add_argument(
        "--static",
        type=Path,
        default=None,
        help="folder of the static copy: reused if it holds this site, else written",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (crawl output, logs)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    server = None
    try:
        site = prepare_site(args.static or work / "site", args.seed, args.articles)
        server, base = start_server(site.root, work / "server.log")
        bare, out = run_bare(site, base, work, args.concurrency, server.pid)
        pipeline, output = run_pipeline(base, work, args.concurrency, server.pid)
        hits = selector_hits(out)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    results = [bare, pipeline]
    if args.json:
        print(json.dumps(figures(site, args.seed, args.concurrency, results, output, hits)))
    else:
        print(report(site, args.seed, base, args.concurrency, results, output, hits))


if __name__ == "__main__":
    main()
