"""Threads (reply chains): the replies after a post, shared by Mastodon, Bluesky and X.

Each platform module says how one reply is sent; the order, the record kept in
``Receipt.raw["thread"]`` and the never-twice policy live here once.

Never twice: once the first post is out, a failing reply must not make the outbox post it
again. A platform whose retry re-sends the *same* keys (Mastodon's ``Idempotency-Key``,
Bluesky's derived record keys) may raise again: the retry finds the posts already made and
carries on. Otherwise the adapter returns the receipt of what went out, with a note for the
log that the thread is incomplete; the missing replies are not sent later.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from typing import Any

from wagtail_crosspost.stored_messages import gettext as _

from .base import AdapterError, AmbiguousError, AuthError, Post, Receipt, TransientError
from .http import RAW_LIMIT

logger = logging.getLogger(__name__)

#: ``Receipt.raw`` key: one ``{"id", "url"}`` per reply, in order.
THREAD_KEY = "thread"


def publish_replies(
    post: Post,
    root: Receipt,
    send: Callable[[int, str, Receipt], Receipt],
    *,
    can_retry: Callable[[AdapterError], bool],
) -> Receipt:
    """Send ``post.thread`` as replies, each to the one before; the root's receipt, completed.

    ``send(number, text, parent)`` posts part ``number`` (2 for the first reply) and returns
    its receipt. ``can_retry(error)``: raising ``error`` again is safe, because the retry
    re-sends the same keys and so cannot duplicate what is already out.
    """
    done: list[dict[str, Any]] = []
    parent = root
    total = len(post.texts)
    for number, text in enumerate(post.thread, start=2):
        try:
            parent = send(number, text, parent)
        except AdapterError as error:
            if can_retry(error):
                raise _again(error, number, total) from None
            return _incomplete(root, done, number, total, error)
        done.append({"id": parent.remote_id, "url": parent.url})
    return dataclasses.replace(root, raw=_kept({**root.raw, THREAD_KEY: done}))


def reply_ids(receipt: Receipt) -> list[str]:
    """The remote ids of the post's replies, as ``publish_replies`` recorded them."""
    entries = receipt.raw.get(THREAD_KEY) if isinstance(receipt.raw, dict) else None
    if not isinstance(entries, list):
        return []
    return [str(e["id"]) for e in entries if isinstance(e, dict) and e.get("id")]


def delete_thread(receipt: Receipt, delete_one: Callable[[str], None]) -> None:
    """Delete the replies, last first, then the post itself (a root never loses its replies
    while they are still there to be deleted, and a retry finds what is left)."""
    for remote_id in reversed(reply_ids(receipt)):
        delete_one(remote_id)
    delete_one(receipt.remote_id)


def edited_root_only(old: Receipt, new: Receipt, post: Post, platform: str) -> Receipt:
    """An edit changes the first post only: keep the replies' record, and say so."""
    if not reply_ids(old) and not post.thread:
        return new
    logger.info(
        "Edited the first post of a thread on %s; its replies keep their earlier text.", platform
    )
    raw = _kept({**new.raw, THREAD_KEY: old.raw.get(THREAD_KEY, [])})
    note = _(
        "Only the first post was edited. The replies of its thread (reply chain) keep their "
        "earlier text."
    )
    return dataclasses.replace(new, raw=raw, notes=(*new.notes, note))


def _again(error: AdapterError, number: int, total: int) -> AdapterError:
    message = _(
        "The first post is out, but part %(number)s of %(total)s of its thread (reply chain) "
        "could not be sent yet (%(error)s). It will be tried again; what is already out is not "
        "posted twice."
    ) % {"number": number, "total": total, "error": error.message}
    kwargs: dict[str, Any] = {"raw": error.raw, "status_code": error.status_code}
    if isinstance(error, TransientError):
        return TransientError(message, retry_after=error.retry_after, **kwargs)
    if isinstance(error, AuthError | AmbiguousError):
        return type(error)(message, **kwargs)
    return TransientError(message, **kwargs)


def _incomplete(
    root: Receipt, done: list[dict[str, Any]], number: int, total: int, error: AdapterError
) -> Receipt:
    note = _(
        "The thread (reply chain) is incomplete: %(sent)s of %(total)s posts went out; part "
        "%(number)s failed (%(error)s). The missing parts are not sent again automatically, so "
        "nothing is posted twice; add them by hand if they are needed."
    ) % {"sent": number - 1, "total": total, "number": number, "error": error.message}
    logger.warning("Thread incomplete after part %s of %s: %s", number - 1, total, error.message)
    raw = {
        **root.raw,
        THREAD_KEY: done,
        # Small: the log trims a long answer to text, and the ids above must survive for delete.
        "thread_incomplete": {"failed_part": number, "parts": total, "error": error.message[:300]},
    }
    raw = _kept(raw)
    return dataclasses.replace(root, raw=raw, notes=(*root.notes, note))


def _kept(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` small enough that the log keeps it as it is (``http.trim`` turns a longer one
    into text, and the reply ids with it, which delete needs): the largest other entries go."""
    raw = dict(raw)
    others = sorted(
        (k for k in raw if k not in (THREAD_KEY, "thread_incomplete")),
        key=lambda k: len(json.dumps(raw[k], default=str)),
    )
    while others and len(json.dumps(raw, default=str)) > RAW_LIMIT:
        del raw[others.pop()]
    return raw
