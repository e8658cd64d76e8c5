"""Notices to the people who should act: one row per recipient (``Notice``), shown in the admin
(*Social notices*, the dashboard, the menu's count) until seen, and mailed either at once or in
the recipient's daily digest (``digest.py``), as they chose per event in their account
settings. Notices seen longer ago than ``NOTICE_RETENTION_DAYS`` are deleted (``delete_old``).

A notice is stored as a kind plus parameters and rendered when it is read or mailed: in the
reader's admin language, with the channel's stored secrets scrubbed from every text, whatever an
error message quoted. ``WAGTAILCROSSPOST_NOTIFICATIONS = False`` turns the mails off; the admin
notices stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .. import conf
from ..stored_messages import shown
from .models import Notice, NoticeDelivery, NoticeEvent, NotificationPreferences

logger = logging.getLogger(__name__)
REDACTED = "[redacted]"


# -- secrets, language, addresses ----------------------------------------------------------------


def secrets_of(channel: Any) -> list[str]:
    """The channel's stored secrets, longest first (to scrub them from a text)."""
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

    if channel is None:
        return []
    try:
        walk(channel.get_credentials())
    except Exception:  # undecryptable credentials: nothing to scrub, nothing to leak
        logger.warning("Could not read channel %s's credentials to scrub a notice", channel.pk)
    return sorted(values, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def admin_url(path: str) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + path


def language_of(user: Any) -> str:
    from wagtail.users.models import UserProfile

    return UserProfile.get_for_user(user).get_preferred_language() or settings.LANGUAGE_CODE


def time_zone_of(user: Any) -> Any:
    from wagtail.users.models import UserProfile

    name = UserProfile.get_for_user(user).get_current_time_zone() or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone name: the site's
        return timezone.get_default_timezone()


# -- what each kind of notice says ---------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    event: str
    #: params -> (subject, paragraphs, the link's sentence with ``%(url)s``)
    compose: Callable[[dict[str, Any]], tuple[str, list[str], str]]


def _stored(value: Any) -> str:
    """A stored message (code, params, text) in the active language; plain text as it is."""
    if isinstance(value, dict):
        return shown(
            str(value.get("code") or ""),
            value.get("params"),
            str(value.get("text") or ""),
            final=True,
        )
    return str(value or "")


def _moment(value: Any) -> str:
    when = parse_datetime(str(value or ""))
    if when is None:
        return str(value or "")
    return formats.date_format(timezone.localtime(when), "DATETIME_FORMAT")


def _post_failed(p: dict[str, Any]) -> tuple[str, list[str], str]:
    subject = _("Posting “%(page)s” to %(channel)s failed") % p
    reason = _("Reason: %(error)s") % {"error": _stored(p.get("error")) or "—"}
    return (
        subject,
        [_("Posting “%(page)s” to %(channel)s failed.") % p, reason],
        _("See the post in the publication log: %(url)s"),
    )


def _post_unknown(p: dict[str, Any]) -> tuple[str, list[str], str]:
    subject = _("Check the post of “%(page)s” on %(channel)s") % p
    lead = (
        _(
            "The post of “%(page)s” on %(channel)s may or may not have gone out. Check the "
            "channel, then retry the post or leave it."
        )
        % p
    )
    reason = _("Reason: %(error)s") % {"error": _stored(p.get("error")) or "—"}
    return subject, [lead, reason], _("See the post in the publication log: %(url)s")


def _reconnect(p: dict[str, Any]) -> tuple[str, list[str], str]:
    subject = _("The channel %(channel)s needs to be reconnected") % p
    lead = (
        _(
            "%(channel)s cannot post until it is connected again. Posts already queued wait "
            "and go out once it is reconnected."
        )
        % p
    )
    detail = _("Detail: %(detail)s") % {"detail": _stored(p.get("detail")) or "—"}
    return subject, [lead, detail], _("Reconnect it here: %(url)s")


def _token_expiry(p: dict[str, Any]) -> tuple[str, list[str], str]:
    names = {"channel": p["channel"], "when": _moment(p.get("when"))}
    subject = _("The login of %(channel)s expires on %(when)s") % names
    lead = (
        _(
            "The login of %(channel)s expires on %(when)s and cannot be renewed "
            "automatically. Reconnect the channel before then, or its posts will wait."
        )
        % names
    )
    return subject, [lead], _("Reconnect it here: %(url)s")


def _approval_requested(p: dict[str, Any]) -> tuple[str, list[str], str]:
    subject = _("Social media posts of “%(page)s” wait for your approval") % p
    lead = _("The planned posts of “%(page)s” wait for your approval.") % p
    return subject, [lead], _("Review them here: %(url)s")


def _decided(approved: bool) -> Callable[[dict[str, Any]], tuple[str, list[str], str]]:
    def compose(p: dict[str, Any]) -> tuple[str, list[str], str]:
        if approved:
            subject = _("The social media posts of “%(page)s” were approved") % p
        else:
            subject = _("Changes requested to the social media posts of “%(page)s”") % p
        parts = [subject]
        if p.get("comment"):
            parts.append(_("Comment: %(comment)s") % {"comment": p["comment"]})
        return subject, parts, _("The page: %(url)s")

    return compose


KINDS: dict[str, Kind] = {
    "post_failed": Kind(NoticeEvent.POST_PROBLEM, _post_failed),
    "post_unknown": Kind(NoticeEvent.POST_PROBLEM, _post_unknown),
    "reconnect": Kind(NoticeEvent.RECONNECT, _reconnect),
    "token_expiry": Kind(NoticeEvent.TOKEN_EXPIRY, _token_expiry),
    "approval_requested": Kind(NoticeEvent.APPROVAL_REQUESTED, _approval_requested),
    "approved": Kind(NoticeEvent.APPROVAL_DECIDED, _decided(True)),
    "rejected": Kind(NoticeEvent.APPROVAL_DECIDED, _decided(False)),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    paragraphs: list[str]
    link: str  # the sentence with the absolute link

    @property
    def body(self) -> str:
        return "\n\n".join([*self.paragraphs, self.link])

    @property
    def details(self) -> list[str]:
        """The paragraphs that say more than the subject (for the admin's list)."""
        return [p for p in self.paragraphs if p.rstrip(".") != self.subject.rstrip(".")]


def render(notice: Notice, secrets: list[str] | None = None) -> Rendered:
    """The notice in the active language, without a secret of its channel."""
    if secrets is None:
        secrets = secrets_of(notice.channel) if notice.channel_id else []
    subject, paragraphs, see = KINDS[notice.kind].compose(dict(notice.params))
    link = see % {"url": admin_url(notice.path)}
    return Rendered(
        scrub(subject, secrets).replace("\n", " "),
        [scrub(p, secrets) for p in paragraphs],
        scrub(link, secrets),
    )


def render_all(notices: Iterable[Notice]) -> list[tuple[Notice, Rendered]]:
    """Each notice rendered, reading each channel's secrets once."""
    cache: dict[int, list[str]] = {}
    out = []
    for notice in notices:
        if notice.channel_id and notice.channel_id not in cache:
            cache[notice.channel_id] = secrets_of(notice.channel)
        out.append((notice, render(notice, cache.get(notice.channel_id or 0, []))))
    return out


# -- who wants what, when -------------------------------------------------------------------------


def preferences_of(user: Any) -> NotificationPreferences:
    """The user's choices (unsaved defaults when they never chose)."""
    found = NotificationPreferences.objects.filter(user=user).first()
    return found or NotificationPreferences(user=user)


def delivery_for(user: Any, event: str) -> str:
    return str(getattr(preferences_of(user), str(event), NoticeDelivery.IMMEDIATE))


def mail_to(user: Any, subject: str, body: str) -> int:
    sender = getattr(settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", None)
    message = EmailMessage(subject, body, sender or settings.DEFAULT_FROM_EMAIL, [user.email])
    try:
        return message.send()
    except Exception:  # a mail server down must not break a delivery
        logger.exception("Could not send a crosspost notification to user %s", user.pk)
        return 0


def notify(
    users: Iterable[Any],
    kind: str,
    params: dict[str, Any],
    *,
    path: str = "",
    page: Any = None,
    channel: Any = None,
    task_state: Any = None,
) -> int:
    """A notice of ``kind`` for each user (once each), mailed at once or kept for their daily
    digest. Returns the mails sent now."""
    event = KINDS[kind].event
    mails_on = bool(conf.get("NOTIFICATIONS"))
    secrets: list[str] | None = None
    people: dict[int, Any] = {}
    for user in users:
        if user is not None and user.is_active:
            people.setdefault(user.pk, user)
    addresses: set[str] = set()
    sent = 0
    for user in people.values():
        mail_it = mails_on and bool(user.email) and user.email not in addresses
        if mail_it:
            addresses.add(user.email)
        digest = mail_it and delivery_for(user, event) == NoticeDelivery.DIGEST
        notice = Notice.objects.create(
            recipient=user,
            event=event,
            kind=kind,
            params=params,
            path=path,
            page=page,
            channel=channel,
            task_state=task_state,
            digest_pending=digest,
        )
        if not mail_it or digest:
            continue
        if secrets is None:
            secrets = secrets_of(channel)
        with translation.override(language_of(user)):
            rendered = render(notice, secrets)
        if mail_to(user, rendered.subject, rendered.body):
            sent += 1
            Notice.objects.filter(pk=notice.pk).update(mailed_at=timezone.now())
    return sent


# -- seen in the admin -------------------------------------------------------------------------


def delete_old(now: datetime | None = None) -> int:
    """Delete the notices their recipient saw more than ``NOTICE_RETENTION_DAYS`` days ago (a
    notice not seen yet is kept, whatever its age). Returns how many went."""
    days = conf.get("NOTICE_RETENTION_DAYS")
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=max(1, int(days)))  # 0 keeps a day
    old = Notice.objects.filter(seen_at__lt=cutoff, digest_pending=False)
    return old.delete()[0]


def unseen(user: Any) -> Any:
    return Notice.objects.filter(recipient=user, seen_at__isnull=True)


def mark_seen(user: Any, ids: Iterable[int] | None = None) -> int:
    rows = unseen(user)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(seen_at=timezone.now())


def settle_requests(task_state: Any) -> int:
    """The approval asked of ``task_state`` was given or refused: its requests are done, for
    every approver (seen, and out of a digest that has not gone yet)."""
    requests = Notice.objects.filter(kind="approval_requested", task_state=task_state)
    requests.filter(digest_pending=True).update(digest_pending=False)
    return requests.filter(seen_at__isnull=True).update(seen_at=timezone.now())
