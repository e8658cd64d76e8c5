"""Take the snapshots that are due: per channel and stage, in the adapter's batches.

A stage is due from its delay after sending until the next stage's (``STAGE_TIMES``); once taken
it is frozen (one row per publication and stage, never updated). Nothing here touches a
publication's delivery: figures are read by their own command and task, after the fact, and a
failure lands on the channel's figures health (``ChannelMetricsSettings.error``), never on the
publication or in the editor's face.

Pacing: a channel paused by the posting breaker, or whose platform answered "slow down", is
skipped until then; each run takes at most ``batches`` calls per channel. Queries per batch are
constant: one to select the batch, one to store it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ..adapters.base import Adapter, AdapterError, AuthError, TransientError
from ..models import Channel, Publication
from ..outbox.pacing import backoff, sane_retry_after
from . import rollup
from .models import STAGE_TIMES, ChannelMetricsSettings, MetricsSnapshot

logger = logging.getLogger("wagtail_crosspost")

#: Calls per channel and run, unless the caller says otherwise.
BATCHES_PER_CHANNEL = 100


@dataclass
class Outcome:
    snapshots: int = 0
    calls: int = 0
    channels: int = 0
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)


def wants_figures(channel: Channel, adapter_class: type[Adapter]) -> bool:
    """Whether figures are fetched for the channel: its switch, else the adapter's default."""
    if not adapter_class.metrics_batch_size:
        return False
    try:
        return channel.metrics_settings.fetch_figures
    except ChannelMetricsSettings.DoesNotExist:
        return adapter_class.metrics_by_default


def due(channel: Channel, stage: str, now: datetime) -> Any:
    """The channel's posted publications whose ``stage`` snapshot is due and not yet taken."""
    delay, until = STAGE_TIMES[stage]
    taken = MetricsSnapshot.objects.filter(publication=OuterRef("pk"), stage=stage)
    return (
        Publication.objects.filter(
            channel=channel,
            action=Publication.Action.POST,  # an update's row names the same remote post
            status=Publication.Status.POSTED,
            dry_run=False,
            sent_at__lte=now - delay,
            sent_at__gt=now - until,
        )
        .exclude(remote_id="")
        .filter(~Exists(taken))
        .only("pk", "remote_id", "remote_url", "sent_at", "channel_id")
        .order_by("pk")
    )


def fetch_due(
    *,
    channels: Iterable[Channel] | None = None,
    now: datetime | None = None,
    batches: int = BATCHES_PER_CHANNEL,
) -> Outcome:
    """Take every due snapshot (up to ``batches`` calls per channel)."""
    from ..adapters import get_adapter_class

    now = now or timezone.now()
    outcome = Outcome()
    if channels is None:
        channels = Channel.objects.select_related("metrics_settings").exclude(
            status=Channel.Status.NEEDS_RECONNECT
        )
    for channel in channels:
        try:
            adapter_class = get_adapter_class(channel.platform)
        except LookupError:
            continue
        if not wants_figures(channel, adapter_class):
            continue
        settings, _created = ChannelMetricsSettings.objects.get_or_create(
            channel=channel, defaults={"fetch_figures": adapter_class.metrics_by_default}
        )
        waits = [t for t in (channel.paused_until, settings.paused_until) if t and t > now]
        if waits:
            outcome.paused.append(channel.name)
            continue
        outcome.channels += 1
        try:
            fetch_channel(channel, settings, now=now, batches=batches, outcome=outcome)
        except Exception as error:  # one channel's surprise must not cost the others their figures
            logger.exception("Figures of channel “%s” (%s) failed", channel.name, channel.pk)
            record_failure(channel, settings, AdapterError(str(error) or type(error).__name__), now)
            outcome.failed.append(channel.name)
    return outcome


def fetch_channel(
    channel: Channel,
    settings: ChannelMetricsSettings,
    *,
    now: datetime,
    batches: int,
    outcome: Outcome,
) -> None:
    adapter = channel.get_adapter()
    size = max(1, adapter.metrics_batch_size)
    calls = 0
    for stage in STAGE_TIMES:
        last_pk = 0
        while calls < batches:
            rows = list(due(channel, stage, now).filter(pk__gt=last_pk)[:size])
            if not rows:
                break
            last_pk = rows[-1].pk
            calls += 1
            outcome.calls += 1
            try:
                answers = adapter.fetch_metrics(rows)
            except AdapterError as error:
                record_failure(channel, settings, error, now)
                outcome.failed.append(channel.name)
                return
            snapshots = [
                MetricsSnapshot.from_metrics(row, stage, now, answers[row])
                for row in rows
                if row in answers
            ]
            # Frozen: a stage already taken (by a worker running at the same time) stays as it is.
            MetricsSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
            # bulk_create sends no signals: the latest figures the report sums, refreshed here.
            rollup.refresh(snapshot.publication_id for snapshot in snapshots)
            outcome.snapshots += len(snapshots)
    if calls:
        record_success(settings, now)


def record_success(settings: ChannelMetricsSettings, now: datetime) -> None:
    changed: dict[str, Any] = {"fetched_at": now, "paused_until": None}
    if settings.error:
        changed.update(error="", error_at=None)
    ChannelMetricsSettings.objects.filter(pk=settings.pk).update(**changed)


def record_failure(
    channel: Channel, settings: ChannelMetricsSettings, error: AdapterError, now: datetime
) -> None:
    """A failed read: paused (the platform's hint, else backoff), and shown on the channel."""
    logger.warning("Figures of channel “%s” (%s): %s", channel.name, channel.pk, error.message)
    hint = sane_retry_after(error.retry_after) if isinstance(error, TransientError) else None
    streak = 1 + int(bool(settings.error))
    pause = backoff(streak, hint) if isinstance(error, TransientError) else 6 * 3600
    message = _("Figures could not be read: %(error)s") % {"error": error.message}
    ChannelMetricsSettings.objects.filter(pk=settings.pk).update(
        error=message, error_at=now, paused_until=now + timedelta(seconds=pause)
    )
    if isinstance(error, AuthError):
        channel.mark(Channel.Status.NEEDS_RECONNECT, error.message)
