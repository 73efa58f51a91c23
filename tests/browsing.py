"""What the browser tests share: the front-end served by waitress on 127.0.0.1, and Debian's
Chromium launched by Playwright as a test machine runs it."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright
from waitress.server import create_server

from web import create_app

CHROMIUM = "/usr/bin/chromium"
# Screenshots for a reviewer, kept outside the repository: $NEWSARCHIVE_TEST_ARTIFACTS, else a
# folder of the system's temporary directory.
ARTIFACTS = Path(
    os.environ.get("NEWSARCHIVE_TEST_ARTIFACTS") or Path(tempfile.gettempdir()) / "newsarchive-test-artifacts"
)
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"  # package.json
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def serving(archive: Path) -> Iterator[str]:
    """The front-end over `archive` (its index/ and data/), served until the generator ends."""
    app = create_app(archive / "index", archive / "data")
    httpd = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=httpd.run, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.effective_port}"
    httpd.close()


def chromium(playwright: Playwright, env: Mapping[str, str] | None = None) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=dict(env) if env else None)


def launched() -> Iterator[Browser]:
    """Chromium, launched for a module's tests and closed after them."""
    with sync_playwright() as playwright:
        browser = chromium(playwright)
        yield browser
        browser.close()
