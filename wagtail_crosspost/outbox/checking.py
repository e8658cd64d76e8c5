"""Checking: after a lost answer on a platform that may make a second post for a repeat, the
platform is asked (``Adapter.reconcile``) before anything is sent again.

The row stays *Queued* with ``delivery_state["checking"]``; the next attempt looks instead of
sending. Found: *Posted* with the found id. Certainly not made: sent once more (only once).
Unsure: *Unknown — check*, with the sentence the adapter gives about what to look at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from .. import conf, stored_messages
from ..adapters import base as adapter_base
from ..adapters.http import trim
from ..compose.post import build_post
from ..models import Publication
from ..stored_messages import gettext as _
from . import inputs

Status = Publication.Status
#: ``delivery_state`` keys: a check is under way; the check found nothing and the post was sent
#: once more (only once).
CHECKING = "checking"
#: Kept across retries until the row is final (``delivery.AMBIGUOUS_SINCE``).
AMBIGUOUS_SINCE = "ambiguous_since"
CHECKED_RETRY = "checked_retry"
#: Seconds before a lost answer's post is looked for.
CHECK_DELAY_SECONDS = 30


def under_way(row: Publication) -> bool:
    return isinstance(row.delivery_state, dict) and bool(row.delivery_state.get(CHECKING))


def after_takeover(row: Publication) -> bool:
    """A worker died while sending this post: with an adapter that can look, the row goes to
    checking (True); otherwise the caller ends it *Unknown — check* (False)."""
    try:
        adapter = row.channel.get_adapter()
    except LookupError:
        return False
    if not adapter.can_reconcile or row.action != Publication.Action.POST:
        return False
    # The attempt began at most a lease before the lease ran out: look from well before.
    since = timezone.now() - timedelta(seconds=2 * float(conf.get("LEASE_SECONDS")))
    error = adapter_base.AmbiguousError(
        _("The worker stopped while this post was being sent, so it may have been published.")
    )
    start(row, error, adapter, {AMBIGUOUS_SINCE: since.isoformat()})
    return True


def start(
    row: Publication,
    exc: adapter_base.AdapterError,
    adapter: adapter_base.Adapter,
    kept: dict[str, Any],
) -> str:
    """The answer was lost on a platform that may post twice: look before sending again.
    ``kept``: the delivery state that stays (the uncertain attempt's time)."""
    state = {**kept, CHECKING: True}
    error = _(
        "Checking: %(error)s %(platform)s does not recognise a repeat, so before anything "
        "is sent again the account's latest posts are looked through."
    ) % {"error": exc.message, "platform": getattr(adapter, "software_label", adapter.label)}
    Publication.objects.filter(pk=row.pk).update(
        status=Status.PENDING,
        # A little later: a server may still be making the post (GoToSocial works in the back).
        next_attempt_at=timezone.now() + timedelta(seconds=CHECK_DELAY_SECONDS),
        lease_until=None,
        error=error,
        **stored_messages.store(error),
        raw_response=trim(exc.raw) if exc.raw is not None else None,
        delivery_state=state,
    )
    return Status.PENDING


def check(
    row: Publication,
    adapter: adapter_base.Adapter,
    since: datetime,
    *,
    finish: Callable[..., str],
    posted: Callable[..., str],
    send: Callable[[Publication, adapter_base.Adapter], str],
) -> str:
    """Found: Posted with its id. Certainly not made: sent once more (once). Unsure: Unknown.
    ``finish``, ``posted`` and ``send`` are the outbox's (``delivery``)."""
    post, notes = build_post(*inputs.for_publication(row, adapter))
    try:
        receipt = adapter.reconcile(post, since)
    except adapter_base.AmbiguousError as exc:
        return finish(row, Status.UNKNOWN, error=exc.message, raw=exc.raw)
    if receipt is not None:
        return posted(row, receipt, notes, sent_text="\n\n".join(post.texts))
    state = row.delivery_state if isinstance(row.delivery_state, dict) else {}
    if state.get(CHECKED_RETRY):
        return finish(
            row,
            Status.UNKNOWN,
            error=_(
                "The post was sent twice and both answers were lost; the account's latest posts "
                "show neither. Check the account; use Retry only if it is not there."
            ),
        )
    # Certain that nothing was made: the one repeat. Its own lost answer is checked again.
    row.delivery_state = {CHECKED_RETRY: True}
    Publication.objects.filter(pk=row.pk).update(delivery_state=row.delivery_state)
    return send(row, adapter)


def ambiguous_since(row: Publication) -> datetime | None:
    """When an attempt on ``row`` ended uncertain (the platform may have the post), or None."""
    state = row.delivery_state
    value = state.get(AMBIGUOUS_SINCE) if isinstance(state, dict) else None
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def state_to_keep(row: Publication, since_now: datetime | None = None) -> dict[str, Any]:
    """An earlier uncertain attempt's time (else ``since_now``, this attempt's), and a check
    under way, stay on record until the row is final, whatever came since."""
    since = ambiguous_since(row) or since_now
    kept = {AMBIGUOUS_SINCE: since.isoformat()} if since is not None else {}
    state = row.delivery_state if isinstance(row.delivery_state, dict) else {}
    kept.update({k: state[k] for k in (CHECKING, CHECKED_RETRY) if k in state})
    return kept
