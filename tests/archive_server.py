"""A real web archive for the tests: pywb (in its own environment, .venv-pywb) serving WARC
files from a collection of its own on a free port of 127.0.0.1, with its CDX server API at
`<collection>/cdx` and each capture's original bytes at `<collection>/<timestamp>id_/<url>`."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.redis_server import free_port

PYWB = Path(__file__).resolve().parent.parent / ".venv-pywb" / "bin"
COLLECTION = "post"
STARTING = 60  # seconds a loaded machine may take to start pywb


@contextmanager
def archive_server(warcs: list[Path], folder: Path) -> Iterator[str]:
    """pywb serving `warcs`, indexed into a collection in `folder`; yields the collection's
    address (`http://127.0.0.1:PORT/post`)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([PYWB / "wb-manager", "init", COLLECTION], cwd=folder, check=True, capture_output=True)
    subprocess.run([PYWB / "wb-manager", "add", COLLECTION, *warcs], cwd=folder, check=True, capture_output=True)
    port = free_port()
    log = (folder / "pywb.log").open("w")
    server = subprocess.Popen(
        [PYWB / "wayback", "-p", str(port), "-b", "127.0.0.1"], cwd=folder, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}/{COLLECTION}"
    try:
        deadline = time.monotonic() + STARTING
        while True:
            try:
                urllib.request.urlopen(f"{base}/cdx?url=example.org", timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pywb did not start; see {folder / 'pywb.log'}") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
