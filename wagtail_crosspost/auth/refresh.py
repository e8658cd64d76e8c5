"""Renew tokens before they expire: a django_tasks task and ``manage.py crosspost_refresh_tokens``
(run it from cron every 15 minutes: X's tokens live two hours).

A channel is due when its token expires within its platform's margin (X: 45 minutes; LinkedIn and
Threads: 7 days), or within ``hours`` when given. A refused refresh marks the channel “needs
reconnecting” with a sentence; a platform that is down is tried again on the next run. A token that
cannot be renewed (LinkedIn without partner refresh tokens) gets a warning while it still works and
“needs reconnecting” once it has expired: the admin sees it before the next post fails.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ..adapters.oauth import Refused, Unavailable
from ..adapters.provider import provider_for_channel
from ..models import Channel
from ..stored_messages import gettext as _
from ..stored_messages import moment, stored_detail

logger = logging.getLogger(__name__)

REFRESHED = "refreshed"
FAILED = "failed"  # refused: the channel needs reconnecting
RETRY = "retry"  # the platform could not be reached: next run
EXPIRING = "expiring"  # cannot be renewed; warned
EXPIRED = "expired"  # cannot be renewed and has expired: needs reconnecting
SKIPPED = "skipped"  # not due (any more)


def _when(when: datetime) -> str:
    """Stored as a moment: shown in the reader's time zone and language, not the worker's."""
    return moment(when)


def is_due(channel: Channel, within: timedelta | None = None, now: datetime | None = None) -> bool:
    if channel.token_expires_at is None or channel.needs_reconnect:
        return False
    provider = provider_for_channel(channel)
    if provider is None:
        return False
    now = now or timezone.now()
    margin = within if within is not None else provider.refresh_margin
    return channel.token_expires_at <= now + margin


def refresh_channel(
    channel: Channel, within: timedelta | None = None, now: datetime | None = None
) -> str:
    """Refresh one channel's token if it is due. Returns one of the outcome constants."""
    now = now or timezone.now()
    with transaction.atomic():
        # One refresher per channel: X rotates refresh tokens, so a second, concurrent refresh
        # with the old one would be refused and wrongly mark the channel.
        locked = Channel.objects.select_for_update().filter(pk=channel.pk).first()
        if locked is None or not is_due(locked, within, now):
            return SKIPPED
        provider = provider_for_channel(locked)
        assert provider is not None and locked.token_expires_at is not None
        credentials = locked.get_credentials()
        expires = locked.token_expires_at
        if not provider.can_refresh(credentials):
            if expires <= now:
                locked.mark(
                    Channel.Status.NEEDS_RECONNECT,
                    _(
                        "The %(platform)s access token expired on %(when)s and %(platform)s "
                        "offers no way to renew it. Connect the account again."
                    )
                    % {"platform": provider.label, "when": _when(expires)},
                )
                return EXPIRED
            detail = _(
                "The %(platform)s access token expires on %(when)s and cannot be renewed "
                "automatically. Connect the account again before then."
            ) % {"platform": provider.label, "when": _when(expires)}
            Channel.objects.filter(pk=locked.pk).update(
                status_detail=detail, status_message=stored_detail(detail)
            )
            return EXPIRING
        missing = provider.missing_settings() if provider.refresh_needs_app else []
        if missing:
            detail = _(
                "The %(platform)s access token expires on %(when)s, but it cannot be renewed: "
                "set %(settings)s."
            ) % {"platform": provider.label, "when": _when(expires), "settings": ", ".join(missing)}
            Channel.objects.filter(pk=locked.pk).update(
                status_detail=detail, status_message=stored_detail(detail)
            )
            logger.error("Token refresh for channel %s: %s", locked.pk, detail)
            return RETRY
        try:
            token = provider.refresh(provider.client(), credentials)
        except Refused as error:
            locked.mark(
                Channel.Status.NEEDS_RECONNECT,
                _(
                    "Renewing the %(platform)s access token failed: %(detail)s Connect the "
                    "account again; posts wait until then."
                )
                % {"platform": provider.label, "detail": error.message},
            )
            logger.warning("Token refresh for channel %s was refused: %s", locked.pk, error.message)
            return FAILED
        except Unavailable as error:
            logger.warning("Token refresh for channel %s failed: %s", locked.pk, error.message)
            return RETRY
        credentials["access_token"] = token.access_token
        if token.refresh_token:
            credentials["refresh_token"] = token.refresh_token
        if token.expires_at:
            credentials["expires_at"] = int(token.expires_at.timestamp())
        else:
            credentials.pop("expires_at", None)
        locked.set_credentials(credentials)
        locked.token_expires_at = token.expires_at
        locked.checked_at = now
        locked.save(update_fields=["credentials", "token_expires_at", "checked_at"])
        return REFRESHED


def refresh_due(within: timedelta | None = None) -> dict[str, int]:
    """Refresh every due channel; a count per outcome."""
    now = timezone.now()
    counts: dict[str, int] = {}
    candidates = Channel.objects.filter(token_expires_at__isnull=False).exclude(
        status=Channel.Status.NEEDS_RECONNECT
    )
    for channel in candidates:
        if not is_due(channel, within, now):
            continue
        try:
            outcome = refresh_channel(channel, within, now)
        except Exception:  # one broken channel must not stop the others
            logger.exception("Refreshing the token of channel %s failed", channel.pk)
            outcome = RETRY
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


@task()
def refresh_tokens(hours: float | None = None) -> dict[str, int]:
    """The django_tasks entry point (arguments are JSON: hours as a number)."""
    return refresh_due(timedelta(hours=hours) if hours is not None else None)
