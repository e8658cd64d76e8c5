"""The Social performance report's data: per channel for a period and the period before, the
top pages, the figures per day, and the weekday × hour pattern. Everything is summed in SQL: a
fixed number of queries, however many publications (``benchmarks/report.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from ..models import Publication
from . import figures

PERIODS = (7, 30, 90)
TOP_PAGES = 10
COLUMNS = ("posts", *figures.SUMMED, "own_clicks", "interactions")


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        return Period(self.start - (self.end - self.start), self.start)

    @property
    def days(self) -> list[date]:
        first = timezone.localtime(self.start).date()
        last = timezone.localtime(self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def period_of(days: int = 30, start: date | None = None, end: date | None = None) -> Period:
    """The last ``days`` days up to now, or the custom range ``start``–``end`` (whole days)."""
    if start and end and start <= end:
        zone = timezone.get_current_timezone()
        return Period(
            datetime.combine(start, time.min, tzinfo=zone),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
        )
    now = timezone.now()
    return Period(now - timedelta(days=days), now)


def sent_posts(channel_ids: Iterable[int], period: Period) -> QuerySet[Publication]:
    """Posts (not updates, not dry runs) the channels sent in the period."""
    return Publication.objects.filter(
        channel_id__in=list(channel_ids),
        action=Publication.Action.POST,
        status=Publication.Status.POSTED,
        dry_run=False,
        sent_at__gte=period.start,
        sent_at__lt=period.end,
    )


def change(now: Any, before: Any) -> float | None:
    """Per cent against the previous period; None where there is nothing to compare with."""
    if now is None or not before:
        return None
    return round(100 * (now - before) / before, 1)


@dataclass
class ChannelFigures:
    """One row of the report: a channel's sums for the period and the change against the last."""

    channel: Any
    current: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name.endswith("_change"):
            base = name.removesuffix("_change")
            return change(self.current.get(base), self.previous.get(base))
        if name in COLUMNS or name == "engagement_rate":
            return self.current.get(name)
        raise AttributeError(name)

    @property
    def pk(self) -> Any:
        return self.channel.pk

    @property
    def name(self) -> str:
        return self.channel.name

    @property
    def platform(self) -> str:
        return self.channel.platform


def sums_by_channel(
    channel_ids: list[int], period: Period
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """The channels' sums for the period and for the period before, per channel. Two queries
    over both periods at once (conditional aggregates): posts with our own clicks, and the
    latest figures."""
    both = Period(period.previous.start, period.end)
    posts = sent_posts(channel_ids, both)
    split = period.start
    counted, clicks = figures.posts_and_clicks_by(posts, "channel_id", split)
    summed = figures.by_key(figures.latest(channel_ids, both.start, both.end), "channel_id", split)
    result: tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]] = ({}, {})
    for index, (sums, count, click) in enumerate(zip(summed, counted, clicks, strict=True)):
        for channel_id in channel_ids:
            row = dict(sums.get(channel_id, {}))
            row["posts"] = count.get(channel_id, 0)
            row["own_clicks"] = click.get(channel_id, 0)
            row["engagement_rate"] = figures.engagement_rate(row)
            result[index][channel_id] = row
    return result


def channel_rows(channels: list[Any], period: Period) -> list[ChannelFigures]:
    now, before = sums_by_channel([channel.pk for channel in channels], period)
    return [ChannelFigures(c, now.get(c.pk, {}), before.get(c.pk, {})) for c in channels]


def totals(rows: list[ChannelFigures]) -> dict[str, Any]:
    """The sums over the rows, now and before, with the change."""
    result: dict[str, Any] = {}
    for name in COLUMNS:
        given_now: list[Any] = [r.current[name] for r in rows if r.current.get(name) is not None]
        given_before: list[Any] = [
            r.previous[name] for r in rows if r.previous.get(name) is not None
        ]
        now = sum(given_now) if given_now else None
        before = sum(given_before) if given_before else None
        result[name] = {"value": now, "change": change(now, before)}
    return result


def top_pages(
    channel_ids: list[int], period: Period, limit: int = TOP_PAGES
) -> list[dict[str, Any]]:
    """The pages whose posts had the most interactions (then views); two queries."""
    found: Any = (
        figures.latest(channel_ids, period.start, period.end)
        .values("page_id")
        .annotate(posts=Count("pk"), title=Max("page_title"), **figures.figure_sums())
        .order_by("-interactions", "-views")[:limit]
    )
    rows: list[dict[str, Any]] = list(found)
    posts = sent_posts(channel_ids, period)
    page_ids = [row["page_id"] for row in rows]
    clicks: dict[Any, Any] = dict(
        posts.filter(page_id__in=page_ids)
        .values("page_id")
        .annotate(total=Sum("click_days__clicks"))
        .order_by()
        .values_list("page_id", "total")
    )
    for row in rows:
        row["own_clicks"] = clicks.get(row["page_id"]) or 0
    return rows


def best_times(channel_ids: list[int], period: Period) -> list[list[dict[str, Any]]]:
    """Weekday (Monday first) × hour, in the site's time zone: posts sent then (with figures)
    and their average interactions. One query."""
    zone = timezone.get_current_timezone()
    rows = (
        figures.latest(channel_ids, period.start, period.end)
        .annotate(
            weekday=ExtractIsoWeekDay("sent_at", tzinfo=zone),
            hour=ExtractHour("sent_at", tzinfo=zone),
        )
        .values("weekday", "hour")
        .annotate(posts=Count("pk"), total=Sum("interactions"))
        .order_by()
    )
    grid = [[{"posts": 0, "average": None} for _hour in range(24)] for _day in range(7)]
    for row in rows:
        cell = grid[row["weekday"] - 1][row["hour"]]
        cell["posts"] = row["posts"]
        cell["average"] = round((row["total"] or 0) / row["posts"], 1)
    return grid


def per_day(channel_ids: list[int], period: Period) -> list[tuple[date, int]]:
    """Interactions of the posts sent on each day of the period (0 for a day without). One
    query."""
    zone = timezone.get_current_timezone()
    rows = (
        figures.latest(channel_ids, period.start, period.end)
        .annotate(day=TruncDate("sent_at", tzinfo=zone))
        .values("day")
        .annotate(interactions=Sum("interactions"))
        .order_by()
    )
    found = {row["day"]: row["interactions"] or 0 for row in rows}
    return [(day, found.get(day, 0)) for day in period.days]
