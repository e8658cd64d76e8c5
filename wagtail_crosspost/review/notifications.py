"""Who should act, and when they are told: a post failed or is *unknown — check* (the page's
editors and the channel's managers), a channel needs reconnecting (its managers).

Each is a notice (``review.notices``): shown in the admin, mailed at once or in the recipient's
daily digest, in their admin language and never with a credential. The dashboard panel *Social
posts that need attention* shows the same events. ``WAGTAILCROSSPOST_NOTIFICATIONS = False``
turns the mails off.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q
from django.urls import reverse

from . import notices
from .models import ChannelRight
from .rights import can_manage, is_restricted, users_with

logger = logging.getLogger(__name__)
NOTIFY_STATUSES = ("failed", "unknown")


def channel_managers(channel: Any) -> list[Any]:
    """Who manages ``channel``: the groups given *Manage* on it, or, where nobody was, everyone
    who may change channels (superusers included); only those who see its site."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    if is_restricted(channel, ChannelRight.MANAGE):
        candidates = users_with(ChannelRight.MANAGE, channel)
    else:
        perm = Permission.objects.filter(
            content_type__app_label="wagtail_crosspost", codename="change_channel"
        ).first()
        candidates = get_user_model().objects.filter(
            Q(is_superuser=True) | Q(groups__permissions=perm) | Q(user_permissions=perm),
            is_active=True,
        )
    return [user for user in candidates.distinct() if can_manage(user, channel)]


def page_editors(publication: Any) -> list[Any]:
    """Who asked for the post and who owns the page, if they may still edit it."""
    page = publication.page
    if page is None:
        return []
    people = {u.pk: u for u in (publication.requested_by, page.owner) if u is not None}
    return [
        user
        for user in people.values()
        if user.is_active and page.permissions_for_user(user).can_edit()
    ]


def _error(publication: Any) -> dict[str, Any]:
    """The publication's error as stored (code, parameters, text): rendered per reader."""
    return {
        "code": getattr(publication, "message_code", "") or "",
        "params": getattr(publication, "message_params", None) or {},
        "text": publication.error or "",
    }


def notify_publication(publication: Any) -> int:
    """A post failed or is unknown: tell the page's editors and the channel's managers."""
    if str(publication.status) not in NOTIFY_STATUSES:
        return 0
    channel = publication.channel
    kind = "post_unknown" if str(publication.status) == "unknown" else "post_failed"
    return notices.notify(
        page_editors(publication) + channel_managers(channel),
        kind,
        {"page": publication.page_title, "channel": channel.name, "error": _error(publication)},
        path=reverse("wagtail_crosspost_log:inspect", args=[publication.pk]),
        page=publication.page,
        channel=channel,
    )


def notify_needs_reconnect(channel: Any) -> int:
    """A channel's login expired or was withdrawn: tell its managers."""
    stored = channel.status_message if isinstance(channel.status_message, dict) else {}
    text = channel.status_detail or ""
    # The code counts only while the text is the one it was stored with (as render_detail).
    same = stored.get("text") == text
    detail = {
        "code": stored.get("code", "") if same else "",
        "params": stored.get("params", {}) if same else {},
        "text": text,
    }
    return notices.notify(
        channel_managers(channel),
        "reconnect",
        {"channel": channel.name, "detail": detail},
        path=reverse("wagtail_crosspost_channels:edit", args=[channel.pk]),
        channel=channel,
    )


# -- wiring (connected in apps.ready) --------------------------------------------------------------


def on_publication_finished(sender: Any, publication: Any, **kwargs: Any) -> None:
    notify_publication(publication)


def before_channel_save(sender: Any, instance: Any, update_fields: Any = None, **kw: Any) -> None:
    """Remember whether this save turns the channel to *needs reconnecting*. A deliberate
    disconnect (which clears the credentials in the same save) tells nobody."""
    instance._crosspost_newly_needs_reconnect = False
    fields = set(update_fields or ())
    if not instance.pk or instance.status != "needs_reconnect" or "credentials" in fields:
        return
    if update_fields is not None and "status" not in fields:
        return
    before = type(instance).objects.filter(pk=instance.pk).values_list("status", flat=True)
    instance._crosspost_newly_needs_reconnect = before.first() not in (None, "needs_reconnect")


def after_channel_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_crosspost_newly_needs_reconnect", False):
        instance._crosspost_newly_needs_reconnect = False
        notify_needs_reconnect(instance)


def connect() -> None:
    from django.db.models.signals import post_save, pre_save

    from ..models import Channel
    from ..signals import publication_finished

    publication_finished.connect(on_publication_finished, dispatch_uid="crosspost_notify_post")
    pre_save.connect(before_channel_save, sender=Channel, dispatch_uid="crosspost_notify_pre")
    post_save.connect(after_channel_save, sender=Channel, dispatch_uid="crosspost_notify_post_ch")
