"""The pictures say what the numbers say: a timeline's bars, axis and links, and a rank history
drawn on a time axis, where a long gap between sightings is a long gap on the page."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta

import pytest

from web.charts import HEIGHT, LEFT, PLOT_HEIGHT, PLOT_WIDTH, TOP, nice_ticks, rank_history, timeline

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize("top", [1, 3, 7, 10, 42, 99, 100, 1234, 0.037, 0.5])
def test_the_value_axis_reaches_the_top_in_round_steps(top):
    ticks = nice_ticks(top)
    assert ticks[0] == 0 and ticks[-1] >= top
    steps = {round(b - a, 12) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    assert re.fullmatch(r"[125]0*", f"{step / 10 ** int(f'{step:e}'.split('e')[1]):g}")
    assert 2 <= len(ticks) <= 6


def test_counts_are_counted_in_whole_numbers():
    assert nice_ticks(2, whole=True) == [0, 1, 2]
    assert nice_ticks(2) == [0, 0.5, 1.0, 1.5, 2.0]


def test_each_bar_is_as_high_as_its_count_and_links_to_its_period():
    rows = [("2016-01", 4, 10), ("2016-02", 0, 8), ("2016-03", 10, 20)]
    links = [f"/search?q=rice&month={period}" for period, _, _ in rows]
    svg = parsed(timeline(rows, False, links=links))
    anchors = svg.findall(f"{SVG}a")
    assert [a.get("href") for a in anchors] == links
    heights = [float(a.find(f"{SVG}rect").get("height")) for a in anchors]
    top = nice_ticks(10, whole=True)[-1]
    assert heights == pytest.approx([PLOT_HEIGHT * hits / top for _, hits, _ in rows], abs=0.1)
    assert [a.get("aria-label") for a in anchors] == ["2016-01: 4", "2016-02: 0", "2016-03: 10"]
    assert "the most, 10, in 2016-03" in svg.get("aria-label")


def test_a_share_is_drawn_as_a_share_of_each_periods_articles():
    rows = [("2015", 5, 10), ("2016", 5, 50)]
    svg = parsed(timeline(rows, True))
    labels = [rect.find(f"{SVG}title").text for rect in svg.iter(f"{SVG}rect")]
    assert labels == ["2015: 50%", "2016: 10%"]


def test_period_labels_never_crowd_and_the_last_is_whole_inside_the_picture():
    rows = [(f"{year}-{month:02d}", 1, 1) for year in range(2008, 2027) for month in range(1, 13)]
    svg = parsed(timeline(rows, False))
    axis = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "axis" and float(t.get("y")) > HEIGHT - 20]
    xs = [float(t.get("x")) for t in axis]
    assert axis[0].text == "2008-01" and axis[-1].text == "2026-12"
    assert all(b - a >= 60 for a, b in itertools.pairwise(xs))
    assert xs[-1] + 32 <= LEFT + PLOT_WIDTH + 16


def test_a_rank_history_spaces_sightings_by_time_so_gaps_show():
    start = datetime(2021, 4, 12, 2, 0, tzinfo=UTC)
    sightings = [
        (start, start + timedelta(hours=1), 3),
        (start + timedelta(hours=2), start + timedelta(hours=3), 1),
        (start + timedelta(hours=23), start + timedelta(hours=24), 2),  # after a 20-hour gap
    ]
    svg = parsed(rank_history([(stamp(a), stamp(b), rank) for a, b, rank in sightings]))
    lines = [g.find(f"{SVG}line") for g in svg.iter(f"{SVG}g")]
    spans = [(float(line.get("x1")), float(line.get("x2"))) for line in lines]
    per_hour = PLOT_WIDTH / 24
    assert spans == [
        pytest.approx((LEFT + per_hour * a, LEFT + per_hour * b), abs=0.1) for a, b in ((0, 1), (2, 3), (23, 24))
    ]
    ranks = [float(line.get("y1")) for line in lines]
    assert ranks == pytest.approx([TOP + PLOT_HEIGHT, TOP, TOP + PLOT_HEIGHT / 2], abs=0.1)  # 1 at the top
    assert not list(svg.iter(f"{SVG}polyline"))  # no line joins two sightings across a gap
    assert "3 sightings, best rank 1" in svg.get("aria-label")


def test_a_single_short_sighting_is_a_short_mark_not_the_whole_width():
    start = datetime(2021, 4, 12, 2, 0, tzinfo=UTC)
    svg = parsed(rank_history([(stamp(start), stamp(start + timedelta(minutes=6)), 1)]))
    line = next(svg.iter(f"{SVG}g")).find(f"{SVG}line")
    assert float(line.get("x2")) - float(line.get("x1")) == pytest.approx(PLOT_WIDTH / 10, abs=0.1)
