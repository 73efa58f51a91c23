"""`make demo` as a newcomer meets it: `newsarchive demo` run as the README says, ending by
serving the researcher's front-end on the archive it built beside the sample site it crawled;
the address it prints opened in Chromium, a search run through the form, then Ctrl-C."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

from tests.browsing import chromium
from tests.conftest import get
from tests.waiting import Output

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")


def refuses(address: str) -> bool:
    """Whether nothing listens at `address` any more."""
    parts = urlsplit(address)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=10).close()
    except ConnectionRefusedError:
        return True
    return False


def test_the_demo_ends_serving_the_front_end_and_the_site_until_ctrl_c(tmp_path):
    command = [NEWSARCHIVE, "demo", "--count", "60", "--data-dir", str(tmp_path), "--port", "0", "--site-port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = Output(process)
    try:
        front = output.first(r"^Open (http://127\.0\.0\.1:\d+/) ", "the front-end's address")[1]
        site = output.first(r"still served at (http://127\.0\.0\.1:\d+/)", "the sample site's address")[1]
        assert get(site + "robots.txt")[0] == 200
        with sync_playwright() as playwright:
            browser = chromium(playwright)
            try:
                page = browser.new_page()
                page.goto(front)
                page.fill("input[name=q]", "defamation")
                page.press("input[name=q]", "Enter")
                page.wait_for_url("**/search?*q=defamation*")
                expect(page.get_by_role("link", name=re.compile("Rainsy faces defamation charge"))).to_be_visible()
            finally:
                browser.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 0, output.text()[-4000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert refuses(front) and refuses(site)
    output.first(r"^Stopped the front-end and the sample site\.", "the demo's last line", 60)
