"""What workers send the ingester: one JSON object per Redis list element, with `kind`,
`worker` (the sender's readable name), `sender` (one worker process, unique for good) and
`seq` (1, 2, 3 … in the order that process sent them) in every one.

- hello: a worker has started (base_url, arguments).
- capture: one response (the fields of archive.store.Capture; fetched_at in ISO 8601; the
  WARC file named as in the worker's warc/ folder).
- page: one parsed page (ParsedPage.to_dict()), with the WARC record id of its capture,
  fetched_at and the addresses that led to it.
- unfetched: an article asked for in vain, retries spent (url, error); gone: one the site
  says is not there (url).
- done: a worker has stopped (reason, Scrapy's statistics, `sent`: how many messages it
  sent, this one included); its WARC files are complete.

A worker sends a page after its capture, so the ingester always knows the capture first. The
sequence lets the ingester store each message once however often Redis hands it over, and
count what never arrived."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from archive.model import ParsedPage
from archive.store import Capture


def encode(kind: str, worker: str, sender: str, seq: int, **fields: Any) -> str:
    return json.dumps(
        {"kind": kind, "worker": worker, "sender": sender, "seq": seq, **fields}, ensure_ascii=False, default=str
    )


def capture_fields(capture: Capture) -> dict[str, Any]:
    return {"capture": asdict(capture) | {"fetched_at": capture.fetched_at.isoformat(), "via": list(capture.via)}}


def page_fields(
    record_id: str | None, page: ParsedPage, fetched_at: datetime, addresses: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "capture": record_id,
        "fetched_at": fetched_at.isoformat(),
        "addresses": list(addresses),
        "page": page.to_dict(),
    }


def decode(text: str) -> dict[str, Any]:
    return json.loads(text)


def capture_of(message: dict[str, Any]) -> Capture:
    fields = dict(message["capture"])
    fields["fetched_at"] = datetime.fromisoformat(fields["fetched_at"])
    fields["via"] = tuple(fields.get("via", ()))
    return Capture(**fields)


def page_of(message: dict[str, Any]) -> tuple[ParsedPage, datetime, tuple[str, ...]]:
    return (
        ParsedPage.from_dict(message["page"]),
        datetime.fromisoformat(message["fetched_at"]),
        tuple(message["addresses"]),
    )
