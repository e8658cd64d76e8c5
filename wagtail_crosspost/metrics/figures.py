"""The figures of many publications at once, summed in SQL (the report, the dashboard, goals).

A publication's figures are those of its **latest** snapshot (the snapshot no later one of the
same publication follows). Sums skip "not given" (NULL): a platform that gives no views adds
nothing to the views, and is not counted as 0 either.

Engagement rate (docs/editors/performance.md):

    engagement rate = (reactions + reposts + replies + quotes) / views × 100

summed over the posts whose platform gives views; where none does, the rate is "–".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Sum

from .click_models import ClickDay
from .rollup import PublicationFigures

#: The figures the report sums, in its column order.
SUMMED = ("reactions", "reposts", "replies", "quotes", "views", "clicks")
INTERACTIONS = ("reactions", "reposts", "replies", "quotes")


def latest(channel_ids: list[int], start: Any, end: Any) -> QuerySet[PublicationFigures]:
    """The latest figures of the channels' posts sent from ``start`` to before ``end``."""
    return PublicationFigures.objects.filter(
        channel_id__in=channel_ids, sent_at__gte=start, sent_at__lt=end
    )


def figure_sums() -> dict[str, Any]:
    """The aggregates of the report's figures over ``PublicationFigures`` rows."""
    sums: dict[str, Any] = {"interactions": Sum("interactions"), "rated": Sum("rated")}
    sums.update({name: Sum(name) for name in SUMMED})
    return sums


def by_key(rows: QuerySet[PublicationFigures], key: str) -> dict[Any, dict[str, Any]]:
    """Summed figures of ``rows``, grouped by ``key``; one query."""
    grouped = rows.values(key).annotate(**figure_sums()).order_by()
    return {row.pop(key): row for row in grouped}


def own_clicks_by(publications: QuerySet[Any], key: str) -> dict[Any, int]:
    """Our own counted clicks of ``publications``, grouped by ``key``; one query."""
    rows = (
        ClickDay.objects.filter(publication__in=publications)
        .values(key)
        .annotate(total=Sum("clicks"))
        .order_by()
    )
    return {row[key]: row["total"] or 0 for row in rows}


def posts_by(publications: QuerySet[Any], key: str) -> dict[Any, int]:
    rows = publications.values(key).annotate(n=Count("pk")).order_by()
    return {row[key]: row["n"] for row in rows}


def engagement_rate(figures: dict[str, Any]) -> float | None:
    """Per cent, or None where no post gives views (see the module's docstring)."""
    views = figures.get("views")
    if not views:
        return None
    return round(100 * (figures.get("rated") or 0) / views, 2)


def total_of(publications: QuerySet[Any], metric: str) -> int:
    """One figure summed over the latest figures of ``publications`` (goals)."""
    rows = PublicationFigures.objects.filter(publication__in=publications)
    return int(rows.aggregate(total=Sum(metric))["total"] or 0)
