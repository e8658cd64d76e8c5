"""The page's crosspost choices, as the approval reads them.

Every read of a choice's fields by the review layer goes through these few functions, so that
the way choices are stored can change in one place.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def enabled_choices(revision: Any) -> list[Any]:
    """The ticked channels' choices stored in ``revision`` (one per channel: the first)."""
    from ..outbox.planning import requests_of

    if revision is None:
        return []
    seen: dict[int, Any] = {}
    for choice in requests_of(revision):
        seen.setdefault(choice_channel_id(choice), choice)
    return list(seen.values())


def choice_channel_id(choice: Any) -> int:
    return int(choice.channel_id)


def choice_message(choice: Any) -> str:
    return choice.message or ""


def choice_image_id(choice: Any) -> int | None:
    return choice.image_id


def fingerprint(choice: Any) -> str:
    """What an approval approves: the post's text, image and timing. Anything else changed in
    the choice (ticking *post again*, say) keeps the approval."""
    send_at = getattr(choice, "send_at", None)
    data = [
        choice_channel_id(choice),
        choice_message(choice),
        choice_image_id(choice),
        getattr(choice, "timing", "") or "",
        send_at.isoformat() if send_at else "",
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()
