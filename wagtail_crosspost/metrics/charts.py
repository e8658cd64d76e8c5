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


def lines(series: dict[str, list[int | None]], labels: Sequence[str], title: str) -> SafeString:
    """One line per figure over the snapshots (labels: the stages); dashes mark each series."""
    width, height, left, bottom, top = 320, 140, 30, 20, 10
    peak = max((v or 0 for values in series.values() for v in values), default=0) or 1
    step = (width - left - 10) / max(1, len(labels) - 1)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        f'stroke="currentColor" stroke-opacity="0.3"/>',
        f'<text x="0" y="{top + 4}" font-size="9" fill="currentColor">{number_format(peak)}</text>',
    ]
    for index, label in enumerate(labels):
        body.append(
            f'<text x="{left + index * step:.1f}" y="{height - 5}" font-size="9" '
            f'text-anchor="middle" fill="currentColor">{escape(label)}</text>'
        )
    dashes = ["", "6 3", "2 2", "8 2 2 2", "1 3", "4 4"]
    for number, (name, values) in enumerate(series.items()):
        points = [
            f"{left + index * step:.1f},{height - bottom - (height - top - bottom) * v / peak:.1f}"
            for index, v in enumerate(values)
            if v is not None
        ]
        if not points:
            continue
        body.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="currentColor" '
            f'stroke-width="2" stroke-dasharray="{dashes[number % len(dashes)]}">'
            f"<title>{escape(name)}</title></polyline>"
        )
    return _svg(width, height, title, body, "crosspost-chart--lines")
