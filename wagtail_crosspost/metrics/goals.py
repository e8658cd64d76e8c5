"""Goals: what a company and its agency agree on ("2 posts a week on LinkedIn, 50 clicks a
month"), per site and channel, and how far the current week or month has come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Goal(models.Model):
    class Metric(models.TextChoices):
        POSTS = "posts", _("posts")
        CLICKS = "clicks", _("clicks")
        REACTIONS = "reactions", _("reactions")
        REPOSTS = "reposts", _("reposts")
        REPLIES = "replies", _("replies")
        VIEWS = "views", _("views")

    class Period(models.TextChoices):
        WEEK = "week", _("a week")
        MONTH = "month", _("a month")

    site = models.ForeignKey(
        "wagtailcore.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Leave empty for every site."),
    )
    channel = models.ForeignKey(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goals",
        help_text=_("Leave empty for all channels together."),
    )
    metric = models.CharField(_("what"), max_length=20, choices=Metric.choices)
    target = models.PositiveIntegerField(_("target"))
    period = models.CharField(_("per"), max_length=10, choices=Period.choices, default="week")

    class Meta:
        verbose_name = _("social goal")
        verbose_name_plural = _("social goals")
        ordering = ["site_id", "channel_id", "metric"]

    def __str__(self) -> str:
        where = self.channel.name if self.channel_id else _("all channels")  # type: ignore[union-attr]
        return f"{self.target} {self.get_metric_display()} {self.get_period_display()} – {where}"


@dataclass(frozen=True)
class Progress:
    goal: Goal
    reached: int
    start: datetime

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.reached / self.goal.target)) if self.goal.target else 100

    @property
    def done(self) -> bool:
        return self.reached >= self.goal.target


def period_start(period: str, now: datetime | None = None) -> datetime:
    """The start of the current week (Monday) or month, in the site's time zone."""
    local = timezone.localtime(now or timezone.now())
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Goal.Period.MONTH:
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def posts_in_scope(goal: Goal) -> Any:
    """The goal's sent posts: its channel (or all), pages of its site (or all)."""
    from ..models import Publication

    rows = Publication.objects.filter(
        action=Publication.Action.POST,
        status=Publication.Status.POSTED,
        dry_run=False,
    )
    if goal.channel_id:
        rows = rows.filter(channel_id=goal.channel_id)
    if goal.site_id:
        root = goal.site.root_page  # type: ignore[union-attr]
        rows = rows.filter(Q(page__path__startswith=root.path))
    return rows


def progress(goal: Goal, now: datetime | None = None) -> Progress:
    """How far the current period has come: posts sent in it, our own clicks counted on its
    days (on any post), other figures of the posts sent in it."""
    start = period_start(goal.period, now)
    scope = posts_in_scope(goal)
    posts = scope.filter(sent_at__gte=start)
    if goal.metric == Goal.Metric.POSTS:
        reached = posts.count()
    elif goal.metric == Goal.Metric.CLICKS:
        from .click_models import ClickDay

        clicks = ClickDay.objects.filter(
            publication__in=scope.values("pk"), day__gte=start.date()
        ).aggregate(total=Sum("clicks"))
        reached = clicks["total"] or 0
    else:
        from .figures import total_of

        reached = total_of(posts, goal.metric)
    return Progress(goal=goal, reached=reached, start=start)
