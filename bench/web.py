"""Web benchmark: requests per second and latency of the search page and its JSON twin, as
shipped (`newsarchive serve`: `--workers` processes under gunicorn, default one per core this
process may use, `--threads` each, default 4), over an index of `--articles` sample-site
articles, with `--clients` concurrent clients on keep-alive connections; beside each figure, the
same figure of the reference measured in the same run: one process with 8 threads under
waitress (`serve --workers 1 --threads 8`), as `serve` ran before it had workers.

The store and the index are those of bench/search.py (same corpus, same preparation, reused
from `--work`; made here if missing). The queries are bench/search.py's fixed, seeded mix (one
word, two words, a phrase, author:, a date range), each answered with 10 hits, all facets,
highlighted snippets and the timeline. Each server also answers `/openapi.json` (no search at
all): the ceiling the server and Flask allow.

Memory, read after the runs from /proc/PID/smaps_rollup of every process of each server (the
gunicorn master and each worker; the reference's one process): private (USS: Private_Clean +
Private_Dirty, what the process alone holds and what ending it frees) beside shared
(Shared_Clean + Shared_Dirty: pages mapped by other processes too, the code, libraries, index
files and what a worker still shares with the master it was forked from). The postings cache
is one budget for the whole service (384 MiB), divided among the workers.
Target from the issue: report the figures; the search's p95 should stay well below a second.

Run: cd /work/main && .venv/bin/python bench/web.py [--articles 100000] [--clients 8]
[--workers N] [--threads 4] [--requests 400] [--work DIR] [--json]
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
from cli.serve_workers import worker_pids
from search.indexer import current_generation, rebuild

REPO = Path(__file__).resolve().parent.parent
NEWSARCHIVE = Path(sys.executable).parent / "newsarchive"
REFERENCE_THREADS = 8  # one waitress process with 8 threads: `newsarchive serve` before it had workers
MiB = 2**20


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


def serve(data: Path, index: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [
            str(NEWSARCHIVE),
            "serve",
            "--port",
            "0",
            "--workers",
            str(workers),
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
    threading.Thread(target=process.stdout.read, daemon=True).start()  # the workers' lines, never blocking them
    return process, line.split(" at ")[-1].strip().rstrip("/")


def memory(pid: int) -> dict:
    """A process's private (USS) and shared memory in MiB, from /proc/PID/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0]) * 1024
    return {
        "pid": pid,
        "private_mib": round((fields["Private_Clean"] + fields["Private_Dirty"]) / MiB, 1),
        "shared_mib": round((fields["Shared_Clean"] + fields["Shared_Dirty"]) / MiB, 1),
        "pss_mib": round(fields["Pss"] / MiB, 1),
    }


def measure(data: Path, index: Path, workers: int, threads: int, queries: list[str], args: argparse.Namespace) -> dict:
    """One server's runs (40 searches to warm up, then each target in turn) and its processes' memory."""
    process, base = serve(data, index, workers, threads)
    try:
        warm = [f"/search.json?q={quote(q)}" for q in queries[:40]]
        load(base, warm, args.clients, "warm-up")
        runs = [
            load(base, ["/openapi.json"] * args.requests, args.clients, "/openapi.json (no search: ceiling)"),
            load(base, [f"/search?q={quote(q)}" for q in queries][: args.requests], args.clients, "/search (HTML)"),
            load(
                base,
                [f"/search.json?q={quote(q)}" for q in queries][: args.requests],
                args.clients,
                "/search.json (JSON twin)",
            ),
        ]
        workers_memory = [memory(pid) for pid in sorted(worker_pids(process.pid))]
        own = memory(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {
        "workers": workers,
        "threads": threads,
        "runs": [run.figures() for run in runs],
        "memory": {"master": own, "workers": workers_memory} if workers_memory else {"process": own},
    }


def beside(ours: object, reference: object, width: int) -> str:
    """A figure and the reference's, as one cell: `ours (reference)`."""
    return f"{ours} ({reference})".rjust(width)


def memory_rows(server: dict, label: str) -> list[tuple[str, dict]]:
    """The processes of one server, each with its memory, named for the table."""
    found = server["memory"]
    if "process" in found:
        return [(f"{label}: the one process", found["process"])]
    rows = [(f"{label}: worker {i + 1}", worker) for i, worker in enumerate(found["workers"])]
    return [*rows, (f"{label}: gunicorn master", found["master"])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--windows", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--workers",
        type=int,
        default=max(1, len(os.sched_getaffinity(0))),
        help="worker processes, as `newsarchive serve` ships (default: the cores this process may use)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker, as `newsarchive serve` ships")
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
    reference = measure(folder / "store", index, 1, REFERENCE_THREADS, queries, args)
    ours = measure(folder / "store", index, args.workers, args.threads, queries, args)
    figures = {
        "articles": args.articles,
        "clients": args.clients,
        "cores": len(os.sched_getaffinity(0)),
        "ours": ours,
        "reference": reference,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    server = "gunicorn, gthread workers" if args.workers > 1 else "one process: waitress"
    print(
        f"index of {args.articles:,} articles; {args.clients} clients; {args.workers} workers × {args.threads} threads "
        f"({server}); in brackets the reference: one process × {REFERENCE_THREADS} threads (waitress)\n"
    )
    columns = (("requests", 14), ("errors", 10), ("requests_per_second", 16), ("p50_ms", 16), ("p95_ms", 16))
    columns += (("p99_ms", 16),)
    names = {"requests_per_second": "req/s", "p50_ms": "p50 ms", "p95_ms": "p95 ms", "p99_ms": "p99 ms"}
    print(f"{'target':36}" + "".join(f" {names.get(key, key):>{width}}" for key, width in columns))
    for mine, theirs in zip(ours["runs"], reference["runs"], strict=True):
        cells = "".join(f" {beside(mine[key], theirs[key], width)}" for key, width in columns)
        print(f"{mine['target']:36}{cells}")
    print("\nmemory after the runs, MiB: private (USS: Private_Clean + Private_Dirty) beside shared")
    print(f"{'process':36} {'pid':>8} {'private':>9} {'shared':>9} {'PSS':>9}")
    for label, found in [*memory_rows(ours, "ours"), *memory_rows(reference, "reference")]:
        print(f"{label:36} {found['pid']:>8} {found['private_mib']:>9} {found['shared_mib']:>9} {found['pss_mib']:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
