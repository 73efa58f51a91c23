"""What workers send the ingester: one JSON object per Redis list element, with `kind`
and `worker` (the sender's name) in every one.

- hello: a worker has started (base_url, arguments).
- capture: one response (the fields of archive.store.Capture; fetched_at in ISO 8601; the
  WARC file named as in the worker's warc/ folder).
- page: one parsed page (ParsedPage.to_dict()), with the WARC record id of its capture,
  fetched_at and the addresses that led to it.
- done: a worker has stopped (reason, Scrapy's statistics); its WARC files are complete.

A worker sends a page after its capture, so the ingester always knows the capture first."""
from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from archive.model import ParsedPage
from archive.store import Capture


def encode(kind: str, worker: str, **fields: Any) -> str:
    return json.dumps({"kind": kind, "worker": worker, **fields}, ensure_ascii=False, default=str)


def capture_message(worker: str, capture: Capture) -> str:
    fields = asdict(capture) | {"fetched_at": capture.fetched_at.isoformat(), "via": list(capture.via)}
    return encode("capture", worker, capture=fields)


def page_message(worker: str, record_id: str | None, page: ParsedPage, fetched_at: datetime,
                 addresses: tuple[str, ...]) -> str:
    return encode("page", worker, capture=record_id, fetched_at=fetched_at.isoformat(), addresses=list(addresses),
                  page=page.to_dict())


def decode(text: str) -> dict[str, Any]:
    return json.loads(text)


def capture_of(message: dict[str, Any]) -> Capture:
    fields = dict(message["capture"])
    fields["fetched_at"] = datetime.fromisoformat(fields["fetched_at"])
    fields["via"] = tuple(fields.get("via", ()))
    return Capture(**fields)


def page_of(message: dict[str, Any]) -> tuple[ParsedPage, datetime, tuple[str, ...]]:
    return (ParsedPage.from_dict(message["page"]), datetime.fromisoformat(message["fetched_at"]),
            tuple(message["addresses"]))
