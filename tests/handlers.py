"""A small HTTP server of a test's own (a request handler class) on a free port of 127.0.0.1."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """A handler that keeps the test's output free of access-log lines."""

    def log_message(self, *args) -> None:
        pass


@contextmanager
def handled(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` serving in a thread; yields its address (`http://127.0.0.1:PORT`)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
