"""Faults of the indexer, with real processes and real signals: a second indexer (or the
scheduler's index step) while one writes, and an indexer killed while its writer children work."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from archive.model import Article, ParsedPage
from archive.store import Store
from samplesite.corpus import Corpus, SiteConfig
from scheduling import runner
from scheduling.config import Job, Schedule
from search.indexer import current_generation, rebuild
from search.service import SearchRequest, SearchService
from tests.crawling import NEWSARCHIVE

ARTICLES = 4000  # enough for a rebuild's writer children to live a few seconds
WAIT_SECONDS = 120.0


@pytest.fixture(scope="module")
def big_data(tmp_path_factory) -> Path:
    """A data folder whose store holds the sample corpus's records as the site last served them,
    ingested straight from the generator (as bench/search.py fills its store), not crawled."""
    data = tmp_path_factory.mktemp("big") / "data"
    data.mkdir()
    corpus = Corpus(SiteConfig(seed=2, count=ARTICLES))
    end = corpus.config.end
    with Store(data / "archive.sqlite3") as store:
        for i in corpus.newest_first(end):
            record = corpus.article(i).truth(end)
            article = Article.from_dict(record | {"fetched_url": record["url"], "fetched_at": end.isoformat()})
            store.ingest(ParsedPage(article, None), None, end, None)
    return data


@pytest.fixture(scope="module")
def built(big_data, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built") / "index"
    with Store(big_data / "archive.sqlite3") as store:
        rebuild(store, root, procs=2)
    return root


@pytest.fixture
def serving(built, tmp_path) -> Path:
    """A copy of the built index for one test to write to."""
    return Path(shutil.copytree(built, tmp_path / "index", symlinks=True))


@pytest.fixture
def started(tmp_path) -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; whatever still runs at the end is killed, their children too
    (which would outlive them if the children were not tied to their parent)."""
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            left = children(process.pid)
            os.kill(process.pid, signal.SIGCONT)
            process.kill()
            process.wait(timeout=30)
            for child in left:
                if alive(child):
                    os.kill(child, signal.SIGKILL)


def index_command(data: Path, root: Path, *flags: str) -> list[str]:
    return [NEWSARCHIVE, "index", *flags, "--data-dir", str(data), "--index-dir", str(root)]


def start_indexer(started: list[subprocess.Popen], data: Path, root: Path, *flags: str) -> subprocess.Popen:
    process = subprocess.Popen(index_command(data, root, *flags), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(process)
    return process


def process_state(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of `pid` from /proc, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, parent = text.rsplit(")", 1)[1].split()[:2]
    return state, int(parent)


def alive(pid: int) -> bool:
    state = process_state(pid)
    return state is not None and state[0] not in "ZX"


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (state := process_state(int(entry.name))) and state[1] == pid:
            found.add(int(entry.name))
    return {child for child in found if alive(child)}


def wait_until(condition: Callable[[], bool]) -> bool:
    """Poll `condition` until it holds (True) or a generous time has passed (False)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def writer_children(indexer: subprocess.Popen) -> set[int]:
    """The build's two writer children, once both are at work."""
    assert wait_until(lambda: len(children(indexer.pid)) >= 2 or indexer.poll() is not None)
    assert indexer.poll() is None, "the build ended before its writer children were seen"
    return children(indexer.pid)


@contextmanager
def paused_indexer(started: list[subprocess.Popen], data: Path, root: Path, *flags: str) -> Iterator[subprocess.Popen]:
    """An indexer stopped (SIGSTOP) in the middle of its build, resumed at the end of the block."""
    indexer = start_indexer(started, data, root, *flags)
    writer_children(indexer)
    os.kill(indexer.pid, signal.SIGSTOP)
    try:
        yield indexer
    finally:
        os.kill(indexer.pid, signal.SIGCONT)


def refusal(indexer: subprocess.Popen, root: Path) -> str:
    return f"Another indexer (pid {indexer.pid}) is writing to {root}; try again when it has finished."


def total(root: Path) -> int:
    return SearchService(root).search(SearchRequest()).total


def article_count(data: Path) -> int:
    with Store(data / "archive.sqlite3") as store:
        return store.article_count()


@pytest.mark.parametrize("first", [("--rebuild",), ()], ids=["during a rebuild", "during a first build"])
def test_a_second_indexer_is_refused_while_one_writes(big_data, serving, tmp_path, started, first):
    root = serving if first else tmp_path / "empty-index"
    with paused_indexer(started, big_data, root, *first) as holder:
        for second in (("--rebuild",), ()):
            result = subprocess.run(
                index_command(big_data, root, *second), capture_output=True, text=True, timeout=WAIT_SECONDS
            )
            assert result.returncode == 2, (second, result.stdout, result.stderr[-3000:])
            assert result.stderr.strip() == f"newsarchive: {refusal(holder, root)}", second
    assert holder.wait(timeout=WAIT_SECONDS) == 0, "the indexer at work finishes undisturbed"
    assert total(root) == article_count(big_data)


def test_the_schedulers_index_step_reports_the_indexer_at_work(big_data, serving, tmp_path, started, monkeypatch):
    monkeypatch.setattr(runner, "INDEX_ATTEMPTS", 1)
    monkeypatch.setattr(runner, "INDEX_WAIT", 0.0)
    job = Job("nightly", None, {"hours": 1}, {})
    schedule = Schedule(tmp_path / "schedule.toml", "phnompenhpost.com", None, None, ZoneInfo("UTC"), [job])
    with (
        paused_indexer(started, big_data, serving, "--rebuild") as holder,
        Store(big_data / "archive.sqlite3") as store,
    ):
        run_id = store.start_run(schedule.site, "", {}, job.name)
        store.finish_run(run_id, "finished", {})
        outcome = runner.Runner(schedule, big_data, serving).index(job, store, run_id, runner.now())
    assert outcome.status == "failed", outcome
    assert outcome.message == f"the index update failed: {refusal(holder, serving)}"
    assert holder.wait(timeout=WAIT_SECONDS) == 0


def test_killing_the_indexer_kills_its_writer_children(big_data, serving, started):
    before, serving_total = current_generation(serving), total(serving)
    indexer = start_indexer(started, big_data, serving, "--rebuild")
    kids = writer_children(indexer)  # still being fed documents: they wait on their queue for more
    indexer.send_signal(signal.SIGKILL)
    assert indexer.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
    try:
        assert wait_until(lambda: not any(alive(kid) for kid in kids)), (
            f"writer children {sorted(kid for kid in kids if alive(kid))} outlived the killed indexer"
        )
    finally:
        for kid in kids:
            if alive(kid):
                os.kill(kid, signal.SIGKILL)
    assert current_generation(serving) == before, "the previous index still serves"
    assert total(serving) == serving_total
    result = subprocess.run(
        index_command(big_data, serving, "--rebuild"), capture_output=True, text=True, timeout=WAIT_SECONDS * 3
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert current_generation(serving) != before and total(serving) == article_count(big_data)
    assert sorted(p.name for p in serving.glob("gen-*")) == [before.name, current_generation(serving).name], (
        "the killed build's half-written generation is cleared away"
    )
