"""The outbox asks, at planning time, whether a user may post to a channel.

The outbox knows no rights of its own: a layer above (``review``) registers a check here, so the
outbox never imports it. With no check registered, everybody may post (today's behaviour).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: ``check(user, channels) -> ids of the channels the user may post to``
PostingCheck = Callable[[Any, list[Any]], set[int]]

_checks: list[PostingCheck] = []


def register_posting_check(check: PostingCheck) -> PostingCheck:
    """Add a check (once); every registered check must allow a channel."""
    if check not in _checks:
        _checks.append(check)
    return check


def unregister_posting_check(check: PostingCheck) -> None:
    if check in _checks:
        _checks.remove(check)


def channels_allowed(user: Any, channels: Iterable[Any]) -> list[Any]:
    """The channels among ``channels`` that ``user`` may post to, in the same order."""
    allowed = list(channels)
    for check in _checks:
        ids = check(user, allowed)
        allowed = [channel for channel in allowed if channel.pk in ids]
    return allowed
