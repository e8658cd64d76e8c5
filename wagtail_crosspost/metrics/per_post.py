"""One post's figures where editors meet them: the publication log's figure columns (read and
sorted in SQL, one query for the whole list), a post's figures over time (the log's detail
view), and "How this page did" (the editor's Publish-to tab).

"Not given" stays ``None`` everywhere and sorts last: a post whose platform gives no views is not
a post with 0 views. Our own counted clicks are ``None`` for a post sent without the short link
(the channel did not count clicks then), and 0 only for a counted link nobody clicked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from ..models import Publication
from .click_models import ClickDay, TrackedLink
from .models import MetricsSnapshot
from .types import FIGURES, REASONS

#: The figures the log lists and "How this page did" shows, in their column order: those most
#: platforms give, and our own clicks, which every platform can have. (The log's export and
#: a post's detail have all six and ours.)
LISTED = ("reactions", "reposts", "replies", "views", "own_clicks")
#: The prefix of the annotations: ``figure_reactions`` … ``figure_own_clicks``.
PREFIX = "figure_"


def with_figures(queryset: QuerySet[Any], names: tuple[str, ...] | None = None) -> QuerySet[Any]:
    """``queryset`` of publications, each with its latest figures (``figure_<name>``) and its
    own counted clicks (``figure_own_clicks``), or only ``names`` of them: a join and a subquery
    in the same query, whatever the number of rows."""
    wanted = (*FIGURES, "own_clicks") if names is None else names
    annotations: dict[str, Any] = {
        f"{PREFIX}{name}": F(f"figures__{name}") for name in FIGURES if name in wanted
    }
    if "own_clicks" in wanted:
        own = (
            ClickDay.objects.filter(publication=OuterRef("pk"))
            .order_by()
            .values("publication")
            .annotate(total=Sum("clicks"))
            .values("total")
        )
        tracked = Exists(TrackedLink.objects.filter(publication=OuterRef("pk")))
        annotations[f"{PREFIX}own_clicks"] = Case(
            When(tracked, then=Coalesce(Subquery(own), 0)),
            default=None,
            output_field=IntegerField(),
        )
    return queryset.annotate(**annotations)


def attach(rows: list[Any]) -> list[Any]:
    """Give each publication of ``rows`` (one page of the log) its figures: one query for the
    page, so that the list's count and its offset never compute figures for the rows before."""
    names = [f"{PREFIX}{name}" for name in (*FIGURES, "own_clicks")]
    ids = [row.pk for row in rows]
    if not ids:
        return rows
    found = {
        values["pk"]: values
        for values in with_figures(Publication.objects.filter(pk__in=ids)).values("pk", *names)
    }
    for row in rows:
        for name in names:
            setattr(row, name, found.get(row.pk, {}).get(name))
    return rows


def is_figure_ordering(ordering: Any) -> bool:
    return isinstance(ordering, str) and ordering.lstrip("-").startswith(PREFIX)


def order_by_figure(queryset: QuerySet[Any], ordering: str) -> QuerySet[Any]:
    """Order by one figure (``figure_views`` up, ``-figure_views`` down); posts without the
    figure come last either way, the newest first among equals (a stable page order)."""
    expression = F(ordering.lstrip("-"))
    key = (
        expression.desc(nulls_last=True)
        if ordering.startswith("-")
        else expression.asc(nulls_last=True)
    )
    return queryset.order_by(key, "-created_at", "-pk")


# A post's figures over time (the log's detail view).


@dataclass
class Snapshot:
    """One row of the detail's table: a stage and its figures (None: not given, with why)."""

    label: str
    taken_at: datetime
    values: dict[str, int | None]
    reasons: dict[str, str]

    def cells(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "value": self.values[name], "reason": self.reasons.get(name, "")}
            for name in FIGURES
        ]


@dataclass
class OverTime:
    """A post's snapshots, the figures any of them gives, and our own clicks per day."""

    snapshots: list[Snapshot] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    #: None when the post was sent without the counted short link.
    clicks_per_day: list[tuple[date, int]] | None = None

    @property
    def own_clicks(self) -> int | None:
        if self.clicks_per_day is None:
            return None
        return sum(clicks for _day, clicks in self.clicks_per_day)

    def series(self, names: tuple[str, ...]) -> dict[str, list[int | None]]:
        """The values over the snapshots of each given figure among ``names``."""
        return {
            name: [snapshot.values[name] for snapshot in self.snapshots]
            for name in names
            if name in self.given
        }


def over_time(publication: Publication) -> OverTime:
    """The snapshots of one post, oldest first; three queries."""
    rows = list(
        MetricsSnapshot.objects.filter(publication=publication)
        .defer("raw")
        .order_by("taken_at", "pk")
    )
    snapshots = [
        Snapshot(
            label=str(row.get_stage_display()),  # type: ignore[attr-defined]
            taken_at=row.taken_at,
            values={name: getattr(row, name) for name in FIGURES},
            reasons={
                name: str(REASONS.get(code, ""))
                for name, code in (row.unavailable or {}).items()
                if name in FIGURES
            },
        )
        for row in rows
    ]
    given = [name for name in FIGURES if any(s.values[name] is not None for s in snapshots)]
    clicks: list[tuple[date, int]] | None = None
    if TrackedLink.objects.filter(publication=publication).exists():
        days = ClickDay.objects.filter(publication=publication).order_by("day")
        clicks = list(days.values_list("day", "clicks"))
    return OverTime(snapshots, given, clicks)


# "How this page did": the page's posts per channel (the editor's Publish-to tab).


@dataclass
class ChannelSummary:
    """A channel's posts of one page: their latest figures summed ("not given" stays None)."""

    channel: Any
    posts: list[Any]
    figures: dict[str, int | None]

    @property
    def newest(self) -> Any:
        return self.posts[0]

    @property
    def has_figures(self) -> bool:
        return any(value is not None for value in self.figures.values())


def _summed(values: list[int | None]) -> int | None:
    given = [value for value in values if value is not None]
    return sum(given) if given else None


def page_summary(page_id: int, channels: list[Any]) -> list[ChannelSummary]:
    """Per channel (in the order given), the page's sent posts with their latest figures; one
    query. Channels without a sent post of the page are left out."""
    by_id = {channel.pk: channel for channel in channels}
    if not page_id or not by_id:
        return []
    posts = with_figures(
        Publication.objects.filter(
            page_id=page_id,
            channel_id__in=list(by_id),
            action=Publication.Action.POST,
            status=Publication.Status.POSTED,
            dry_run=False,
        )
    ).order_by("-sent_at", "-pk")
    grouped: dict[int, list[Any]] = {}
    for post in posts:
        grouped.setdefault(post.channel_id, []).append(post)
    return [
        ChannelSummary(
            channel=by_id[channel_id],
            posts=grouped[channel_id],
            figures={
                name: _summed([getattr(p, f"{PREFIX}{name}") for p in grouped[channel_id]])
                for name in LISTED
            },
        )
        for channel_id in by_id
        if channel_id in grouped
    ]
