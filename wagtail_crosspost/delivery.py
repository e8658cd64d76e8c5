"""The outbox state machine: plan, claim, deliver, retry. It knows nothing about HTTP.

Every state change of a ``Publication`` happens here. The task queue only wakes ``deliver``; the
``crosspost_deliver`` sweep finds every due row by itself, so a lost message loses nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf, signals
from .adapters import base as adapter_base
from .adapters.base import Receipt
from .adapters.http import trim
from .models import Channel, CrosspostRequest, Publication

logger = logging.getLogger("wagtail_crosspost")

Status = Publication.Status
Action = Publication.Action


# -- plan ----------------------------------------------------------------------------------------


def requests_of(revision: Any) -> list[CrosspostRequest]:
    """The crosspost choices stored in a revision (the page as it was published)."""
    page = revision.as_object()
    return [r for r in page.crosspost_requests.all() if r.enabled]


def plan_publications(
    page: Any,
    revision: Any,
    user: Any = None,
    *,
    choices: Iterable[CrosspostRequest] | None = None,
    explicit: bool = False,
    dry_run: bool = False,
) -> list[Publication]:
    """Create the outbox rows a publish of ``revision`` calls for. Returns the new rows.

    A page is posted to a channel once; a later publish posts again only when the editor ticked
    "post again", and edits the existing post only when they ticked "update the existing post".
    ``choices`` replaces the choices stored in the revision (the Python API); ``explicit`` says
    they were made just now, so "post again" applies even to the same revision.
    """
    created: list[Publication] = []
    available = {c.pk: c for c in Channel.objects.for_page(page)}
    for request in requests_of(revision) if choices is None else choices:
        channel = available.get(request.channel_id)
        if channel is None:
            continue
        row = _plan_one(page, revision, channel, request, user, explicit, dry_run)
        if row is not None:
            created.append(row)
    return created


def _plan_one(page, revision, channel, request, user, explicit, dry_run) -> Publication | None:
    posts = Publication.objects.filter(page=page, channel=channel, action=Action.POST)
    latest = posts.order_by("-generation").first()
    fields = {
        "page_title": page.title[:255],
        "revision": revision,
        "requested_by": user,
        "message": request.message,
        "image_id_override": request.image_id,
        "dry_run": dry_run,
    }
    fresh_choice = explicit or (
        latest is None
        or (latest.revision_id != revision.pk and revision.created_at > latest.created_at)
    )
    if latest is None:
        return _create_post(page, channel, 0, fields)
    if latest.status in (Status.FAILED, Status.SKIPPED) and fresh_choice:
        # The editor publishes again after a failure: try once more with the new content.
        updated = Publication.objects.filter(pk=latest.pk, status=latest.status).update(
            status=Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            error="",
            **fields,
        )
        return Publication.objects.get(pk=latest.pk) if updated else None
    if latest.status == Status.DELETED or (request.repost and fresh_choice):
        return _create_post(page, channel, latest.generation + 1, fields)
    if request.update_existing and fresh_choice and latest.status == Status.POSTED:
        if "update" not in channel.get_adapter().supports:
            return None
        already = Publication.objects.filter(
            target=latest, action=Action.UPDATE, revision=revision
        ).exists()
        if already:
            return None
        return Publication.objects.create(
            page=page, channel=channel, action=Action.UPDATE, target=latest, **fields
        )
    return None


def _create_post(page, channel, generation, fields) -> Publication | None:
    try:
        with transaction.atomic():
            return Publication.objects.create(
                page=page, channel=channel, action=Action.POST, generation=generation, **fields
            )
    except IntegrityError:
        # Another publish of the same page planned this post a moment ago: never twice.
        return None


def plan_deletions(page: Any, user: Any = None) -> list[Publication]:
    """Delete rows for the page's posts on channels whose policy is to delete on unpublish."""
    created = []
    posted = Publication.objects.filter(
        page=page,
        action=Action.POST,
        status=Status.POSTED,
        dry_run=False,
        channel__on_unpublish=Channel.OnUnpublish.DELETE,
    ).select_related("channel")
    for target in posted:
        if "delete" not in target.channel.get_adapter().supports:
            continue
        pending = Publication.objects.filter(
            target=target, action=Action.DELETE, status__in=Publication.ACTIVE_STATUSES
        )
        if pending.exists():
            continue
        created.append(
            Publication.objects.create(
                page=page,
                page_title=target.page_title,
                channel=target.channel,
                action=Action.DELETE,
                target=target,
                requested_by=user,
            )
        )
    return created


def enqueue(publications: Iterable[Publication]) -> None:
    """Wake a worker for each row once the surrounding transaction has committed."""
    pks = [p.pk for p in publications]
    if not pks:
        return

    def send() -> None:
        from .tasks import deliver_publication

        for pk in pks:
            try:
                deliver_publication.using(
                    backend=conf.get("TASK_BACKEND"), queue_name=conf.get("QUEUE")
                ).enqueue(pk)
            except Exception:
                # The sweep delivers the row anyway; a broken queue must not break publishing.
                logger.exception("Could not enqueue publication %s; the sweep will deliver it", pk)

    transaction.on_commit(send)


# -- claim ---------------------------------------------------------------------------------------


def claim(pk: int, now=None) -> Publication | None:
    """Take the row for this worker if it is due. At most one worker wins (compare-and-set)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=conf.get("LEASE_SECONDS"))
    row = Publication.objects.filter(pk=pk).select_related("channel").first()
    if row is None:
        return None
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Status.SENDING, lease_until__lt=now
    )
    previous_status = row.status
    won = Publication.objects.filter(due, pk=pk, status=previous_status).update(
        status=Status.SENDING,
        lease_until=lease,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not won:
        return None
    row.refresh_from_db()
    if previous_status == Status.SENDING and not _safe_to_repeat(row):
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
    channel = row.channel
    if not channel.enabled:
        return _finish(row, Status.SKIPPED, error=_("The channel was disabled before sending."))
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
    try:
        return _deliver_with(row, adapter)
    except adapter_base.AuthError as exc:
        channel.mark(Channel.Status.NEEDS_RECONNECT, exc.message)
        return _hold_for_reconnect(row, exc)
    except adapter_base.TransientError as exc:
        return _retry_later(row, exc, exc.retry_after)
    except adapter_base.AmbiguousError as exc:
        if adapter.idempotent:
            return _retry_later(row, exc, None)
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
        "sent_text": post.text,
        "sent_media": [m.describe() for m in post.media],
    }
    if dry_run:
        return _finish(row, Status.POSTED, dry_run=True, notes=notes, **sent)
    if row.action == Action.UPDATE:
        receipt = adapter.update(_receipt_of(row.target), post)
    else:
        receipt = adapter.publish(post)
    return _finish(
        row,
        Status.POSTED,
        remote_id=receipt.remote_id,
        remote_url=receipt.url,
        raw=receipt.raw,
        notes=notes,
        **sent,
    )


def _receipt_of(target: Publication | None) -> Receipt:
    if target is None or not target.remote_id:
        raise adapter_base.PermanentError(_("The original post has no remote id to change."))
    return Receipt(remote_id=target.remote_id, url=target.remote_url)


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
    Publication.objects.filter(pk=row.pk).update(**fields)
    for name, value in fields.items():
        setattr(row, name, value)
    signals.publication_finished.send(sender=Publication, publication=row)
    _log_on_page(row)
    return status


def _retry_later(row: Publication, exc: adapter_base.AdapterError, retry_after) -> str:
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
        raw_response=trim(exc.raw) if exc.raw is not None else None,
    )
    return Status.PENDING


def _hold_for_reconnect(row: Publication, exc: adapter_base.AdapterError | None = None) -> str:
    # Not an attempt: the post waits until the channel is reconnected, then goes out by itself.
    Publication.objects.filter(pk=row.pk).update(
        status=Status.PENDING,
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now() + timedelta(minutes=15),
        lease_until=None,
        error=_(
            "Waiting: the channel “%(channel)s” needs to be reconnected in Settings → Social "
            "channels. The post goes out once it is."
        )
        % {"channel": row.channel.name},
        raw_response=trim(exc.raw) if exc is not None and exc.raw is not None else None,
    )
    return Status.PENDING


def resume_channel(channel: Channel) -> int:
    """After reconnecting: rows held for this channel become due now."""
    return Publication.objects.filter(channel=channel, status=Status.PENDING).update(
        next_attempt_at=timezone.now()
    )


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
    ).update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), error="")
    if updated:
        enqueue([publication])
    return bool(updated)


def deliver_due(limit: int = 50) -> dict[str, int]:
    """The sweep: deliver every due row once. Returns a count per resulting status."""
    counts: dict[str, int] = {}
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
        page = row.page.specific if row.page else None
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
