"""A real redis-server for the distributed-crawl tests: one of its own, on a free port of
127.0.0.1 — keeping nothing on disk, or keeping a snapshot it reloads when started again, as
a server restarted after a crash does."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server on a port of its own, in `folder`; with `snapshots` it saves only when
    told (SAVE) and reloads the last snapshot when started again."""

    def __init__(self, folder: Path, snapshots: bool = False):
        self.folder = folder
        self.port = free_port()
        self.snapshots = snapshots
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--dbfilename",
                "dump.rdb" if self.snapshots else "unused.rdb",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except (redis.ConnectionError, redis.BusyLoadingError):
                assert time.monotonic() < deadline and self.process.poll() is None, "redis-server did not start"
                time.sleep(0.05)

    def kill(self) -> None:
        """As a crash: no snapshot written on the way out."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """The URL of a redis-server started for the block and stopped after it."""
    server = RedisServer(folder)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
