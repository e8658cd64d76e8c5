"""The last look before a re-share goes out (installed as the outbox's ``reshare_hook``).

Between planning and its slot a page may have been unpublished, expired, moved out of the
channel's pool or switched off; re-sharing may have been paused or blacked out. Each is a reason
to skip, in words for the log.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from . import pool as pools
from .models import EvergreenPage, EvergreenSettings


def reason_to_skip(row: Any) -> str:
    now = timezone.now()
    page = row.page
    if page is None:
        return _("The page was deleted before this re-share was sent.")
    if not page.live:
        return _("The page was unpublished before this re-share was sent.")
    if page.expire_at is not None and page.expire_at <= now:
        return _("The page expired before this re-share was sent.")
    settings = (
        EvergreenSettings.objects.filter(channel_id=row.channel_id)
        .select_related("channel")
        .prefetch_related("page_types")
        .first()
    )
    if settings is None or not settings.enabled:
        return _("Re-sharing was switched off for this channel before this re-share was sent.")
    for blackout in pools.blackouts([settings.channel])[settings.channel_id]:
        if blackout.covers(now):
            return _("Re-sharing is paused (blackout: %(reason)s).") % {
                "reason": blackout.reason or _("no reason given")
            }
    choice = EvergreenPage.objects.filter(page_id=page.pk).first()
    if choice is not None and not choice.allows(timezone.localdate(now)):
        return _("The page's editor switched re-sharing off for it.")
    if not pools.eligible_pages(settings).filter(pk=page.pk).exists():
        return _("The page is no longer among the pages this channel re-shares.")
    return ""


def install() -> None:
    from ..outbox import reshare_hook

    reshare_hook.set_reshare_check(reason_to_skip)
