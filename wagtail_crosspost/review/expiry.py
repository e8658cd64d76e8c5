"""The daily check: a channel whose login expires within 7 days and cannot be renewed by itself
(no refresh token) — its managers get a mail, in their language, without the token.

Run ``manage.py crosspost_check_tokens`` once a day (cron, or a scheduled task).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from . import notices
from .notifications import channel_managers

WARN_DAYS = 7


def expiring_channels(now: datetime | None = None, days: int = WARN_DAYS) -> list[Any]:
    from ..models import Channel

    now = now or timezone.now()
    soon = Channel.objects.filter(
        token_expires_at__gt=now, token_expires_at__lte=now + timedelta(days=days)
    ).exclude(status=Channel.Status.NEEDS_RECONNECT)
    found = []
    for channel in soon:
        try:
            renewable = bool(channel.get_credentials().get("refresh_token"))
        except Exception:  # unreadable credentials cannot be renewed either
            renewable = False
        if not renewable:
            found.append(channel)
    return found


def notify_expiring(now: datetime | None = None, days: int = WARN_DAYS) -> int:
    """Tell the managers of every channel whose login runs out soon. Returns the mails sent
    now (a manager who chose the daily digest gets it there)."""
    sent = 0
    for channel in expiring_channels(now, days):
        sent += notices.notify(
            channel_managers(channel),
            "token_expiry",
            {"channel": channel.name, "when": channel.token_expires_at.isoformat()},
            path=reverse("wagtail_crosspost_channels:edit", args=[channel.pk]),
            channel=channel,
        )
    return sent
