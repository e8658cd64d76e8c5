"""The planned posts of a page as they will appear, per platform: what an approver reviews.

Built by the same functions as the editor's live preview and as delivery (``outbox.inputs``,
``compose.post``): text, image crop, thread parts and timing, never a network call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from ..compose.post import build_post
from ..outbox import inputs as post_inputs
from ..outbox.planning import due_times
from .choices import choice_channel_id, choice_image_id, choice_message, enabled_choices

logger = logging.getLogger(__name__)


@dataclass
class PlannedPost:
    channel: Any
    platform: str
    text: str
    thread: list[str] = field(default_factory=list)
    image_url: str = ""
    image_alt: str = ""
    image_size: tuple[int, int] | None = None
    due: datetime | None = None
    approved: bool = False
    error: str = ""


def planned_posts(page: Any, revision: Any = None, channels: Any = None) -> list[PlannedPost]:
    """One entry per ticked channel of ``revision`` (default: the latest), optionally only
    those in ``channels`` (ids)."""
    from ..models import Channel

    revision = revision or page.revisions.order_by("-created_at", "-pk").first()
    if revision is None:
        return []
    draft = revision.as_object()
    choices = enabled_choices(revision)
    if channels is not None:
        choices = [c for c in choices if choice_channel_id(c) in set(channels)]
    by_id = Channel.objects.for_page(page).in_bulk([choice_channel_id(c) for c in choices])
    pairs = [(by_id[choice_channel_id(c)], c) for c in choices if choice_channel_id(c) in by_id]
    now = timezone.now()
    # A time ahead (the channel's schedule or the editor's choice); else it goes out on publish.
    due = {pk: when for pk, when in (due_times(pairs) if pairs else {}).items() if when > now}
    posts = []
    for channel, choice in pairs:
        posts.append(_one(draft, channel, choice, due.get(channel.pk)))
    return posts


def _one(page: Any, channel: Any, choice: Any, due: datetime | None) -> PlannedPost:
    adapter = channel.get_adapter()
    try:
        inputs, rules = post_inputs.gather(
            adapter,
            page,
            message=choice_message(choice),
            image_id=choice_image_id(choice),
            live_rules=False,
        )
        post, _notes = build_post(inputs, rules)
    except Exception as error:  # one broken channel must not hide the others
        logger.exception("Could not preview the post of page %s on %s", page.pk, channel.pk)
        return PlannedPost(channel, adapter.key, "", error=type(error).__name__, due=due)
    planned = PlannedPost(channel, adapter.key, post.text, list(post.thread), due=due)
    if post.media:
        media = post.media[0]
        planned.image_url = media.url
        planned.image_alt = media.alt_text
        planned.image_size = (media.width, media.height)
    return planned
