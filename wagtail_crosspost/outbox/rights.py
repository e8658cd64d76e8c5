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


# -- approvals ----------------------------------------------------------------------------------

#: ``gate(page, revision, choices) -> ids of the channels whose choice may be planned now``.
#: The review layer registers one: a post that needs an approval waits for it.
PlanGate = Callable[[Any, Any, list[Any]], set[int]]

_gates: list[PlanGate] = []


def register_plan_gate(gate: PlanGate) -> PlanGate:
    """Add a gate (once); every registered gate must let a choice through."""
    if gate not in _gates:
        _gates.append(gate)
    return gate


def unregister_plan_gate(gate: PlanGate) -> None:
    if gate in _gates:
        _gates.remove(gate)


def choices_cleared(page: Any, revision: Any, choices: list[Any]) -> list[Any]:
    """The choices among ``choices`` that every gate lets through, in the same order."""
    cleared = list(choices)
    for gate in _gates:
        if not cleared:
            break
        ids = gate(page, revision, cleared)
        cleared = [choice for choice in cleared if choice.channel_id in ids]
    return cleared
