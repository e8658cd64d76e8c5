"""The Python API for integrators: post a live page to channels from your own code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .choices import Choice
from .models import Channel, Publication
from .outbox import planning, tasks
from .outbox.page_history import log_planned


class CrosspostError(ValueError):
    """The request cannot be carried out (the page is not live, a channel does not exist)."""


def resolve_channels(values: Iterable[Any]) -> list[Channel]:
    """Channels from Channel objects, primary keys or names."""
    channels = []
    for value in values:
        if isinstance(value, Channel):
            channels.append(value)
            continue
        text = str(value)
        query = {"pk": int(text)} if text.isascii() and text.isdigit() else {"name": value}
        channel = Channel.objects.filter(**query).first()
        if channel is None:
            raise CrosspostError(f"No channel {value!r} exists.")
        channels.append(channel)
    return channels


def crosspost(
    page: Any,
    channels: Iterable[Any] | None = None,
    *,
    message: str = "",
    user: Any = None,
    repost: bool = False,
    dry_run: bool = False,
) -> list[Publication]:
    """Queue posts of the live ``page``. Returns the new publications (none where the page was
    already posted to a channel, unless ``repost``).

    ``channels``: Channel objects, ids or names; default: the channels ticked in the page's live
    revision. ``message`` overrides the channel template. Delivery happens in the background,
    exactly as after a publish in the editor.
    """
    from wagtail.models import Page

    page = Page.objects.get(pk=page.pk).specific  # the current state, not a stale object
    if not page.live or page.live_revision is None:
        raise CrosspostError(f"“{page.title}” is not live; only published pages can be posted.")
    revision = page.live_revision
    if channels is None:
        choices = planning.requests_of(revision)
        if message or repost:
            for choice in choices:
                choice.message = message or choice.message
                choice.repost = repost
    else:
        choices = [
            Choice(channel.pk, enabled=True, message=message, repost=repost)
            for channel in resolve_channels(channels)
        ]
    with transaction.atomic():
        rows = planning.plan_publications(
            page, revision, user=user, choices=choices, explicit=True, dry_run=dry_run
        )
        log_planned(page, rows, user)
        tasks.enqueue(rows)
    return rows
