"""The crawl options, declared once in crawler.options: the flags of `newsarchive crawl`, the
spider's arguments, a schedule file's crawl settings and the arguments a run records all
follow the one declaration; and a crawl on one machine loads nothing of the distributed crawl."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crawler.options import OPTIONS, SCHEDULED, SPIDER_OPTIONS
from samplesite.corpus import Corpus, SiteConfig
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve
from tests.waiting import crawl_runs


def test_every_option_is_a_flag_of_crawl_with_its_help():
    from cli.main import build_parser

    crawl_parser = build_parser()._subparsers._group_actions[0].choices["crawl"]
    flags = {action.option_strings[-1]: action for action in crawl_parser._actions if action.option_strings}
    for option in OPTIONS:
        assert flags[option.flag].help == option.help
        assert flags[option.flag].dest == option.name


def test_a_schedule_job_becomes_the_crawl_it_describes(tmp_path):
    """Every setting a schedule file may give is a crawl option, and a job's settings become
    the flags that give the spider the same arguments."""
    from cli.crawl_cmd import checked_options
    from cli.main import build_parser
    from scheduling.config import CRAWL_KEYS, load

    assert set(SCHEDULED) == CRAWL_KEYS
    config = tmp_path / "schedule.toml"
    config.write_text(
        '[crawl]\ndelay = 0.5\n[jobs.a]\ncron = "0 * * * *"\ndiscover = ["home", "feeds"]\n'
        'sections = ["national", "business"]\nrefresh = true\nmax_articles = 7\nlisting_pages = 2\n'
        "concurrency = 3\n",
        encoding="utf-8",
    )
    job = load(config).job("a")
    args = build_parser().parse_args(["crawl", *job.crawl_arguments()])
    spider_args, settings = checked_options(args)
    assert spider_args == {
        "sections": "national,business",
        "max_articles": "7",
        "refresh": "1",
        "discover": "home,feeds",
        "listing_pages": "2",
    }
    assert settings == {
        "DOWNLOAD_DELAY": 0.5,
        "AUTOTHROTTLE_START_DELAY": 0.5,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 3,
        "CONCURRENT_REQUESTS": 3,
    }
    values = {option.name: option.value(spider_args.get(option.name)) for option in SPIDER_OPTIONS}
    assert values["discover"] == ("home", "feeds") and values["refresh"] is True and values["urls"] == ()


@pytest.mark.parametrize(
    "flags, sentence",
    [
        (["--since", "yesterday"], "--since 'yesterday' is not a date (YYYY-MM-DD)."),
        (["--listing-pages", "0"], "--listing-pages must be at least 1."),
        (["--max-articles", "0"], "--max-articles must be at least 1."),
        (["--concurrency", "0"], "--concurrency must be at least 1."),
        (["--delay", "-1"], "--delay cannot be negative."),
        (
            ["--discover", "rumours"],
            "--discover 'rumours' names no known source (choose from home, listings, sitemaps, feeds).",
        ),
        (["--base-url", "ftp://example.org"], "--base-url 'ftp://example.org' is not an http or https address."),
    ],
)
def test_a_bad_crawl_option_is_one_sentence_before_anything_is_written(flags, sentence, tmp_path):
    arguments = ["--base-url", "http://127.0.0.1:1", *flags]
    result = subprocess.run(
        [NEWSARCHIVE, "crawl", "--data-dir", str(tmp_path / "data"), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr == f"newsarchive: {sentence}\n"
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "setting, says",
    [
        ("listing_pages = 0", "listing_pages is a whole number of at least 1."),
        ("delay = -1", "delay is a number of seconds, not negative."),
        ("refresh = 1", "refresh is true or false."),
        ('sections = "national"', "sections is a list of section names."),
        ("discover = []", "discover is a list from home, listings, sitemaps, feeds."),
    ],
)
def test_a_bad_schedule_crawl_setting_is_the_options_own_check(setting, says, tmp_path):
    from scheduling.config import ConfigError, load

    config = tmp_path / "schedule.toml"
    config.write_text(f'[jobs.a]\ncron = "0 * * * *"\n{setting}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load(config)
    assert str(raised.value) == f"{config} [jobs.a]: {says}"


def test_a_dated_crawl_records_its_run_and_its_arguments(tmp_path):
    """Dates are recorded as ISO 8601 text (JSON has no dates), so a bounded run is kept with
    its WARC files like any other."""
    _, server, base = serve(Corpus(SiteConfig(seed=5, count=8)))
    try:
        crawl(
            base,
            tmp_path / "data",
            *FAST,
            "--since",
            "2019-01-01",
            "--until",
            "2030-12-31",
            "--discover",
            "home,feeds",
            "--urls",
            "/national/a,/national/b",
        )
    finally:
        server.shutdown()
    [run] = crawl_runs(tmp_path / "data")
    assert run["status"] == "finished"
    assert json.loads(run["arguments"]) == {
        "base_url": base,
        "since": "2019-01-01",
        "until": "2030-12-31",
        "sections": None,
        "max_articles": None,
        "refresh": False,
        "extra_urls": ["/national/a", "/national/b"],
        "discover": ["home", "feeds"],
        "listing_pages": None,
    }
    assert list((tmp_path / "data" / "warc").glob("phnompenhpost.com-*-run1-*.warc.gz"))


CLUSTER_MODULES = ("crawler.cluster", "redis", "scrapy_redis")
CRAWL_AND_LIST_MODULES = f"""
import sys
from cli.main import main
status = main(sys.argv[1:])
print(sorted(name for name in sys.modules if name.split(".")[0] in {CLUSTER_MODULES!r}
             or name.startswith("crawler.cluster")))
sys.exit(status)
"""


def test_a_crawl_on_one_machine_loads_no_code_of_the_distributed_crawl(tmp_path):
    """The crawl runs in this process to the end; then no module of crawler.cluster, redis or
    scrapy_redis has been imported."""
    _, server, base = serve(Corpus(SiteConfig(seed=6, count=6)))
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                CRAWL_AND_LIST_MODULES,
                "crawl",
                "--base-url",
                base,
                "--data-dir",
                str(tmp_path / "data"),
                *FAST,
                "--max-articles",
                "3",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
    [run] = crawl_runs(tmp_path / "data")
    assert run["status"] == "finished" and json.loads(run["stats"])["newsarchive_article_pages"] == 3


def test_a_worker_adds_the_cluster_components_to_the_project_ones(monkeypatch):
    """cluster_settings names what a worker adds; the crawl command adds it to the project's
    components rather than replacing them."""
    from scrapy.utils.project import get_project_settings

    from cli.crawl_cmd import add_settings
    from crawler.cluster.worker import cluster_settings

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    assert "crawler.cluster.worker.ClusterWatch" not in settings.getdict("EXTENSIONS")
    add_settings(settings, cluster_settings("redis://127.0.0.1:1/0", "crawl"))
    assert set(settings.getdict("EXTENSIONS")) == {
        "crawler.politeness.CrawlDelayFloor",
        "crawler.session.ArchiveExtension",
        "crawler.cluster.worker.ClusterWatch",
    }
    assert settings.get("SCHEDULER") == "crawler.cluster.worker.ClusterScheduler"
