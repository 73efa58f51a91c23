"""Corpus exports to files: articles (JSON Lines in the record schema, or CSV in the documented
columns) and the Most viewed history (one row per entry of each snapshot), each written whole
or not at all, with a provenance file beside it that says what was asked of which archive."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, astuple
from datetime import UTC, datetime
from pathlib import Path

from archive.fields import RECORD_SCHEMA_COPY
from archive.store import SCHEMA_VERSION, Store
from portable.manifest import hash_file, tool_version
from portable.selection import Selection
from search.export_rows import COLUMNS, neutralise

Wrap = Callable[[Iterable, int | None, str], Iterable]
SNAPSHOT_COLUMNS = [
    "snapshot_id",
    "site",
    "first_seen",
    "last_seen",
    "sightings",
    "page_url",
    "rank",
    "url",
    "title",
    "teaser",
]
FORMATS = ("jsonl", "csv")


def provenance_path(output: Path) -> Path:
    return output.with_name(output.name + ".provenance.json")


def write_rows(output: Path, fmt: str, columns: list[str], rows: Iterable[list | dict]) -> int:
    """Write rows (lists for CSV, dicts for JSON Lines) to `output`, which appears only once
    complete; returns how many."""
    partial = output.with_name(f".{output.name}.partial")
    count = 0
    try:
        with open(partial, "w", encoding="utf-8", newline="") as stream:
            if fmt == "csv":
                writer = csv.writer(stream)
                writer.writerow(columns)
                for row in rows:
                    writer.writerow(row)
                    count += 1
            else:
                for row in rows:
                    stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                    count += 1
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return count


def write_provenance(output: Path, store: Store, details: dict) -> dict:
    """The small file beside an export: what was asked, of which archive, when, and the
    export's own checksum, so a citation can be checked later."""
    entry = hash_file(output)
    provenance = {
        "file": output.name,
        "sha256": entry.sha256,
        "bytes": entry.size,
        **details,
        "archive": {"store": str(store.path.resolve()), "schema_version": SCHEMA_VERSION, "figures": store.figures()},
        "tool_version": tool_version(),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    provenance_path(output).write_text(json.dumps(provenance, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return provenance


def selection_details(selection: Selection) -> dict:
    request = selection.request
    return {
        "query": request.query,
        "filters": request.filters,
        "excludes": request.excludes,
        "order": "index order",
        "matched": selection.total,
        "index_version": selection.index_version,
    }


def article_records(selection: Selection, store: Store) -> Iterator[dict]:
    """The current record of each selected article, from the store (the record schema)."""
    for hit in selection.hits():
        record = store.current_record(hit.url)
        if record is not None:
            yield record


def export_articles(selection: Selection, store: Store, output: Path, fmt: str, wrap: Wrap | None = None) -> dict:
    rows: Iterable = selection.csv_rows() if fmt == "csv" else article_records(selection, store)
    count = write_rows(output, fmt, COLUMNS, wrap(rows, selection.total, "articles") if wrap else rows)
    columns = COLUMNS if fmt == "csv" else f"{RECORD_SCHEMA_COPY}#/$defs/article"
    return write_provenance(
        output,
        store,
        {"export": "articles", "format": fmt, "rows": count, "columns": columns, **selection_details(selection)},
    )


def export_snapshots(store: Store, output: Path, fmt: str, wrap: Wrap | None = None) -> dict:
    total = store.figures()["snapshot_entries"]
    withheld = store.withheld()
    entries = (entry for entry in store.snapshot_entries() if not withheld.of(entry.url))  # the withheld left out
    rows: Iterable = ([neutralise(v) for v in astuple(entry)] if fmt == "csv" else asdict(entry) for entry in entries)
    count = write_rows(output, fmt, SNAPSHOT_COLUMNS, wrap(rows, total, "entries") if wrap else rows)
    return write_provenance(
        output, store, {"export": "snapshots", "format": fmt, "rows": count, "columns": SNAPSHOT_COLUMNS}
    )
