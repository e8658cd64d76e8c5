"""Pausing a channel by hand (a crisis, a holiday) and resuming it.

While a channel is paused, its new posts wait (``PublicationQuerySet.held``: the sweep and the
workers leave them alone); deletions and updates still go out. On resume, the posts whose time
passed during the pause are planned into the channel's next free slots, one per slot, in the
order they were planned: never all at once, the "stalled cron floods the account" complaint.
Posts whose time still lies ahead keep it. A channel without slots sends them one per
``RESUME_SPACING`` (or its minimum gap, if that is longer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..models import Channel, Publication
from .models import ChannelSchedule
from .timing import next_free_slot

logger = logging.getLogger("wagtail_crosspost")

#: Without slots, the held posts go out this far apart after a resume.
RESUME_SPACING = timedelta(minutes=60)
Status = Publication.Status


@dataclass(frozen=True)
class Resumed:
    channel: Channel
    #: (publication id, its new due time), in the order they go out.
    replanned: list[tuple[int, datetime]]


def pause(channel: Channel, now: datetime | None = None) -> bool:
    """Pause ``channel``; False if it was paused already (its pause keeps its start)."""
    now = now or timezone.now()
    paused = Channel.objects.filter(pk=channel.pk, paused_at__isnull=True).update(paused_at=now)
    channel.refresh_from_db(fields=["paused_at"])
    if paused:
        logger.info("Channel %s (%s) paused; its new posts wait.", channel.pk, channel.name)
    return bool(paused)


def resume(channel: Channel, now: datetime | None = None) -> Resumed | None:
    """Resume ``channel`` and plan its held posts into the next free slots; None if it was not
    paused. One transaction, with the channel's row locked, so two resumes (or a publish
    planning a slot) cannot hand out the same slot twice."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Channel.objects.select_for_update().filter(pk=channel.pk).first()
        if locked is None or locked.paused_at is None:
            return None
        # Lock the schedule like a publish planning a slot does (timing.due_times).
        schedule = ChannelSchedule.objects.select_for_update().filter(channel=channel).first()
        waiting = Publication.objects.filter(
            channel=channel, action=Publication.Action.POST, status=Status.PENDING
        )
        held = list(
            waiting.filter(next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)
        )
        busy = _busy(channel, now, exclude=held)
        replanned = []
        after = now
        for pk in held:
            due = _next_time(schedule, after, busy)
            busy.append(due)
            after = due
            replanned.append((pk, due))
            Publication.objects.filter(pk=pk, status=Status.PENDING).update(
                next_attempt_at=due, updated_at=now
            )
        Channel.objects.filter(pk=channel.pk).update(paused_at=None)
    channel.refresh_from_db(fields=["paused_at"])
    if replanned:
        logger.info(
            "Channel %s (%s) resumed; %s held posts planned from %s to %s.",
            channel.pk,
            channel.name,
            len(replanned),
            replanned[0][1].isoformat(),
            replanned[-1][1].isoformat(),
        )
    else:
        logger.info("Channel %s (%s) resumed; no post was held.", channel.pk, channel.name)
    return Resumed(channel, replanned)


def _next_time(schedule: ChannelSchedule | None, after: datetime, busy: list[datetime]) -> datetime:
    """The next free slot at or after ``after``; without slots, the first moment at least the
    spacing away from every busy time."""
    if schedule is not None:
        slot = next_free_slot(schedule, after, busy)
        if slot is not None:
            return slot
    spacing = max(RESUME_SPACING, schedule.min_gap if schedule else RESUME_SPACING)
    moment = after
    while clash := [t for t in busy if abs(t - moment) < spacing]:
        moment = max(clash) + spacing
    return moment


def _busy(channel: Channel, now: datetime, exclude: list[int]) -> list[datetime]:
    """When the channel's other posts go out (waiting) or went out (the last day)."""
    start = now - timedelta(days=1)
    rows = Publication.objects.filter(channel=channel, action=Publication.Action.POST).exclude(
        pk__in=exclude
    )
    busy = list(
        rows.filter(
            status__in=Publication.IN_FLIGHT_STATUSES, next_attempt_at__gte=now
        ).values_list("next_attempt_at", flat=True)
    )
    busy += [
        t
        for t in rows.filter(
            status__in=(Status.POSTED, Status.UNKNOWN), sent_at__gte=start
        ).values_list("sent_at", flat=True)
        if t is not None
    ]
    return busy


def paused_channels(channels: Any) -> dict[int, datetime]:
    """{channel id: paused since} for the paused ones of ``channels`` (a query set)."""
    return dict(channels.filter(paused_at__isnull=False).values_list("pk", "paused_at"))
