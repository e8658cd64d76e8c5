"""The daily check: a channel whose login expires within 7 days and cannot be renewed by itself
(no refresh token) — its managers get a mail, in their language, without the token.

Run ``manage.py crosspost_check_tokens`` once a day (cron, or a scheduled task).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import conf
from .notifications import _admin_url, _secrets, _send, channel_managers

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
    """Mail the managers of every channel whose login runs out soon. Returns the mails sent."""
    if not conf.get("NOTIFICATIONS"):
        return 0
    sent = 0
    for channel in expiring_channels(now, days):
        url = _admin_url(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))

        def compose(channel: Any = channel, url: str = url) -> tuple[str, str]:
            when = formats.date_format(
                timezone.localtime(channel.token_expires_at), "DATETIME_FORMAT"
            )
            names = {"channel": channel.name, "when": when}
            subject = _("The login of %(channel)s expires on %(when)s") % names
            lead = (
                _(
                    "The login of %(channel)s expires on %(when)s and cannot be renewed "
                    "automatically. Reconnect the channel before then, or its posts will wait."
                )
                % names
            )
            see = _("Reconnect it here: %(url)s") % {"url": url}
            return subject, "\n\n".join([lead, see])

        sent += _send(channel_managers(channel), compose, _secrets(channel))
    return sent
