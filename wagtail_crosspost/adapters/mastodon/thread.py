"""A thread's replies on a Mastodon-compatible server.

Threads (reply chains, options ``long_text`` and ``thread_max_parts``): each reply is a status
``in_reply_to_id`` the one before, with its own key (the post's key + the part's number). A
reply that fails for a passing reason is sent once more at once, with the same key (the server
still knows it seconds later), if the server asks for at most ``REPLY_RETRY_MAX_WAIT`` seconds;
on a server that ignores the key, a reply whose answer was lost is looked for first. Otherwise
the receipt says the thread is incomplete: the outbox never retries the whole thread, because
its retry may come after the server has forgotten the first post's key and would post it again.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from ..base import AmbiguousError, Post, Receipt, TransientError
from ..replies import publish_replies
from .reconcile import Looker
from .statuses import receipt_of_status, status_fields

# A failed reply is sent again at once (same key) if the server asks to wait at most this long.
REPLY_RETRY_MAX_WAIT = 5.0


def send_replies(adapter: Any, post: Post, root: Receipt, looker: Looker | None) -> Receipt:
    """``post.thread`` as replies to ``root``. A reply whose answer is lost is looked for first
    on a server that ignores the key (``looker``: reconciling, replies already made count)."""
    visibility = adapter.visibility

    def reply(number: int, text: str, parent: Receipt) -> Receipt:
        if looker is not None:  # reconciling: a reply already made is not made again
            found = looker.find(text, parent.remote_id)
            if found is not None:
                return receipt_of_status(found)
        fields = status_fields(
            dataclasses.replace(post, text=text), [], str(adapter.options.get("language") or "")
        )
        fields.update(visibility=visibility, in_reply_to_id=parent.remote_id)
        key = f"{post.idempotency_key}-part-{number}" if post.idempotency_key else ""
        started = datetime.now().astimezone()
        try:
            return adapter._create_status(fields, key)
        except AmbiguousError:
            if not key:
                raise
            if not adapter.repeat_is_safe():
                found = Looker(adapter, started, adapter.software_label).find(
                    text, parent.remote_id
                )
                if found is not None:
                    return receipt_of_status(found)
            return adapter._create_status(fields, key)  # known not made, or the same key
        except TransientError as error:
            if not key or (error.retry_after or 0) > REPLY_RETRY_MAX_WAIT:
                raise
            adapter.sleep(min(error.retry_after or 1.0, REPLY_RETRY_MAX_WAIT))
            return adapter._create_status(fields, key)  # the same key

    # Never back to the outbox: its retry would re-send the first post (see the docstring).
    return publish_replies(post, root, reply, can_retry=lambda error: False)
