"""Inline SVG pictures (no script, no external file): a timeline of results and a rank
history. Labels are escaped; the pictures carry a text alternative."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 720, 160, 28


def timeline(rows: list[tuple[str, int, int]], normalise: bool, caption: str | None = None) -> Markup:
    """Bars per period: hits, or hits as a share of all articles of the period (or any
    count per label, with its own caption)."""
    if not rows:
        return Markup("")
    values = [(period, hits / total if normalise and total else hits) for period, hits, total in rows]
    top = max(value for _, value in values) or 1
    step = (WIDTH - 2 * PAD) / len(values)
    bars = []
    for k, (period, value) in enumerate(values):
        height = (HEIGHT - 2 * PAD) * value / top
        x, y = PAD + k * step, HEIGHT - PAD - height
        shown = f"{value:.1%}" if normalise else f"{value:g}"
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 1, 1):.1f}" height="{height:.1f}">'
            f"<title>{escape(period)}: {shown}</title></rect>"
        )
    labels = [
        f'<text x="{PAD + k * step:.1f}" y="{HEIGHT - 8}">{escape(period)}</text>'
        for k, (period, _) in enumerate(values)
        if k % max(1, len(values) // 8) == 0
    ]
    caption = caption or ("share of all articles of each period" if normalise else "matching articles per period")
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{caption}">'
        + "".join(bars)
        + "".join(labels)
        + "</svg>"
    )


def rank_history(points: list[tuple[str, int]]) -> Markup:
    """Rank over time (1 at the top) for one article's Most viewed sightings."""
    if not points:
        return Markup("")
    worst = max(rank for _, rank in points) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(points) - 1)
    coords = [
        (PAD + k * step, PAD + (HEIGHT - 2 * PAD) * (rank - 1) / max(1, worst - 1 or 1))
        for k, (_, rank) in enumerate(points)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{escape(when)}: rank {rank}</title></circle>'
        for (x, y), (when, rank) in zip(coords, points, strict=True)
    )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="rank over time">'
        f'<polyline points="{line}" fill="none"/>{dots}'
        f'<text x="4" y="{PAD}">1</text><text x="4" y="{HEIGHT - PAD}">{worst}</text></svg>'
    )
