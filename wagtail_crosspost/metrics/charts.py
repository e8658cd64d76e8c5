"""Small charts as server-rendered SVG: no JavaScript, nothing from a CDN.

The shapes are drawn in ``currentColor`` (the admin's text colour), so they follow Wagtail's
light and dark themes; labels are escaped and every chart has a text title for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _svg(width: int, height: int, title: str, body: list[str], css: str = "") -> SafeString:
    return mark_safe(  # noqa: S308  (every value below is a number or escaped)
        f'<svg class="crosspost-chart {css}" viewBox="0 0 {width} {height}" role="img" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bars(points: Sequence[tuple[str, int | None]], title: str) -> SafeString:
    """A bar per point (label, value); a value of None ("not given") draws no bar."""
    width, height, top, bottom = max(300, 12 * len(points)), 140, 12, 20
    peak = max((value or 0 for _label, value in points), default=0) or 1
    step = width / max(1, len(points))
    body = [
        f'<line x1="0" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'stroke="currentColor" stroke-opacity="0.3"/>'
    ]
    for index, (label, value) in enumerate(points):
        x = index * step
        if value:
            bar = (height - top - bottom) * value / peak
            body.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{height - bottom - bar:.1f}" '
                f'width="{step * 0.7:.1f}" height="{bar:.1f}" fill="currentColor" '
                f'fill-opacity="0.75"><title>{escape(label)}: {number_format(value)}</title></rect>'
            )
        if len(points) <= 12 or index % max(1, len(points) // 6) == 0:
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 5}" font-size="9" '
                f'text-anchor="middle" fill="currentColor">{escape(label)}</text>'
            )
    body.append(
        f'<text x="2" y="10" font-size="9" fill="currentColor">{number_format(peak)}</text>'
    )
    return _svg(width, height, title, body, "crosspost-chart--bars")


def heatmap(grid: list[list[dict[str, Any]]], weekdays: Sequence[str], title: str) -> SafeString:
    """Weekday rows × 24 hour columns; the darker a cell, the more interactions per post."""
    cell, left, top = 16, 34, 14
    peak = max((c["average"] or 0 for row in grid for c in row), default=0) or 1
    body = []
    for hour in range(0, 24, 3):
        body.append(
            f'<text x="{left + hour * cell + cell / 2}" y="10" font-size="8" '
            f'text-anchor="middle" fill="currentColor">{hour:02d}</text>'
        )
    for day, row in enumerate(grid):
        y = top + day * cell
        body.append(
            f'<text x="0" y="{y + cell * 0.7}" font-size="9" fill="currentColor">'
            f"{escape(weekdays[day])}</text>"
        )
        for hour, c in enumerate(row):
            opacity = 0.06 if c["average"] is None else 0.15 + 0.85 * c["average"] / peak
            tip = f"{escape(weekdays[day])} {hour:02d}:00 – {c['posts']}"
            if c["average"] is not None:
                tip += f" / Ø {number_format(c['average'])}"
            body.append(
                f'<rect x="{left + hour * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'rx="2" fill="currentColor" fill-opacity="{opacity:.2f}"><title>{tip}</title>'
                f"</rect>"
            )
    return _svg(left + 24 * cell, top + 7 * cell, title, body, "crosspost-chart--heatmap")


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n (at least 1) not below ``value``: a readable axis top."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


#: How each series is told apart without colour: its dashes and its point marker.
DASHES = ("", "6 3", "2 2", "8 2 2 2", "1 3", "4 4")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "ring")


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="currentColor"'
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="currentColor"'
    if kind == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}"'
            ' fill="currentColor"'
        )
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} '
            f'{x - 4:.1f},{y:.1f}" fill="currentColor"'
        )
    if kind == "cross":
        return (
            f'<path d="M{x - 3.5:.1f},{y - 3.5:.1f}L{x + 3.5:.1f},{y + 3.5:.1f}'
            f'M{x - 3.5:.1f},{y + 3.5:.1f}L{x + 3.5:.1f},{y - 3.5:.1f}" stroke="currentColor" '
            'stroke-width="2"'
        )
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="none" stroke="currentColor" '
        'stroke-width="1.5"'
    )


def lines(
    series: dict[str, list[int | None]], labels: Sequence[str], title: str, css: str = ""
) -> SafeString:
    """A line chart over ``labels`` (a post's snapshots): one line per series, each with its
    own dashes, point markers and colour class (``crosspost-series-<n>``), a legend, a value
    axis with gridlines, and every point's value as its tooltip. A value of None ("not given")
    leaves a gap, never a 0."""
    names = list(series)
    legend_rows = (len(names) + 2) // 3
    width, left, right, top = 480, 44, 16, 12
    plot_bottom = 160
    height = plot_bottom + 26 + 18 * legend_rows
    peak = nice_ceiling(max((v or 0 for values in series.values() for v in values), default=0))
    plot_height = plot_bottom - top
    span = width - left - right
    step = span / max(1, len(labels) - 1)

    def x_of(index: int) -> float:
        return left + (span / 2 if len(labels) == 1 else index * step)

    def y_of(value: int) -> float:
        return plot_bottom - plot_height * value / peak

    ticks = sorted({0, peak // 2 if peak % 2 == 0 else peak, peak})
    body = []
    for tick in ticks:
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="currentColor" stroke-opacity="{0.45 if tick == 0 else 0.15}"/>'
            f'<text x="{left - 6}" y="{y + 3:.1f}" font-size="10" text-anchor="end" '
            f'fill="currentColor">{number_format(tick)}</text>'
        )
    for index, label in enumerate(labels):
        anchor = "middle"
        if len(labels) > 1 and index == 0:
            anchor = "start"
        elif len(labels) > 1 and index == len(labels) - 1:
            anchor = "end"
        body.append(
            f'<text x="{x_of(index):.1f}" y="{plot_bottom + 14}" font-size="10" '
            f'text-anchor="{anchor}" fill="currentColor">{escape(label)}</text>'
        )
    for number, (name, values) in enumerate(series.items()):
        dash, marker = DASHES[number % len(DASHES)], MARKERS[number % len(MARKERS)]
        group = [f'<g class="crosspost-series crosspost-series-{number}">']
        points = [(x_of(i), y_of(v), v, i) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v, _i in points)
            group.append(
                f'<polyline points="{path}" fill="none" stroke="currentColor" '
                f'stroke-width="2" stroke-dasharray="{dash}"/>'
            )
        for x, y, value, index in points:
            tip = f"{escape(name)}, {escape(labels[index])}: {number_format(value)}"
            group.append(f"{_marker(marker, x, y)}><title>{tip}</title>{_closing(marker)}")
        row, column = divmod(number, 3)
        lx, ly = left + column * 145, plot_bottom + 34 + row * 18
        group.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="currentColor" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            f"{_marker(marker, lx + 12, ly)}>{_closing(marker)}"
            f'<text x="{lx + 30}" y="{ly + 4}" font-size="11" fill="currentColor">'
            f"{escape(name)}</text></g>"
        )
        body.append("".join(group))
    return _svg(width, height, title, body, f"crosspost-chart--lines {css}".strip())


def _closing(kind: str) -> str:
    return {
        "circle": "</circle>",
        "ring": "</circle>",
        "square": "</rect>",
        "triangle": "</polygon>",
        "diamond": "</polygon>",
        "cross": "</path>",
    }[kind]
