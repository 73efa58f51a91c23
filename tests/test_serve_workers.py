"""`newsarchive serve --workers N` as a user meets it: real processes on 127.0.0.1, checked the
way a user can check them — the master's children in /proc (`ps --ppid MASTER`), which of them
holds each connection (`ss -tnp`), the lines each worker prints — and the postings budget
divided among the workers. No timing is asserted: conditions are polled with a bound."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from cli.serve_workers import worker_pids
from search.postings_cache import CACHE_BYTES, CACHE_ENV, SHARES_ENV, PostingsCache, budget_share, cache_budget
from tests.conftest import get
from tests.waiting import Output, wait_for

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
WORDS = ("defamation", "minister", "rice", "flood", "court", "election")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A small indexed archive, as `newsarchive demo --once` builds it."""
    folder = tmp_path_factory.mktemp("workers")
    result = subprocess.run(
        [NEWSARCHIVE, "demo", "--once", "--count", "60", "--data-dir", str(folder), "--site-port", "0"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return folder / "demo"


def connection_owner(server_port: int, client_port: int, candidates: set[int]) -> int | None:
    """Which of `candidates` holds the server's end of the connection from `client_port` (what
    `ss -tnp` shows): its socket's inode in /proc/net/tcp, then the process with that socket
    among its open files. None once the connection is closed."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote = (int(address.rsplit(":", 1)[1], 16) for address in fields[1:3])
                if (local, remote) == (server_port, client_port):
                    inode = fields[9]
    for pid in candidates if inode else ():
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


@dataclass
class Server:
    process: subprocess.Popen
    output: Output
    base: str

    @property
    def port(self) -> int:
        port = urlsplit(self.base).port
        assert port is not None
        return port

    def workers(self, count: int, without: frozenset[int] = frozenset()) -> set[int]:
        """The master's worker processes once there are `count` of them, none of them `without`."""

        def found() -> set[int] | None:
            pids = worker_pids(self.process.pid)
            return pids if len(pids) == count and not pids & without else None

        pids = wait_for(found, f"{count} workers, none of {sorted(without)}")
        assert isinstance(pids, set)
        return pids

    def search(self, word: str) -> tuple[int, int | None]:
        """One search on a connection of its own: its status, and the worker that answered."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", f"/search.json?q={quote(word)}")
            response = connection.getresponse()
            response.read()  # the connection stays open (keep-alive): its owner can be looked up
            owner = connection_owner(self.port, connection.sock.getsockname()[1], worker_pids(self.process.pid))
            return response.status, owner
        finally:
            connection.close()


@contextlib.contextmanager
def serving(archive: Path, *options: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`newsarchive serve` on a free port as a process of its own; stopped with Ctrl-C (SIGINT)
    at the end if a test has not stopped it, and killed, master and workers by their ids, if
    that fails."""
    command = [NEWSARCHIVE, "serve", "--port", "0", "--data-dir", str(archive), *options]
    environment = {k: v for k, v in os.environ.items() if k != CACHE_ENV} | (env or {})
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    output = Output(process)
    try:
        base = output.first(r"Serving the archive at (http://\S+?)/?$", "the server's address", 120)[1]
        yield Server(process, output, base)
    finally:
        if process.poll() is None:
            workers = worker_pids(process.pid)
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                for pid in (process.pid, *workers):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.wait()


def test_two_workers_answer_searches_each_from_its_own_process(archive):
    with serving(archive, "--workers", "2") as server:
        workers = server.workers(2)
        status, _, body = get(server.base + "/search.json?q=defamation")
        assert status == 200 and json.loads(body)["total"] == 3
        answered: set[int | None] = set()
        for _ in range(60):  # rounds of searches sent at once, each on a connection of its own
            results: list[tuple[int, int | None]] = []
            threads = [threading.Thread(target=lambda w=w, r=results: r.append(server.search(w))) for w in WORDS]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert {status for status, _ in results} == {200}
            answered |= {owner for _, owner in results}
            if workers <= answered:
                break
        assert answered - {None} == workers, server.output.text()


def test_a_killed_worker_is_replaced_and_the_service_goes_on(archive):
    with serving(archive, "--workers", "2") as server:
        first = server.workers(2)
        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        (new,) = server.workers(2, without=frozenset({killed})) - first
        server.output.first(rf"^Worker {new} ready", "the new worker's line")
        assert all(server.search(word)[0] == 200 for word in WORDS)
        assert server.process.poll() is None


def test_ctrl_c_stops_the_master_and_every_worker(archive):
    with serving(archive, "--workers", "2") as server:
        workers = server.workers(2)
        assert server.search("rice")[0] == 200
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=60) == 0, server.output.text()
        wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), "every worker to be gone")
        with pytest.raises(ConnectionRefusedError):
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=10).connect()
        assert "Traceback" not in server.output.text()


def test_one_worker_is_one_process(archive):
    with serving(archive, "--workers", "1") as server:
        assert server.search("rice")[0] == 200
        assert worker_pids(server.process.pid) == set()
        server.output.first(r"^One process, 4 threads; postings cache 384 MiB\.", "the process's line")


def test_the_postings_budget_is_the_whole_services_divided_among_the_workers(monkeypatch):
    assert budget_share(384 * 2**20, 1) == CACHE_BYTES == 384 * 2**20
    assert budget_share(384 * 2**20, 3) == 128 * 2**20
    assert budget_share(100, 0) == 100  # never divided by none
    assert cache_budget({}) == CACHE_BYTES
    assert cache_budget({SHARES_ENV: "4"}) == 96 * 2**20
    assert cache_budget({CACHE_ENV: "64", SHARES_ENV: "2"}) == 32 * 2**20
    monkeypatch.setenv(CACHE_ENV, "40")
    monkeypatch.setenv(SHARES_ENV, "5")
    assert PostingsCache().budget == 8 * 2**20  # what the search service's own cache takes
    assert PostingsCache(1000).budget == 1000


@pytest.mark.parametrize(
    "options, env, each",
    [(["--cache-mb", "64"], {}, "32"), ([], {CACHE_ENV: "100"}, "50"), (["--cache-mb", "90"], {CACHE_ENV: "1"}, "45")],
)
def test_each_worker_takes_its_share_of_the_budget_from_the_option_or_the_environment(archive, options, env, each):
    with serving(archive, "--workers", "2", *options, env=env) as server:
        workers = server.workers(2)
        for pid in workers:
            line = server.output.first(rf"^Worker {pid} ready \(postings cache (\S+) MiB\)", f"worker {pid}'s line")
            assert line[1] == each
        total = re.search(r"postings cache (\S+) MiB each \((\S+) MiB in all\)", server.output.text())
        assert total is not None and total[1] == each and int(total[2]) == 2 * int(each)


def test_a_worker_that_ends_leaves_a_served_bundle_in_place_for_the_others(archive, tmp_path):
    bundle = tmp_path / "archive.tar.gz"
    written = subprocess.run(
        [NEWSARCHIVE, "export", "bundle", str(bundle), "--data-dir", str(archive)], capture_output=True, text=True
    )
    assert written.returncode == 0, written.stderr
    unpacked_in = tmp_path / "tmp"
    unpacked_in.mkdir()
    with serving(archive, "--bundle", str(bundle), "--workers", "2", env={"TMPDIR": str(unpacked_in)}) as server:
        first = server.workers(2)
        (unpacked,) = unpacked_in.glob("newsarchive-bundle-*")
        ended = min(first)
        os.kill(ended, signal.SIGTERM)  # a worker told to stop, which ends through Python's own exit
        server.workers(2, without=frozenset({ended}))
        assert (unpacked / "data" / "archive.sqlite3").is_file()
        assert all(server.search(word)[0] == 200 for word in WORDS)
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=60) == 0, server.output.text()
    assert not list(unpacked_in.iterdir())  # the master removes it, once, when it stops
