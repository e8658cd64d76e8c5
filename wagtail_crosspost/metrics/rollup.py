"""Each publication's latest figures in one row (``PublicationFigures``), so that the report,
the dashboard and the goals sum one indexed table instead of finding every publication's latest
snapshot again (``benchmarks/report.py``: 100,000 publications).

The snapshots stay the record; this table is derived from them. ``refresh(ids)`` rebuilds the
rows of some publications: a saved or deleted snapshot does it through the signals below; code
that writes snapshots with ``bulk_create`` (which sends no signals) calls it itself.
``crosspost_refresh_figures`` (or ``refresh_all()``) rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from .models import MetricsSnapshot

FIGURES = ("reactions", "reposts", "replies", "quotes", "views", "clicks")
INTERACTIONS = ("reactions", "reposts", "replies", "quotes")
BATCH = 2000


class PublicationFigures(models.Model):
    """A publication's latest snapshot, with what the report groups and filters by."""

    publication = models.OneToOneField(
        "wagtail_crosspost.Publication",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="figures",
    )
    channel = models.ForeignKey(
        "wagtail_crosspost.Channel", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    page_id = models.IntegerField(null=True, blank=True)
    page_title = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField()
    reactions = models.PositiveIntegerField(null=True, blank=True)
    reposts = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(null=True, blank=True)
    quotes = models.PositiveIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    clicks = models.PositiveIntegerField(null=True, blank=True)
    #: reactions + reposts + replies + quotes ("not given" counts nothing)
    interactions = models.PositiveIntegerField(default=0)
    #: the interactions where views are given (the engagement rate's numerator), else 0
    rated = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("latest figures")
        verbose_name_plural = _("latest figures")
        indexes = [models.Index(fields=["sent_at", "channel"], name="crosspost_figures_sent_idx")]

    def __str__(self) -> str:
        return f"{self.publication_id}: {self.interactions}"


def _latest(ids: list[int]) -> dict[int, MetricsSnapshot]:
    latest: dict[int, MetricsSnapshot] = {}
    snapshots = MetricsSnapshot.objects.filter(publication_id__in=ids).select_related("publication")
    for snapshot in snapshots.defer("raw", "unavailable").order_by("taken_at"):
        latest[snapshot.publication_id] = snapshot  # the later one wins
    return latest


def refresh(publication_ids: Iterable[int]) -> None:
    """Rebuild the rows of these publications from their latest snapshots."""
    ids = list(dict.fromkeys(publication_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        latest = _latest(chunk)
        rows = [_row(snapshot) for snapshot in latest.values() if snapshot.publication.sent_at]
        PublicationFigures.objects.filter(publication_id__in=chunk).exclude(
            publication_id__in=[row.publication_id for row in rows]
        ).delete()
        PublicationFigures.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["publication"],
            update_fields=["channel", "page_id", "page_title", "sent_at", *FIGURES]
            + ["interactions", "rated"],
        )


def refresh_all() -> None:
    ids = MetricsSnapshot.objects.values_list("publication_id", flat=True).distinct()
    refresh(ids.iterator())


def _row(snapshot: MetricsSnapshot) -> PublicationFigures:
    publication: Any = snapshot.publication
    interactions = sum(getattr(snapshot, name) or 0 for name in INTERACTIONS)
    return PublicationFigures(
        publication_id=publication.pk,
        channel_id=publication.channel_id,
        page_id=publication.page_id,
        page_title=publication.page_title[:255],
        sent_at=publication.sent_at,
        interactions=interactions,
        rated=interactions if snapshot.views is not None else 0,
        **{name: getattr(snapshot, name) for name in FIGURES},
    )


def _on_snapshot(sender: Any, instance: MetricsSnapshot, **kwargs: Any) -> None:
    refresh([instance.publication_id])


def connect() -> None:
    post_save.connect(_on_snapshot, sender=MetricsSnapshot, dispatch_uid="crosspost_figures_save")
    post_delete.connect(_on_snapshot, sender=MetricsSnapshot, dispatch_uid="crosspost_figures_del")
