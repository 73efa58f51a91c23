"""Web benchmark: requests per second and latency of the search page and its JSON twin, as
shipped (`newsarchive serve`: `--workers` processes under gunicorn, default one per core this
process may use, `--threads` each, default 4), over an index of `--articles` sample-site
articles, with `--clients` concurrent clients on keep-alive connections; beside each figure, the
same figure of the reference measured in the same run: one process with 8 threads under
waitress (`serve --workers 1 --threads 8`), as `serve` ran before it had workers.

The store and the index are those of bench/search.py (same corpus, same preparation, reused
from `--work`; made here if missing). The queries are bench/search.py's fixed, seeded mix (one
word, two words, a phrase, author:, a date range, OR, NOT, a wildcard, an open-ended range, a
sorted search), each answered with 10 hits, all facets, highlighted snippets and the timeline.
Each server is timed on its first search, sent as soon as it says it is serving (the index's
files may be in the page cache from an earlier run: this is a process's cold start, not a
disk's), then on a first pass over every search the runs send, then on each target: the
search page and its JSON twin with `--clients` clients and with one (the throughput many
clients gain over one), and `/openapi.json` (no search at all): the ceiling the server and
Flask allow, of which each target's throughput is shown as a share.

Memory, read after the runs from /proc/PID/smaps_rollup of every process of each server (the
gunicorn master and each worker; the reference's one process): private (USS: Private_Clean +
Private_Dirty, what the process alone holds and what ending it frees) beside shared
(Shared_Clean + Shared_Dirty: pages mapped by other processes too, the code, libraries, index
files and what a worker still shares with the master it was forked from). The postings cache
is one budget for the whole service (384 MiB), divided among the workers. Of the shared, the
resident size of the index's mapped arrays (search/segment_arrays.py) is shown apart: one copy
in the page cache, whichever processes map it.

Targets, on 100,000 articles, 8 clients, 2 cores: /search and /search.json p95 ≤ 150 ms and
throughput ≥ 1.6 × the one-client rate; the first search after start ≤ 300 ms.

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
from search.segment_arrays import FOLDER as ARRAYS

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
        "mapped_arrays_mib": mapped_arrays(pid),
    }


def mapped_arrays(pid: int) -> float:
    """The resident size in MiB of the index's arrays a process maps (shared through the page
    cache by every process that maps them), from /proc/PID/smaps."""
    resident, in_arrays = 0, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if "-" in first and not first.endswith(":"):  # a mapping's first line: addresses, …, path
            in_arrays = f"/{ARRAYS}/" in line
        elif in_arrays and first == "Rss:":
            resident += int(line.split()[1]) * 1024
    return round(resident / MiB, 1)


def measure(data: Path, index: Path, workers: int, threads: int, queries: list[str], args: argparse.Namespace) -> dict:
    """One server's first search (the process just started, nothing read yet but the index's
    files in the page cache), a first pass over every search the runs send (`--clients` at a
    time: what a server meets when its queries are new to it), then each target in turn with
    `--clients` and with one client, and its processes' memory."""
    process, base = serve(data, index, workers, threads)
    try:
        html = [f"/search?q={q}" for q in queries][: args.requests]
        json_twin = [f"/search.json?q={q}" for q in queries][: args.requests]
        first = load(base, [html[-1]], 1, "first search after start")
        runs = [
            load(base, html + json_twin, args.clients, "first pass over new queries"),
            load(base, ["/openapi.json"] * args.requests, args.clients, "/openapi.json (no search: ceiling)"),
            load(base, html, args.clients, "/search (HTML)"),
            load(base, json_twin, args.clients, "/search.json (JSON twin)"),
        ]
        alone = [load(base, html, 1, "/search, one client"), load(base, json_twin, 1, "/search.json, one client")]
        workers_memory = [memory(pid) for pid in sorted(worker_pids(process.pid))]
        own = memory(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return {
        "workers": workers,
        "threads": threads,
        "first_search_ms": round(first.latencies[0] * 1000, 1),
        "runs": [run.figures() for run in runs],
        "one_client": [run.figures() for run in alone],
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
    mix = bench.make_queries(args.seed, args.articles, max(1, args.requests // len(bench.KINDS)))
    queries = [f"{quote(q.text)}&sort={q.sort}" if q.sort != "relevance" else quote(q.text) for q in mix]
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
    print(f"{'target':36}" + "".join(f" {names.get(key, key):>{width}}" for key, width in columns) + "  ÷ ceiling")
    ceiling, reference_ceiling = ours["runs"][1]["requests_per_second"], reference["runs"][1]["requests_per_second"]
    for mine, theirs in zip(
        ours["runs"] + ours["one_client"], reference["runs"] + reference["one_client"], strict=True
    ):
        cells = "".join(f" {beside(mine[key], theirs[key], width)}" for key, width in columns)
        share = beside(
            f"{mine['requests_per_second'] / ceiling:.2f}",
            f"{theirs['requests_per_second'] / reference_ceiling:.2f}",
            12,
        )
        print(f"{mine['target']:36}{cells}{share}")
    print(f"\n{args.clients} clients' throughput ÷ one client's (target ≥ 1.6):")
    for many, one, theirs_many, theirs_one in zip(
        ours["runs"][2:], ours["one_client"], reference["runs"][2:], reference["one_client"], strict=True
    ):
        ratio, theirs = (
            many["requests_per_second"] / one["requests_per_second"],
            theirs_many["requests_per_second"] / theirs_one["requests_per_second"],
        )
        print(f"  {many['target']:34} {beside(f'{ratio:.2f}', f'{theirs:.2f}', 14)}")
    first = beside(ours["first_search_ms"], reference["first_search_ms"], 14)
    print(f"first search after start, ms (target ≤ 300): {first}")
    print("\nmemory after the runs, MiB: private (USS: Private_Clean + Private_Dirty) beside shared, and of the")
    print("shared the index arrays mapped (resident in the page cache once for every process)")
    print(f"{'process':36} {'pid':>8} {'private':>9} {'shared':>9} {'arrays':>9} {'PSS':>9}")
    for label, found in [*memory_rows(ours, "ours"), *memory_rows(reference, "reference")]:
        pid, private, shared, mapped, pss = (
            found[key] for key in ("pid", "private_mib", "shared_mib", "mapped_arrays_mib", "pss_mib")
        )
        print(f"{label:36} {pid:>8} {private:>9} {shared:>9} {mapped:>9} {pss:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
