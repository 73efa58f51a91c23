"""What the pages read: the search service over the index, and the store (one read
connection per thread, as SQLite connections may not cross threads)."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from archive.read_model import StoredCapture
from archive.store import Store, address_key
from archive.warc import CapturedResponse, read_response
from crawler import sites
from crawler.parse import address_identity
from search.service import SearchService


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
        found = self.store.article_history(address_identity(address), address_key(address.strip()))
        if found is None:
            return None
        revisions = [asdict(revision) for revision in found.revisions]
        return {
            "url": found.url,
            "first_captured": found.first_captured,
            "last_captured": found.last_captured,
            "record": revisions[-1]["record"],
            "revisions": revisions,
            "captures": [asdict(capture) for capture in found.captures],
            "most_viewed": [asdict(listing) for listing in found.most_viewed],
        }

    def withholding(self, url: str) -> str | None:
        """Why the archive withholds `url` (one sentence), or None if it does not."""
        entry = self.store.withheld().of(url)
        if entry is None:
            return None
        return f"The archive withholds {url}: {entry.reason.rstrip('.')} (decided {entry.decided})."

    def photos(self, record: dict, moment: datetime) -> list[dict]:
        """Each photo of a record with its capture as a replay of `moment` shows it (none: the
        photo was never fetched)."""
        photos = []
        for image in record.get("images", []):
            found = self.store.capture_near(image["url"], moment)
            photos.append(
                {
                    "url": image["url"],
                    "capture_id": found.id if found else None,
                    "fetched_at": found.fetched_at if found else None,
                }
            )
        return photos

    def capture_facts(self, capture_id: int) -> dict | None:
        """A capture's facts, without reading its raw copy."""
        found = self.store.stored_capture(capture_id)
        return asdict(found) if found else None

    def replayed(self, address: str, moment: datetime) -> tuple[StoredCapture, CapturedResponse] | None:
        """The capture of `address` a replay of `moment` shows, and its response read back."""
        found = self.store.capture_near(address, moment)
        if found is None:
            return None
        return found, read_response(self.data_dir / "warc", found.location)

    def capture(self, capture_id: int) -> tuple[dict, bytes] | None:
        found = self.store.stored_capture(capture_id)
        if found is None:
            return None
        return asdict(found), read_response(self.data_dir / "warc", found.location).body

    # -- Most viewed ------------------------------------------------------------------

    def sightings(self, site: str | None = None) -> list[dict]:
        """Every snapshot's period, oldest first (for the time machine's list of captures)."""
        return [asdict(sighting) for sighting in self.store.sightings(site)]

    def snapshot_at(self, moment: datetime, site: str | None = None) -> dict | None:
        """The list of `site` that was up at `moment`: the latest snapshot first seen by then."""
        found = self.store.snapshot_at(moment, site)
        return asdict(found) if found else None

    def list_papers(self) -> list[dict]:
        """The papers whose Most viewed lists the archive holds, each with its name."""
        return [{"site": site, "name": sites.paper_name(site)} for site in self.store.snapshot_sites()]

    def leaderboard(
        self, start: datetime | None, end: datetime | None, site: str | None = None, limit: int = 25
    ) -> dict:
        """Articles by hours spent in `site`'s list within [start, end], and the same by
        section and author."""
        articles: dict[str, dict] = {}
        withheld = self.store.withheld()
        for listed in self.store.listed_articles(start, end, site):
            if withheld.of(listed.url):
                continue
            span = min(listed.last_seen, end or listed.last_seen) - max(listed.first_seen, start or listed.first_seen)
            entry = articles.setdefault(
                listed.url,
                {
                    "url": listed.url,
                    "headline": listed.headline,
                    "hours": 0.0,
                    "best_rank": listed.rank,
                    "record": listed.record,
                },
            )
            entry["hours"] += max(span, timedelta(0)).total_seconds() / 3600
            entry["best_rank"] = min(entry["best_rank"], listed.rank)
        ranked = sorted(articles.values(), key=lambda a: (-a["hours"], a["best_rank"], a["url"]))
        sections: dict[str, float] = {}
        authors: dict[str, float] = {}
        for article in ranked:
            record = article.pop("record") or {}
            sections[record.get("section") or "unknown"] = (
                sections.get(record.get("section") or "unknown", 0) + article["hours"]
            )
            for author in record.get("authors") or []:
                authors[author] = authors.get(author, 0) + article["hours"]
            article["hours"] = round(article["hours"], 2)

        def top(table: dict[str, float]) -> list[dict]:
            return [{"name": k, "hours": round(v, 2)} for k, v in sorted(table.items(), key=lambda kv: -kv[1])[:limit]]

        return {"articles": ranked[:limit], "sections": top(sections), "authors": top(authors)}

    # -- the archive as a whole -----------------------------------------------------------

    def about(self) -> dict:
        store = self.store
        figures = store.figures()
        last = store.last_run()
        return {
            "sites": [{"site": site, "articles": count} for site, count in figures["sites"].items()],
            "papers": [paper | {"name": sites.paper_name(paper["site"])} for paper in store.paper_figures()],
            "articles": figures["articles"],
            "provisional_articles": store.provisional_count(),
            "withheld_articles": store.withheld_article_count(),
            "snapshots": figures["snapshots"],
            "captures": figures["captures"],
            "published_from": figures["published_from"],
            "published_to": figures["published_to"],
            "by_year": [{"year": year, "articles": count} for year, count in store.articles_by_year()],
            "by_section": [{"section": section, "articles": count} for section, count in store.articles_by_section()],
            "last_crawl": {
                k: getattr(last, k) for k in ("id", "started_at", "finished_at", "status", "pages", "new_articles")
            }
            if last
            else None,
            "index_version": self.search.version(),
        }
