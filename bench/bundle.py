"""Bundle and export benchmark: what carrying the archive costs, in bytes and seconds.

The archive: a static copy of the replica site of `samplesite` (seed `--seed`, `--articles`
generated articles plus the seed page and its sidebar) served by `newsarchive site serve --static`
in a process of its own and crawled whole by `newsarchive crawl` (16 requests in flight,
politeness lifted), then indexed (`newsarchive index --rebuild`); all of that is preparation,
not timed, and kept in `--work DIR` for the next run of the same seed and size.

Measured, each as one `newsarchive` child process (wall seconds, CPU seconds, its own peak RSS):
`export bundle` without and with the WARC files, `import bundle` of each into empty folders,
`export articles` as JSON Lines and as CSV (the whole archive), `export snapshots`, `export warc`
of a one-word query, and `import warc` of every WARC file of the crawl into an empty folder.

Sizes: the raw HTML of the article pages as the site serves them (the reference a bundle is
measured against), every response body captured, the store, the index, the WARC files, both
bundles and the exports.

Run: cd /work/main && .venv/bin/python bench/bundle.py [--articles 10000] [--seed 1] [--work DIR] [--json]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the import path; the repository root
# must come instead, so that `bench.crawl` (whose crawl helpers this reuses) can be imported.
ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0] or ".").resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass

from archive.store import Store
from bench.crawl import Usage, child_env, megabytes, prepare_site, run_measured, run_pipeline, start_server
from samplesite.static import file_for

NEWSARCHIVE = str(Path(sys.executable).with_name("newsarchive"))
QUERY = "rice"


@dataclass
class Step:
    name: str
    usage: Usage
    output_bytes: int | None


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def prepare_archive(work: Path, seed: int, articles: int) -> tuple[Path, Path, int]:
    """The crawled and indexed archive in `work` (reused when it is of the same site); returns
    its data folder, index folder and the raw HTML bytes of its article pages."""
    data, index, marker = work / "data", work / "index", work / "prepared.json"
    wanted = {"seed": seed, "articles": articles}
    site = prepare_site(work / "site", seed, articles)
    html = sum(file_for(site.root, path).stat().st_size for path in site.urls)
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        print(f"reusing the crawled archive in {work}", file=sys.stderr, flush=True)
        return data, index, html
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    server, base = start_server(site.root, work / "server.log")
    try:
        run_pipeline(base, work, 16, server.pid)
    finally:
        server.terminate()
        server.wait()
    print("indexing (not timed)", file=sys.stderr, flush=True)
    run_measured(
        [NEWSARCHIVE, "index", "--rebuild", "--data-dir", str(data), "--index-dir", str(index)],
        work / "index.log",
        work,
        child_env(),
        0,
    )
    marker.write_text(json.dumps(wanted))
    return data, index, html


def measure(name: str, args: list[str], work: Path, output: Path | None) -> Step:
    print(f"{name}: newsarchive {' '.join(args)}", file=sys.stderr, flush=True)
    log = work / "logs" / (name.replace(" ", "-") + ".log")
    log.parent.mkdir(exist_ok=True)
    usage = run_measured([NEWSARCHIVE, *args], log, work, child_env(), 0)
    size = None if output is None else (folder_bytes(output) if output.is_dir() else output.stat().st_size)
    return Step(name, usage, size)


def run_steps(data: Path, index: Path, work: Path) -> list[Step]:
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    where = ["--data-dir", str(data), "--index-dir", str(index)]
    lean, full = out / "archive.tar.gz", out / "archive-warc.tar.gz"
    steps = [
        measure("export bundle", ["export", "bundle", str(lean), *where], work, lean),
        measure("export bundle --warc", ["export", "bundle", str(full), "--warc", *where], work, full),
    ]
    for name, bundle in (("import bundle", lean), ("import bundle --warc", full)):
        target = out / name.replace(" ", "-")
        steps.append(
            measure(
                name,
                [
                    "import",
                    "bundle",
                    str(bundle),
                    "--data-dir",
                    str(target / "data"),
                    "--index-dir",
                    str(target / "index"),
                ],
                work,
                target,
            )
        )
    for fmt in ("jsonl", "csv"):
        target = out / f"articles.{fmt}"
        steps.append(
            measure(f"export articles ({fmt})", ["export", "articles", "--output", str(target), *where], work, target)
        )
    target = out / "snapshots.csv"
    steps.append(measure("export snapshots", ["export", "snapshots", "--output", str(target), *where], work, target))
    target = out / "rice.warc.gz"
    steps.append(
        measure(
            f"export warc '{QUERY}'",
            ["export", "warc", "--query", QUERY, "--output", str(target), *where],
            work,
            target,
        )
    )
    warcs = sorted(str(p) for p in (data / "warc").glob("*.warc.gz"))
    target = out / "imported"
    steps.append(measure("import warc", ["import", "warc", *warcs, "--data-dir", str(target)], work, target))
    return steps


def sizes(data: Path, index: Path, html: int) -> dict[str, int]:
    with Store(data / "archive.sqlite3", read_only=True) as store:
        figures, bodies = store.figures(), store.capture_bytes()
    return {
        "articles": figures["articles"],
        "captures": figures["captures"],
        "article_html_bytes": html,
        "response_body_bytes": bodies,
        "store_bytes": (data / "archive.sqlite3").stat().st_size,
        "index_bytes": folder_bytes(index),
        "warc_bytes": folder_bytes(data / "warc"),
    }


def report(found: dict[str, int], steps: list[Step]) -> str:
    html = found["article_html_bytes"]
    lines = [
        f"archive: {found['articles']:,} articles, {found['captures']:,} captures; raw HTML of the article "
        f"pages {megabytes(html)} (reference), every response body {megabytes(found['response_body_bytes'])}",
        f"store {megabytes(found['store_bytes'])}, index {megabytes(found['index_bytes'])}, WARC "
        f"{megabytes(found['warc_bytes'])}",
        "",
        f"{'step':<28}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}{'output':>12}{'vs HTML':>9}",
    ]
    for step in steps:
        size = megabytes(step.output_bytes) if step.output_bytes is not None else "-"
        ratio = f"{step.output_bytes / html:.2f}x" if step.output_bytes is not None else "-"
        lines.append(
            f"{step.name:<28}{step.usage.seconds:>9.1f}{step.usage.cpu_seconds:>9.1f}"
            f"{step.usage.peak_rss_mb:>13.1f}{size:>12}{ratio:>9}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=10000, help="generated articles in the replica")
    parser.add_argument("--seed", type=int, default=1, help="seed of the replica site")
    parser.add_argument("--work", type=Path, default=None, help="keep the site and the crawled archive here, for reuse")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data, index, html = prepare_archive(work, args.seed, args.articles)
        found = sizes(data, index, html)
        steps = run_steps(data, index, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            shutil.rmtree(work / "out", ignore_errors=True)
    if args.json:
        print(json.dumps({"seed": args.seed, **found, "steps": [asdict(step) for step in steps]}))
    else:
        print(report(found, steps))


if __name__ == "__main__":
    main()
