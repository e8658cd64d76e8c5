"""Snapshots of a publication's figures, and a channel's switch for fetching them.

A model of the ``wagtail_crosspost`` app: ``wagtail_crosspost/models.py`` imports this module at
its end so that Django registers it (the one declared exception to the layers). Figures belong to
the publication, not to the channel's token: reconnecting a channel keeps them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from .types import FIGURES, Metrics


class Stage(models.TextChoices):
    """When a snapshot is taken, after the post was sent. Once taken, a stage is frozen."""

    HOUR = "1h", _("after 1 hour")
    DAY = "24h", _("after 24 hours")
    WEEK = "7d", _("after 7 days")
    MONTH = "30d", _("after 30 days")


#: Each stage's delay after sending, and until when it may still be taken (a stage that was
#: missed, say because the fetcher did not run for a day, is skipped: its figures would be wrong).
STAGE_TIMES: dict[str, tuple[timedelta, timedelta]] = {
    Stage.HOUR: (timedelta(hours=1), timedelta(hours=24)),
    Stage.DAY: (timedelta(hours=24), timedelta(days=7)),
    Stage.WEEK: (timedelta(days=7), timedelta(days=30)),
    Stage.MONTH: (timedelta(days=30), timedelta(days=37)),
}


class MetricsSnapshot(models.Model):
    """One publication's figures at one stage. ``None`` is "not given", never 0."""

    publication = models.ForeignKey(
        "wagtail_crosspost.Publication",
        verbose_name=_("publication"),
        on_delete=models.CASCADE,
        related_name="metrics_snapshots",
    )
    stage = models.CharField(_("stage"), max_length=4, choices=Stage.choices)
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    reactions = models.PositiveIntegerField(_("reactions"), null=True, blank=True)
    reposts = models.PositiveIntegerField(_("reposts"), null=True, blank=True)
    replies = models.PositiveIntegerField(_("replies"), null=True, blank=True)
    quotes = models.PositiveIntegerField(_("quotes"), null=True, blank=True)
    views = models.PositiveBigIntegerField(_("views"), null=True, blank=True)
    clicks = models.PositiveIntegerField(_("clicks"), null=True, blank=True)
    raw = models.JSONField(_("platform answer"), default=dict, blank=True)
    #: figure -> reason code (see ``metrics.types.REASONS``).
    unavailable = models.JSONField(_("figures not given"), default=dict, blank=True)

    class Meta:
        verbose_name = _("figures snapshot")
        verbose_name_plural = _("figures snapshots")
        ordering = ["publication", "taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "stage"], name="crosspost_metrics_one_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.stage}"

    @classmethod
    def from_metrics(cls, publication: Any, stage: str, taken_at: Any, metrics: Metrics) -> Any:
        values = {name: _stored(value) for name, value in metrics.figures().items()}
        return cls(
            publication=publication,
            stage=stage,
            taken_at=taken_at,
            raw=metrics.raw,
            unavailable=metrics.unavailable,
            **values,
        )

    def as_metrics(self) -> Metrics:
        return Metrics(
            **{name: getattr(self, name) for name in FIGURES},
            raw=dict(self.raw or {}),
            unavailable=dict(self.unavailable or {}),
        )


def _stored(value: int | None) -> int | None:
    return None if value is None else max(0, int(value))


class ChannelMetricsSettings(models.Model):
    """A channel's figures settings (a side table: the channel model stays as it is).

    No row means the adapter's default (``Adapter.metrics_by_default``: on, except for X, whose
    reads cost money).
    """

    channel = models.OneToOneField(
        "wagtail_crosspost.Channel",
        verbose_name=_("channel"),
        on_delete=models.CASCADE,
        related_name="metrics_settings",
    )
    fetch_figures = models.BooleanField(
        _("fetch figures"),
        default=True,
        help_text=_(
            "Ask the platform for likes, reposts, replies and views after posting. Switch it off "
            "where reads cost money (X) or count against a small quota."
        ),
    )

    #: Pacing: no figures are asked for before this (a rate-limit answer, or a failure).
    paused_until = models.DateTimeField(null=True, blank=True, editable=False)
    #: The last failure to fetch figures (the channel's health shows it), and when.
    error = models.TextField(_("figures error"), blank=True, editable=False)
    error_at = models.DateTimeField(null=True, blank=True, editable=False)
    fetched_at = models.DateTimeField(_("figures fetched"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("figures settings")
        verbose_name_plural = _("figures settings")
        ordering = ["channel__name"]

    def __str__(self) -> str:
        return str(self.channel)

    def platform_gives(self) -> str:
        """Which figures the channel's platform gives (for the settings list)."""
        from wagtail_crosspost.adapters import get_adapter_class

        try:
            adapter_class = get_adapter_class(self.channel.platform)
        except LookupError:
            return "–"
        if not adapter_class.metrics_batch_size:
            return str(
                _("No figures: %(platform)s gives none.") % {"platform": adapter_class.label}
            )
        return str(_("Up to %(n)s posts per call") % {"n": adapter_class.metrics_batch_size})

    def health(self) -> str:
        """The figures' health: the last failure, or when they were last fetched."""
        if not self.fetch_figures:
            return str(_("Switched off"))
        if self.error:
            return self.error
        if self.fetched_at:
            return str(_("OK"))
        return str(_("Not fetched yet"))
