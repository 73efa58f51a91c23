"""A distributed crawl whose Redis server fails: each message stored once however often it
is handed over, every message that never arrived counted and the run recorded incomplete,
and workers and ingester that stop in one sentence when the server is gone for good — with
the workers' WARC files, the second copy of everything, whole."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
import redis
from warcio.archiveiterator import ArchiveIterator

from archive.health import figures
from archive.store import Capture, Store, address_key
from crawler.cluster.ingest import Ingester
from crawler.cluster.keys import Board, CrawlKeys
from crawler.cluster.messages import capture_fields, decode, encode
from crawler.cluster.worker import worker_name
from samplesite.corpus import Corpus, SiteConfig
from samplesite.server import Faults
from tests.crawling import NEWSARCHIVE, serve
from tests.redis_server import RedisServer, redis_server
from tests.waiting import wait_for

INCOMPLETE_EXIT = 3
SLOW_WORKER = ["--delay", "0.05", "--concurrency", "2", "-s", "AUTOTHROTTLE_ENABLED=False", "--no-requisites"]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


class Worker:
    """Messages as one worker process numbers them, pushed by hand."""

    def __init__(self, client: redis.Redis, keys: CrawlKeys, name: str):
        self.client, self.keys, self.name = client, keys, name
        self.sender = uuid.uuid4().hex

    def text(self, kind: str, seq: int, **fields) -> str:
        return encode(kind, self.name, self.sender, seq, **fields)

    def push(self, kind: str, seq: int, **fields) -> str:
        text = self.text(kind, seq, **fields)
        self.client.rpush(self.keys.messages, text)
        return text

    def capture(self, seq: int) -> str:
        capture = Capture(
            url=f"http://127.0.0.1/{self.name}/{seq}",
            status=200,
            fetched_at=datetime.now(UTC),
            kind="other",
            size=1,
            warc_file="w.warc.gz",
            warc_offset=seq,
            warc_record_id=f"<urn:uuid:{uuid.uuid4()}>",
        )
        return self.push("capture", seq, **capture_fields(capture))

    def done(self, seq: int) -> str:
        Board(self.client, self.keys).put(self.name, "busy", 0.0)
        text = self.push("done", seq, reason="finished", stats={}, sent=seq)
        Board(self.client, self.keys).put(self.name, "done", 0.0)
        return text


@pytest.fixture
def crawl(redis_url, tmp_path):
    """An ingester (in this process) of a crawl of its own, and a client to push messages."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    keys = CrawlKeys(f"c{uuid.uuid4().hex[:12]}")
    store = Store(tmp_path / "archive.sqlite3")
    ingesters = []

    def ingester() -> Ingester:
        one = Ingester(client, keys, store, "phnompenhpost.com", {})
        one.open()
        ingesters.append(one)
        return one

    yield client, keys, store, ingester
    store.close()


def drain(ingester: Ingester) -> None:
    while ingester.step():
        pass


def captures(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM captures").fetchone()[0]


def test_a_message_handed_over_twice_is_stored_once(crawl):
    client, keys, store, ingester = crawl
    one = ingester()
    worker = Worker(client, keys, "w")
    worker.push("hello", 1, base_url="http://127.0.0.1")
    twice = worker.capture(2)
    client.rpush(keys.messages, twice)  # as a Redis server restarted from a copy older than the ingester's removal
    worker.done(3)
    drain(one)
    assert one.finished(1)
    run = one.close()
    assert run.status == "finished" and captures(store) == 1
    stats = figures(run)
    assert stats["newsarchive_messages_repeated"] == 1 and stats["newsarchive_messages_missing"] == 0
    assert stats["workers"]["w"] | {"stats": None} == {
        "base_url": "http://127.0.0.1",
        "reason": "finished",
        "sent": 3,
        "stored": 3,
        "missing": 0,
        "repeated": 1,
        "stats": None,
    }


def test_numbers_skipped_are_counted_and_make_the_run_incomplete(crawl):
    client, keys, _, ingester = crawl
    one = ingester()
    first, second = Worker(client, keys, "first"), Worker(client, keys, "second")
    first.push("hello", 1)
    second.push("hello", 1)
    first.capture(2)
    first.capture(5)  # 3 and 4 never arrived
    second.capture(2)
    first.done(6)
    second.done(3)
    drain(one)
    run = one.close()
    assert run.status == "incomplete"
    assert run.note == (
        "2 messages the workers sent never reached the store (first: 2); what they carried is in "
        "those workers' WARC files, and `newsarchive import warc` on them stores it"
    )
    workers = figures(run)["workers"]
    assert (workers["first"]["sent"], workers["first"]["stored"], workers["first"]["missing"]) == (6, 4, 2)
    assert workers["second"]["missing"] == 0 and figures(run)["newsarchive_messages_missing"] == 2


def test_a_worker_done_on_the_board_with_not_one_message_stored_is_said(crawl):
    client, keys, _, ingester = crawl
    one = ingester()
    Worker(client, keys, "heard").done(1)
    Board(client, keys).put("silent", "done", 0.0)  # its messages were lost, its word on the board was not
    drain(one)
    run = one.close()
    assert run.status == "incomplete"
    assert run.note.startswith("Messages the workers sent never reached the store (silent: all)")


def test_the_count_goes_on_across_an_ingester_killed_between_storing_and_removing(crawl):
    client, keys, store, ingester = crawl
    first = ingester()
    worker = Worker(client, keys, "w")
    worker.push("hello", 1)
    worker.capture(2)
    first.step(limit=1)
    head = client.lindex(keys.messages, 0)
    message = decode(head)
    first.handle(message)  # stored; killed before removing it
    assert message["seq"] == 2 and captures(store) == 1
    first.abandon()
    worker.capture(3)
    worker.done(4)
    second = ingester()  # the same crawl in Redis: the same round, the same ledger
    drain(second)
    run = second.close()
    assert run.status == "finished" and captures(store) == 2
    assert figures(run)["workers"]["w"]["repeated"] == 1 and figures(run)["workers"]["w"]["sent"] == 4
    assert client.exists(*keys.all()) == 0, "the closed crawl is forgotten in Redis"


# -- real processes, a real Redis server that fails ---------------------------------------


class Crawl:
    """An ingester and workers as processes, each with its output in files."""

    def __init__(self, folder: Path, redis_url: str, base: str, crawl_id: str, wait: str):
        self.folder, self.redis_url, self.base, self.crawl_id, self.wait = folder, redis_url, base, crawl_id, wait
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *arguments: str) -> subprocess.Popen:
        with open(self.folder / f"{name}.err", "w") as err:
            process = subprocess.Popen(
                [
                    NEWSARCHIVE,
                    *arguments,
                    "--redis",
                    self.redis_url,
                    "--crawl-id",
                    self.crawl_id,
                    "--redis-wait",
                    self.wait,
                ],
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        self.processes[name] = process
        return process

    def ingester(self) -> subprocess.Popen:
        return self.start("ingester", "ingest", "--data-dir", str(self.folder / "store"))

    def worker(self, name: str, *pace: str) -> subprocess.Popen:
        return self.start(
            name, "crawl", "--base-url", self.base, "--data-dir", str(self.folder / name), *(pace or SLOW_WORKER)
        )

    def err(self, name: str) -> str:
        return (self.folder / f"{name}.err").read_text()

    def signal(self, names: list[str], number: int) -> None:
        for name in names:
            self.processes[name].send_signal(number)

    def end(self, name: str) -> int:
        return self.processes[name].wait(timeout=600)

    def kill_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def stored_captures(store: Path) -> int:
    if not (store / "archive.sqlite3").exists():
        return 0
    with Store(store / "archive.sqlite3", read_only=True) as archive:
        return archive.db.execute("SELECT count(*) FROM captures").fetchone()[0]


def stored_record_ids(store: Path) -> set[str]:
    with Store(store / "archive.sqlite3", read_only=True) as archive:
        return {row[0] for row in archive.db.execute("SELECT warc_record_id FROM captures")}


def warc_files(folder: Path) -> list[Path]:
    return sorted((folder / "warc").glob("*.warc.gz"))


def warc_record_ids(folder: Path) -> set[str]:
    """Every response record of a worker's WARC files, each file read to its end."""
    ids = set()
    for path in warc_files(folder):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    ids.add(record.rec_headers.get_header("WARC-Record-ID"))
    return ids


def import_warc(store: Path, worker: Path) -> None:
    result = subprocess.run(
        [NEWSARCHIVE, "import", "warc", *map(str, warc_files(worker)), "--data-dir", str(store)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def saved_with(client: redis.Redis, messages: str) -> int:
    """Save the server's data while the worker goes on sending, and say how many messages the
    copy holds: with the ingester stopped the list only grows, so a length that is the same
    before and after the save is the copy's."""
    while True:
        before = client.llen(messages)
        client.save()
        if client.llen(messages) == before:
            return before


def test_messages_a_redis_restart_loses_are_counted_and_the_warc_files_bring_them_back(corpus, tmp_path):
    server = RedisServer(tmp_path, snapshots=True)
    server.start()
    _, web, base = serve(corpus)
    crawl = Crawl(tmp_path, server.url, base, "restart", "60")
    client = redis.Redis(port=server.port)
    keys = CrawlKeys("restart")
    try:
        crawl.ingester()
        wait_for(lambda: b'"ready": true' in (client.get(keys.ingester) or b""), "the ingester to get ready")
        crawl.worker("worker")
        wait_for(lambda: stored_captures(tmp_path / "store") > 20, "the crawl to get going")
        crawl.signal(["ingester"], signal.SIGSTOP)
        saved = saved_with(client, keys.messages)  # the copy the server will restart from
        wait_for(lambda: client.llen(keys.messages) >= saved + 6, "the worker to send more")
        crawl.signal(["worker"], signal.SIGSTOP)
        time.sleep(0.5)  # a command the worker sent as it was stopped is carried out
        lost = client.llen(keys.messages) - saved
        server.kill()
        server.start()  # from the copy: what was sent since is gone
        assert client.llen(keys.messages) == saved
        crawl.signal(["worker", "ingester"], signal.SIGCONT)
        assert crawl.end("worker") == 0, crawl.err("worker")[-3000:]
        assert crawl.end("ingester") == INCOMPLETE_EXIT, crawl.err("ingester")[-3000:]
    finally:
        crawl.kill_all()
        web.shutdown()
        server.stop()
    said = [line for line in crawl.err("ingester").splitlines() if line.startswith("newsarchive:")]
    name = worker_name(crawl.processes["worker"].pid)
    assert said == [
        f"newsarchive: Crawl run 1 is incomplete: {lost} messages the workers sent never reached the store "
        f"({name}: {lost}); what they carried is in those workers' WARC files, and `newsarchive import "
        "warc` on them stores it."
    ], said
    with Store(tmp_path / "store" / "archive.sqlite3") as archive:
        run = archive.run(1)
    assert run.status == "incomplete" and figures(run)["newsarchive_messages_missing"] == lost
    in_warc, in_store = warc_record_ids(tmp_path / "worker"), stored_record_ids(tmp_path / "store")
    assert in_store < in_warc and 0 < len(in_warc - in_store) <= lost
    import_warc(tmp_path / "store", tmp_path / "worker")
    assert stored_record_ids(tmp_path / "store") >= in_warc


def test_workers_and_ingester_stop_in_one_sentence_when_redis_is_gone_for_good(corpus, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    _, web, base = serve(corpus)
    crawl = Crawl(tmp_path, server.url, base, "gone", "3")
    client = redis.Redis(port=server.port)
    try:
        crawl.ingester()
        wait_for(
            lambda: b'"ready": true' in (client.get(CrawlKeys("gone").ingester) or b""), "the ingester to get ready"
        )
        crawl.worker("worker")
        wait_for(lambda: stored_captures(tmp_path / "store") > 20, "the crawl to get going")
        server.kill()
        worker_exit, ingester_exit = crawl.end("worker"), crawl.end("ingester")
    finally:
        crawl.kill_all()
        web.shutdown()
        server.stop()
    for name, status in (("worker", worker_exit), ("ingester", ingester_exit)):
        assert status == 2, crawl.err(name)[-3000:]
        assert "Traceback" not in crawl.err(name), crawl.err(name)[-3000:]
    worker_said = [line for line in crawl.err("worker").splitlines() if line.startswith("newsarchive:")]
    assert len(worker_said) == 1 and worker_said[0].startswith(f"newsarchive: Lost the Redis server at {server.url}")
    assert f"what it fetched is in its WARC files in {tmp_path / 'worker' / 'warc'}: " in worker_said[0]
    ingester_said = [line for line in crawl.err("ingester").splitlines() if line.startswith("newsarchive:")]
    assert len(ingester_said) == 1 and "crawl run 1 is recorded as interrupted" in ingester_said[0], ingester_said
    with Store(tmp_path / "store" / "archive.sqlite3") as archive:
        assert archive.run(1).status == "interrupted"
    in_warc = warc_record_ids(tmp_path / "worker")  # every file whole, read to its end
    import_warc(tmp_path / "store", tmp_path / "worker")
    assert stored_record_ids(tmp_path / "store") >= in_warc


def test_articles_a_distributed_crawl_could_not_fetch_are_kept_and_asked_for_first(redis_url, tmp_path):
    corpus = Corpus(SiteConfig(seed=22, count=30))
    ids = corpus.newest_first(corpus.config.end)
    broken = {corpus.path(i) for i in (ids[2], ids[9])}
    site, server, base = serve(corpus, faults=Faults(broken=frozenset(broken)))
    fast = ["--delay", "0", "--concurrency", "4", "-s", "AUTOTHROTTLE_ENABLED=False"]
    try:
        first = Crawl(tmp_path, redis_url, base, "pending", "10")
        first.ingester()
        first.worker("worker", *fast)
        assert first.end("worker") == 0, first.err("worker")[-3000:]
        assert first.end("ingester") == INCOMPLETE_EXIT, first.err("ingester")[-3000:]
        assert "2 articles it knows of could not be fetched; the next run asks for them first" in first.err("ingester")
        with Store(tmp_path / "store" / "archive.sqlite3") as archive:
            pending = {row[0] for row in archive.db.execute("SELECT address FROM pending_articles")}
        assert pending == {address_key(base + quote(path)) for path in broken}

        site.faults = Faults()
        start = len(site.requests)
        second = Crawl(tmp_path, redis_url, base, "pending", "10")
        second.ingester()
        second.worker("worker", *fast)
        assert second.end("worker") == 0 and second.end("ingester") == 0, second.err("ingester")[-3000:]
    finally:
        server.shutdown()
    log = [unquote(urlsplit(r["path"]).path) for r in site.requests[start:]]
    articles = [path for path in log if path in corpus.paths]
    assert set(articles[: len(broken)]) == broken, "the missing articles are asked for first"
    with Store(tmp_path / "store" / "archive.sqlite3") as archive:
        assert archive.db.execute("SELECT count(*) FROM pending_articles").fetchone()[0] == 0
