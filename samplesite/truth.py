"""The ground truth: the exact records a perfect parser writes for the site at a moment."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from samplesite import Wrap
from samplesite.corpus import SEED_SIDEBAR_MOMENT, Corpus


def sidebar_moments(corpus: Corpus, now: datetime, windows: int, since: datetime | None = None) -> list[datetime]:
    """The seed's window, then every window from `since` to `now` (or the `windows` most
    recent ones)."""
    start, _ = corpus.window(now)
    step = timedelta(minutes=corpus.config.window_minutes)
    if since is not None:
        windows = int((start - corpus.window(since)[0]) / step) + 1
    moments = [start - k * step for k in range(max(windows, 0))][::-1]
    return [corpus.window(SEED_SIDEBAR_MOMENT)[0], *moments]


def write_truth(
    corpus: Corpus, now: datetime, out: Path, windows: int = 48, since: datetime | None = None, wrap: Wrap | None = None
) -> tuple[int, int]:
    """Write articles.jsonl, most_viewed.jsonl and site.json under `out`; returns the counts."""
    out.mkdir(parents=True, exist_ok=True)
    ids = corpus.newest_first(now)[::-1]
    with (out / "articles.jsonl").open("w", encoding="utf-8") as articles:
        for i in wrap(ids, len(ids), "articles") if wrap else ids:
            articles.write(json.dumps(corpus.article(i).truth(now), ensure_ascii=False) + "\n")
    moments = sidebar_moments(corpus, now, windows, since)
    with (out / "most_viewed.jsonl").open("w", encoding="utf-8") as sidebars:
        for moment in moments:
            sidebars.write(json.dumps(corpus.most_viewed_truth(moment), ensure_ascii=False) + "\n")
    config = corpus.config
    (out / "site.json").write_text(
        json.dumps(
            {
                "edition": config.edition,
                "site": corpus.edition.site,
                "seed": config.seed,
                "count": config.count,
                "end": config.end.isoformat(),
                "now": now.isoformat(),
                "window_minutes": config.window_minutes,
                "articles": len(ids),
            },
            indent=2,
        )
    )
    return len(ids), len(moments)
