"""Pacing: hold a row (not an attempt) while its channel rests after repeated failures (the
circuit breaker) or has reached its platform's posting quota."""

from __future__ import annotations

import logging
import math
import random
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Min
from django.utils import timezone

from .. import conf, stored_messages
from ..adapters import base as adapter_base
from ..models import Channel, Publication
from ..stored_messages import gettext as _

logger = logging.getLogger("wagtail_crosspost")

Status = Publication.Status
Action = Publication.Action


def wait_for_channel(row: Publication, adapter: adapter_base.Adapter) -> str | None:
    """Hold the row (not an attempt) while its channel is paused or at its posting quota."""
    now = timezone.now()
    channel = row.channel
    if channel.paused_until and channel.paused_until > now:
        return hold(
            row,
            channel.paused_until,
            _(
                "Paused: “%(channel)s” failed %(n)s times in a row, so it rests until %(time)s "
                "and then tries again by itself."
            )
            % {
                "channel": channel.name,
                "n": channel.failure_streak,
                "time": stored_messages.clock(channel.paused_until),
            },
        )
    quota = adapter.rules.quota
    if quota is None or row.action == Action.DELETE:
        return None
    limit, window = quota
    since = now - timedelta(seconds=window)
    sent = Publication.objects.filter(
        channel=channel, sent_at__gte=since, dry_run=False, status=Status.POSTED
    ).aggregate(count=Count("pk"), oldest=Min("sent_at"))
    if sent["count"] < limit:
        return None
    oldest = sent["oldest"] or now
    resume = oldest + timedelta(seconds=window) + timedelta(seconds=random.uniform(0, 5))
    return hold(
        row,
        resume,
        _(
            "Waiting for %(platform)s's posting limit (%(limit)s posts per %(minutes)s minutes); "
            "goes out at %(time)s."
        )
        % {
            "platform": adapter.label,
            "limit": limit,
            "minutes": max(1, window // 60),
            "time": stored_messages.clock(resume),
        },
    )


def hold(row: Publication, until, message: str) -> str:
    Publication.objects.filter(pk=row.pk).update(
        status=Status.PENDING,
        attempts=F("attempts") - 1,
        next_attempt_at=until,
        lease_until=None,
        error=message,
        **stored_messages.store(message),
    )
    return Status.PENDING


def count_failure(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(failure_streak=F("failure_streak") + 1)
    channel.refresh_from_db(fields=["failure_streak"])
    if channel.failure_streak >= conf.get("BREAKER_THRESHOLD"):
        until = timezone.now() + timedelta(seconds=conf.get("BREAKER_PAUSE_SECONDS"))
        detail = _("Paused after %(n)s failed attempts in a row; tries again at %(time)s.") % {
            "n": channel.failure_streak,
            "time": stored_messages.clock(until),  # shown in the reader's time zone
        }
        Channel.objects.filter(pk=channel.pk).update(
            paused_until=until,
            status=Channel.Status.ERROR,
            status_detail=detail,
            status_message=stored_messages.stored_detail(detail),
        )


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter; the platform's own hint wins when it is longer.

    The hint is honoured up to ``RETRY_AFTER_MAX_SECONDS`` (24 h); one that is not a finite
    number, is negative or is longer than that is ignored: the normal backoff applies.
    """
    base = conf.get("RETRY_BASE_SECONDS")
    cap = conf.get("RETRY_MAX_SECONDS")
    delay = random.uniform(base / 2, min(cap, base * 2 ** min(max(0, attempts - 1), 32)))
    hint = sane_retry_after(retry_after)
    if hint is None:
        return min(delay, cap)
    return max(delay, hint + random.uniform(0, 5))


def sane_retry_after(value: Any) -> float | None:
    """A platform's wait in seconds if it is usable (finite, 0 to RETRY_AFTER_MAX_SECONDS)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds if seconds <= float(conf.get("RETRY_AFTER_MAX_SECONDS")) else None


def mark_unreachable(channel: Channel, error: adapter_base.UnreachableError) -> bool:
    """The channel's server could not be reached (name not found, connection refused, no TLS):
    mark the channel as needing attention, with the reason. Returns whether the channel has
    posted before: then it is more likely a passing outage than a wrong address."""
    logger.warning("Channel “%s” (%s): %s", channel.name, channel.pk, error.message)
    channel.mark(Channel.Status.ERROR, error.message)
    posted = Publication.objects.filter(
        channel=channel, status=Status.POSTED, dry_run=False
    ).exclude(remote_id="")
    return posted.exists()
