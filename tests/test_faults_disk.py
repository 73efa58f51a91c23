"""A full disk, with real processes: each command runs under a file-size limit (what `ulimit -f`
sets; the write then fails with EFBIG, as one on a full device fails with ENOSPC) and must stop
in one sentence, leave nothing half-written and the previous index or archive serving."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from search.indexer import current_generation
from search.service import SearchRequest, SearchService
from tests.crawling import NEWSARCHIVE

INDEX_LIMIT = 300_001  # below the largest file of the sample index's segments
STORE_LIMIT = 1_000_003  # below the sample store's size, and not at a page boundary


def limited(size: int) -> Callable[[], None]:
    """What the child runs before the command: writes past `size` bytes fail with EFBIG."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return apply


def run(*args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSARCHIVE, *args],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limited(limit) if limit is not None else None,
    )


def assert_disk_full(result: subprocess.CompletedProcess) -> None:
    """Exit 2 with one sentence saying the space ran out; no traceback, no word of damage."""
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsarchive: No space left"), result.stderr[-3000:]
    assert "damaged" not in lines[0]


def total(root: Path) -> int:
    return SearchService(root).search(SearchRequest()).total


@pytest.fixture
def archive(indexed_archive, tmp_path) -> Path:
    """A copy of the indexed sample archive for one test to write to."""
    return Path(shutil.copytree(indexed_archive, tmp_path / "archive", symlinks=True))


@pytest.mark.parametrize("procs", ["1", "2"])
def test_an_index_rebuild_on_a_full_disk_stops_and_the_previous_index_serves(archive, procs):
    root = archive / "index"
    before, documents = current_generation(root), total(root)
    result = run(
        "index",
        "--rebuild",
        "--procs",
        procs,
        "--data-dir",
        str(archive / "data"),
        "--index-dir",
        str(root),
        limit=INDEX_LIMIT,
    )
    assert_disk_full(result)
    assert str(root) in result.stderr
    assert sorted(p.name for p in root.glob("gen-*")) == [before.name], "the new generation is removed"
    assert current_generation(root) == before and total(root) == documents


def test_an_export_on_a_full_disk_stops_and_leaves_nothing(archive, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        "export",
        "bundle",
        str(out / "archive.tar.gz"),
        "--warc",
        "--data-dir",
        str(archive / "data"),
        "--index-dir",
        str(archive / "index"),
        limit=STORE_LIMIT,
    )
    assert_disk_full(result)
    assert list(out.iterdir()) == [], "no staging folder and no partial bundle"
    assert total(archive / "index") > 0


def test_an_import_on_a_full_disk_says_so_and_installs_nothing(archive, tmp_path):
    bundle = tmp_path / "archive.tar.gz"
    made = run(
        "export", "bundle", str(bundle), "--data-dir", str(archive / "data"), "--index-dir", str(archive / "index")
    )
    assert made.returncode == 0, made.stderr[-3000:]
    target = tmp_path / "elsewhere"
    target.mkdir()
    command = (
        "import",
        "bundle",
        str(bundle),
        "--data-dir",
        str(target / "data"),
        "--index-dir",
        str(target / "index"),
    )
    result = run(*command, limit=STORE_LIMIT)
    assert_disk_full(result)
    assert not (target / "data" / "archive.sqlite3").exists() and current_generation(target / "index") is None
    assert [p.name for p in target.iterdir() if p.name not in ("data", "index")] == [], "no staging folder left"
    again = run(*command)
    assert again.returncode == 0, again.stderr[-3000:]
    assert total(target / "index") == total(archive / "index")
