"""Inline SVG pictures (no script, no external file): a timeline of counts per period and the
rank history of one article in Most viewed. Each has axes with values and a text alternative
that says what it shows; the pages print the same numbers as a table beside it, so nothing is
only in the picture. Labels are escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from markupsafe import Markup

from archive.times import parse_utc

WIDTH, HEIGHT = 720, 200
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 34  # room for the value axis and the period labels
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
LABEL_ROOM = 64  # the width one period label needs, so labels never overlap
VALUES_ON_BARS = 24  # up to this many bars, each shows its value above it
SHORTEST_AXIS = timedelta(hours=1)  # a rank history's time axis spans at least this


def nice_ticks(top: float, count: int = 4, whole: bool = False) -> list[float]:
    """Round values from 0 to at least `top` for an axis (1, 2 or 5 times a power of ten apart;
    whole numbers only for counts)."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(step, 1)
    return [step * k for k in range(math.ceil(top / step - 1e-9) + 1)]


def shown(value: float, share: bool) -> str:
    if share:
        return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def timeline(
    rows: Sequence[tuple[str, int, int]],
    normalise: bool,
    caption: str | None = None,
    links: Sequence[str] | None = None,
) -> Markup:
    """Bars per period: hits, or hits as a share of all articles of the period (or any count
    per label, with its own caption); each bar a link when `links` gives one per period."""
    if not rows:
        return Markup("")
    values = [(period, hits / total if normalise and total else float(hits)) for period, hits, total in rows]
    ticks = nice_ticks(max(value for _, value in values), whole=not normalise)
    top = ticks[-1] or 1.0
    step = PLOT_WIDTH / len(values)
    parts = [_value_axis(ticks, top, normalise)]
    for k, (period, value) in enumerate(values):
        height = PLOT_HEIGHT * value / top
        x, y = LEFT + k * step, TOP + PLOT_HEIGHT - height
        title = f"{period}: {shown(value, normalise)}"
        bar = (
            f'<rect x="{x + 0.5:.1f}" y="{y:.1f}" width="{max(step - 1, 1):.1f}" height="{max(height, 0):.1f}">'
            f"<title>{escape(title)}</title></rect>"
        )
        if len(values) <= VALUES_ON_BARS and value:
            bar += (
                f'<text class="value" x="{x + step / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                f"{escape(shown(value, normalise))}</text>"
            )
        if links:
            bar = f'<a href="{escape(links[k])}" aria-label="{escape(title)}">{bar}</a>'
        parts.append(bar)
    parts.append(_period_labels([period for period, _ in values], step))
    described = caption or ("share of all articles of each period" if normalise else "matching articles per period")
    busiest = max(values, key=lambda row: row[1])
    summary = (
        f"{described}, {values[0][0]} to {values[-1][0]}: the most, {shown(busiest[1], normalise)}, in {busiest[0]}"
    )
    role = "group" if links else "img"  # a picture of links is a group of them to a screen reader, not one image
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="{role}" aria-label="{escape(summary)}">'
        + "".join(parts)
        + "</svg>"
    )


def _value_axis(ticks: list[float], top: float, share: bool) -> str:
    """Grid lines with their values, 0 at the bottom."""
    lines = []
    for tick in ticks:
        y = TOP + PLOT_HEIGHT - PLOT_HEIGHT * tick / top
        lines.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(shown(tick, share))}</text>'
        )
    return "".join(lines)


def _period_labels(periods: list[str], step: float) -> str:
    """Period labels under their bars, each kept inside the picture and at least a label's
    width from the one before: the first and the last always."""

    def x_of(k: int) -> float:
        return min(max(LEFT + (k + 0.5) * step, LEFT + LABEL_ROOM / 2), WIDTH - RIGHT - LABEL_ROOM / 2)

    kept: list[int] = []
    for k in range(len(periods)):
        if not kept or x_of(k) - x_of(kept[-1]) >= LABEL_ROOM:
            kept.append(k)
    last = len(periods) - 1
    if kept[-1] != last:
        if len(kept) > 1 and x_of(last) - x_of(kept[-1]) < LABEL_ROOM:
            kept.pop()
        kept.append(last)
    return "".join(
        f'<text class="axis" x="{x_of(k):.1f}" y="{HEIGHT - 12}" text-anchor="middle">{escape(periods[k])}</text>'
        for k in kept
    )


def rank_history(sightings: Sequence[tuple[str, str, int]]) -> Markup:
    """Rank over time (1 at the top) for one article's Most viewed sightings, each drawn from
    when it was first to when it was last seen, on a time axis: the gaps between captures show
    as gaps, not as a line."""
    if not sightings:
        return Markup("")
    spans = [(parse_utc(first), parse_utc(last), rank) for first, last, rank in sightings]
    start, end = min(first for first, _, _ in spans), max(last for _, last, _ in spans)
    end = max(end, start + SHORTEST_AXIS)  # a single short sighting is a short mark, not the whole width
    seconds = (end - start).total_seconds()
    worst = max(rank for _, _, rank in spans)

    def x_of(moment: datetime) -> float:
        return LEFT + PLOT_WIDTH * (moment - start).total_seconds() / seconds

    def y_of(rank: int) -> float:
        return TOP + PLOT_HEIGHT * (rank - 1) / max(1, worst - 1)

    parts = []
    for rank in sorted({1, worst, *(rank for _, _, rank in spans)}):
        y = y_of(rank)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">#{rank}</text>'
        )
    for first, last, rank in spans:
        x1, x2, y = x_of(first), x_of(last), y_of(rank)
        title = escape(f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC: rank {rank}")
        parts.append(
            f'<g class="sighting"><title>{title}</title>'
            f'<line x1="{x1:.1f}" x2="{max(x2, x1 + 2):.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<circle cx="{x1:.1f}" cy="{y:.1f}" r="4"/></g>'
        )
    for moment, anchor in ((start, "start"), (end, "end")):
        parts.append(
            f'<text class="axis" x="{x_of(moment):.1f}" y="{HEIGHT - 12}" text-anchor="{anchor}">'
            f"{moment:%Y-%m-%d %H:%M} UTC</text>"
        )
    summary = (
        f"Rank in Most viewed from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC: {len(spans)} sightings, "
        f"best rank {min(rank for _, _, rank in spans)}"
    )
    return Markup(
        f'<svg class="chart rank" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(summary)}">'
        + "".join(parts)
        + "</svg>"
    )
