"""The registry of sites: each site is one module registered once as an entry point, everything
that needs a site asks the registry, a site may come from another installed package, and an
unknown site is one sentence."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from crawler import sites
from samplesite.render import render_article
from tests.crawling import NEWSARCHIVE

ORIGIN = "https://www.phnompenhpost.com"
SEED = ORIGIN + "/national/rainsy-faces-defamation-charge-post-about-pms-likes"


def newsarchive(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *arguments], capture_output=True, text=True, timeout=120, env=env)


def test_the_post_is_registered_once_and_declares_all_a_site_declares():
    assert sites.DEFAULT in sites.names()
    post = sites.site("phnompenhpost.com")
    assert all(hasattr(post, name) for name in sites.DECLARED)
    assert (post.NAME, post.SITE, post.ORIGIN) == ("phnompenhpost.com", "phnompenhpost.com", ORIGIN)
    assert post.CITATION_NAME == "The Phnom Penh Post" and post.ZONE.utcoffset(None).total_seconds() == 7 * 3600
    assert sites.for_host("WWW.phnompenhpost.com:443") is post and sites.for_host("example.org") is None


def test_what_needs_a_site_asks_the_registry():
    from crawler.spiders.loader import SiteSpiderLoader
    from web.citations import _paper
    from web.times import ZONE_LABEL, paper_time

    loader = SiteSpiderLoader.from_settings(None)
    assert loader.list() == sites.names()
    assert loader.load("phnompenhpost.com").site is sites.site("phnompenhpost.com")
    assert _paper({"site": "phnompenhpost.com"}) == "The Phnom Penh Post"
    assert _paper({"site": "elsewhere.example"}) == "elsewhere.example"
    assert (ZONE_LABEL, paper_time("2021-04-12T02:30:00.000000Z")) == ("ICT (UTC+07:00)", "2021-04-12 09:30 ICT")


UNKNOWN = (
    "'moon' is not a known site (known: english.cambodiadaily.com, phnompenhpost.com, postkhmer.com); "
    "a paper with no site module is named by its host, such as example.com "
    "(or generic:HOST, to read one without its module)"
)


def test_an_unknown_site_is_one_sentence(tmp_path):
    from crawler.parse import parse_page
    from crawler.spiders.loader import SiteSpiderLoader

    with pytest.raises(ValueError, match=f"^{re.escape(UNKNOWN)}$"):
        parse_page(b"<html></html>", SEED, datetime.now(UTC), "moon")
    with pytest.raises(KeyError, match="Spider not found"):
        SiteSpiderLoader().load("moon")
    result = newsarchive("parse", "-", "--url", SEED, "--site", "moon")
    assert result.returncode == 2 and result.stderr == f"newsarchive: --site {UNKNOWN}.\n"
    config = tmp_path / "schedule.toml"
    config.write_text('[site]\nname = "moon"\n[jobs.a]\ncron = "0 * * * *"\n', encoding="utf-8")
    result = newsarchive("schedule", "--config", str(config), "--print-crontab")
    assert result.returncode == 2 and result.stderr == f"newsarchive: {config} [site]: name {UNKNOWN}.\n"


def test_a_host_no_module_knows_is_read_by_the_generic_extractor():
    paper = sites.site("news.example.org")
    assert (paper.NAME, paper.SITE, paper.ORIGIN, paper.HOSTS) == (
        "news.example.org",
        "news.example.org",
        "https://news.example.org",
        ("news.example.org",),
    )
    assert sites.reading("https://www.news.example.org/2020/01/02/a-story/") == "news.example.org"
    assert sites.reading("https://phnompenhpost.com/national/x") == "phnompenhpost.com"
    assert sites.reading("http://127.0.0.1:8000/national/x") == sites.DEFAULT  # a copy on this machine


def install_elsewhere(folder: Path, name: str, module_text: str) -> dict[str, str]:
    """A package of one module, `name`, registering itself as a site; the environment of a
    process that has it installed."""
    (folder / f"{name}.py").write_text(module_text, encoding="utf-8")
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{sites.GROUP}]\n{name} = {name}\n", encoding="utf-8")
    return {**os.environ, "PYTHONPATH": str(folder)}


def test_a_site_can_come_from_another_installed_package(tmp_path, corpus):
    """A package that registers its own site module in the group is a site like the Post:
    listed, crawlable by the shared spider, its pages read by its parser."""
    env = install_elsewhere(
        tmp_path,
        "otherpaper",
        '"""The Post\'s evening edition."""\n'
        "from crawler.sites.phnompenhpost import *  # noqa: F403\n"
        'NAME = "otherpaper"\nCITATION_NAME = "The Evening Post"\n',
    )
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from crawler import sites; from crawler.spiders.loader import "
            "SiteSpiderLoader; print(sites.names(), SiteSpiderLoader().list(), "
            "sites.site('otherpaper').CITATION_NAME)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert listed.returncode == 0, listed.stderr
    names = "['english.cambodiadaily.com', 'otherpaper', 'phnompenhpost.com', 'postkhmer.com']"
    assert listed.stdout.strip() == f"{names} {names} The Evening Post"
    article = corpus.article(corpus.newest_first(corpus.config.end)[0])
    parsed = subprocess.run(
        [NEWSARCHIVE, "parse", "-", "--url", ORIGIN + quote(article.path), "--site", "otherpaper"],
        input=render_article(corpus, article, corpus.config.end).decode(),
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert parsed.returncode == 0, parsed.stderr
    assert json.loads(parsed.stdout)["article"]["headline"] == article.version_at(corpus.config.end).headline


def test_a_registration_that_names_no_site_module_is_one_sentence(tmp_path):
    env = install_elsewhere(tmp_path, "notapaper", 'NAME = "notapaper"\n')
    result = newsarchive("parse", "-", "--url", SEED, "--site", "notapaper", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("newsarchive: --site 'notapaper' is registered as notapaper, which lacks SITE, ")
    assert result.stderr.count("\n") == 1
