"""Crosspost actions in Wagtail's audit log: the page history shows who ticked, retried or
deleted which post; the site history (Reports → Site history) who connected or disconnected
which channel.

``register_log_actions`` is called from Wagtail's hook of the same name (``wagtail_hooks``).
The entries themselves are written where the work happens: ``outbox.page_history`` for posts,
:func:`log_channel` and :func:`log_choice_changes` here.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

PREFIX = "wagtail_crosspost."
CHANNEL_CONNECTED = PREFIX + "channel_connected"
CHANNEL_DISCONNECTED = PREFIX + "channel_disconnected"
CHANGED = PREFIX + "changed"
APPROVED = PREFIX + "approved"

# (action, label, message): ``%(channel)s`` is one channel ("Mastodon (Demo)", see
# ``target``: the platform's label is translated when the history is read), ``%(channels)s`` a
# list of names.
PAGE_ACTIONS = [
    ("posted", _("Crossposted"), _("Posted to %(channel)s")),
    ("updated", _("Crosspost updated"), _("Updated on %(channel)s")),
    ("deleted_remotely", _("Crosspost deleted"), _("Deleted from %(channel)s")),
    # Written before the rename to ``deleted_remotely``: kept so that old entries still read.
    ("deleted", _("Crosspost deleted"), _("Deleted from %(channel)s")),
    ("failed", _("Crosspost failed"), _("Posting to %(channel)s failed")),
    ("retried", _("Crosspost retried"), _("Retry of the post to %(channel)s")),
    ("approved", _("Crosspost approved"), _("Post to %(channel)s approved")),
]
PLANNED_MESSAGES = {
    "post": _("Queued posts to %(channels)s"),
    "update": _("Queued updates on %(channels)s"),
    "delete": _("Deletion requested on %(channels)s"),
}
CHANNEL_ACTIONS = [
    ("channel_connected", _("Social channel connected"), _("Connected %(channel)s")),
    ("channel_disconnected", _("Social channel disconnected"), _("Disconnected %(channel)s")),
]


def _names(data: dict[str, Any], key: str) -> str:
    value = data.get(key) or []
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _platform_label(platform: Any) -> str:
    from ..adapters import get_adapter_class

    try:
        return str(get_adapter_class(str(platform)).label)
    except (LookupError, ImportError):  # an adapter the site no longer has: its name alone
        return ""


def target(data: dict[str, Any]) -> str:
    """The channel as the history names it, in the reader's language: "Mastodon (Demo)"; its
    name alone for entries written without the platform, or a name that already says it."""
    channel = str(data.get("channel") or "?")
    label = _platform_label(data["platform"]) if data.get("platform") else ""
    if (
        not label
        or label.casefold() in channel.casefold()
        or channel.casefold() in label.casefold()
    ):
        return channel
    return str(_("%(platform)s (%(channel)s)")) % {"platform": label, "channel": channel}


def reason(data: dict[str, Any]) -> str:
    """Why a post failed, in the reader's language (the stored code), or the text as written."""
    from ..stored_messages import shown

    stored = data.get("message")
    if not isinstance(stored, dict):
        stored = {}
    text = str(data.get("error") or "")
    return shown(str(stored.get("code") or ""), stored.get("params"), text, final=True).strip()


def _formatter(label: Any, message: Any, with_reason: Any = None) -> type:
    from wagtail.log_actions import LogFormatter

    class CrosspostLogFormatter(LogFormatter):
        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            why = reason(data) if with_reason is not None else ""
            if why:
                text = str(with_reason) % {"channel": target(data), "reason": why}
            else:
                text = str(message) % {"channel": target(data)}
            if data.get("dry_run"):
                text += " " + str(_("(dry run)"))
            if data.get("reviewer"):
                by = _("(by %(name)s, through a preview link)")
                text += " " + str(by) % {"name": data["reviewer"]}
            return text

    CrosspostLogFormatter.label = label
    return CrosspostLogFormatter


def _planned_formatter() -> type:
    from wagtail.log_actions import LogFormatter

    class PlannedFormatter(LogFormatter):
        label = _("Crosspost planned")

        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            message = PLANNED_MESSAGES.get(data.get("action", "post"), PLANNED_MESSAGES["post"])
            text = str(message) % {"channels": _names(data, "channels")}
            if data.get("dry_run"):
                text += " " + str(_("(dry run)"))
            return text

    return PlannedFormatter


def _changed_formatter() -> type:
    from wagtail.log_actions import LogFormatter

    parts = [
        ("ticked", _("ticked %(channels)s")),
        ("unticked", _("unticked %(channels)s")),
        ("edited", _("changed the text or image for %(channels)s")),
    ]

    class ChangedFormatter(LogFormatter):
        label = _("Crosspost choices changed")

        def format_message(self, log_entry: Any) -> str:
            data = log_entry.data or {}
            said = [str(text) % {"channels": _names(data, k)} for k, text in parts if data.get(k)]
            return str(_("Channels: %(changes)s")) % {"changes": "; ".join(said)}

    return ChangedFormatter


#: a failed post's entry says why, when it knows
FAILED_WITH_REASON = _("Posting to %(channel)s failed: %(reason)s")


def register_log_actions(actions: Any) -> None:
    for name, label, message in PAGE_ACTIONS + CHANNEL_ACTIONS:
        with_reason = FAILED_WITH_REASON if name == "failed" else None
        actions.register_action(PREFIX + name)(_formatter(label, message, with_reason))
    actions.register_action(PREFIX + "planned")(_planned_formatter())
    actions.register_action(CHANGED)(_changed_formatter())


def log_channel(channel: Any, action: str, user: Any = None) -> None:
    """A channel's entry in the site history (never its credentials)."""
    from wagtail.log_actions import log

    try:
        data = {"channel": channel.name, "platform": channel.platform}
        log(instance=channel, action=action, user=user, data=data)
    except Exception:  # the history entry must never undo the connection
        logger.exception("Could not write the site history entry %s", action)


def _choices(revision: Any) -> dict[int, tuple[bool, str, Any]]:
    from ..choices import choices_in

    return {
        pk: (choice.enabled, choice.message, choice.image_id)
        for pk, choice in (choices_in(revision) if revision is not None else {}).items()
    }


def choice_changes(before: Any, after: Any) -> dict[str, list[int]]:
    """Channel ids ticked, unticked, or with other text or image, from one revision to the next."""
    old, new = _choices(before), _choices(after)
    was = {pk for pk, choice in old.items() if choice[0]}
    now = {pk for pk, choice in new.items() if choice[0]}
    edited = {pk for pk in now & was if old[pk][1:] != new[pk][1:]}
    return {"ticked": sorted(now - was), "unticked": sorted(was - now), "edited": sorted(edited)}


def log_choice_changes(page: Any, user: Any = None) -> None:
    """After a save in the editor: who ticked, unticked or rewrote which channel."""
    from wagtail.log_actions import log

    from ..models import Channel

    revisions = list(page.revisions.order_by("-created_at", "-pk")[:2])
    if not revisions:
        return
    before = revisions[1] if len(revisions) > 1 else None
    changes = choice_changes(before, revisions[0])
    ids = {pk for pks in changes.values() for pk in pks}
    if not ids:
        return
    names = dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))
    data = {k: sorted(names[pk] for pk in v if pk in names) for k, v in changes.items()}
    try:
        log(instance=page.specific_deferred, action=CHANGED, user=user, data=data)
    except Exception:
        logger.exception("Could not write the page history entry %s", CHANGED)
