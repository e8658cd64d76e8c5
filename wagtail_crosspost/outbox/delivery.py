"""The outbox state machine: deliver, retry, pace. It knows nothing about HTTP.

Planning the rows lives in ``planning``, taking a row for a worker in ``claim``, the queue hop in
``tasks``, the health of channels in ``health``.

Every state change of a ``Publication`` happens here. The task queue only wakes ``deliver``; the
``crosspost_deliver`` sweep finds every due row by itself, so a lost message loses nothing.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.utils import timezone

from .. import conf, signals, stored_messages
from ..adapters import base as adapter_base
from ..adapters.base import Receipt
from ..adapters.http import trim, without_nul
from ..compose.post import build_post
from ..models import Channel, Publication
from ..stored_messages import gettext as _
from . import batch, checking, inputs, outcome, pacing, reshare_hook
from . import claim as claiming
from .pacing import backoff, sane_retry_after  # noqa: F401  (delivery.backoff is public)

CHECKING, CHECKED_RETRY = checking.CHECKING, checking.CHECKED_RETRY  # delivery_state keys

logger = logging.getLogger("wagtail_crosspost")

Status = Publication.Status
Action = Publication.Action
#: ``delivery_state`` key: when an attempt ended uncertain (the platform may have the post).
AMBIGUOUS_SINCE = checking.AMBIGUOUS_SINCE
#: ``delivery_state`` key: the receipt's data, which later edits and deletes hand back to the
#: adapter (``raw_response`` is only the platform's answer for the log, trimmed).
RECEIPT = "receipt"
#: Part of the platform's idempotency window kept free for the attempt itself to arrive.
WINDOW_MARGIN = 0.9


# -- claim ---------------------------------------------------------------------------------------


def claim(pk: int, now=None) -> Publication | None:
    """Take the row for this worker if it is due. At most one worker wins (compare-and-set)."""
    taken = claiming.take(pk, now or timezone.now())
    return _usable(taken) if taken is not None else None


def claim_next(now=None, among=None, busy_channels=()) -> tuple[int, Publication | None] | None:
    """Take the most overdue row that no other worker is taking (PostgreSQL: in one statement,
    ``FOR UPDATE SKIP LOCKED``). Returns None when nothing is due, else the row's id and the row
    (None if it could not be sent again). ``among``: only these rows."""
    taken = claiming.take_next(now or timezone.now(), among, busy_channels)
    return (taken.pk, _usable(taken)) if taken is not None else None


def _usable(taken: claiming.Taken) -> Publication | None:
    """The taken row, or None if it must not be sent again."""
    row = taken.row
    if row is None or not taken.taken_over or _safe_to_repeat(row):
        return row
    if checking.after_takeover(row):  # an adapter that can look for the post looks first
        return None
    # A worker died while sending to a platform without idempotency: it may have posted.
    _finish(
        row,
        Status.UNKNOWN,
        error=_(
            "The worker stopped while this post was being sent, so it may or may not have "
            "been published. Check the account; use Retry only if it is not there."
        ),
    )
    return None


def _safe_to_repeat(row: Publication) -> bool:
    if row.action == Action.DELETE:
        return True
    try:
        return row.channel.get_adapter().repeat_is_safe()
    except LookupError:
        return False


# -- deliver -------------------------------------------------------------------------------------


def deliver(pk: int) -> str | None:
    """Deliver one row if it is due. Returns the row's new status, or None if not claimed."""
    row = claim(pk)
    if row is None:
        return None
    return deliver_claimed(row)


def deliver_claimed(row: Publication) -> str:
    """Deliver a claimed row; whatever goes wrong, the row ends with a status and a reason
    (never left in *sending*), and the worker lives on to the next row."""
    try:
        return _deliver_claimed(row)
    except Exception as exc:
        logger.exception("Delivering publication %s failed unexpectedly", row.pk)
        # Raised while handling a "maybe sent": the post may exist, so no plain Retry.
        maybe_sent = _caused_by(exc, adapter_base.AmbiguousError)
        try:
            return _finish(
                row,
                Status.UNKNOWN if maybe_sent else Status.FAILED,
                error=stored_messages.message("crosspost.unexpected", error=type(exc).__name__),
            )
        except Exception:
            logger.exception("Could not record the failure of publication %s", row.pk)
            return Status.FAILED


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _deliver_claimed(row: Publication) -> str:
    channel = row.channel
    if not channel.enabled:
        return _finish(row, Status.SKIPPED, error=_("The channel was disabled before sending."))
    if row.action != Action.DELETE:
        # Unpublished (or deleted) while the post waited: it would link to a page nobody can
        # see. A delete of an earlier post goes ahead either way.
        if row.page is None:
            return _finish(
                row, Status.SKIPPED, error=_("The page was deleted before this post was sent.")
            )
        if not row.page.live:
            return _finish(
                row,
                Status.SKIPPED,
                error=_("The page was unpublished before this post was sent."),
            )
        if row.kind == Publication.Kind.RESHARE and (reason := reshare_hook.reason_to_skip(row)):
            return _finish(row, Status.SKIPPED, error=reason)
    if channel.needs_reconnect:
        return _hold_for_reconnect(row)
    try:
        adapter = batch.adapter_for(channel)  # the same instance for a channel's rows in a batch
    except LookupError:
        return _finish(
            row,
            Status.FAILED,
            error=_("No adapter is installed for the platform “%(platform)s”.")
            % {"platform": channel.platform},
        )
    wait = pacing.wait_for_channel(row, adapter)
    if wait is not None:
        return wait
    expired = _repeat_no_longer_recognised(row, adapter)
    if expired is not None and expired != "reconcile":
        return expired

    def send() -> str:
        if checking.under_way(row) or expired == "reconcile":
            return checking.check(
                row,
                adapter,
                checking.ambiguous_since(row) or timezone.now(),
                finish=_finish,
                posted=_posted,
                send=_deliver_with,
            )
        return _deliver_with(row, adapter)

    try:
        # Returned without an exception: a success ends the channel's failure streak (reset
        # with the outcome's own write).
        return outcome.resetting(channel, send)
    except adapter_base.UnreachableError as exc:
        if pacing.mark_unreachable(channel, exc):  # it posted from there before: an outage
            pacing.count_failure(channel)
            return _retry_later(row, exc, None)
        return _finish(row, Status.FAILED, error=exc.message, raw=exc.raw)  # no retries
    except adapter_base.AuthError as exc:
        channel.mark(Channel.Status.NEEDS_RECONNECT, exc.message)
        return _hold_for_reconnect(row, exc)
    except adapter_base.TransientError as exc:
        pacing.count_failure(channel)
        return _retry_later(row, exc, exc.retry_after)
    except adapter_base.AmbiguousError as exc:
        since = checking.ambiguous_since(row) or timezone.now()
        if adapter.repeat_is_safe():
            pacing.count_failure(channel)
            return _retry_later(row, exc, None, ambiguous_since=since)
        if adapter.can_reconcile and row.action == Action.POST:
            return checking.start(row, exc, adapter, checking.state_to_keep(row, since))
        return _finish(row, Status.UNKNOWN, error=exc.message, raw=exc.raw)
    except adapter_base.AdapterError as exc:
        return _finish(row, Status.FAILED, error=exc.message, raw=exc.raw)
    except Exception as exc:
        logger.exception("Unexpected error delivering publication %s", row.pk)
        return _finish(
            row,
            Status.FAILED,
            error=stored_messages.message("crosspost.unexpected", error=type(exc).__name__),
        )


def _deliver_with(row: Publication, adapter: adapter_base.Adapter) -> str:
    dry_run = bool(conf.get("DRY_RUN") or row.channel.dry_run or row.dry_run)
    if row.action == Action.DELETE:
        if not dry_run:
            adapter.delete(_receipt_of(row.target))
            if row.target_id is not None:
                Publication.objects.filter(pk=row.target_id).update(status=Status.DELETED)
        # The delete row records the deletion as *Deleted*, like the post it removed.
        return _finish(row, Status.DELETED, dry_run=dry_run, sent_at=timezone.now())

    post, notes = build_post(*inputs.for_publication(row, adapter))
    sent: dict[str, Any] = {
        # A thread (reply chain): every post's text, in order, a blank line apart.
        "sent_text": "\n\n".join(post.texts),
        "sent_media": [m.describe() for m in post.media],
    }
    if dry_run:
        return _finish(row, Status.POSTED, dry_run=True, notes=notes, **sent)
    # Recorded before sending, so the log shows what a failed attempt tried to send.
    Publication.objects.filter(pk=row.pk).update(**sent)
    try:
        if row.action == Action.UPDATE:
            receipt = adapter.update(_receipt_of(row.target), post)
        else:
            receipt = adapter.publish(post)
    except adapter_base.AdapterError as exc:
        # Keep why an image was left out next to the platform's refusal (Instagram needs one).
        if notes:
            exc.message = stored_messages.lines([*notes, exc.message])
        raise
    return _posted(row, receipt, notes, **sent)


def _posted(row: Publication, receipt: Receipt, notes, **sent: Any) -> str:
    return _finish(
        row,
        Status.POSTED,
        remote_id=without_nul(receipt.remote_id),
        remote_url=receipt.url,
        raw=receipt.raw,
        delivery_state={RECEIPT: without_nul(receipt.raw)},
        notes=[*notes, *receipt.notes],  # e.g. a thread whose later replies failed
        **sent,
    )


def _receipt_of(target: Publication | None) -> Receipt:
    if target is None or not target.remote_id:
        raise adapter_base.PermanentError(_("The original post has no remote id to change."))
    raw = target.delivery_state.get(RECEIPT) if isinstance(target.delivery_state, dict) else None
    raw = raw if isinstance(raw, dict) else {}
    return Receipt(remote_id=target.remote_id, url=target.remote_url, raw=raw)


def _finish(row: Publication, status: str, *, error: str = "", raw: Any = None, notes=(), **kw):
    now = timezone.now()
    if notes:
        error = stored_messages.lines([*notes, error])
    fields: dict[str, Any] = {
        "status": status,
        "error": without_nul(str(error)),
        **stored_messages.store(error),
        "raw_response": trim(raw) if raw is not None else None,
        "delivery_state": {},  # final: an earlier uncertain attempt no longer counts
        "lease_until": None,
        "updated_at": now,
        **kw,
    }
    if status == Status.POSTED:
        fields["sent_at"] = now
    if "remote_url" in fields:  # a platform's answer becomes a link only if it is http(s)
        from wagtail_crosspost.url_safety import storable_url

        fields["remote_url"] = storable_url(fields["remote_url"])
    for name, value in fields.items():
        setattr(row, name, value)
    outcome.write(row, fields)  # with the page history entry (and the channel's reset)
    # A receiver that raises must not turn a sent post into a failed one (and a repost).
    for receiver, result in signals.publication_finished.send_robust(
        sender=Publication, publication=row
    ):
        if isinstance(result, Exception):
            logger.error("publication_finished receiver %r raised %r", receiver, result)
    return status


def _repeat_no_longer_recognised(row: Publication, adapter: adapter_base.Adapter) -> str | None:
    """An earlier attempt may have posted, and the platform has (nearly) forgotten its key: a
    repeat now could be a second post. Unknown — check, instead of sending."""
    window = adapter.key_window()
    since = checking.ambiguous_since(row)
    if not window or since is None or row.action != Action.POST:
        return None  # an edit or a delete repeated does no harm
    if timezone.now() - since < timedelta(seconds=window * WINDOW_MARGIN):
        return None
    if adapter.can_reconcile:
        return "reconcile"  # the key is forgotten: look for the post instead of sending it
    return _finish(
        row,
        Status.UNKNOWN,
        error=_(
            "An attempt at %(time)s may have published this post, but its answer was lost, and "
            "%(platform)s recognises a repeat only for %(minutes)s minutes. So it was not sent "
            "again. Check the account; use Retry only if the post is not there."
        )
        % {
            "time": stored_messages.clock(since),
            "platform": adapter.label,
            "minutes": int(window // 60),
        },
        raw=row.raw_response,
    )


def _retry_later(
    row: Publication, exc: adapter_base.AdapterError, retry_after, *, ambiguous_since=None
) -> str:
    if row.attempts >= conf.get("MAX_ATTEMPTS"):
        return _finish(
            row,
            Status.FAILED,
            error=stored_messages.message("crosspost.gave_up", n=row.attempts, error=exc.message),
            raw=exc.raw,
        )
    delay = backoff(row.attempts, retry_after)
    Publication.objects.filter(pk=row.pk).update(
        status=Status.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        lease_until=None,
        error=without_nul(str(exc.message)),
        **stored_messages.store(exc.message),
        raw_response=trim(exc.raw) if exc.raw is not None else None,
        delivery_state=checking.state_to_keep(row, ambiguous_since),
    )
    return Status.PENDING


def _hold_for_reconnect(row: Publication, exc: adapter_base.AdapterError | None = None) -> str:
    # Not an attempt: the post waits until the channel is reconnected, then goes out by itself.
    if exc is not None and exc.raw is not None:
        Publication.objects.filter(pk=row.pk).update(raw_response=trim(exc.raw))
    return pacing.hold(
        row,
        timezone.now() + timedelta(minutes=15),
        _(
            "Waiting: the channel “%(channel)s” needs to be reconnected in Settings → Social "
            "channels. The post goes out once it is."
        )
        % {"channel": row.channel.name},
    )


def deliver_due(limit: int = 50, among=None, until: float | None = None) -> dict[str, int]:
    """The sweep: deliver up to ``limit`` due rows (``among``: only these; ``until``: take no
    new row after this ``time.monotonic()``, once one was delivered). Returns a count per
    resulting status.

    One row at a time, each taken by ``claim_next``: sweeps running side by side never try the
    same rows (with a shared list of ids, each would lose most of its claims)."""
    counts: dict[str, int] = {}
    with batch.scope():
        for _attempt in range(limit):
            if until is not None and counts and time.monotonic() >= until:
                break
            claimed = claim_next(among=among)
            if claimed is None:
                break
            row = claimed[1]
            if row is not None:
                done = deliver_claimed(row)
                counts[done] = counts.get(done, 0) + 1
    return counts
