"""Web benchmark: requests per second and latency of the search page and its JSON twin, as
shipped (`newsarchive serve`: waitress, 8 threads), over an index of `--articles` sample-site
articles, with `--clients` concurrent clients on keep-alive connections.

The store and the index are those of bench/search.py (same corpus, same preparation, reused
from `--work`; made here if missing). The queries are bench/search.py's fixed, seeded mix (one
word, two words, a phrase, author:, a date range), each answered with 10 hits, all facets,
highlighted snippets and the timeline. As a reference measured in the same run, the same
server answers `/openapi.json` (no search at all): the ceiling the server and Flask allow.
Target from the issue: report the figures; the search's p95 should stay well below a second.

Run: cd /work/main && .venv/bin/python bench/web.py [--articles 100000] [--clients 8]
[--requests 400] [--work DIR] [--json]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on the import path and bench/search.py would stand in
# for the project's `search` package: take the folder off.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

import argparse
import http.client
import importlib.util
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from types import ModuleType
from urllib.parse import quote, urlsplit

from archive.store import Store
from search.indexer import current_generation, rebuild

REPO = Path(__file__).resolve().parent.parent
NEWSARCHIVE = Path(sys.executable).parent / "newsarchive"


def search_bench() -> ModuleType:
    """bench/search.py, for its corpus preparation and query mix."""
    spec = importlib.util.spec_from_file_location("search_bench", Path(__file__).with_name("search.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["search_bench"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Run:
    target: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, p: int) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000

    def figures(self) -> dict:
        return {
            "target": self.target,
            "requests": len(self.latencies),
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(len(self.latencies) / self.seconds, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
        }


def load(base: str, paths: list[str], clients: int, target: str) -> Run:
    """Send every path once, `clients` at a time, each client on its own keep-alive connection."""
    run = Run(target)
    host = urlsplit(base)
    lock = threading.Lock()
    queue = list(paths)

    def client() -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                connection.close()
                connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                run.latencies.append(elapsed)
                run.errors += not ok
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    return run


def serve(data: Path, index: Path, threads: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            str(NEWSARCHIVE),
            "serve",
            "--port",
            "0",
            "--threads",
            str(threads),
            "--data-dir",
            str(data),
            "--index-dir",
            str(index),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    line = process.stdout.readline()
    if "Serving" not in line:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, line.split(" at ")[-1].strip().rstrip("/")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--windows", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads, as `newsarchive serve` ships")
    parser.add_argument("--requests", type=int, default=400, help="requests per target")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bsearch"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    bench = search_bench()
    folder = args.work / f"seed{args.seed}-articles{args.articles}-windows{args.windows}"
    bench.prepare_store(folder / "store", args.seed, args.articles, args.windows)
    index = folder / "ours"
    if current_generation(index) is None:
        with Store(folder / "store" / "archive.sqlite3") as store:
            rebuild(store, index, procs=2, limitmb=256)
    queries = [q.text for q in bench.make_queries(args.seed, args.articles, max(1, args.requests // 5))]
    process, base = serve(folder / "store", index, args.threads)
    try:
        warm = [f"/search.json?q={quote(q)}" for q in queries[:40]]
        load(base, warm, args.clients, "warm-up")
        runs = [
            load(base, ["/openapi.json"] * args.requests, args.clients, "/openapi.json (no search: reference)"),
            load(base, [f"/search?q={quote(q)}" for q in queries][: args.requests], args.clients, "/search (HTML)"),
            load(
                base,
                [f"/search.json?q={quote(q)}" for q in queries][: args.requests],
                args.clients,
                "/search.json (JSON twin)",
            ),
        ]
    finally:
        process.terminate()
        process.wait(timeout=30)
    figures = {
        "articles": args.articles,
        "clients": args.clients,
        "threads": args.threads,
        "runs": [run.figures() for run in runs],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"index of {args.articles:,} articles; {args.clients} clients; waitress with {args.threads} threads\n")
    print(f"{'target':38} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for run in runs:
        f = run.figures()
        print(
            f"{f['target']:38} {f['requests']:>8} {f['errors']:>6} {f['requests_per_second']:>8} "
            f"{f['p50_ms']:>8} {f['p95_ms']:>8} {f['p99_ms']:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
