"""The command line as a user meets it: help, JSON out, one clear sentence on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest

from samplesite.render import render_article
from tests.conftest import get

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=120, **kwargs)


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


def test_demo_serves_the_site_shows_the_seed_page_and_crawls(tmp_path):
    result = run("demo", "--once", "--count", "60", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "the archive now holds 67 articles" in result.stdout
    searched = run("search", "defamation", "--json", "--index-dir", str(tmp_path / "demo" / "index"))
    assert f"search 'defamation': {json.loads(searched.stdout)['total']} articles" in result.stdout
    assert "Rainsy faces defamation charge for post about PM's ‘likes’" in result.stdout
    assert "credit: 'Photo supplied'" in result.stdout
    assert "Cambodia on the verge of national tragedy, WHO warns" in result.stdout
    assert result.stdout.count("== a ") >= 3


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
