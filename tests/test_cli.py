"""The command line as a user meets it: help, JSON out, one clear sentence on bad input."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest

from samplesite.render import render_article
from tests.conftest import get
from tests.waiting import Output

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")


def run(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.mark.parametrize(
    "command", [[], ["demo"], ["parse"], ["site"], ["site", "serve"], ["site", "truth"], ["site", "render"]]
)
def test_every_command_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "usage: newsarchive" in result.stdout


def test_parse_prints_a_record_that_follows_the_documented_schema(tmp_path, corpus, repo_root):
    article = corpus.article(corpus.newest_first(corpus.config.end)[3])
    page = tmp_path / "page.html"
    page.write_bytes(render_article(corpus, article, corpus.config.end))
    result = run(
        "parse",
        str(page),
        "--url",
        "http://127.0.0.1:9/" + quote(article.path),
        "--fetched-at",
        "2026-11-01T12:00:00+07:00",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    schema = json.loads((repo_root / "docs" / "record.schema.json").read_text())
    jsonschema.validate(record, schema)
    assert record["article"]["headline"] == article.version_at(corpus.config.end).headline
    assert record["most_viewed"]["seen_at"] == "2026-11-01T12:00:00+07:00"


def test_parse_reads_standard_input(corpus):
    article = corpus.article(corpus.newest_first(corpus.config.end)[0])
    result = run(
        "parse",
        "-",
        "--url",
        "https://www.phnompenhpost.com" + quote(article.path),
        input=render_article(corpus, article, corpus.config.end).decode(),
    )
    assert json.loads(result.stdout)["article"]["url"].startswith("https://www.phnompenhpost.com/")


@pytest.mark.parametrize(
    "args, message",
    [
        (["parse", "/no/such/file.html", "--url", "http://x/"], "Cannot read /no/such/file.html"),
        (["parse", "-", "--url", "http://x/", "--fetched-at", "yesterday"], "is not an ISO 8601 time"),
        (["parse", "-", "--url", "http://x/", "--fetched-at", "2021-04-12T09:30"], "needs a zone"),
        (["site", "truth", "--out", "/tmp/x", "--count", "0"], "is not a whole number above zero"),
        (["site", "serve", "--error-rate", "2"], "is not a share between 0 and 1"),
        (["site", "serve", "--static", "/no/such/folder"], "is not a folder written by"),
        (["serve", "--workers", "0"], "'0' is not a whole number above zero"),
        (["serve", "--threads", "-2"], "'-2' is not a whole number above zero"),
        (["serve", "--cache-mb", "lots"], "'lots' is not a whole number above zero"),
        (["crawl-the-moon"], "invalid choice"),
    ],
)
def test_bad_input_ends_in_one_sentence_and_a_nonzero_exit(args, message):
    result = run(*args, input="")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_parse_of_a_malformed_page_still_prints_a_record(tmp_path):
    page = tmp_path / "cut.html"
    page.write_bytes(b"<html><body><div class='single-article-header'><h2>Cut short")
    record = json.loads(run("parse", str(page), "--url", "http://127.0.0.1/x").stdout)
    assert record["article"]["headline"] == "Cut short"
    assert any(w.startswith("truncated") for w in record["warnings"])


def test_site_truth_writes_articles_and_sidebar_windows(tmp_path):
    result = run("site", "truth", "--out", str(tmp_path), "--count", "50", "--windows", "3")
    assert result.returncode == 0, result.stderr
    articles = (tmp_path / "articles.jsonl").read_text().splitlines()
    windows = [json.loads(line) for line in (tmp_path / "most_viewed.jsonl").read_text().splitlines()]
    assert len(articles) == 57 and len(windows) == 4
    assert all(5 <= len(w["entries"]) <= 10 for w in windows)
    assert "articles in" in result.stderr


def test_site_serve_prints_its_address_and_serves(tmp_path):
    process = subprocess.Popen(
        [NEWSARCHIVE, "site", "serve", "--port", "0", "--count", "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        line = process.stdout.readline()
        base = line.split(" at ")[-1].strip().rstrip("/")
        assert base.startswith("http://127.0.0.1:")
        status, _, body = get(base + "/robots.txt")
        assert status == 200 and b"Crawl-delay" in body
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`newsarchive demo --once` on a small sample site: the folder given to it, and the run."""
    folder = tmp_path_factory.mktemp("demo")
    return folder, run("demo", "--once", "--count", "60", "--data-dir", str(folder), timeout=600)


def test_demo_serves_the_site_shows_the_seed_page_and_crawls(demo):
    folder, result = demo
    assert result.returncode == 0, result.stderr
    assert "the archive now holds 67 articles" in result.stdout
    searched = run("search", "defamation", "--json", "--index-dir", str(folder / "demo" / "index"))
    assert f"search 'defamation': {json.loads(searched.stdout)['total']} articles" in result.stdout
    assert "Rainsy faces defamation charge for post about PM's ‘likes’" in result.stdout
    assert "credit: 'Photo supplied'" in result.stdout
    assert "Cambodia on the verge of national tragedy, WHO warns" in result.stdout
    assert result.stdout.count("== a ") >= 3


@contextlib.contextmanager
def serving(command: list[str], **kwargs) -> Iterator[str]:
    """`newsarchive serve …` as a process of its own: its address once it says it serves, then
    the process stopped (Ctrl-C, as a user would) when the generator ends."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    try:
        yield Output(process).first(r"Serving the archive at (http://\S+?)/?$", "the server's address", 120)[1]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0


def test_demo_once_prints_the_serve_command_that_serves_its_archive(demo):
    folder, result = demo
    line = next(line for line in result.stdout.splitlines() if " serve --data-dir " in line)
    command = shlex.split(line)
    assert command[1:] == ["serve", "--data-dir", str(folder / "demo")]
    assert Path(command[0]).is_absolute() and Path(command[0]).is_file()
    with serving(command, cwd="/") as base:
        status, _, body = get(base + "/search?q=defamation")
        assert status == 200
        assert "Rainsy faces defamation charge" in re.sub(r"<[^>]+>", "", body.decode())  # words highlighted


def copy_store(source: Path, target: Path) -> None:
    """A consistent copy of a store, made by SQLite itself (its WAL included)."""
    with contextlib.closing(sqlite3.connect(source)) as original, contextlib.closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


def test_serve_and_search_find_the_index_that_index_wrote_for_the_same_data_dir(demo, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    copy_store(demo[0] / "demo" / "archive.sqlite3", data / "archive.sqlite3")  # the store alone, no index
    assert "There is no index in " + str(data / "index") in run("search", "x", "--data-dir", str(data)).stderr
    indexed = run("index", "--data-dir", "data", cwd=tmp_path)
    assert indexed.returncode == 0, indexed.stderr
    assert str(data / "index") in indexed.stdout
    searched = run("search", "defamation", "--json", "--data-dir", str(data))
    assert searched.returncode == 0, searched.stderr
    assert json.loads(searched.stdout)["total"] == 3
    with serving([NEWSARCHIVE, "serve", "--port", "0", "--data-dir", "data"], cwd=tmp_path) as base:
        status, _, body = get(base + "/search.json?q=defamation")
        assert status == 200 and json.loads(body)["total"] == 3
    elsewhere = run("search", "x", "--data-dir", str(data), env=os.environ | {"NEWSARCHIVE_INDEX": "elsewhere"})
    assert "There is no index in /" in elsewhere.stderr and "/elsewhere;" in elsewhere.stderr


def test_a_bundle_installed_with_only_a_data_dir_brings_its_index_into_that_folder(demo, tmp_path):
    bundle, data = tmp_path / "archive.tar.gz", tmp_path / "data"
    written = run("export", "bundle", str(bundle), "--data-dir", str(demo[0] / "demo"))
    assert written.returncode == 0, written.stderr
    for generation in ("gen-00001", "gen-00002"):  # the second replaces the first, under a new name
        installed = run("import", "bundle", str(bundle), "--data-dir", str(data), "--replace")
        assert installed.returncode == 0, installed.stderr
        assert f"index {data / 'index' / generation};" in installed.stdout
        assert (data / "index" / "current").resolve().name == generation
    searched = run("search", "defamation", "--json", "--data-dir", str(data))
    assert json.loads(searched.stdout)["total"] == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["serve", "--data-dir", "nowhere"], "There is no archive in {}/nowhere (no archive.sqlite3)."),
        (["index", "--data-dir", "nowhere"], "There is no archive in {}/nowhere (no archive.sqlite3); crawl first."),
        (["reparse", "--data-dir", "nowhere"], "There is no archive in {}/nowhere"),
        (["export", "articles", "-o", "out.csv", "--data-dir", "nowhere"], "There is no archive in {}/nowhere"),
        (["export", "bundle", "out.tar.gz", "--data-dir", "nowhere"], "There is no archive in {}/nowhere"),
        (["search", "x", "--data-dir", "nowhere"], "There is no index in {}/nowhere/index; build it with"),
        (["search", "x", "--index-dir", "noindex"], "There is no index in {}/noindex;"),
        (["import", "warc", "none.warc.gz"], "There is no file {}/none.warc.gz."),
        (["serve", "--bundle", "none.tar.gz"], "There is no bundle {}/none.tar.gz"),
        (["schedule", "--config", "none.toml"], "There is no schedule file at {}/none.toml."),
        (["parse", "none.html", "--url", "http://x/"], "Cannot read {}/none.html"),
    ],
)
def test_what_is_not_found_is_named_by_its_absolute_path_in_one_sentence(args, message, tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSARCHIVE_")}
    result = run(*args, cwd=tmp_path, env=environment)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert message.format(tmp_path) in result.stderr


def test_site_truth_writes_every_window_since_a_moment(tmp_path):
    result = run(
        "site",
        "truth",
        "--out",
        str(tmp_path),
        "--count",
        "50",
        "--now",
        "2026-10-01T12:30",
        "--since",
        "2026-10-01T09:00",
    )
    assert result.returncode == 0, result.stderr
    windows = [json.loads(line) for line in (tmp_path / "most_viewed.jsonl").read_text().splitlines()]
    starts = [w["window_start"] for w in windows[1:]]
    assert starts == [f"2026-10-01T{h:02d}:00:00+07:00" for h in (9, 10, 11, 12)]
    assert windows[0]["window_start"].startswith("2021-04-12")
