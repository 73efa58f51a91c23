"""Progress for long commands: a bar with rate and time left in a terminal, a log line every
few seconds otherwise (CI logs, cron mail)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(items: Iterable[T], total: int | None, unit: str, every: float = 10.0) -> Iterable[T]:
    """Wrap `items` so that the user sees how far along the work is."""
    if sys.stderr.isatty():
        return tqdm(items, total=total, unit=unit, dynamic_ncols=True)
    return _log_lines(items, total, unit, every)


def _log_lines(items: Iterable[T], total: int | None, unit: str, every: float) -> Iterator[T]:
    started = last = time.monotonic()
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= every:
            last = now
            rate = done / (now - started)
            left = f", about {(total - done) / rate:.0f} s left" if total and rate else ""
            print(f"{done}/{total or '?'} {unit} ({rate:.0f} {unit}/s{left})", file=sys.stderr, flush=True)
    elapsed = time.monotonic() - started
    print(f"{done} {unit} in {elapsed:.1f} s", file=sys.stderr, flush=True)
