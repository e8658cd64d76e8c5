"""The health of channels: test a connection and record it, and resume a channel's held posts
once it works again."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..adapters.base import AdapterError, AuthError, Health
from ..models import Channel, Publication
from ..stored_messages import gettext as _
from .tasks import enqueue


def check_channel(channel: Channel) -> Health:
    try:
        health = channel.get_adapter().check()
    except AuthError as exc:
        health = Health(ok=False, detail=exc.message, needs_reconnect=True)
    except AdapterError as exc:
        health = Health(ok=False, detail=exc.message)
    except LookupError:
        health = Health(
            ok=False,
            detail=_("No adapter is installed for the platform “%(platform)s”.")
            % {"platform": channel.platform},
        )
    was_waiting = channel.needs_reconnect
    channel.mark(Channel.status_for(health), health.detail)
    if health.ok and was_waiting:
        resume_channel(channel)
    return health


def resume_channel(channel: Channel) -> int:
    """After reconnecting (or a successful test): rows held for this channel become due now."""
    Channel.objects.filter(pk=channel.pk).update(failure_streak=0, paused_until=None)
    now = timezone.now()
    # Held rows carry the reason they wait; a post waiting for its slot or time (schedule/) has
    # none and keeps its time: reconnecting must not send a week of planned posts at once.
    held = Publication.objects.filter(channel=channel, status=Publication.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | ~Q(error="")
    )
    rows = list(held)
    count = held.update(next_attempt_at=now)
    for row in rows:
        row.next_attempt_at = now
    enqueue(rows)
    return count
