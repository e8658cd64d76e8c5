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

from django.db.models import Count, Q, QuerySet, Sum

from .rollup import PublicationFigures

#: The figures the report sums, in its column order.
SUMMED = ("reactions", "reposts", "replies", "quotes", "views", "clicks")
INTERACTIONS = ("reactions", "reposts", "replies", "quotes")


def latest(channel_ids: list[int], start: Any, end: Any) -> QuerySet[PublicationFigures]:
    """The latest figures of the channels' posts sent from ``start`` to before ``end``."""
    return PublicationFigures.objects.filter(
        channel_id__in=channel_ids, sent_at__gte=start, sent_at__lt=end
    )


def figure_sums(when: Q | None = None, prefix: str = "") -> dict[str, Any]:
    """The aggregates of the report's figures over ``PublicationFigures`` rows (only those
    ``when`` matches, named with ``prefix``, where given)."""
    names = ("interactions", "rated", *SUMMED)
    return {f"{prefix}{name}": Sum(name, filter=when) for name in names}


#: (from the split on, before it): the two periods' values, each by key.
Split = tuple[dict[Any, Any], dict[Any, Any]]


def _halves(split: Any) -> tuple[tuple[str, Q], tuple[str, Q]]:
    """The two periods a query covers at once: sent from ``split`` on, and before it."""
    return ("now_", Q(sent_at__gte=split)), ("before_", Q(sent_at__lt=split))


def by_key(rows: QuerySet[PublicationFigures], key: str, split: Any) -> Split:
    """Summed figures of ``rows``, grouped by ``key``, for the rows sent from ``split`` on and
    for those sent before it; one query."""
    sums: dict[str, Any] = {}
    for prefix, when in _halves(split):
        sums.update(figure_sums(when, prefix))
    result: Split = ({}, {})
    for row in rows.values(key).annotate(**sums).order_by():
        for index, (prefix, _when) in enumerate(_halves(split)):
            result[index][row[key]] = {
                name.removeprefix(prefix): value
                for name, value in row.items()
                if name.startswith(prefix)
            }
    return result


def posts_and_clicks_by(publications: QuerySet[Any], key: str, split: Any) -> tuple[Split, Split]:
    """How many of ``publications`` were sent, and our own clicks on them, grouped by their
    ``key``: for those sent from ``split`` on and for those sent before it. One query, a join
    from the publications (by their ``sent_at`` index) to their click counters."""
    aggregates: dict[str, Any] = {}
    for prefix, when in _halves(split):
        aggregates[f"{prefix}posts"] = Count("pk", filter=when, distinct=True)
        aggregates[f"{prefix}clicks"] = Sum("click_days__clicks", filter=when)
    posts: Split = ({}, {})
    clicks: Split = ({}, {})
    for row in publications.values(key).annotate(**aggregates).order_by():
        for index, (prefix, _when) in enumerate(_halves(split)):
            posts[index][row[key]] = row[f"{prefix}posts"]
            clicks[index][row[key]] = row[f"{prefix}clicks"] or 0
    return posts, clicks


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
