"""When a newly planned post is due: the editor's choice for the page, else the channel's default.

The outbox asks through ``outbox.planning.set_due_time_hook`` (installed in ``apps.ready``), so
the outbox never imports this layer. A post that waits is an ordinary outbox row whose
``next_attempt_at`` lies ahead: the ``crosspost_deliver`` sweep and the task workers take it only
once it is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Channel, Publication
from . import slots as slot_rules
from .models import ChannelSchedule, Timing

#: Posts sent this long before now still count against a slot (the largest gap one may set).
MAX_GAP = timedelta(days=1)


def due_times(
    pairs: list[tuple[Channel, Any]], now: datetime | None = None
) -> dict[int, datetime | None]:
    """When the post planned for each (channel, choice) is due; None: now. Two queries at most,
    however many channels: their schedules, and the posts near their slots.

    The editor's timing for the page (``Choice.timing``) wins over the channel's
    default. A time that cannot be honoured (a date in the past, "next free slot" without
    slots) means now: a post is never lost because of its timing.
    """
    now = now or timezone.now()
    ids = [channel.pk for channel, _request in pairs]
    schedules = {s.channel_id: s for s in ChannelSchedule.objects.filter(channel_id__in=ids)}
    due: dict[int, datetime | None] = {}
    wants_slot = []
    for channel, request in pairs:
        schedule = schedules.get(channel.pk)
        timing = getattr(request, "timing", "") or (
            schedule.default_timing if schedule else Timing.WITH_PAGE
        )
        due[channel.pk] = None
        if timing == Timing.AT:
            send_at = getattr(request, "send_at", None)
            due[channel.pk] = send_at if send_at and send_at > now else None
        elif timing == Timing.DELAY and schedule and schedule.delay_minutes:
            due[channel.pk] = now + schedule.delay
        elif timing == Timing.NEXT_SLOT and schedule:
            wants_slot.append(schedule)
    if wants_slot:
        _lock(wants_slot)
        busy = _busy_times([s.channel_id for s in wants_slot], now)
        for schedule in wants_slot:
            due[schedule.channel_id] = next_free_slot(
                schedule, now, busy.get(schedule.channel_id, [])
            )
    return due


def due_time(channel: Channel, request: Any = None, now: datetime | None = None):
    """``due_times`` for one channel."""
    return due_times([(channel, request)], now)[channel.pk]


def next_free_slot(
    schedule: ChannelSchedule, after: datetime, busy: list[datetime]
) -> datetime | None:
    """The first slot at or after ``after`` with no time of ``busy`` (the channel's other posts)
    within the channel's minimum gap. None when the schedule has no usable slot."""
    try:
        slots, zone = schedule.slot_list(), schedule.zone()
    except ValidationError:
        return None  # saved before validation existed: post with the page rather than never
    gap = schedule.min_gap
    return slot_rules.next_free(
        slots, zone, after, taken=lambda moment: any(abs(t - moment) < gap for t in busy)
    )


def _lock(schedules: list[ChannelSchedule]) -> None:
    """Two publishes racing for a channel's next free slot must not both take it: inside the
    planning's transaction, lock the schedules (always in the same order, so no deadlock) before
    reading which slots are busy. The second publish waits here until the first one's rows are
    committed, then reads them (PostgreSQL: each statement sees what was committed before it)."""
    if not transaction.get_connection().in_atomic_block:
        return  # nothing to hold a lock for; planning always calls inside its transaction
    pks = sorted(s.pk for s in schedules)
    list(ChannelSchedule.objects.select_for_update().filter(pk__in=pks).order_by("pk").values("pk"))


def _busy_times(channel_ids: list[int], after: datetime) -> dict[int, list[datetime]]:
    """When the channels' posts go out, or went out recently, by channel (one query)."""
    Status = Publication.Status
    start = after - MAX_GAP
    rows = Publication.objects.filter(channel_id__in=channel_ids, action=Publication.Action.POST)
    rows = rows.filter(
        Q(status__in=Publication.IN_FLIGHT_STATUSES, next_attempt_at__gte=start)
        | Q(status__in=(Status.POSTED, Status.UNKNOWN), sent_at__gte=start)
    )
    busy: dict[int, list[datetime]] = {}
    for channel_id, status, next_attempt_at, sent_at in rows.values_list(
        "channel_id", "status", "next_attempt_at", "sent_at"
    ):
        moment = next_attempt_at if status in Publication.IN_FLIGHT_STATUSES else sent_at
        if moment is not None:
            busy.setdefault(channel_id, []).append(moment)
    return busy


def install() -> None:
    """Let the outbox ask this layer when a new post is due (called once, from apps.ready)."""
    from ..outbox import planning

    planning.set_due_time_hook(due_times)


def planned_times(
    pages: list[tuple[Any, datetime, list[Any]]],
) -> dict[Any, list[tuple[int, datetime]]]:
    """When the posts of scheduled pages will go out, as far as can be said now: ``pages`` is
    (key, go-live, enabled choices) each; the answer is {key: [(channel id, time)]}. The same
    rules as ``due_times`` with the go-live as "now"; the pages take slots in go-live order.
    Two queries at most, however many pages: the schedules and the posts near their slots.
    Nothing is locked or written: the real times are decided when the page goes live."""
    ids = {choice.channel_id for _key, _live, choices in pages for choice in choices}
    if not ids:
        return {}
    schedules = {s.channel_id: s for s in ChannelSchedule.objects.filter(channel_id__in=ids)}
    busy: dict[int, list[datetime]] = {}
    slotted = [pk for pk, s in schedules.items() if s.slots]
    if slotted:
        busy = _busy_times(slotted, min(live for _key, live, _choices in pages))
    planned: dict[Any, list[tuple[int, datetime]]] = {}
    for key, live, choices in sorted(pages, key=lambda page: page[1]):
        times = planned.setdefault(key, [])
        for choice in choices:
            schedule = schedules.get(choice.channel_id)
            timing = getattr(choice, "timing", "") or (
                schedule.default_timing if schedule else Timing.WITH_PAGE
            )
            when = live
            if timing == Timing.AT:
                send_at = getattr(choice, "send_at", None)
                when = send_at if send_at and send_at > live else live
            elif timing == Timing.DELAY and schedule and schedule.delay_minutes:
                when = live + schedule.delay
            elif timing == Timing.NEXT_SLOT and schedule:
                taken = busy.setdefault(choice.channel_id, [])
                when = next_free_slot(schedule, live, taken) or live
                taken.append(when)
            times.append((choice.channel_id, when))
    return planned
