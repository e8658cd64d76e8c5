"""E-mail to the people who should act: a post failed or is *unknown — check* (the page's editors
and the channel's managers), a channel needs reconnecting (its managers).

Each mail is in its recipient's admin language and never holds a credential: the channel's
stored secrets are scrubbed from every text that goes out, whatever an error message quoted.
In the admin, the dashboard panel *Social posts that need attention* shows the same events.
``WAGTAILCROSSPOST_NOTIFICATIONS = False`` turns the mails off.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .. import conf
from .models import ChannelRight
from .rights import can_manage, is_restricted, users_with

logger = logging.getLogger(__name__)
REDACTED = "[redacted]"
NOTIFY_STATUSES = ("failed", "unknown")


def _admin_url(path: str) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + path


def _secrets(channel: Any) -> list[str]:
    values: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)
        elif value is not None and len(str(value)) >= 6:
            values.append(str(value))

    try:
        walk(channel.get_credentials())
    except Exception:  # undecryptable credentials: nothing to scrub, nothing to leak
        logger.warning("Could not read channel %s's credentials to scrub a mail", channel.pk)
    return sorted(values, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


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


def _language(user: Any) -> str:
    from wagtail.users.models import UserProfile

    return UserProfile.get_for_user(user).get_preferred_language() or settings.LANGUAGE_CODE


def _send(users: list[Any], compose: Any, secrets: list[str]) -> int:
    sender = getattr(settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", None)
    sent = 0
    seen: set[str] = set()
    for user in users:
        if not user.email or user.email in seen:
            continue
        seen.add(user.email)
        with translation.override(_language(user)):
            subject, body = compose()
        message = EmailMessage(
            scrub(subject, secrets).replace("\n", " "),
            scrub(body, secrets),
            sender or settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        try:
            sent += message.send()
        except Exception:  # a mail server down must not break a delivery
            logger.exception("Could not send a crosspost notification to user %s", user.pk)
    return sent


def notify_publication(publication: Any) -> int:
    """A post failed or is unknown: tell the page's editors and the channel's managers."""
    if not conf.get("NOTIFICATIONS") or str(publication.status) not in NOTIFY_STATUSES:
        return 0
    channel = publication.channel
    recipients = page_editors(publication) + channel_managers(channel)
    url = _admin_url(reverse("wagtail_crosspost_log:inspect", args=[publication.pk]))

    def compose() -> tuple[str, str]:
        names = {"page": publication.page_title, "channel": channel.name}
        if str(publication.status) == "unknown":
            subject = _("Check the post of “%(page)s” on %(channel)s") % names
            lead = _(
                "The post of “%(page)s” on %(channel)s may or may not have gone out. Check the "
                "channel, then retry the post or leave it."
            )
        else:
            subject = _("Posting “%(page)s” to %(channel)s failed") % names
            lead = _("Posting “%(page)s” to %(channel)s failed.")
        reason = _("Reason: %(error)s") % {"error": publication.error_text or "—"}
        see = _("See the post in the publication log: %(url)s") % {"url": url}
        return subject, "\n\n".join([lead % names, reason, see])

    return _send(recipients, compose, _secrets(channel))


def notify_needs_reconnect(channel: Any) -> int:
    """A channel's login expired or was withdrawn: tell its managers."""
    if not conf.get("NOTIFICATIONS"):
        return 0
    url = _admin_url(reverse("wagtail_crosspost_channels:edit", args=[channel.pk]))

    def compose() -> tuple[str, str]:
        names = {"channel": channel.name}
        subject = _("The channel %(channel)s needs to be reconnected") % names
        lead = (
            _(
                "%(channel)s cannot post until it is connected again. Posts already queued wait "
                "and go out once it is reconnected."
            )
            % names
        )
        detail = _("Detail: %(detail)s") % {"detail": channel.status_detail_text or "—"}
        see = _("Reconnect it here: %(url)s") % {"url": url}
        return subject, "\n\n".join([lead, detail, see])

    return _send(channel_managers(channel), compose, _secrets(channel))


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
