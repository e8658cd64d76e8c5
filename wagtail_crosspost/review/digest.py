"""The daily digest of notices (``DIGEST_HOUR``): each user who chose it gets, once a day at that
hour in their own time zone, one mail with the notices they have not seen in the admin yet.
``crosspost_deliver`` sends the digests that are due, and first deletes the notices seen longer
ago than ``NOTICE_RETENTION_DAYS`` (``notices.delete_old``)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import conf
from .models import Notice
from .notices import admin_url, delete_old, language_of, mail_to, render_all, time_zone_of

logger = logging.getLogger("wagtail_crosspost")


def last_digest_moment(now: datetime, zone: Any) -> datetime:
    """The latest moment, at or before ``now``, when the digest hour struck in ``zone``."""
    hour = int(conf.get("DIGEST_HOUR")) % 24
    local = now.astimezone(zone)
    moment = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if moment > local:
        moment = datetime.combine(local.date() - timedelta(days=1), time(hour), tzinfo=zone)
    return moment


def send_due_digests(now: datetime | None = None) -> int:
    """Mail each user their notices that waited for the digest hour (at most one mail a day:
    a notice is mailed at the first digest hour after it was made, in the user's time zone).
    Returns the digests sent. Deletes the notices seen longer ago than
    ``NOTICE_RETENTION_DAYS`` first."""
    now = now or timezone.now()
    try:
        delete_old(now)
    except Exception:  # the digests matter more than the housekeeping
        logger.exception("Could not delete old notices; the digests go out all the same")
    waiting = Notice.objects.filter(digest_pending=True, created_at__lte=now)
    users = {n.recipient_id: n.recipient for n in waiting.select_related("recipient")}
    sent = 0
    for user in users.values():
        sent += _send_digest(user, now)
    return sent


def _send_digest(user: Any, now: datetime) -> int:
    due_before = last_digest_moment(now, time_zone_of(user))
    with transaction.atomic():
        # A second worker skips the rows this one holds: each notice is mailed once.
        rows = list(
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recipient=user, digest_pending=True, created_at__lte=due_before)
            .select_related("channel")
            .order_by("created_at", "pk")
        )
        Notice.objects.filter(pk__in=[n.pk for n in rows]).update(digest_pending=False)
        # What the user already saw in the admin is not mailed again.
        rows = [n for n in rows if n.seen_at is None]
        Notice.objects.filter(pk__in=[n.pk for n in rows]).update(mailed_at=now)
    if not (rows and conf.get("NOTIFICATIONS") and user.is_active and user.email):
        return 0
    with translation.override(language_of(user)):
        subject, body = _digest_text(rows)
    return mail_to(user, subject, body)


def _digest_text(rows: list[Notice]) -> tuple[str, str]:
    count = len(rows)
    subject = ngettext(
        "Your social media digest: %(count)s notice",
        "Your social media digest: %(count)s notices",
        count,
    ) % {"count": count}
    parts = [_("What happened since your last digest:")]
    for _notice, rendered in render_all(rows):
        parts.append("\n".join(["— " + rendered.subject, *rendered.details, rendered.link]))
    account = admin_url(reverse("wagtailadmin_account"))
    notices = admin_url(reverse("wagtail_crosspost:notices"))
    parts.append(_("All your notices: %(url)s") % {"url": notices})
    parts.append(
        _("Choose how these e-mails come in your account settings: %(url)s") % {"url": account}
    )
    return subject, "\n\n".join(parts)
