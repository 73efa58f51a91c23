"""What the pages read: the search service over the index, and the store (one read
connection per thread, as SQLite connections may not cross threads)."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.store import Store, address_key
from archive.warc import WarcLocation, read_response
from crawler.parse import address_identity
from search.service import SearchService


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class ArchiveData:
    def __init__(self, index_dir: Path, data_dir: Path, read_only: bool = False):
        self.data_dir = data_dir
        self.read_only = read_only
        self.search = SearchService(index_dir)
        self._local = threading.local()
        if not (data_dir / "archive.sqlite3").is_file():
            raise FileNotFoundError(f"There is no archive in {data_dir} (no archive.sqlite3).")

    @property
    def store(self) -> Store:
        if getattr(self._local, "store", None) is None:
            self._local.store = Store(self.data_dir / "archive.sqlite3", read_only=self.read_only)
        return self._local.store

    # -- one article ------------------------------------------------------------------

    def article(self, address: str) -> dict | None:
        """The article at `address` (any form of it, or an address it was once fetched from):
        its current record, its revisions, captures and Most viewed history."""
        db = self.store.db
        url = address_identity(address)
        row = db.execute("SELECT * FROM articles WHERE url = ?", (url,)).fetchone() if url else None
        if row is None:
            row = db.execute("SELECT a.* FROM aliases x JOIN articles a ON a.id = x.article_id WHERE x.address = ?",
                             (address_key(address.strip()),)).fetchone()
        if row is None:
            return None
        url = row["url"]
        revisions = [dict(r) | {"record": json.loads(r["record"])} for r in db.execute(
            "SELECT number, captured_at, capture_id, record FROM revisions WHERE article_id = ? ORDER BY number",
            (row["id"],))]
        captures = [dict(c) for c in db.execute(
            "SELECT c.id, c.url, c.status, c.fetched_at, ac.revision FROM article_captures ac JOIN captures c "
            "ON c.id = ac.capture_id WHERE ac.article_id = ? ORDER BY c.fetched_at", (row["id"],))]
        history = [dict(h) for h in db.execute(
            "SELECT s.id AS snapshot, s.first_seen, s.last_seen, s.sightings, e.rank FROM snapshot_entries e "
            "JOIN snapshots s ON s.id = e.snapshot_id WHERE e.url = ? ORDER BY s.first_seen", (url,))]
        return {"url": url, "first_captured": row["first_captured"], "last_captured": row["last_captured"],
                "record": revisions[-1]["record"], "revisions": revisions, "captures": captures,
                "most_viewed": history}

    def capture(self, capture_id: int) -> tuple[dict, bytes] | None:
        if not 0 < capture_id < 2**63:  # beyond SQLite's integers: no such capture
            return None
        row = self.store.db.execute("SELECT * FROM captures WHERE id = ?", (capture_id,)).fetchone()
        if row is None:
            return None
        response = read_response(self.data_dir / "warc", WarcLocation(row["warc_file"], row["warc_offset"],
                                                                      row["warc_record_id"]))
        return dict(row), response.body

    # -- Most viewed ------------------------------------------------------------------

    def sightings(self) -> list[dict]:
        """Every snapshot's period, oldest first (for the time machine's list of captures)."""
        return [dict(r) for r in self.store.db.execute(
            "SELECT id, site, first_seen, last_seen, sightings FROM snapshots ORDER BY first_seen")]

    def snapshot_at(self, moment: datetime) -> dict | None:
        """The list that was up at `moment`: the latest snapshot first seen by then."""
        row = self.store.db.execute("SELECT * FROM snapshots WHERE first_seen <= ? ORDER BY first_seen DESC LIMIT 1",
                                    (moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.999999Z"),)).fetchone()
        if row is None:
            return None
        entries = [dict(e) for e in self.store.db.execute(
            "SELECT e.rank, e.url, e.title, e.teaser, a.headline FROM snapshot_entries e LEFT JOIN articles a "
            "ON a.url = e.url WHERE e.snapshot_id = ? ORDER BY e.rank", (row["id"],))]
        return dict(row) | {"entries": entries}

    def leaderboard(self, start: datetime | None, end: datetime | None, limit: int = 25) -> dict:
        """Articles by hours spent in the list within [start, end], and the same by section and
        author."""
        rows = self.store.db.execute(
            "SELECT e.url, e.rank, s.first_seen, s.last_seen, a.headline, r.record FROM snapshot_entries e "
            "JOIN snapshots s ON s.id = e.snapshot_id LEFT JOIN articles a ON a.url = e.url "
            "LEFT JOIN revisions r ON r.article_id = a.id AND r.number = a.current_revision").fetchall()
        articles: dict[str, dict] = {}
        for row in rows:
            first, last = parse_utc(row["first_seen"]), parse_utc(row["last_seen"])
            if (start and last < start) or (end and first > end):
                continue
            span = min(last, end or last) - max(first, start or first)
            entry = articles.setdefault(row["url"], {"url": row["url"], "headline": row["headline"], "hours": 0.0,
                                                     "best_rank": row["rank"], "record": row["record"]})
            entry["hours"] += max(span, timedelta(0)).total_seconds() / 3600
            entry["best_rank"] = min(entry["best_rank"], row["rank"])
        ranked = sorted(articles.values(), key=lambda a: (-a["hours"], a["best_rank"], a["url"]))
        sections: dict[str, float] = {}
        authors: dict[str, float] = {}
        for article in ranked:
            record = json.loads(article.pop("record")) if article["record"] else {}
            sections[record.get("section") or "unknown"] = sections.get(record.get("section") or "unknown", 0) \
                + article["hours"]
            for author in record.get("authors") or []:
                authors[author] = authors.get(author, 0) + article["hours"]
            article["hours"] = round(article["hours"], 2)
        def top(table: dict[str, float]) -> list[dict]:
            return [{"name": k, "hours": round(v, 2)} for k, v in sorted(table.items(), key=lambda kv: -kv[1])[:limit]]
        return {"articles": ranked[:limit], "sections": top(sections), "authors": top(authors)}

    # -- the archive as a whole -----------------------------------------------------------

    def about(self) -> dict:
        db = self.store.db
        by_year = [dict(r) for r in db.execute(
            "SELECT substr(published_utc, 1, 4) AS year, count(*) AS articles FROM articles "
            "WHERE published_utc IS NOT NULL GROUP BY 1 ORDER BY 1")]
        by_section = [dict(r) for r in db.execute(
            "SELECT section, count(*) AS articles FROM articles GROUP BY 1 ORDER BY 2 DESC")]
        span = db.execute("SELECT min(published_utc), max(published_utc) FROM articles").fetchone()
        last = db.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        return {
            "sites": [dict(r) for r in db.execute("SELECT site, count(*) AS articles FROM articles GROUP BY 1")],
            "articles": self.store.article_count(),
            "snapshots": db.execute("SELECT count(*) FROM snapshots").fetchone()[0],
            "captures": db.execute("SELECT count(*) FROM captures").fetchone()[0],
            "published_from": span[0], "published_to": span[1],
            "by_year": by_year, "by_section": by_section,
            "last_crawl": {k: last[k] for k in ("id", "started_at", "finished_at", "status", "pages", "new_articles")}
            if last else None,
            "index_version": self.search.version(),
        }
