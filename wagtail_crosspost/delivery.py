"""The outbox state machine: claim, deliver, retry, pace. It knows nothing about HTTP.

Planning the rows lives in ``planning``.

Every state change of a ``Publication`` happens here. The task queue only wakes ``deliver``; the
``crosspost_deliver`` sweep finds every due row by itself, so a lost message loses nothing.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf, signals
from .adapters import base as adapter_base
from .adapters.base import Receipt
from .adapters.http import trim
from .models import Channel, Publication

logger = logging.getLogger("wagtail_crosspost")

Status = Publication.Status
Action = Publication.Action
#: ``raw_response`` key: when an attempt of an idempotent adapter ended uncertain (the platform
#: may have the post). Kept across retries until the row is final.
AMBIGUOUS_SINCE = "ambiguous_since"
#: Part of the platform's idempotency window kept free for the attempt itself to arrive.
WINDOW_MARGIN = 0.9


# -- claim ---------------------------------------------------------------------------------------


def claim(pk: int, now=None) -> Publication | None:
    """Take the row for this worker if it is due. At most one worker wins (compare-and-set)."""
    now = now or timezone.now()
    rows = Publication.objects.filter(pk=pk)
    # Set first, read after: what this worker reads is the row as it holds it.
    if rows.filter(status=Status.PENDING, next_attempt_at__lte=now).update(**_taking(now)):
        return _held(pk, taken_over=False)
    if rows.filter(status=Status.SENDING, lease_until__lt=now).update(**_taking(now)):
        return _held(pk, taken_over=True)  # its worker's lease ran out
    return None


def claim_next(now=None) -> tuple[int, Publication | None] | None:
    """PostgreSQL: take the most overdue row that no other worker is taking, in one statement.

    The row is picked with ``FOR UPDATE SKIP LOCKED`` and set to *Sending* with the same
    compare-and-set as :func:`claim`, so concurrent sweeps never pick the same row. Returns None
    when nothing is due, else the row's id and the row (None if it could not be sent again).
    """
    now = now or timezone.now()
    table = connection.ops.quote_name(Publication._meta.db_table)
    fields = {f.name: f for f in Publication._meta.concrete_fields}
    column = {
        name: connection.ops.quote_name(fields[name].column or name)
        for name in ("id", "status", "lease_until", "attempts", "updated_at", "next_attempt_at")
    }
    # Only quoted identifiers are formatted in; every value is a parameter.
    sql = (  # noqa: S608
        "UPDATE {table} AS p SET {status} = %s, {lease_until} = %s, {attempts} = p.{attempts} + 1,"
        " {updated_at} = %s FROM (SELECT {id}, {status} FROM {table} WHERE ({status} = %s AND"
        " {next_attempt_at} <= %s) OR ({status} = %s AND {lease_until} < %s)"
        " ORDER BY {next_attempt_at}, {id} LIMIT 1 FOR UPDATE SKIP LOCKED) AS due"
        " WHERE p.{id} = due.{id} RETURNING p.{id}, due.{status}"
    ).format(table=table, **column)
    take = _taking(now)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [take["status"], take["lease_until"], now, Status.PENDING, now, Status.SENDING, now],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    pk, previous_status = found
    return pk, _held(pk, taken_over=previous_status == Status.SENDING)


def _taking(now) -> dict[str, Any]:
    return {
        "status": Status.SENDING,
        "lease_until": now + timedelta(seconds=conf.get("LEASE_SECONDS")),
        "attempts": F("attempts") + 1,
        "updated_at": now,
    }


def _held(pk: int, taken_over: bool) -> Publication | None:
    """The claimed row, with what delivery reads of it. None if it must not be sent again."""
    # The revision is read only when the post is composed from an older one (compose.post).
    related = ("channel", "page", "requested_by")
    row = Publication.objects.select_related(*related).filter(pk=pk).first()
    if row is None:  # deleted in the meantime
        return None
    if taken_over and not _safe_to_repeat(row):
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
    return row


def claim_due(limit: int = 50, now=None) -> list[int]:
    """Ids of due rows, locked past other sweepers where the database can (skip_locked)."""
    now = now or timezone.now()
    qs = Publication.objects.due(now).order_by("next_attempt_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            return list(qs.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
    return list(qs.values_list("pk", flat=True)[:limit])


def _safe_to_repeat(row: Publication) -> bool:
    if row.action == Action.DELETE:
        return True
    try:
        return row.channel.get_adapter().idempotent
    except LookupError:
        return False


# -- deliver -------------------------------------------------------------------------------------


def deliver(pk: int) -> str | None:
    """Deliver one row if it is due. Returns the row's new status, or None if not claimed."""
    row = claim(pk)
    if row is None:
        return None
    return _deliver_claimed(row)


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
    if channel.needs_reconnect:
        return _hold_for_reconnect(row)
    try:
        adapter = channel.get_adapter()
    except LookupError:
        return _finish(
            row,
            Status.FAILED,
            error=_("No adapter is installed for the platform “%(platform)s”.")
            % {"platform": channel.platform},
        )
    wait = _wait_for_channel(row, adapter)
    if wait is not None:
        return wait
    expired = _repeat_no_longer_recognised(row, adapter)
    if expired is not None:
        return expired
    try:
        status = _deliver_with(row, adapter)
    except adapter_base.AuthError as exc:
        channel.mark(Channel.Status.NEEDS_RECONNECT, exc.message)
        return _hold_for_reconnect(row, exc)
    except adapter_base.TransientError as exc:
        _count_failure(channel)
        return _retry_later(row, exc, exc.retry_after)
    except adapter_base.AmbiguousError as exc:
        if adapter.idempotent:
            _count_failure(channel)
            since = _ambiguous_since(row) or timezone.now()
            return _retry_later(row, exc, None, ambiguous_since=since)
        return _finish(row, Status.UNKNOWN, error=exc.message, raw=exc.raw)
    except adapter_base.AdapterError as exc:
        return _finish(row, Status.FAILED, error=exc.message, raw=exc.raw)
    except Exception as exc:
        logger.exception("Unexpected error delivering publication %s", row.pk)
        return _finish(
            row,
            Status.FAILED,
            error=_("An unexpected error stopped this post (%(error)s). See the server log.")
            % {"error": type(exc).__name__},
        )
    # Decided by the database, not by this worker's copy of the channel: other workers may have
    # counted failures since it was loaded, and a success ends the streak.
    Channel.objects.filter(pk=channel.pk).filter(
        Q(failure_streak__gt=0) | Q(paused_until__isnull=False) | Q(status=Channel.Status.ERROR)
    ).exclude(status=Channel.Status.NEEDS_RECONNECT).update(
        failure_streak=0, paused_until=None, status=Channel.Status.OK, status_detail=""
    )
    return status


# -- pacing and the circuit breaker --------------------------------------------------------------


def _wait_for_channel(row: Publication, adapter: adapter_base.Adapter) -> str | None:
    """Hold the row (not an attempt) while its channel is paused or at its posting quota."""
    now = timezone.now()
    channel = row.channel
    if channel.paused_until and channel.paused_until > now:
        return _hold(
            row,
            channel.paused_until,
            _(
                "Paused: “%(channel)s” failed %(n)s times in a row, so it rests until %(time)s "
                "and then tries again by itself."
            )
            % {
                "channel": channel.name,
                "n": channel.failure_streak,
                "time": timezone.localtime(channel.paused_until).strftime("%H:%M"),
            },
        )
    quota = adapter.rules.quota
    if quota is None or row.action == Action.DELETE:
        return None
    limit, window = quota
    since = now - timedelta(seconds=window)
    sent = Publication.objects.filter(
        channel=channel, sent_at__gte=since, dry_run=False, status=Status.POSTED
    ).aggregate(count=Count("pk"), oldest=Min("sent_at"))
    if sent["count"] < limit:
        return None
    oldest = sent["oldest"] or now
    resume = oldest + timedelta(seconds=window) + timedelta(seconds=random.uniform(0, 5))
    return _hold(
        row,
        resume,
        _(
            "Waiting for %(platform)s's posting limit (%(limit)s posts per %(minutes)s minutes); "
            "goes out at %(time)s."
        )
        % {
            "platform": adapter.label,
            "limit": limit,
            "minutes": max(1, window // 60),
            "time": timezone.localtime(resume).strftime("%H:%M"),
        },
    )


def _hold(row: Publication, until, message: str) -> str:
    Publication.objects.filter(pk=row.pk).update(
        status=Status.PENDING,
        attempts=F("attempts") - 1,
        next_attempt_at=until,
        lease_until=None,
        error=message,
    )
    return Status.PENDING


def _count_failure(channel: Channel) -> None:
    Channel.objects.filter(pk=channel.pk).update(failure_streak=F("failure_streak") + 1)
    channel.refresh_from_db(fields=["failure_streak"])
    if channel.failure_streak >= conf.get("BREAKER_THRESHOLD"):
        until = timezone.now() + timedelta(seconds=conf.get("BREAKER_PAUSE_SECONDS"))
        Channel.objects.filter(pk=channel.pk).update(
            paused_until=until,
            status=Channel.Status.ERROR,
            status_detail=_("Paused after %(n)s failed attempts in a row; tries again at %(time)s.")
            % {"n": channel.failure_streak, "time": timezone.localtime(until).strftime("%H:%M")},
        )


def _deliver_with(row: Publication, adapter: adapter_base.Adapter) -> str:
    from .compose.post import build_post

    dry_run = bool(conf.get("DRY_RUN") or row.channel.dry_run or row.dry_run)
    if row.action == Action.DELETE:
        if not dry_run:
            adapter.delete(_receipt_of(row.target))
            if row.target_id is not None:
                Publication.objects.filter(pk=row.target_id).update(status=Status.DELETED)
        return _finish(row, Status.POSTED, dry_run=dry_run)

    post, notes = build_post(row, adapter)
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
            exc.message = "\n".join([*(str(n) for n in notes), exc.message])
        raise
    return _finish(
        row,
        Status.POSTED,
        remote_id=receipt.remote_id,
        remote_url=receipt.url,
        raw=receipt.raw,
        notes=[*notes, *receipt.notes],  # e.g. a thread whose later replies failed
        **sent,
    )


def _receipt_of(target: Publication | None) -> Receipt:
    if target is None or not target.remote_id:
        raise adapter_base.PermanentError(_("The original post has no remote id to change."))
    raw = target.raw_response if isinstance(target.raw_response, dict) else {}
    return Receipt(remote_id=target.remote_id, url=target.remote_url, raw=raw)


def _finish(row: Publication, status: str, *, error: str = "", raw: Any = None, notes=(), **kw):
    now = timezone.now()
    if notes:
        error = "\n".join([*(str(n) for n in notes), error]).strip()
    fields: dict[str, Any] = {
        "status": status,
        "error": error,
        "raw_response": trim(raw) if raw is not None else None,
        "lease_until": None,
        "updated_at": now,
        **kw,
    }
    if status == Status.POSTED:
        fields["sent_at"] = now
    if "remote_url" in fields:  # a platform's answer becomes a link only if it is http(s)
        from wagtail_crosspost.url_safety import storable_url

        fields["remote_url"] = storable_url(fields["remote_url"])
    Publication.objects.filter(pk=row.pk).update(**fields)
    for name, value in fields.items():
        setattr(row, name, value)
    # A receiver that raises must not turn a sent post into a failed one (and a repost).
    for receiver, result in signals.publication_finished.send_robust(
        sender=Publication, publication=row
    ):
        if isinstance(result, Exception):
            logger.error("publication_finished receiver %r raised %r", receiver, result)
    _log_on_page(row)
    return status


def _ambiguous_since(row: Publication):
    raw = row.raw_response
    value = raw.get(AMBIGUOUS_SINCE) if isinstance(raw, dict) else None
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _repeat_no_longer_recognised(row: Publication, adapter: adapter_base.Adapter) -> str | None:
    """An earlier attempt may have posted, and the platform has (nearly) forgotten its key: a
    repeat now could be a second post. Unknown — check, instead of sending."""
    window = adapter.idempotency_window
    since = _ambiguous_since(row)
    if not window or since is None or row.action != Action.POST:
        return None  # an edit or a delete repeated does no harm
    if timezone.now() - since < timedelta(seconds=window * WINDOW_MARGIN):
        return None
    return _finish(
        row,
        Status.UNKNOWN,
        error=_(
            "An attempt at %(time)s may have published this post, but its answer was lost, and "
            "%(platform)s recognises a repeat only for %(minutes)s minutes. So it was not sent "
            "again. Check the account; use Retry only if the post is not there."
        )
        % {
            "time": timezone.localtime(since).strftime("%H:%M"),
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
            error=_("Gave up after %(n)s attempts. Last error: %(error)s")
            % {"n": row.attempts, "error": exc.message},
            raw=exc.raw,
        )
    delay = backoff(row.attempts, retry_after)
    Publication.objects.filter(pk=row.pk).update(
        status=Status.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        lease_until=None,
        error=exc.message,
        raw_response=_answer_to_keep(row, exc, ambiguous_since),
    )
    return Status.PENDING


def _answer_to_keep(row: Publication, exc: adapter_base.AdapterError, ambiguous_since=None):
    """The platform's answer for the log, and an earlier uncertain attempt's time, which stays on
    record until the row is final, whatever came since."""
    raw = trim(exc.raw) if exc.raw is not None else None
    since = _ambiguous_since(row) or ambiguous_since
    if since is not None:
        raw = {AMBIGUOUS_SINCE: since.isoformat(), "answer": raw}
    return raw


def _hold_for_reconnect(row: Publication, exc: adapter_base.AdapterError | None = None) -> str:
    # Not an attempt: the post waits until the channel is reconnected, then goes out by itself.
    if exc is not None and exc.raw is not None:
        Publication.objects.filter(pk=row.pk).update(raw_response=_answer_to_keep(row, exc))
    return _hold(
        row,
        timezone.now() + timedelta(minutes=15),
        _(
            "Waiting: the channel “%(channel)s” needs to be reconnected in Settings → Social "
            "channels. The post goes out once it is."
        )
        % {"channel": row.channel.name},
    )


def resume_channel(channel: Channel) -> int:
    """After reconnecting (or a successful test): rows held for this channel become due now."""
    from .planning import enqueue

    Channel.objects.filter(pk=channel.pk).update(failure_streak=0, paused_until=None)
    held = Publication.objects.filter(channel=channel, status=Status.PENDING)
    rows = list(held)
    count = held.update(next_attempt_at=timezone.now())
    enqueue(rows)
    return count


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter; the platform's own hint wins when it is longer."""
    base = conf.get("RETRY_BASE_SECONDS")
    cap = conf.get("RETRY_MAX_SECONDS")
    delay = random.uniform(base / 2, min(cap, base * 2 ** max(0, attempts - 1)))
    if retry_after is not None:
        delay = max(delay, float(retry_after) + random.uniform(0, 5))
    return min(delay, cap) if retry_after is None else delay


def retry(publication: Publication, user: Any = None) -> bool:
    """The editor's Retry on a failed or unknown row."""
    updated = Publication.objects.filter(
        pk=publication.pk, status__in=(Status.FAILED, Status.UNKNOWN)
    ).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        error="",
        raw_response=None,  # the editor checked: an earlier uncertain attempt no longer counts
    )
    if updated:
        from .planning import enqueue

        enqueue([publication])
    return bool(updated)


def deliver_due(limit: int = 50) -> dict[str, int]:
    """The sweep: deliver up to ``limit`` due rows. Returns a count per resulting status."""
    counts: dict[str, int] = {}
    if connection.vendor == "postgresql":
        # One row at a time, each taken with SKIP LOCKED: sweeps running side by side never
        # try the same rows (with a shared list of ids, each would lose most of its claims).
        for _ in range(limit):
            claimed = claim_next()
            if claimed is None:
                break
            row = claimed[1]
            if row is not None:
                done = _deliver_claimed(row)
                counts[done] = counts.get(done, 0) + 1
        return counts
    for pk in claim_due(limit):
        status = deliver(pk)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts


# -- page history --------------------------------------------------------------------------------

LOG_ACTIONS: dict[tuple[str, str], str] = {
    (Action.POST, Status.POSTED): "wagtail_crosspost.posted",
    (Action.UPDATE, Status.POSTED): "wagtail_crosspost.updated",
    (Action.DELETE, Status.POSTED): "wagtail_crosspost.deleted",
}


def _log_on_page(row: Publication) -> None:
    from wagtail.log_actions import log

    if row.page_id is None:
        return
    action = LOG_ACTIONS.get((str(row.action), str(row.status)))
    if action is None and row.status in (Status.FAILED, Status.UNKNOWN):
        action = "wagtail_crosspost.failed"
    if action is None:
        return
    try:
        # The history entry needs the page's type, id and title, not its content.
        page = row.page.specific_deferred if row.page else None
        if page is None:
            return
        log(
            instance=page,
            action=action,
            user=row.requested_by,
            data={
                "channel": row.channel.name,
                "url": row.remote_url,
                "error": row.error[:500],
                "dry_run": row.dry_run,
            },
        )
    except Exception:  # the history entry must never undo a delivery
        logger.exception("Could not write the page history entry for publication %s", row.pk)
