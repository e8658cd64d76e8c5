"""Sent publications with snapshots, made straight in the database."""

from __future__ import annotations

from datetime import timedelta

from wagtail_crosspost.metrics.models import MetricsSnapshot
from wagtail_crosspost.models import Publication


def sent(channel, page, sent_at, stages=(), **_ignored):
    """A posted publication of ``page`` on ``channel``; ``stages``: (stage, {figure: value})."""
    row = Publication.objects.create(
        page=page,
        page_title=page.title if page else "",
        channel=channel,
        generation=Publication.objects.filter(page=page, channel=channel).count(),
        action=Publication.Action.POST,
        status=Publication.Status.POSTED,
        sent_at=sent_at,
    )
    offsets = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
    for stage, values in stages:
        MetricsSnapshot.objects.create(
            publication=row,
            stage=stage,
            taken_at=sent_at + offsets.get(stage, timedelta(days=30)),
            **values,
        )
    return row
