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

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from .click_models import ClickDay
from .models import MetricsSnapshot

#: The figures the report sums, in its column order.
SUMMED = ("reactions", "reposts", "replies", "quotes", "views", "clicks")
INTERACTIONS = ("reactions", "reposts", "replies", "quotes")


def latest_snapshots() -> QuerySet[MetricsSnapshot]:
    """Each publication's latest snapshot, and only that one."""
    later = MetricsSnapshot.objects.filter(
        publication_id=OuterRef("publication_id"), taken_at__gt=OuterRef("taken_at")
    )
    return MetricsSnapshot.objects.filter(~Exists(later))


def interactions_expr() -> Any:
    zero = Value(0, output_field=IntegerField())
    total: Any = zero
    for name in INTERACTIONS:
        total = total + Coalesce(F(name), zero)
    return total


def figure_sums(prefix: str = "") -> dict[str, Any]:
    """The aggregates of the report's figures over snapshot rows (``prefix`` for a relation)."""
    # First: the sums below take the figures' names, which the expressions must not see.
    sums: dict[str, Any] = {"interactions": Sum(interactions_expr())}
    # Interactions of the posts whose views are given: the engagement rate's numerator.
    sums["rated"] = Sum(interactions_expr(), filter=Q(views__isnull=False))
    sums.update({name: Sum(f"{prefix}{name}") for name in SUMMED})
    return sums


def by_key(publications: QuerySet[Any], key: str) -> dict[Any, dict[str, Any]]:
    """Summed figures of the latest snapshots of ``publications``, grouped by ``key`` (a field
    path from the snapshot, e.g. ``publication__channel_id``); one query."""
    rows = (
        latest_snapshots()
        .filter(publication__in=publications)
        .values(key)
        .annotate(**figure_sums())
        .order_by()
    )
    return {row.pop(key): row for row in rows}


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
    """One figure summed over the latest snapshots of ``publications`` (goals)."""
    found = (
        latest_snapshots()
        .filter(publication__in=publications)
        .aggregate(total=Sum(metric))["total"]
    )
    return int(found or 0)
