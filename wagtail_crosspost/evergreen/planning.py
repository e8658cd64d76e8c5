"""The planner: the re-shares of the next N days, written into the outbox as rows of kind
*re-share* (or, for a dry run, only returned).

Each run re-plans the rows not yet sent whose rules changed (or whose page left the pool) and
fills the free slots that are left. Two planners at once: the channel's settings row is locked
for the run (PostgreSQL), and the unique constraint (channel, slot) refuses a second row for one
slot on any database.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Publication
from ..schedule import slots as slot_rules
from ..schedule.timing import _busy_times
from . import pool as pools
from .models import EvergreenSettings
from .rules import Planned, Rules, plan

logger = logging.getLogger("wagtail_crosspost")
Kind, Status = Publication.Kind, Publication.Status
#: ``delivery_state`` key of a re-share: the fingerprint of the rules it was planned under.
RULES_KEY = "evergreen_rules"
DEFAULT_DAYS = 28


@dataclass
class ChannelPlan:
    channel_id: int
    order: str = ""  # EvergreenSettings.order: which page first
    pool_size: int = 0
    planned: list[Planned] = field(default_factory=list)  # new in this run
    kept: list[Publication] = field(default_factory=list)  # planned earlier, still valid
    removed: int = 0  # unsent rows re-planned
    skipped: dict[int, str] = field(default_factory=dict)
    never_shared: list[int] = field(default_factory=list)  # pool pages never on this channel
    titles: dict[int, str] = field(default_factory=dict)


def settings_query(channel_ids=None):
    rows = EvergreenSettings.objects.filter(enabled=True, channel__enabled=True)
    if channel_ids is not None:
        rows = rows.filter(channel_id__in=list(channel_ids))
    rows = rows.select_related("channel", "channel__schedule").prefetch_related("page_types")
    return rows.order_by("channel_id")


def plan_all(days: int = DEFAULT_DAYS, now=None, channel_ids=None, dry_run=False):
    """Plan (or with ``dry_run`` only compute) every enabled channel's re-shares."""
    now = now or timezone.now()
    found = list(settings_query(channel_ids))
    blackouts = pools.blackouts([s.channel for s in found])
    return [plan_channel(s, now, days, blackouts[s.channel_id], dry_run) for s in found]


def plan_channel(settings, now: datetime, days: int, blackouts, dry_run=False) -> ChannelPlan:
    """Plan one channel. A dry run does the same work and rolls it back: what it shows is
    exactly what a run would plan."""
    with transaction.atomic():
        # One planner per channel at a time (PostgreSQL waits here; SQLite writes one at a time).
        EvergreenSettings.objects.select_for_update().filter(pk=settings.pk).first()
        result = _compute(settings, now, days, blackouts)
        if dry_run:
            transaction.set_rollback(True)
        return result


def _schedule(settings):
    try:
        return settings.channel.schedule
    except Exception:
        return None


def _compute(settings, now, days, blackouts) -> ChannelPlan:
    channel = settings.channel
    result = ChannelPlan(channel.pk, order=settings.order)
    schedule = _schedule(settings)
    pages = pools.pool(settings)
    result.pool_size = len(pages)
    result.titles = {p.pk: p.title for p in pages}
    in_pool = {p.pk for p in pages}
    digest = pools.fingerprint(settings, schedule, blackouts)
    waiting = list(
        Publication.objects.filter(
            channel=channel, kind=Kind.RESHARE, status=Status.PENDING, next_attempt_at__gt=now
        )
    )
    stale = [
        row
        for row in waiting
        if row.delivery_state.get(RULES_KEY) != digest
        or row.page_id not in in_pool
        or any(b.covers(row.next_attempt_at) for b in blackouts)
    ]
    stale_ids = {row.pk for row in stale}
    result.kept = [row for row in waiting if row.pk not in stale_ids]
    if stale:
        # Only rows still waiting: a worker that took one meanwhile keeps it.
        result.removed = Publication.objects.filter(
            pk__in=stale_ids, status=Status.PENDING, next_attempt_at__gt=now
        ).delete()[0]
    past = pools.history(channel)
    result.never_shared = [p.pk for p in pages if p.pk not in past.last]
    slots = _free_slots(schedule, now, days, blackouts)
    rules = Rules(
        cooldown=settings.cooldown,
        daily_cap=settings.daily_cap,
        per_week=settings.per_week,
        max_per_page=settings.max_per_page,
        zone=schedule.zone() if schedule else Rules().zone,
        best_first=settings.order == EvergreenSettings.Order.BEST,
    )
    scores = pools.scores(channel) if rules.best_first else None
    outcome = plan(rules, slots, pools.candidates(settings, pages, past, scores), past.used)
    result.planned, result.skipped = outcome.planned, outcome.skipped
    if outcome.planned:
        _write(settings, outcome.planned, result.titles, digest)
    return result


def _free_slots(schedule, now, days, blackouts) -> list[datetime]:
    """The schedule's slots in the next ``days`` days that no post takes and no blackout covers."""
    if schedule is None:
        return []
    try:
        slots, zone = schedule.slot_list(), schedule.zone()
    except Exception:
        return []
    end = now + timedelta(days=days)
    busy = _busy_times([schedule.channel_id], now).get(schedule.channel_id, [])
    gap = schedule.min_gap
    free = []
    for moment in slot_rules.occurrences(slots, zone, now):
        if moment >= end:
            break
        if moment <= now or any(b.covers(moment) for b in blackouts):
            continue
        if any(abs(t - moment) < gap for t in busy):
            continue
        free.append(moment)
    return free


def _write(settings, planned: list[Planned], titles: dict[int, str], digest: str) -> None:
    rows = [
        Publication(
            page_id=item.page_id,
            page_title=titles.get(item.page_id, "")[:255],
            channel_id=settings.channel_id,
            action=Publication.Action.POST,
            kind=Kind.RESHARE,
            generation=item.number,
            slot_at=item.slot,
            next_attempt_at=item.slot,
            message=item.text,
            dry_run=settings.channel.dry_run,
            idempotency_key=uuid.uuid4().hex,
            delivery_state={RULES_KEY: digest},
        )
        for item in planned
    ]
    try:
        with transaction.atomic():
            Publication.objects.bulk_create(rows)
            return
    except IntegrityError:
        pass  # another planner filled some of these slots: keep what it planned
    for row in rows:
        row.pk = None
        row._state.adding = True
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            logger.info("Another planner filled slot %s of channel %s", row.slot_at, row.channel_id)
