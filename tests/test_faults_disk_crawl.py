"""A crawl on a full disk, with a real process: `newsarchive crawl` under a file-size limit (what
`ulimit -f` sets; a write past it fails with EFBIG, as one on a full device fails with ENOSPC)
must stop at the first write that fails, record its run as failed with the reason, say so in
one sentence and exit 2; the next crawl, with room, resumes and loses nothing."""

from __future__ import annotations

import subprocess

from archive.store import Store
from tests.crawling import FAST, NEWSARCHIVE, crawl, serve
from tests.test_faults_disk import limited
from tests.waiting import crawl_runs

CRAWL_LIMIT = 300_007  # a few hundred kB: the store or a WARC file outgrows it part-way through the crawl


def test_a_crawl_on_a_full_disk_stops_fails_its_run_and_the_next_one_resumes(corpus, truth, tmp_path):
    _, server, base = serve(corpus)
    data = tmp_path / "data"
    try:
        full = subprocess.run(
            [NEWSARCHIVE, "crawl", "--base-url", base, "--data-dir", str(data), *FAST],
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=limited(CRAWL_LIMIT),
        )
        assert full.returncode == 2, (full.returncode, full.stderr[-3000:])
        sentences = [line for line in full.stderr.splitlines() if line.startswith("newsarchive: No space left")]
        assert len(sentences) == 1 and sentences[0].endswith("free some space and run it again."), full.stderr[-3000:]
        assert full.stderr.strip().splitlines()[-1] == sentences[0]
        assert full.stderr.count("Traceback") < 2, full.stderr[-3000:]
        [run] = crawl_runs(data)
        assert run["status"] == "failed" and run["note"], dict(run)
        with Store(data / "archive.sqlite3") as store:
            assert store.integrity() == "ok"
            assert store.article_count() < len(truth), "the limit stopped the crawl part-way"

        crawl(base, data, *FAST)
    finally:
        server.shutdown()
    assert [run["status"] for run in crawl_runs(data)] == ["failed", "finished"]
    with Store(data / "archive.sqlite3") as store:
        assert store.integrity() == "ok"
        assert {record["url"] for record in store.current_records()} == set(truth)
