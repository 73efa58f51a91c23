"""`newsarchive serve --workers N`: N worker processes answering on one listening socket.

Why gunicorn (MIT, pure Python, no dependencies): the service is CPU-bound Python, so the
threads of one process take turns on the GIL and only processes add throughput. gunicorn's
pre-fork master is what this needs and nothing more: it hands one socket to every worker,
replaces a worker that dies, stops them all on SIGINT or SIGTERM (and adds or removes one on
SIGTTIN / SIGTTOU), and its gthread worker is a pool of threads, as waitress was. waitress has
no processes of its own; a supervisor written here would repeat gunicorn's master, badly;
uWSGI must be compiled; uvicorn and hypercorn serve ASGI, not this WSGI application.

Each worker builds the application after it has started (gunicorn loads it in the worker,
never in the master), so it opens the index and the store itself: no SQLite connection or
Whoosh searcher crosses a fork. The master does not serve.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

GRACE_SECONDS = 10  # SIGTERM: requests under way may finish for this long, then the workers are killed


class ArchiveServer(BaseApplication):
    """gunicorn's master with gthread workers, configured here rather than by gunicorn's own
    command line or configuration files, so that `newsarchive serve` alone decides."""

    def __init__(self, make_app: Callable[[], Any], settings: dict[str, Any]):
        self.make_app = make_app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self) -> Any:
        """Called in each worker once it has started: its own application, index and store."""
        return self.make_app()


def settings(fd: int, workers: int, threads: int, hooks: dict[str, Callable]) -> dict[str, Any]:
    """gunicorn's settings for serving on the socket `fd` (bound and listening already, so that
    the port rules and a port in use are settled before anything starts; gunicorn takes it
    over and closes it), keeping what waitress did where gunicorn's defaults differ."""
    return {
        "bind": [f"fd://{fd}"],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "loglevel": "warning",  # a worker that dies or hangs is said; its start is said by `ready`
        "control_socket_disable": True,  # else a socket file in $XDG_RUNTIME_DIR or ~/.gunicorn, shared by every server
        "graceful_timeout": GRACE_SECONDS,
        "limit_request_line": 0,  # gunicorn's 4,094 bytes refuse a long Khmer query (9 bytes a letter encoded)
        "forwarded_allow_ips": "",  # as waitress: X-Forwarded-Proto from nobody makes a citation https
        "proc_name": "newsarchive",
        **hooks,
    }


def exit_status(code: object) -> int:
    """The exit status SystemExit(code) means, as Python itself reads it."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run_master(server: ArchiveServer) -> int:
    """Run gunicorn's master until it stops; its exit status. Every worker is forked inside
    this call and leaves it with gunicorn's SystemExit: a worker ends here, at once, so that
    nothing of the master's own (an unpacked bundle's removal above all) runs in it."""
    master = os.getpid()
    status = 1
    try:
        server.run()
        status = 0
    except SystemExit as ended:
        status = exit_status(ended.code)
    finally:
        if os.getpid() != master:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    return status


def worker_pids(master: int) -> set[int]:
    """The live processes whose parent is `master` (what `ps --ppid` lists), read from /proc:
    the workers a benchmark measures and a test watches come and go."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if int(parent) == master and state != "Z":
            found.add(int(entry.name))
    return found
