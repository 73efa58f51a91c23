"""Faults of a distributed crawl, with a real redis-server and real processes: a pickle
planted in the shared frontier, and ingesters killed, racing or overlapping."""

from __future__ import annotations

import json
import pickle
import signal
import socket
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from scrapy import FormRequest, Request, Spider
from scrapy.utils.request import request_from_dict

from archive.store import Store
from crawler.cluster import frontier_json
from crawler.cluster.frontier_json import FrontierError
from crawler.cluster.ingest import pid_space
from crawler.cluster.keys import CrawlKeys
from tests.crawling import NEWSARCHIVE, serve
from tests.redis_server import redis_server

WAIT_SECONDS = 120.0
WORKER_PACE = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "--no-requisites"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


class Planted:
    """Unpickling this creates `marker`: what a stranger with write access to Redis could
    make every worker run."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


class Processes:
    """Started processes, each with its output in a file; whatever still runs at the end of the
    test is killed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *arguments: str) -> subprocess.Popen:
        with open(self.folder / f"{name}.out", "w") as out, open(self.folder / f"{name}.err", "w") as err:
            process = subprocess.Popen([NEWSARCHIVE, *arguments], stdout=out, stderr=err, text=True)
        process.name = name
        self.started.append(process)
        return process

    def err(self, process: subprocess.Popen) -> str:
        return (self.folder / f"{process.name}.err").read_text()

    def ingester(self, name: str, redis_url: str, crawl_id: str, data: Path, *extra: str) -> subprocess.Popen:
        return self.start(name, "ingest", "--redis", redis_url, "--crawl-id", crawl_id, "--data-dir", str(data), *extra)

    def wait(self, process: subprocess.Popen) -> int:
        return process.wait(timeout=WAIT_SECONDS * 3)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def processes(tmp_path):
    started = Processes(tmp_path)
    yield started
    started.stop_all()


def claim(client: redis.Redis, keys: CrawlKeys) -> dict:
    return json.loads(client.get(keys.ingester) or "{}")


def wait_until_ready(client: redis.Redis, keys: CrawlKeys, processes: Processes, ingester: subprocess.Popen) -> None:
    """Until `ingester` holds the crawl and is ready for workers; it must not end first."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not (claim(client, keys).get("pid") == ingester.pid and claim(client, keys).get("ready")):
        assert ingester.poll() is None, f"the ingester ended: {processes.err(ingester)}"
        assert time.monotonic() < deadline, "the ingester did not get ready"
        time.sleep(0.1)


def dead_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# -- the frontier's JSON form -------------------------------------------------------------


class Newspaper(Spider):
    name = "newspaper"

    def parse_article(self, response, section=None):
        pass

    def unreachable(self, failure):
        pass


def test_a_request_as_the_spider_and_scrapy_make_it_comes_back_from_json_unchanged():
    spider = Newspaper()
    request = Request(
        "http://127.0.0.1:8000/index.php/2024/national/a",
        callback=spider.parse_article,
        errback=spider.unreachable,
        method="POST",
        body=b"\xff\x00 not UTF-8",
        headers={"If-None-Match": '"v1"', "Accept": ["text/html", "*/*"]},
        priority=42,
        dont_filter=True,
        cb_kwargs={"section": "national", "page": 3},
        flags=["retried"],
        cookies={"a": "b"},
        meta={
            "kind": "article",
            "via": ("http://127.0.0.1:8000/old",),
            "dont_redirect": True,
            "handle_httpstatus_list": [301, 302, 404],
            "capture_id": "<urn:uuid:1>",
            "fetched_at": datetime(2024, 5, 1, 8, tzinfo=UTC),
            "download_latency": 0.25,
            "retry_times": 1,
            "numbers": {1: "one"},
            "$type": "a key that looks like a tag",
        },
    )
    entry = frontier_json.dumps(request.to_dict(spider=spider))
    json.loads(entry)
    back = request_from_dict(frontier_json.loads(entry), spider=spider)
    assert back.to_dict(spider=spider) == request.to_dict(spider=spider)
    assert back.callback == spider.parse_article and back.meta["via"] == ("http://127.0.0.1:8000/old",)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (Request("http://127.0.0.1/a", meta={"seen": {"x"}}), "the request['meta']['seen'] is a builtins.set"),
        (Request("http://127.0.0.1/a", meta={"ratio": float("nan")}), "is nan, which JSON cannot hold"),
        (FormRequest("http://127.0.0.1/a", formdata={"q": "x"}), "_class is not a field of a plain Scrapy request"),
    ],
)
def test_a_request_json_cannot_hold_is_refused_with_one_sentence(request_, message):
    with pytest.raises(FrontierError) as refused:
        frontier_json.dumps(request_.to_dict())
    assert str(refused.value).startswith("The request for http://127.0.0.1/a cannot go to the shared frontier: ")
    assert message in str(refused.value)


def test_loads_refuses_a_pickle_without_loading_it(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(FrontierError, match="not a request in the frontier's JSON form"):
        frontier_json.loads(pickle.dumps(Planted(marker), protocol=pickle.HIGHEST_PROTOCOL))
    assert not marker.exists()


GOOD = json.loads(frontier_json.dumps(Request("http://127.0.0.1/a").to_dict()))


@pytest.mark.parametrize(
    "entry",
    [
        b"",
        b"null",
        b"[]",
        json.dumps({"url": "http://127.0.0.1/a"}).encode(),
        json.dumps({**GOOD, "format": "newsarchive-request/0"}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "_class": "os.system"}}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "priority": "high"}}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "encoding": "no-such-codec"}}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "headers": {"Accept": ["text/html"]}}}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "body": {"$type": "bytes", "base64": "!!"}}}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "meta": {"x": {"$type": "pickle", "data": ""}}}}).encode(),
        json.dumps({**GOOD, "request": {**GOOD["request"], "meta": {"$type": "dict", "items": [[[1], 2]]}}}).encode(),
    ],
)
def test_loads_refuses_anything_but_a_plain_request_in_the_json_form(entry):
    with pytest.raises(FrontierError):
        frontier_json.loads(entry)


# -- a pickle planted in the frontier ----------------------------------------------------


def test_a_pickle_planted_in_the_frontier_is_refused_and_not_run(redis_url, corpus, truth, tmp_path, processes):
    keys = CrawlKeys("planted")
    client = redis.Redis.from_url(redis_url)
    marker = tmp_path / "the-planted-code-ran"
    _, server, base = serve(corpus)
    try:
        ingester = processes.ingester("ingester", redis_url, keys.crawl_id, tmp_path / "store", "--workers", "1")
        wait_until_ready(client, keys, processes, ingester)
        client.zadd(keys.requests, {pickle.dumps(Planted(marker), protocol=pickle.HIGHEST_PROTOCOL): -1000})
        misnamed = Request(base + "/", meta={"kind": "listing"}).to_dict() | {"callback": "no_such_method"}
        client.zadd(keys.requests, {frontier_json.dumps(misnamed): -999})
        worker = processes.start(
            "worker",
            "crawl",
            "--redis",
            redis_url,
            "--crawl-id",
            keys.crawl_id,
            "--base-url",
            base,
            "--data-dir",
            str(tmp_path / "worker"),
            *WORKER_PACE,
        )
        assert processes.wait(worker) == 0, processes.err(worker)[-3000:]
        assert processes.wait(ingester) == 0, processes.err(ingester)[-3000:]
    finally:
        server.shutdown()
    assert not marker.exists(), "the worker unpickled what was planted in Redis"
    refusals = [line for line in processes.err(worker).splitlines() if "dropped an entry of the shared" in line]
    assert len(refusals) == 2, refusals
    assert "it is not a request in the frontier's JSON form (pickles are never loaded)." in refusals[0]
    assert "no_such_method" in refusals[1]
    assert "Traceback" not in processes.err(worker)
    with Store(tmp_path / "store" / "archive.sqlite3") as archive:
        stored = [record["url"] for record in archive.current_records()]
        run = archive.db.execute("SELECT status FROM crawl_runs").fetchone()
    assert len(stored) == len(set(stored)) == len(truth) and set(stored) == set(truth)
    assert run["status"] == "finished"


# -- the ingester's claim on a crawl -----------------------------------------------------


def test_a_killed_ingester_does_not_block_the_next_one(redis_url, tmp_path, processes):
    keys = CrawlKeys("killed")
    client = redis.Redis.from_url(redis_url)
    first = processes.ingester("first", redis_url, keys.crawl_id, tmp_path / "store")
    wait_until_ready(client, keys, processes, first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert claim(client, keys)["pid"] == first.pid, "the killed ingester's claim is still in Redis"
    second = processes.ingester("second", redis_url, keys.crawl_id, tmp_path / "store")
    wait_until_ready(client, keys, processes, second)
    assert f"took crawl killed over from ingester pid {first.pid}, which is no longer running" in processes.err(second)


def test_two_live_ingesters_exclude_each_other(redis_url, tmp_path, processes):
    keys = CrawlKeys("overlap")
    client = redis.Redis.from_url(redis_url)
    first = processes.ingester("first", redis_url, keys.crawl_id, tmp_path / "store-a")
    wait_until_ready(client, keys, processes, first)
    second = processes.ingester("second", redis_url, keys.crawl_id, tmp_path / "store-b")
    assert processes.wait(second) == 2
    refusal = processes.err(second).strip()
    assert refusal == (
        f"newsarchive: Another ingester (pid {first.pid} on {socket.gethostname()}) is already running "
        f"for crawl {keys.crawl_id}."
    ), refusal
    assert first.poll() is None and claim(client, keys)["pid"] == first.pid
    first.send_signal(signal.SIGTERM)
    processes.wait(first)
    assert client.get(keys.ingester) is None, "an ingester that stops gives the crawl up"
    third = processes.ingester("third", redis_url, keys.crawl_id, tmp_path / "store-b")
    wait_until_ready(client, keys, processes, third)


def test_of_two_ingesters_started_after_a_dead_one_only_one_takes_the_crawl(redis_url, tmp_path, processes):
    keys = CrawlKeys("race")
    client = redis.Redis.from_url(redis_url)
    client.set(
        keys.ingester,
        json.dumps(
            {"host": socket.gethostname(), "pid": dead_pid(), "pid_space": pid_space(), "token": "dead", "ready": True}
        ),
        ex=60,
    )
    racers = [processes.ingester(name, redis_url, keys.crawl_id, tmp_path / name) for name in ("a", "b")]
    deadline = time.monotonic() + WAIT_SECONDS
    while not (claim(client, keys).get("pid") in {r.pid for r in racers} and claim(client, keys).get("ready")):
        assert any(r.poll() is None for r in racers), [processes.err(r) for r in racers]
        assert time.monotonic() < deadline, "neither ingester took the crawl"
        time.sleep(0.1)
    winner = next(r for r in racers if r.pid == claim(client, keys)["pid"])
    loser = next(r for r in racers if r is not winner)
    assert processes.wait(loser) == 2
    assert f"Another ingester (pid {winner.pid} on" in processes.err(loser)
    assert winner.poll() is None


@pytest.mark.parametrize(
    ("host", "space"),
    [
        ("another-host", "another boot pid:[1]"),
        (socket.gethostname(), None),
        (socket.gethostname(), "another boot pid:[1]"),
    ],
    ids=["another host", "a claim that does not say", "another container of this host name"],
)
def test_a_claim_made_where_pids_mean_something_else_is_not_judged_by_them(host, space, redis_url, tmp_path, processes):
    keys = CrawlKeys("elsewhere")
    client = redis.Redis.from_url(redis_url)
    pid = dead_pid()
    client.set(
        keys.ingester,
        json.dumps({"host": host, "pid": pid, "pid_space": space, "token": "theirs", "ready": True}),
        ex=60,
    )
    ingester = processes.ingester("ingester", redis_url, keys.crawl_id, tmp_path / "store")
    assert processes.wait(ingester) == 2
    assert f"Another ingester (pid {pid} on {host}) is already running" in processes.err(ingester)
    assert claim(client, keys)["token"] == "theirs"
    client.delete(keys.ingester)


def test_a_paused_ingester_whose_crawl_was_taken_over_stops_instead_of_taking_it_back(redis_url, tmp_path, processes):
    keys = CrawlKeys("paused")
    client = redis.Redis.from_url(redis_url)
    paused = processes.ingester("paused", redis_url, keys.crawl_id, tmp_path / "store")
    wait_until_ready(client, keys, processes, paused)
    paused.send_signal(signal.SIGSTOP)
    other = {"host": "another-host", "pid": 1, "pid_space": None, "token": "theirs", "ready": True}
    client.set(keys.ingester, json.dumps(other), ex=60)  # as after its claim lapsed and another took the crawl
    paused.send_signal(signal.SIGCONT)
    assert processes.wait(paused) == 2
    assert "Another ingester (pid 1 on another-host) took crawl paused over" in processes.err(paused)
    assert claim(client, keys) == other
